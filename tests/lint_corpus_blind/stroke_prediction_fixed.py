# Stroke prediction - healthcare-dataset-stroke-data.csv (Kaggle, fedesoriano)
import pandas as pd
from sklearn.ensemble import RandomForestClassifier
from sklearn.metrics import classification_report, confusion_matrix, roc_auc_score
from sklearn.model_selection import train_test_split

df = pd.read_csv("healthcare-dataset-stroke-data.csv")
df = df.drop(columns="id")
df = df[df["gender"] != "Other"]

df = pd.get_dummies(df, columns=["gender", "ever_married", "work_type", "Residence_type", "smoking_status"],
                    drop_first=True)

train_df, test_df = train_test_split(df, test_size=0.2, random_state=1, stratify=df["stroke"])
train_df = train_df.copy()
test_df = test_df.copy()

print(train_df.isna().sum())
bmi_mean = train_df["bmi"].mean()
train_df["bmi"] = train_df["bmi"].fillna(bmi_mean)
test_df["bmi"] = test_df["bmi"].fillna(bmi_mean)

# only ~5% strokes: oversample the positive class inside the training split
df_major = train_df[train_df.stroke == 0]
df_minor = train_df[train_df.stroke == 1]
df_minor_over = df_minor.sample(n=len(df_major), replace=True, random_state=1)
train_bal = pd.concat([df_major, df_minor_over]).sample(frac=1, random_state=1)

X_train = train_bal.drop(columns="stroke")
y_train = train_bal["stroke"]
X_test = test_df.drop(columns="stroke")
y_test = test_df["stroke"]

clf = RandomForestClassifier(n_estimators=300, random_state=1)
clf.fit(X_train, y_train)
pred = clf.predict(X_test)
print(confusion_matrix(y_test, pred))
print(classification_report(y_test, pred))
print("ROC-AUC", roc_auc_score(y_test, clf.predict_proba(X_test)[:, 1]))
