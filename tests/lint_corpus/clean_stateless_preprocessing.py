import numpy as np
import pandas as pd
from sklearn.preprocessing import LabelEncoder, PolynomialFeatures, StandardScaler
from sklearn.model_selection import train_test_split
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import accuracy_score, classification_report

drugs = pd.read_csv("drug200.csv")
drugs = drugs.dropna(subset=["Drug"])
drugs["Cholesterol"] = drugs["Cholesterol"].fillna("NORMAL")
drugs["Na_to_K"] = drugs["Na_to_K"].fillna(0)
drugs["log_na_to_k"] = np.log1p(drugs["Na_to_K"])

# encode the target classes
le = LabelEncoder()
y = le.fit_transform(drugs["Drug"])

X = pd.get_dummies(drugs.drop(columns=["Drug"]), columns=["Sex", "BP", "Cholesterol"], drop_first=True)
poly = PolynomialFeatures(degree=2, include_bias=False)
X_poly = poly.fit_transform(X[["Age", "log_na_to_k"]])
X = np.hstack([X.drop(columns=["Age", "Na_to_K", "log_na_to_k"]).values, X_poly])

X_train, X_test, y_train, y_test = train_test_split(X, y, test_size=0.3, random_state=5, stratify=y)
scaler = StandardScaler().fit(X_train)
X_train, X_test = scaler.transform(X_train), scaler.transform(X_test)

clf = LogisticRegression(max_iter=5000, C=5)
clf.fit(X_train, y_train)
pred = clf.predict(X_test)
print("accuracy:", accuracy_score(y_test, pred))
print(classification_report(y_test, pred, target_names=le.classes_))
