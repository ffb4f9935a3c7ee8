# oil spill detection (Kubat et al.), 937 patches, 41 minority
import numpy as np
import pandas as pd
from collections import Counter
from imblearn.over_sampling import SMOTE
from imblearn.under_sampling import RandomUnderSampler
from sklearn.model_selection import StratifiedKFold
from sklearn.tree import DecisionTreeClassifier
from sklearn.metrics import roc_auc_score, f1_score

frame = pd.read_csv("oil-spill.csv", header=None)
frame = frame.drop(columns=[22])          # constant column
X = frame.iloc[:, :-1]
y = frame.iloc[:, -1]
print(Counter(y))

over = SMOTE(sampling_strategy=0.3, k_neighbors=3, random_state=1)
under = RandomUnderSampler(sampling_strategy=0.6, random_state=1)
skf = StratifiedKFold(n_splits=5, shuffle=True, random_state=1)
aucs, f1s = [], []

X, y = over.fit_resample(X, y)
X, y = under.fit_resample(X, y)
print("resampled:", Counter(y))

for fold, (train_idx, test_idx) in enumerate(skf.split(X, y)):
    X_tr, X_te = X.iloc[train_idx], X.iloc[test_idx]
    y_tr, y_te = y.iloc[train_idx], y.iloc[test_idx]
    tree = DecisionTreeClassifier(max_depth=6, random_state=fold)
    tree.fit(X_tr, y_tr)
    p = tree.predict_proba(X_te)[:, 1]
    aucs.append(roc_auc_score(y_te, p))
    f1s.append(f1_score(y_te, p > 0.5))
    print(f"fold {fold}: auc={aucs[-1]:.3f} f1={f1s[-1]:.3f}")

print("mean AUC %.3f  mean F1 %.3f" % (np.mean(aucs), np.mean(f1s)))
