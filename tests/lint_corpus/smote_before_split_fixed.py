# Credit card fraud detection - https://www.kaggle.com/mlg-ulb/creditcardfraud
import pandas as pd
import numpy as np
import matplotlib.pyplot as plt
from sklearn.preprocessing import StandardScaler
from sklearn.model_selection import train_test_split
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import (classification_report, confusion_matrix, recall_score,
                             precision_score, roc_auc_score)
from imblearn.over_sampling import SMOTE

data = pd.read_csv("creditcard.csv")
print(data["Class"].value_counts())

data = data.drop(["Time"], axis=1)
X = data.drop("Class", axis=1)
y = data["Class"].values

X_train, X_test, y_train, y_test = train_test_split(X, y, test_size=0.3, random_state=0, stratify=y)

# Amount is not on the same scale as the PCA components V1..V28
amount_scaler = StandardScaler().fit(X_train[["Amount"]])
X_train = X_train.assign(Amount=amount_scaler.transform(X_train[["Amount"]]).ravel())
X_test = X_test.assign(Amount=amount_scaler.transform(X_test[["Amount"]]).ravel())

# balance the classes - training data only, the test set keeps the real class ratio
sm = SMOTE(random_state=2)
X_train_res, y_train_res = sm.fit_resample(X_train, y_train)
print("after SMOTE:", np.bincount(y_train_res))

lr = LogisticRegression(C=0.01, penalty="l2", max_iter=1000)
lr.fit(X_train_res, y_train_res)
y_pred = lr.predict(X_test)

print("recall:", recall_score(y_test, y_pred))
print("precision:", precision_score(y_test, y_pred))
print("roc auc:", roc_auc_score(y_test, lr.predict_proba(X_test)[:, 1]))
print(confusion_matrix(y_test, y_pred))
