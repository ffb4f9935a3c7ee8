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

train_df, test_df = train_test_split(bank, test_size=0.25, stratify=bank["Exited"], random_state=1)
fit_df, val_df = train_test_split(train_df, test_size=0.2, stratify=train_df["Exited"], random_state=2)

# upsample only what the models are trained on
fit_bal = upsample(fit_df)
X_fit, y_fit = fit_bal.drop("Exited", axis=1), fit_bal["Exited"]
X_val, y_val = val_df.drop("Exited", axis=1), val_df["Exited"]

scores = {}
for name, model in candidates.items():
    model.fit(X_fit, y_fit)
    scores[name] = f1_score(y_val, model.predict(X_val))
    print(f"{name:15s} validation F1 = {scores[name]:.3f}")

best = max(scores, key=scores.get)

# refit the chosen model on the whole (upsampled) training part, one look at the test set
train_bal = upsample(train_df)
final = candidates[best].fit(train_bal.drop("Exited", axis=1), train_bal["Exited"])
X_test, y_test = test_df.drop("Exited", axis=1), test_df["Exited"]
print(f"chosen: {best}, test F1 = {f1_score(y_test, final.predict(X_test)):.3f}")
