import pandas as pd
import numpy as np
from catboost import CatBoostClassifier
from sklearn.metrics import roc_auc_score, f1_score

weather = pd.read_csv("weatherAUS.csv", parse_dates=["Date"])
weather = weather.dropna(subset=["RainTomorrow"])
weather = weather.sort_values(["Location", "Date"]).reset_index(drop=True)
weather["RainToday"] = weather["RainToday"].map({"No": 0, "Yes": 1})
weather["RainTomorrow"] = weather["RainTomorrow"].map({"No": 0, "Yes": 1})
weather["month"] = weather["Date"].dt.month

num_cols = ["MinTemp", "MaxTemp", "Rainfall", "Evaporation", "Sunshine", "WindGustSpeed",
            "Humidity9am", "Humidity3pm", "Pressure9am", "Pressure3pm", "Cloud9am",
            "Cloud3pm", "Temp9am", "Temp3pm", "RainToday"]
cat_cols = ["Location", "WindGustDir", "WindDir9am", "WindDir3pm"]

# gaps in the station records: carry the last available observation forward
weather[num_cols] = weather.groupby("Location")[num_cols].ffill()
weather = weather.dropna(subset=num_cols)
weather[cat_cols] = weather[cat_cols].fillna("NA")

train = weather[weather["Date"] < "2016-01-01"]
test = weather[weather["Date"] >= "2016-01-01"]
features = num_cols + cat_cols + ["month"]

cb = CatBoostClassifier(iterations=800, depth=6, learning_rate=0.05, verbose=200)
cb.fit(train[features], train["RainTomorrow"], cat_features=cat_cols)
proba = cb.predict_proba(test[features])[:, 1]
print("AUC:", roc_auc_score(test["RainTomorrow"], proba))
print("F1 :", f1_score(test["RainTomorrow"], proba > 0.5))
