"""Wine quality regression (UCI, red + white vinho verde)."""
import json

import numpy as np
import pandas as pd
from sklearn.ensemble import RandomForestRegressor
from sklearn.metrics import mean_absolute_error, mean_squared_error, r2_score
from sklearn.model_selection import train_test_split


class WineQualityExperiment:
    def __init__(self, red_path="winequality-red.csv", white_path="winequality-white.csv", seed=0):
        self.red_path = red_path
        self.white_path = white_path
        self.seed = seed
        self.model = None

    def load(self):
        red = pd.read_csv(self.red_path, sep=";")
        white = pd.read_csv(self.white_path, sep=";")
        red["is_red"] = 1
        white["is_red"] = 0
        self.df = pd.concat([red, white], ignore_index=True)
        return self

    def split(self, test_size=0.2):
        X = self.df.drop(columns="quality")
        y = self.df["quality"]
        self.X_train, self.X_test, self.y_train, self.y_test = train_test_split(
            X, y, test_size=test_size, random_state=self.seed
        )
        return self

    def fit(self):
        self.model = RandomForestRegressor(n_estimators=500, max_features=0.5, n_jobs=-1,
                                           random_state=self.seed)
        self.model.fit(self.X_train, self.y_train)
        return self

    def evaluate(self):
        pred = self.model.predict(self.X_test)
        metrics = {
            "rmse": float(np.sqrt(mean_squared_error(self.y_test, pred))),
            "mae": float(mean_absolute_error(self.y_test, pred)),
            "r2": float(r2_score(self.y_test, pred)),
            "acc_rounded": float(np.mean(np.round(pred) == self.y_test)),
        }
        print(json.dumps(metrics, indent=2))
        return metrics


if __name__ == "__main__":
    WineQualityExperiment().load().split().fit().evaluate()
