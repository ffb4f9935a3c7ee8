import pandas as pd
import numpy as np
from sklearn.utils import resample
from sklearn.model_selection import train_test_split
from sklearn.linear_model import LogisticRegression
from sklearn.ensemble import RandomForestClassifier, GradientBoostingClassifier
from sklearn.metrics import f1_score

bank = pd.read_csv("Churn_Modelling.csv")
bank = bank.drop(columns=["RowNumber", "CustomerId", "Surname"])
bank = pd.get_dummies(bank, columns=["Geography", "Gender"], drop_first=True)

candidates = {
    "logreg": LogisticRegression(max_iter=2000),
    "random_forest": RandomForestClassifier(n_estimators=300, random_state=0),
    "gboost": GradientBoostingClassifier(random_state=0),
}


def upsample(frame, target="Exited", seed=123):
    majority = frame[frame[target] == 0]
    minority = frame[frame[target] == 1]
    minority_up = resample(minority, replace=True, n_samples=len(majority), random_state=seed)
    return pd.concat([majority, minority_up])

balanced = upsample(bank)
print(balanced["Exited"].value_counts())

X = balanced.drop("Exited", axis=1)
y = balanced["Exited"]
X_train, X_test, y_train, y_test = train_test_split(X, y, test_size=0.25, random_state=1)

scores = {}
for name, model in candidates.items():
    model.fit(X_train, y_train)
    scores[name] = f1_score(y_test, model.predict(X_test))
    print(f"{name:15s} F1 = {scores[name]:.3f}")

best = max(scores, key=scores.get)
print(f"best model: {best} (test F1 {scores[best]:.3f})")
