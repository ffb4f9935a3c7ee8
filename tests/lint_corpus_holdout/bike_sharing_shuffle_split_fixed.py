"""Capital Bikeshare hourly demand forecast (UCI Bike-Sharing-Dataset/hour.csv)."""
import numpy as np
import pandas as pd
import lightgbm as lgb
from sklearn.model_selection import train_test_split
from sklearn.metrics import mean_squared_log_error


def load_hourly(path="Bike-Sharing-Dataset/hour.csv"):
    df = pd.read_csv(path, parse_dates=["dteday"])
    df["ts"] = df["dteday"] + pd.to_timedelta(df["hr"], unit="h")
    return df.set_index("ts").sort_index()


df = load_hourly()
# casual + registered == cnt, so they must go
df = df.drop(columns=["instant", "dteday", "casual", "registered"])

for lag in (1, 2, 24, 168):
    df[f"cnt_lag{lag}"] = df["cnt"].shift(lag)
df["cnt_roll24"] = df["cnt"].shift(1).rolling(24).mean()
df = df.dropna()

X = df.drop(columns="cnt")
y = df["cnt"]

# forecast the last quarter of 2012 from everything before it
cutoff = pd.Timestamp("2012-10-01")
X_train, X_test = X[X.index < cutoff], X[X.index >= cutoff]
y_train, y_test = y[y.index < cutoff], y[y.index >= cutoff]

model = lgb.LGBMRegressor(n_estimators=800, learning_rate=0.03, num_leaves=63, subsample=0.8,
                          subsample_freq=1, colsample_bytree=0.8, random_state=0)
model.fit(X_train, y_train)
pred = np.clip(model.predict(X_test), 0, None)
print("RMSLE:", np.sqrt(mean_squared_log_error(y_test, pred)))
