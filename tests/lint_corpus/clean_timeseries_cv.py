"""Forecast tomorrow's bike rentals (UCI bike sharing, day.csv)."""
import numpy as np
import pandas as pd
from sklearn.linear_model import Ridge
from sklearn.model_selection import TimeSeriesSplit, GridSearchCV
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.metrics import mean_absolute_error

bikes = pd.read_csv("bike-sharing/day.csv", parse_dates=["dteday"]).set_index("dteday").sort_index()
bikes[["temp", "hum", "windspeed"]] = bikes[["temp", "hum", "windspeed"]].ffill()

bikes["target"] = bikes["cnt"].shift(-1)                 # tomorrow's rentals
for lag in (0, 1, 2, 7):
    bikes[f"cnt_lag{lag}"] = bikes["cnt"].shift(lag)
bikes["cnt_mean7"] = bikes["cnt"].rolling(7).mean()
bikes["cnt_mean28"] = bikes["cnt"].rolling(28).mean()
bikes = bikes.dropna()

features = ["season", "holiday", "weekday", "workingday", "weathersit", "temp", "hum", "windspeed",
            "cnt_lag0", "cnt_lag1", "cnt_lag2", "cnt_lag7", "cnt_mean7", "cnt_mean28"]

dev = bikes[bikes.index < "2012-10-01"]
holdout = bikes[bikes.index >= "2012-10-01"]

search = GridSearchCV(
    make_pipeline(StandardScaler(), Ridge()),
    {"ridge__alpha": np.logspace(-2, 3, 12)},
    cv=TimeSeriesSplit(n_splits=5, gap=1),
    scoring="neg_mean_absolute_error",
)
search.fit(dev[features], dev["target"])
print("alpha:", search.best_params_, "CV MAE:", -search.best_score_)

pred = search.predict(holdout[features])
print("hold-out MAE (Oct-Dec 2012):", mean_absolute_error(holdout["target"], pred))
