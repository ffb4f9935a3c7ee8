"""Spaceship Titanic (Kaggle) - logistic regression baseline + submission.

train.csv has the labels, test.csv is the unlabelled competition file.
"""
import numpy as np
import pandas as pd
from sklearn.impute import SimpleImputer
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import accuracy_score
from sklearn.model_selection import train_test_split
from sklearn.preprocessing import LabelEncoder, StandardScaler

SPEND = ["RoomService", "FoodCourt", "ShoppingMall", "Spa", "VRDeck"]

train = pd.read_csv("train.csv")
test = pd.read_csv("test.csv")
n_train = len(train)

le = LabelEncoder()
y = le.fit_transform(train["Transported"])


def engineer(df):
    df = df.copy()
    df[["Deck", "CabinNum", "Side"]] = df["Cabin"].str.split("/", expand=True)
    df["CabinNum"] = pd.to_numeric(df["CabinNum"], errors="coerce")
    df[SPEND] = df[SPEND].fillna(0)
    df["LogSpend"] = np.log1p(df[SPEND].sum(axis=1))
    df["NoSpend"] = (df[SPEND].sum(axis=1) == 0).astype(int)
    for col in ["CryoSleep", "VIP"]:
        df[col] = df[col].map({True: 1.0, False: 0.0})
    return df.drop(columns=["PassengerId", "Name", "Cabin"])


# one-hot columns must be identical for both files, so encode them together
full = pd.concat([train.drop(columns="Transported"), test], ignore_index=True)
full = engineer(full)
full = pd.get_dummies(full, columns=["HomePlanet", "Destination", "Deck", "Side"], dummy_na=True, dtype=float)
X_labelled = full.iloc[:n_train]
X_comp = full.iloc[n_train:]

# ---- local validation
X_tr, X_val, y_tr, y_val = train_test_split(X_labelled, y, test_size=0.2, random_state=0, stratify=y)
imputer = SimpleImputer(strategy="median")
scaler = StandardScaler()
X_tr_p = scaler.fit_transform(imputer.fit_transform(X_tr))
X_val_p = scaler.transform(imputer.transform(X_val))

clf = LogisticRegression(C=0.3, max_iter=3000)
clf.fit(X_tr_p, y_tr)
print("validation accuracy:", round(accuracy_score(y_val, clf.predict(X_val_p)), 4))

# ---- refit on all labelled rows and predict the competition file
imputer = SimpleImputer(strategy="median").fit(X_labelled)
scaler = StandardScaler().fit(imputer.transform(X_labelled))
clf = LogisticRegression(C=0.3, max_iter=3000)
clf.fit(scaler.transform(imputer.transform(X_labelled)), y)

test_pred = clf.predict(scaler.transform(imputer.transform(X_comp)))
submission = pd.DataFrame({"PassengerId": test["PassengerId"],
                           "Transported": le.inverse_transform(test_pred).astype(bool)})
submission.to_csv("submission.csv", index=False)
print(submission["Transported"].mean())
