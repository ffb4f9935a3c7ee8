import numpy as np
import pandas as pd
from lightgbm import LGBMClassifier
from sklearn.model_selection import train_test_split, cross_val_predict, StratifiedKFold
from sklearn.metrics import precision_recall_curve, f1_score, classification_report

cc = pd.read_csv("UCI_Credit_Card.csv").drop(columns=["ID"])
y = cc.pop("default.payment.next.month")
X = cc
X_train, X_test, y_train, y_test = train_test_split(X, y, test_size=0.25, stratify=y, random_state=99)

clf = LGBMClassifier(n_estimators=400, learning_rate=0.03, num_leaves=20, verbose=-1)

# pick the threshold that maximises F1 on out-of-fold predictions of the training data
oof = cross_val_predict(clf, X_train, y_train, cv=StratifiedKFold(5, shuffle=True, random_state=0),
                        method="predict_proba")[:, 1]
precision, recall, thresholds = precision_recall_curve(y_train, oof)
f1 = 2 * precision * recall / (precision + recall + 1e-12)
best = np.argmax(f1[:-1])
threshold = thresholds[best]
print(f"threshold from OOF = {threshold:.3f}")

clf.fit(X_train, y_train)
proba = clf.predict_proba(X_test)[:, 1]
y_pred = (proba >= threshold).astype(int)
print("test F1:", f1_score(y_test, y_pred))
print(classification_report(y_test, y_pred))
