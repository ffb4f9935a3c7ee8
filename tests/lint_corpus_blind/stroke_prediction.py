# Stroke prediction - healthcare-dataset-stroke-data.csv (Kaggle, fedesoriano)
import pandas as pd
from sklearn.ensemble import RandomForestClassifier
from sklearn.metrics import classification_report, confusion_matrix, roc_auc_score
from sklearn.model_selection import train_test_split

df = pd.read_csv("healthcare-dataset-stroke-data.csv")
df = df.drop(columns="id")
df = df[df["gender"] != "Other"]

print(df.isna().sum())
df["bmi"] = df["bmi"].fillna(df["bmi"].mean())

df = pd.get_dummies(df, columns=["gender", "ever_married", "work_type", "Residence_type", "smoking_status"],
                    drop_first=True)

# only ~5% strokes: oversample the positive class
df_major = df[df.stroke == 0]
df_minor = df[df.stroke == 1]
df_minor_over = df_minor.sample(n=len(df_major), replace=True, random_state=1)
df_bal = pd.concat([df_major, df_minor_over]).sample(frac=1, random_state=1)

X = df_bal.drop(columns="stroke")
y = df_bal["stroke"]
X_train, X_test, y_train, y_test = train_test_split(X, y, test_size=0.2, random_state=1)

clf = RandomForestClassifier(n_estimators=300, random_state=1)
clf.fit(X_train, y_train)
pred = clf.predict(X_test)
print(confusion_matrix(y_test, pred))
print(classification_report(y_test, pred))
print("ROC-AUC", roc_auc_score(y_test, clf.predict_proba(X_test)[:, 1]))
