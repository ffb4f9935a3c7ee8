# IBM HR Analytics - employee attrition
# data: WA_Fn-UseC_-HR-Employee-Attrition.csv
import pandas as pd
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import classification_report, recall_score, roc_auc_score
from sklearn.model_selection import train_test_split
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.utils import resample

df = pd.read_csv("WA_Fn-UseC_-HR-Employee-Attrition.csv")
df = df.drop(columns=["EmployeeCount", "Over18", "StandardHours", "EmployeeNumber"])
df["Attrition"] = df["Attrition"].map({"Yes": 1, "No": 0})
df = pd.get_dummies(df, drop_first=True)

print(df["Attrition"].value_counts())  # 1233 vs 237

train_df, test_df = train_test_split(df, test_size=0.25, random_state=123, stratify=df["Attrition"])

# upsample the leavers (training part only) so the classifier does not ignore them
majority = train_df[train_df["Attrition"] == 0]
minority = train_df[train_df["Attrition"] == 1]
minority_up = resample(minority, replace=True, n_samples=len(majority), random_state=123)
train_up = pd.concat([majority, minority_up]).reset_index(drop=True)
print(train_up["Attrition"].value_counts())

X_train = train_up.drop("Attrition", axis=1)
y_train = train_up["Attrition"]
X_test = test_df.drop("Attrition", axis=1)
y_test = test_df["Attrition"]

model = make_pipeline(StandardScaler(), LogisticRegression(C=0.5, max_iter=2000))
model.fit(X_train, y_train)

y_pred = model.predict(X_test)
print(classification_report(y_test, y_pred))
print("recall (leavers):", recall_score(y_test, y_pred))
print("ROC AUC:", roc_auc_score(y_test, model.predict_proba(X_test)[:, 1]))
