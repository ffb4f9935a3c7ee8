"""Bank marketing (UCI) - will the client subscribe a term deposit?"""
import pandas as pd
from sklearn.compose import ColumnTransformer
from sklearn.impute import SimpleImputer
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import OneHotEncoder, StandardScaler
from sklearn.model_selection import train_test_split
from sklearn.ensemble import HistGradientBoostingClassifier
from sklearn.metrics import roc_auc_score, average_precision_score

bank = pd.read_csv("bank-additional-full.csv", sep=";")
bank = bank.drop(columns=["duration"])            # only known after the call
bank = bank.replace("unknown", pd.NA)
y = (bank.pop("y") == "yes").astype(int)

num_features = ["age", "campaign", "pdays", "previous", "emp.var.rate",
                "cons.price.idx", "cons.conf.idx", "euribor3m", "nr.employed"]
cat_features = ["job", "marital", "education", "default", "housing", "loan",
                "contact", "month", "day_of_week", "poutcome"]

preprocessor = ColumnTransformer(
    transformers=[
        ("num", Pipeline([("impute", SimpleImputer(strategy="median")),
                          ("scale", StandardScaler())]), num_features),
        ("cat", Pipeline([("impute", SimpleImputer(strategy="most_frequent")),
                          ("onehot", OneHotEncoder(handle_unknown="ignore", sparse_output=False))]),
         cat_features),
    ]
)

X = preprocessor.fit_transform(bank)
print("design matrix", X.shape)

X_train, X_test, y_train, y_test = train_test_split(
    X, y, test_size=0.2, stratify=y, random_state=2021
)

clf = HistGradientBoostingClassifier(max_iter=300, learning_rate=0.05)
clf.fit(X_train, y_train)
p = clf.predict_proba(X_test)[:, 1]
print("ROC AUC  :", roc_auc_score(y_test, p))
print("PR AUC   :", average_precision_score(y_test, p))
