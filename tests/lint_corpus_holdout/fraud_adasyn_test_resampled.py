"""Vehicle insurance claim fraud (fraud_oracle.csv)."""
import pandas as pd
from imblearn.over_sampling import ADASYN
from sklearn.model_selection import train_test_split
from sklearn.ensemble import ExtraTreesClassifier
from sklearn.metrics import accuracy_score, f1_score, confusion_matrix

DROP = ["PolicyNumber", "RepNumber"]


def load_claims(path="fraud_oracle.csv"):
    df = pd.read_csv(path).drop(columns=DROP)
    df = df[df["Age"] > 0]
    y = df.pop("FraudFound_P")
    X = pd.get_dummies(df, drop_first=True).astype(float)
    return X, y


def balance(X, y, seed=0):
    return ADASYN(random_state=seed, n_neighbors=5).fit_resample(X, y)


def main():
    X, y = load_claims()
    X_train, X_test, y_train, y_test = train_test_split(X, y, test_size=0.3, stratify=y, random_state=3)

    X_train, y_train = balance(X_train, y_train)
    # balance the test set too so accuracy is meaningful
    X_test, y_test = balance(X_test, y_test)

    clf = ExtraTreesClassifier(n_estimators=500, n_jobs=-1, random_state=0)
    clf.fit(X_train, y_train)
    pred = clf.predict(X_test)
    print("accuracy:", round(accuracy_score(y_test, pred), 4))
    print("f1      :", round(f1_score(y_test, pred), 4))
    print(confusion_matrix(y_test, pred))


if __name__ == "__main__":
    main()
