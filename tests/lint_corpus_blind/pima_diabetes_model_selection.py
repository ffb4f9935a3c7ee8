"""Pima Indians diabetes - pick a model by cross-validation, then test once."""
import numpy as np
import pandas as pd
from sklearn.ensemble import RandomForestClassifier
from sklearn.impute import SimpleImputer
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import accuracy_score, roc_auc_score
from sklearn.model_selection import RepeatedStratifiedKFold, cross_val_score, train_test_split
from sklearn.neighbors import KNeighborsClassifier
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.svm import SVC

ZERO_MEANS_MISSING = ["Glucose", "BloodPressure", "SkinThickness", "Insulin", "BMI"]


def load(path="diabetes.csv"):
    df = pd.read_csv(path)
    df[ZERO_MEANS_MISSING] = df[ZERO_MEANS_MISSING].replace(0, np.nan)
    return df.drop(columns="Outcome"), df["Outcome"]


def candidates():
    imp = lambda: SimpleImputer(strategy="median")  # noqa: E731
    return {
        "logreg": make_pipeline(imp(), StandardScaler(), LogisticRegression(max_iter=1000)),
        "svc_rbf": make_pipeline(imp(), StandardScaler(), SVC(C=1.0, probability=True)),
        "knn_15": make_pipeline(imp(), StandardScaler(), KNeighborsClassifier(n_neighbors=15)),
        "random_forest": make_pipeline(imp(), RandomForestClassifier(n_estimators=500, min_samples_leaf=3,
                                                                     random_state=0)),
    }


def main():
    X, y = load()
    X_train, X_test, y_train, y_test = train_test_split(X, y, test_size=0.25, stratify=y, random_state=0)

    cv = RepeatedStratifiedKFold(n_splits=5, n_repeats=3, random_state=0)
    cv_scores = {}
    for name, model in candidates().items():
        s = cross_val_score(model, X_train, y_train, cv=cv, scoring="roc_auc")
        cv_scores[name] = s.mean()
        print(f"{name:14s} CV AUC {s.mean():.3f} +/- {s.std():.3f}")

    best_name = max(cv_scores, key=cv_scores.get)
    best = candidates()[best_name].fit(X_train, y_train)
    proba = best.predict_proba(X_test)[:, 1]
    print(f"\nselected {best_name}: test AUC {roc_auc_score(y_test, proba):.3f}, "
          f"accuracy {accuracy_score(y_test, proba > 0.5):.3f}")


if __name__ == "__main__":
    main()
