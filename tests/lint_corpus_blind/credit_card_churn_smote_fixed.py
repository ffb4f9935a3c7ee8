# Credit card customers churn (BankChurners.csv, Kaggle)
# ~16% attrited customers -> balance classes with SMOTE
import pandas as pd
from imblearn.over_sampling import SMOTE
from sklearn.ensemble import RandomForestClassifier
from sklearn.metrics import classification_report, f1_score, roc_auc_score
from sklearn.model_selection import train_test_split

SEED = 7


def load(path="BankChurners.csv"):
    df = pd.read_csv(path)
    nb_cols = [c for c in df.columns if c.startswith("Naive_Bayes")]
    df = df.drop(columns=nb_cols + ["CLIENTNUM"])
    df["Attrition_Flag"] = (df["Attrition_Flag"] == "Attrited Customer").astype(int)
    df = pd.get_dummies(df, drop_first=True)
    return df


def balance(X, y):
    sm = SMOTE(random_state=SEED, k_neighbors=5)
    X_res, y_res = sm.fit_resample(X, y)
    print("after SMOTE:", y_res.value_counts().to_dict())
    return X_res, y_res


def main():
    df = load()
    X = df.drop(columns="Attrition_Flag")
    y = df["Attrition_Flag"]
    print("class balance:", y.value_counts().to_dict())

    X_train, X_test, y_train, y_test = train_test_split(
        X, y, test_size=0.3, random_state=SEED, stratify=y
    )
    # synthetic minority samples are generated from the training rows only;
    # the test set keeps its natural class ratio
    X_train_bal, y_train_bal = balance(X_train, y_train)

    model = RandomForestClassifier(n_estimators=400, max_depth=None, random_state=SEED, n_jobs=-1)
    model.fit(X_train_bal, y_train_bal)

    proba = model.predict_proba(X_test)[:, 1]
    pred = (proba > 0.5).astype(int)
    print(classification_report(y_test, pred))
    print("F1 :", f1_score(y_test, pred))
    print("AUC:", roc_auc_score(y_test, proba))


if __name__ == "__main__":
    main()
