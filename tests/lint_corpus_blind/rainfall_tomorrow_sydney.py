"""Will it rain tomorrow in Sydney?  (weatherAUS.csv, Kaggle "Rain in Australia")"""
import pandas as pd
from sklearn.ensemble import GradientBoostingClassifier
from sklearn.metrics import accuracy_score, f1_score, roc_auc_score

LOCATION = "Sydney"
NUM_COLS = ["MinTemp", "MaxTemp", "Rainfall", "Evaporation", "Sunshine", "WindGustSpeed",
            "Humidity9am", "Humidity3pm", "Pressure9am", "Pressure3pm",
            "Cloud9am", "Cloud3pm", "Temp9am", "Temp3pm"]

weather = pd.read_csv("weatherAUS.csv", parse_dates=["Date"])
df = weather[weather["Location"] == LOCATION].sort_values("Date").set_index("Date")
df = df.dropna(subset=["RainTomorrow"])

# gaps in the station record
df[NUM_COLS] = df[NUM_COLS].bfill()

df["RainToday"] = (df["RainToday"] == "Yes").astype(int)
df["RainTomorrow"] = (df["RainTomorrow"] == "Yes").astype(int)

# engineered features
df["humidity_delta"] = df["Humidity3pm"] - df["Humidity9am"]
df["pressure_tendency"] = df["Pressure9am"].shift(-1) - df["Pressure9am"]
df["rain_3d_mean"] = df["Rainfall"].rolling(3, center=True).mean()
df["month"] = df.index.month
df = df.dropna(subset=["pressure_tendency", "rain_3d_mean"])

features = NUM_COLS + ["RainToday", "humidity_delta", "pressure_tendency", "rain_3d_mean", "month"]

train = df.loc[:"2014-12-31"]
test = df.loc["2015-01-01":]

clf = GradientBoostingClassifier(n_estimators=300, learning_rate=0.05, max_depth=3, random_state=0)
clf.fit(train[features], train["RainTomorrow"])

proba = clf.predict_proba(test[features])[:, 1]
pred = (proba >= 0.5).astype(int)
print("accuracy", accuracy_score(test["RainTomorrow"], pred))
print("f1      ", f1_score(test["RainTomorrow"], pred))
print("auc     ", roc_auc_score(test["RainTomorrow"], proba))
