"""Bank marketing - SMOTE + undersampling done the right way (inside the CV pipeline)."""
import pandas as pd
from imblearn.pipeline import Pipeline as ImbPipeline
from imblearn.over_sampling import SMOTE
from imblearn.under_sampling import RandomUnderSampler
from sklearn.preprocessing import StandardScaler
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import train_test_split, cross_val_score, StratifiedKFold
from sklearn.metrics import average_precision_score

df = pd.read_csv("bank-additional-full.csv", sep=";")
df = df.drop(columns=["duration"])
y = df.pop("y").eq("yes").astype(int)
X = pd.get_dummies(df, drop_first=True).astype(float)

X_train, X_test, y_train, y_test = train_test_split(X, y, test_size=0.2, stratify=y, random_state=0)

pipe = ImbPipeline([
    ("scale", StandardScaler()),
    ("smote", SMOTE(sampling_strategy=0.3, random_state=0)),
    ("under", RandomUnderSampler(sampling_strategy=0.6, random_state=0)),
    ("clf", LogisticRegression(max_iter=2000, C=0.3)),
])

cv = StratifiedKFold(n_splits=5, shuffle=True, random_state=0)
scores = cross_val_score(pipe, X_train, y_train, cv=cv, scoring="average_precision")
print("CV average precision: %.4f +/- %.4f" % (scores.mean(), scores.std()))

pipe.fit(X_train, y_train)
print("test average precision: %.4f" % average_precision_score(y_test, pipe.predict_proba(X_test)[:, 1]))
