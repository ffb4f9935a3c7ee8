# Leukemia gene expression (Golub et al.) - 72 samples x 7129 genes
import numpy as np
import pandas as pd
from sklearn.feature_selection import SelectKBest, f_classif
from sklearn.model_selection import StratifiedKFold, cross_val_score
from sklearn.svm import SVC
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

expr = pd.read_csv("data_set_ALL_AML_train.csv")
labels = pd.read_csv("actual.csv")

# columns alternate sample / call; keep the expression values only
expr = expr[[c for c in expr.columns if "call" not in c]]
expr = expr.set_index("Gene Accession Number").drop(columns=["Gene Description"])
X = expr.T.values.astype(float)
y = (labels["cancer"].iloc[: X.shape[0]] == "AML").astype(int).values
print(X.shape, np.bincount(y))

cv = StratifiedKFold(n_splits=5, shuffle=True, random_state=0)

# keep the 50 most discriminative genes
selector = SelectKBest(score_func=f_classif, k=50)
X_sel = selector.fit_transform(X, y)
print("selected genes:", X_sel.shape[1])

model = make_pipeline(StandardScaler(), SVC(kernel="linear", C=1.0))
scores = cross_val_score(model, X_sel, y, cv=cv, scoring="accuracy")
print("CV accuracy: %.3f +/- %.3f" % (scores.mean(), scores.std()))
