# Auto insurance claims - fraud detection (insurance_claims.csv, 1000 claims, ~25% fraud)
import numpy as np
import pandas as pd
from imblearn.over_sampling import ADASYN
from sklearn.ensemble import RandomForestClassifier
from sklearn.metrics import f1_score, precision_score, recall_score, roc_auc_score
from sklearn.model_selection import train_test_split

claims = pd.read_csv("insurance_claims.csv")
claims = claims.replace("?", np.nan)
claims = claims.drop(columns=["policy_number", "policy_bind_date", "incident_date",
                              "incident_location", "insured_zip", "_c39"], errors="ignore")
claims["fraud_reported"] = (claims["fraud_reported"] == "Y").astype(int)
for col in ["collision_type", "property_damage", "police_report_available"]:
    claims[col] = claims[col].fillna("UNKNOWN")

X = pd.get_dummies(claims.drop(columns="fraud_reported"), drop_first=True)
y = claims["fraud_reported"]

# train / validation / test = 60 / 20 / 20 on the original (imbalanced) data
X_dev, X_test, y_dev, y_test = train_test_split(X, y, test_size=0.2, random_state=42, stratify=y)
X_train, X_val, y_train, y_val = train_test_split(X_dev, y_dev, test_size=0.25, random_state=42, stratify=y_dev)

# frauds are the minority class -> ADASYN on the training rows only
X_train_res, y_train_res = ADASYN(random_state=42).fit_resample(X_train, y_train)

rf = RandomForestClassifier(n_estimators=500, min_samples_leaf=3, class_weight=None, random_state=42)
rf.fit(X_train_res, y_train_res)

# pick the decision threshold on the validation split
val_proba = rf.predict_proba(X_val)[:, 1]
thresholds = np.linspace(0.05, 0.95, 91)
f1s = [f1_score(y_val, val_proba >= t) for t in thresholds]
best_t = thresholds[int(np.argmax(f1s))]
print(f"threshold chosen on validation: {best_t:.2f} (val F1 {max(f1s):.3f})")

# one final look at the test set with the frozen threshold
proba = rf.predict_proba(X_test)[:, 1]
pred = (proba >= best_t).astype(int)
print("AUC      ", roc_auc_score(y_test, proba))
print("precision", precision_score(y_test, pred))
print("recall   ", recall_score(y_test, pred))
print("F1       ", f1_score(y_test, pred))
