"""Bank customer churn (Churn_Modelling.csv) - SMOTE inside an imblearn pipeline."""
import pandas as pd
from imblearn.over_sampling import SMOTE
from imblearn.pipeline import Pipeline
from sklearn.compose import ColumnTransformer
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import classification_report, f1_score
from sklearn.model_selection import GridSearchCV, StratifiedKFold, cross_validate, train_test_split
from sklearn.preprocessing import OneHotEncoder, StandardScaler

NUM = ["CreditScore", "Age", "Tenure", "Balance", "NumOfProducts", "HasCrCard", "IsActiveMember", "EstimatedSalary"]
CAT = ["Geography", "Gender"]

df = pd.read_csv("Churn_Modelling.csv").drop(columns=["RowNumber", "CustomerId", "Surname"])
X, y = df[NUM + CAT], df["Exited"]
X_train, X_test, y_train, y_test = train_test_split(X, y, test_size=0.2, stratify=y, random_state=0)

pipe = Pipeline([
    ("prep", ColumnTransformer([("num", StandardScaler(), NUM),
                                ("cat", OneHotEncoder(handle_unknown="ignore"), CAT)])),
    ("smote", SMOTE(random_state=0)),      # only applied when fitting, i.e. to training folds
    ("clf", LogisticRegression(max_iter=2000)),
])

cv = StratifiedKFold(n_splits=5, shuffle=True, random_state=0)
baseline = cross_validate(pipe, X_train, y_train, cv=cv, scoring=["f1", "roc_auc"])
print("default params  F1 %.3f  AUC %.3f" % (baseline["test_f1"].mean(), baseline["test_roc_auc"].mean()))

grid = GridSearchCV(pipe, {"smote__k_neighbors": [3, 5, 9], "clf__C": [0.05, 0.5, 5.0]},
                    cv=cv, scoring="f1", n_jobs=-1)
grid.fit(X_train, y_train)
print("best:", grid.best_params_, "CV F1 %.3f" % grid.best_score_)

y_pred = grid.predict(X_test)
print("test F1 %.3f" % f1_score(y_test, y_pred))
print(classification_report(y_test, y_pred, digits=3))
