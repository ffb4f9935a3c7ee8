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

# Amount is not on the same scale as the PCA components V1..V28
data["normAmount"] = StandardScaler().fit_transform(data["Amount"].values.reshape(-1, 1))
data = data.drop(["Time", "Amount"], axis=1)

X = data.loc[:, data.columns != "Class"]
y = data.loc[:, data.columns == "Class"].values.ravel()

# balance the classes
sm = SMOTE(random_state=2)
X_res, y_res = sm.fit_resample(X, y)
print("after SMOTE:", np.bincount(y_res))

X_train, X_test, y_train, y_test = train_test_split(X_res, y_res, test_size=0.3, random_state=0)

lr = LogisticRegression(C=0.01, penalty="l2", max_iter=1000)
lr.fit(X_train, y_train)
y_pred = lr.predict(X_test)

print("recall:", recall_score(y_test, y_pred))
print("precision:", precision_score(y_test, y_pred))
print("roc auc:", roc_auc_score(y_test, lr.predict_proba(X_test)[:, 1]))
print(confusion_matrix(y_test, y_pred))
