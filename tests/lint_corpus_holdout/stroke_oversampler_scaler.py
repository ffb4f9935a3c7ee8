import pandas as pd
import numpy as np
from imblearn.over_sampling import RandomOverSampler
from sklearn.preprocessing import StandardScaler
from sklearn.model_selection import train_test_split
from sklearn.ensemble import RandomForestClassifier
from sklearn.metrics import classification_report, recall_score, roc_auc_score

df = pd.read_csv("healthcare-dataset-stroke-data.csv")
df = df.drop(columns=["id"])
df = df[df.gender != "Other"]
df["bmi"] = df["bmi"].fillna(df["bmi"].mean())

df = pd.get_dummies(df, columns=["gender", "ever_married", "work_type",
                                 "Residence_type", "smoking_status"], drop_first=True)

X = df.drop("stroke", axis=1)
y = df["stroke"]
print(y.value_counts())          # ~ 4860 vs 249

scaler = StandardScaler()
X = pd.DataFrame(scaler.fit_transform(X), columns=X.columns)

ros = RandomOverSampler(random_state=0)
X_ros, y_ros = ros.fit_resample(X, y)
print("after oversampling:", np.bincount(y_ros))

X_train, X_test, y_train, y_test = train_test_split(X_ros, y_ros, test_size=0.25, random_state=0)

rf = RandomForestClassifier(n_estimators=300, random_state=0, n_jobs=-1)
rf.fit(X_train, y_train)
y_pred = rf.predict(X_test)
print(classification_report(y_test, y_pred))
print("recall (stroke):", recall_score(y_test, y_pred))
print("roc auc:", roc_auc_score(y_test, rf.predict_proba(X_test)[:, 1]))
