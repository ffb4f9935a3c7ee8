import pandas as pd
from sklearn.ensemble import HistGradientBoostingClassifier
from sklearn.metrics import accuracy_score, roc_auc_score

COLS = ["age", "workclass", "fnlwgt", "education", "education_num", "marital_status",
        "occupation", "relationship", "race", "sex", "capital_gain", "capital_loss",
        "hours_per_week", "native_country", "income"]


def read(path, skip=0):
    df = pd.read_csv(path, header=None, names=COLS, skiprows=skip,
                     na_values="?", skipinitialspace=True)
    # adult.test writes the labels as ">50K." with a trailing dot
    df["income"] = df["income"].str.rstrip(".").eq(">50K").astype(int)
    return df.drop(columns=["fnlwgt", "education"])


train = read("adult.data")
test = read("adult.test", skip=1)

# one-hot encode both files together so the columns line up, then split them back
full = pd.concat([train, test], keys=["train", "test"])
dummies = pd.get_dummies(full.drop(columns="income"))
X_train, X_test = dummies.loc["train"], dummies.loc["test"]
y_train, y_test = train["income"], test["income"]

clf = HistGradientBoostingClassifier(max_iter=400, learning_rate=0.08, max_leaf_nodes=63, random_state=0)
clf.fit(X_train, y_train)
proba = clf.predict_proba(X_test)[:, 1]
print("accuracy:", accuracy_score(y_test, proba > 0.5))
print("roc auc :", roc_auc_score(y_test, proba))
