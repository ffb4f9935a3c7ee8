"""Predict whether AAPL closes higher tomorrow."""
import numpy as np
import pandas as pd
from sklearn.ensemble import RandomForestClassifier
from sklearn.model_selection import train_test_split
from sklearn.metrics import accuracy_score, precision_score

df = pd.read_csv("AAPL.csv", parse_dates=["Date"], index_col="Date").sort_index()

df["ret_1"] = df["Close"].pct_change()
df["ret_5"] = df["Close"].pct_change(5)
df["ma10_ratio"] = df["Close"] / df["Close"].rolling(10).mean()
df["ma50_ratio"] = df["Close"] / df["Close"].rolling(50).mean()
df["vol_10"] = df["ret_1"].rolling(10).std()
df["volume_ratio"] = df["Volume"] / df["Volume"].rolling(20).mean()
df["hl_range"] = (df["High"] - df["Low"]) / df["Close"]

# target: does tomorrow close above today?
df["next_close"] = df["Close"].shift(-1)
df = df.dropna()
df["target"] = (df["next_close"] > df["Close"]).astype(int)

features = ["ret_1", "ret_5", "ma10_ratio", "ma50_ratio", "vol_10", "volume_ratio", "hl_range"]
X = df[features]
y = df["target"]

X_train, X_test, y_train, y_test = train_test_split(X, y, test_size=0.2, random_state=42)

model = RandomForestClassifier(n_estimators=500, min_samples_split=50, random_state=1)
model.fit(X_train, y_train)
preds = model.predict(X_test)
print("accuracy :", accuracy_score(y_test, preds))
print("precision:", precision_score(y_test, preds))
