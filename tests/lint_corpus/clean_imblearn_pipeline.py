# insurance claims fraud - SMOTE inside an imblearn pipeline
import pandas as pd
from imblearn.pipeline import Pipeline as ImbPipeline
from imblearn.over_sampling import SMOTE
from imblearn.under_sampling import RandomUnderSampler
from sklearn.preprocessing import RobustScaler
from sklearn.ensemble import RandomForestClassifier
from sklearn.model_selection import train_test_split, GridSearchCV, StratifiedKFold
from sklearn.metrics import classification_report, roc_auc_score

claims = pd.read_csv("insurance_claims.csv")
claims = claims.drop(columns=["policy_number", "policy_bind_date", "incident_date", "incident_location", "_c39"])
claims["fraud_reported"] = (claims["fraud_reported"] == "Y").astype(int)
claims = pd.get_dummies(claims, drop_first=True)

X = claims.drop("fraud_reported", axis=1)
y = claims["fraud_reported"]
X_train, X_test, y_train, y_test = train_test_split(X, y, test_size=0.25, stratify=y, random_state=11)

pipe = ImbPipeline(steps=[
    ("scale", RobustScaler()),
    ("over", SMOTE(sampling_strategy=0.6, random_state=11)),
    ("under", RandomUnderSampler(sampling_strategy=0.9, random_state=11)),
    ("rf", RandomForestClassifier(random_state=11)),
])
grid = GridSearchCV(
    pipe,
    {"rf__n_estimators": [200, 500], "rf__max_depth": [None, 8, 16], "over__k_neighbors": [3, 5]},
    cv=StratifiedKFold(5, shuffle=True, random_state=11),
    scoring="roc_auc",
    n_jobs=-1,
)
grid.fit(X_train, y_train)
print("best:", grid.best_params_, "cv auc", round(grid.best_score_, 4))

proba = grid.predict_proba(X_test)[:, 1]
print("test AUC:", roc_auc_score(y_test, proba))
print(classification_report(y_test, proba > 0.5))
