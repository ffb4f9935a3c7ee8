import numpy as np
import pandas as pd
from sklearn.preprocessing import LabelEncoder
from sklearn.model_selection import train_test_split
from sklearn.ensemble import RandomForestClassifier
from sklearn.metrics import accuracy_score, f1_score

df = pd.read_csv("adult.csv", skipinitialspace=True, na_values="?")
print(df.describe())                 # just looking
print(df.isna().mean().round(3))

df["occupation"] = df["occupation"].fillna("Unknown")
df["workclass"] = df["workclass"].fillna("Unknown")
df = df.dropna()                      # native_country: drop the few missing rows

df["capital_gain"] = np.log1p(df["capital_gain"])
df["capital_loss"] = np.log1p(df["capital_loss"])
df["hours_per_week"] = df["hours_per_week"].clip(upper=80)
df["age"] = df["age"] / 100.0

le = LabelEncoder()
df["income"] = le.fit_transform(df["income"])
df2 = pd.get_dummies(df.drop(columns=["fnlwgt", "education"]), drop_first=True)

X_train, X_test, y_train, y_test = train_test_split(
    df2.drop(columns="income"), df2["income"], test_size=0.2, stratify=df2["income"], random_state=4)

rf = RandomForestClassifier(n_estimators=500, min_samples_leaf=3, n_jobs=-1, random_state=4)
rf.fit(X_train, y_train)
pred = rf.predict(X_test)
print("classes:", list(le.classes_))
print("accuracy %.4f  f1 %.4f" % (accuracy_score(y_test, pred), f1_score(y_test, pred)))
