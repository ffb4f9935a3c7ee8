# Forecast reactor temperature 6 hours ahead from hourly sensor readings
import numpy as np
import pandas as pd
from sklearn.ensemble import ExtraTreesRegressor
from sklearn.model_selection import ShuffleSplit, TimeSeriesSplit, cross_val_score

readings = pd.read_csv("plant_sensors_hourly.csv", parse_dates=["timestamp"])
readings = readings.set_index("timestamp").sort_index()
readings = readings.ffill()

HORIZON = 6
sensor_cols = ["temperature", "pressure", "flow_in", "flow_out", "valve_pos", "ambient_temp"]
for col in sensor_cols:
    for lag in (1, 2, 3, 6, 12, 24):
        readings[f"{col}_lag{lag}"] = readings[col].shift(lag)
    readings[f"{col}_mean24"] = readings[col].rolling(24).mean()
readings["hour"] = readings.index.hour
readings["target"] = readings["temperature"].shift(-HORIZON)
readings = readings.dropna()

X = readings.drop(columns=["target"])
y = readings["target"]
model = ExtraTreesRegressor(n_estimators=300, min_samples_leaf=3, n_jobs=-1, random_state=0)

cv = TimeSeriesSplit(n_splits=5, gap=HORIZON)
mae = -cross_val_score(model, X, y, cv=cv, scoring="neg_mean_absolute_error")
print("MAE per split:", np.round(mae, 3))
print("mean MAE: %.3f degC" % mae.mean())
