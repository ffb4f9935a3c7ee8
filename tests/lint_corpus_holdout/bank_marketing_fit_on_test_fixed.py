"""Bank marketing (UCI bank-full.csv): will the client subscribe a term deposit?"""
import pandas as pd
from sklearn.model_selection import train_test_split
from sklearn.ensemble import GradientBoostingClassifier
from sklearn.metrics import roc_auc_score, classification_report


def load_bank(path="bank-full.csv"):
    df = pd.read_csv(path, sep=";")
    df = df.drop(columns=["duration"])          # only known after the call
    y = (df.pop("y") == "yes").astype(int)
    X = pd.get_dummies(df, drop_first=True)
    return X, y


class Trainer:
    def __init__(self, model, X, y, test_size=0.2, seed=17):
        X_tr, X_te, y_tr, y_te = train_test_split(X, y, test_size=test_size, stratify=y, random_state=seed)
        self.model = model
        self.train = (X_tr, y_tr)
        self.test = (X_te, y_te)

    def fit(self):
        self.model.fit(*self.train)
        return self

    def evaluate(self):
        X_te, y_te = self.test
        proba = self.model.predict_proba(X_te)[:, 1]
        print(classification_report(y_te, proba > 0.5))
        return roc_auc_score(y_te, proba)


if __name__ == "__main__":
    X, y = load_bank()
    trainer = Trainer(GradientBoostingClassifier(n_estimators=300, max_depth=4, random_state=0), X, y)
    auc = trainer.fit().evaluate()
    print(f"test ROC AUC = {auc:.4f}")
