import numpy as np
import pandas as pd
from sklearn.model_selection import train_test_split, GridSearchCV, StratifiedKFold
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.metrics import roc_auc_score
from xgboost import XGBClassifier


def load_telco(path="telco_churn.csv"):
    df = pd.read_csv(path)
    df["TotalCharges"] = pd.to_numeric(df["TotalCharges"], errors="coerce").fillna(0)
    df["Churn"] = df["Churn"].map({"Yes": 1, "No": 0})
    return pd.get_dummies(df.drop(columns="customerID"), drop_first=True)


df = load_telco()
X = df.drop(columns="Churn").astype(float)
y = df["Churn"]
X_train, X_test, y_train, y_test = train_test_split(X, y, test_size=0.2, stratify=y, random_state=8)

# scaler lives inside the pipeline, so every CV fold and the final fit only learn from training rows
pipe = Pipeline([
    ("sc", StandardScaler()),
    ("xgb", XGBClassifier(n_estimators=300, subsample=0.8, eval_metric="logloss")),
])
grid = GridSearchCV(
    pipe,
    param_grid={"xgb__max_depth": [2, 3, 4, 5, 6, 8], "xgb__learning_rate": [0.03, 0.1, 0.3]},
    scoring="roc_auc",
    cv=StratifiedKFold(n_splits=5, shuffle=True, random_state=8),
    n_jobs=-1,
)
grid.fit(X_train, y_train)
for params, score in zip(grid.cv_results_["params"], grid.cv_results_["mean_test_score"]):
    print(params, f"CV AUC {score:.4f}")

print("best:", grid.best_params_, "CV AUC %.4f" % grid.best_score_)
auc = roc_auc_score(y_test, grid.best_estimator_.predict_proba(X_test)[:, 1])
print("held-out test AUC %.4f" % auc)
