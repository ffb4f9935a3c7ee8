"""Hourly bike-share demand forecasting (UCI Bike Sharing, hour.csv).

Predict the number of rentals for the next hours from calendar, weather
and recent demand.
"""
import numpy as np
import pandas as pd
from sklearn.ensemble import RandomForestRegressor
from sklearn.metrics import mean_absolute_error, mean_squared_error
from sklearn.model_selection import train_test_split

df = pd.read_csv("data/hour.csv", parse_dates=["dteday"])
df["datetime"] = df["dteday"] + pd.to_timedelta(df["hr"], unit="h")
df = df.sort_values("datetime").set_index("datetime")

# recent demand as features
for lag in [1, 2, 3, 24, 168]:
    df[f"cnt_lag_{lag}"] = df["cnt"].shift(lag)
df["cnt_roll_24"] = df["cnt"].shift(1).rolling(24).mean()
df = df.dropna()

weather_cols = ["temp", "atemp", "hum", "windspeed", "weathersit"]
calendar_cols = ["season", "yr", "mnth", "hr", "holiday", "weekday", "workingday"]
lag_cols = [c for c in df.columns if c.startswith("cnt_")]
features = calendar_cols + weather_cols + lag_cols

X = df[features]
y = df["cnt"]

# the last 20% of the timeline is the hold-out period -> no shuffling
X_train, X_test, y_train, y_test = train_test_split(X, y, test_size=0.2, shuffle=False)
print(X_train.index.max(), "<", X_test.index.min())

rf = RandomForestRegressor(n_estimators=300, min_samples_leaf=2, n_jobs=-1, random_state=42)
rf.fit(X_train, y_train)

pred = rf.predict(X_test)
print("MAE :", round(mean_absolute_error(y_test, pred), 2))
print("RMSE:", round(np.sqrt(mean_squared_error(y_test, pred)), 2))

importances = pd.Series(rf.feature_importances_, index=features).sort_values(ascending=False)
print(importances.head(10))
