"""Next-hour household power forecast (UCI individual household electric power consumption)."""
import numpy as np
import pandas as pd
from sklearn.ensemble import HistGradientBoostingRegressor
from sklearn.metrics import mean_absolute_error


def load_hourly(path="household_power_consumption.txt"):
    raw = pd.read_csv(path, sep=";", na_values="?", low_memory=False)
    raw["dt"] = pd.to_datetime(raw["Date"] + " " + raw["Time"], dayfirst=True)
    raw = raw.drop(columns=["Date", "Time"]).set_index("dt").astype(float)
    return raw.resample("h").mean().ffill()


hourly = load_hourly()
gap = hourly["Global_active_power"]

df = pd.DataFrame(index=hourly.index)
df["target"] = gap.shift(-1)                      # next hour
df["gap_now"] = gap
df["gap_lag1"] = gap.shift(1)
df["gap_same_hour_yday"] = gap.shift(23)          # 24h before the target hour
df["sub3"] = hourly["Sub_metering_3"]
df["voltage_now"] = hourly["Voltage"]
df["intensity_now"] = hourly["Global_intensity"]
df["intensity_lag1"] = hourly["Global_intensity"].shift(1)

df["hour"] = df.index.hour
df["dow"] = df.index.dayofweek
df = df.dropna()

split_at = df.index[int(len(df) * 0.8)]
train, test = df[df.index < split_at], df[df.index >= split_at]

reg = HistGradientBoostingRegressor(max_iter=500, learning_rate=0.05, random_state=0)
reg.fit(train.drop(columns="target"), train["target"])
pred = reg.predict(test.drop(columns="target"))
print("MAE (kW):", mean_absolute_error(test["target"], pred))
