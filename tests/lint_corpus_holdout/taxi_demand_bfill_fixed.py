"""Zone-level hourly taxi pickup demand (NYC TLC yellow trips, Jan-Jun 2019)."""
import glob

import pandas as pd
from sklearn.ensemble import RandomForestRegressor
from sklearn.metrics import mean_absolute_error


def load_trips(pattern="data/yellow_tripdata_2019-0[1-6].parquet"):
    cols = ["tpep_pickup_datetime", "PULocationID"]
    return pd.concat([pd.read_parquet(p, columns=cols) for p in sorted(glob.glob(pattern))])


def hourly_demand(trips):
    trips = trips.assign(hour=trips["tpep_pickup_datetime"].dt.floor("h"))
    demand = trips.groupby(["PULocationID", "hour"]).size().rename("pickups").reset_index()
    full_idx = pd.MultiIndex.from_product(
        [demand["PULocationID"].unique(), pd.date_range("2019-01-01", "2019-06-30 23:00", freq="h")],
        names=["PULocationID", "hour"])
    return demand.set_index(["PULocationID", "hour"]).reindex(full_idx, fill_value=0).reset_index()


demand = hourly_demand(load_trips())
weather = pd.read_csv("data/central_park_hourly.csv", parse_dates=["time"]).set_index("time")
weather = weather.resample("h").mean().ffill()   # station has gaps: carry the last reading forward

demand = demand.merge(weather[["temp", "precip"]], left_on="hour", right_index=True, how="left")
demand = demand.sort_values(["PULocationID", "hour"])
g = demand.groupby("PULocationID")["pickups"]
demand["lag_1"] = g.shift(1)
demand["lag_24"] = g.shift(24)
demand["lag_168"] = g.shift(168)
demand = demand.dropna(subset=["lag_1", "lag_24", "lag_168", "temp", "precip"])

demand["hod"] = demand["hour"].dt.hour
demand["dow"] = demand["hour"].dt.dayofweek

train = demand[demand["hour"] < "2019-06-01"]
test = demand[demand["hour"] >= "2019-06-01"]
features = ["PULocationID", "hod", "dow", "temp", "precip", "lag_1", "lag_24", "lag_168"]

rf = RandomForestRegressor(n_estimators=200, min_samples_leaf=5, n_jobs=-1, random_state=0)
rf.fit(train[features], train["pickups"])
print("June MAE:", mean_absolute_error(test["pickups"], rf.predict(test[features])))
