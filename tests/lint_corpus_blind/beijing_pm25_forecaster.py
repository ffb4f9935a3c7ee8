"""Next-hour PM2.5 forecast for Beijing (UCI PRSA_data_2010.1.1-2014.12.31.csv)."""
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from sklearn.ensemble import HistGradientBoostingRegressor
from sklearn.metrics import mean_absolute_error


@dataclass
class PM25Forecaster:
    path: str = "PRSA_data_2010.1.1-2014.12.31.csv"
    test_year: int = 2014
    model: HistGradientBoostingRegressor = field(
        default_factory=lambda: HistGradientBoostingRegressor(max_iter=500, learning_rate=0.05, random_state=0)
    )

    def load(self):
        df = pd.read_csv(self.path)
        df["ts"] = pd.to_datetime(df[["year", "month", "day", "hour"]])
        df = df.set_index("ts").sort_index().rename(columns={"pm2.5": "pm25"})
        df["cbwd"] = df["cbwd"].map({"NE": 0, "NW": 1, "SE": 2, "cv": 3})  # combined wind direction
        return df

    def make_features(self, df):
        out = df.copy()
        out["target"] = out["pm25"].shift(-1)          # value of the next hour
        out["pm25_lag1"] = out["pm25"].shift(1)
        out["pm25_lag24"] = out["pm25"].shift(24)
        out["pm25_smooth"] = out["pm25"].rolling(6, center=True, min_periods=1).mean()
        out["dewp_change"] = out["DEWP"].diff(-1)
        out["hour"] = out.index.hour
        out["dow"] = out.index.dayofweek
        return out.dropna(subset=["target"])

    def split(self, df):
        train = df[df.index.year < self.test_year]
        test = df[df.index.year == self.test_year]
        return train, test

    def run(self):
        df = self.make_features(self.load())
        train, test = self.split(df)
        feats = [c for c in df.columns if c not in ("No", "year", "target")]
        self.model.fit(train[feats], train["target"])
        pred = self.model.predict(test[feats])
        mae = mean_absolute_error(test["target"], pred)
        naive = mean_absolute_error(test["target"], test["pm25"].ffill().fillna(0))
        print(f"MAE model {mae:.2f}  |  persistence {naive:.2f}")
        return mae


if __name__ == "__main__":
    PM25Forecaster().run()
