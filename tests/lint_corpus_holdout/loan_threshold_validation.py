import numpy as np
import pandas as pd
import xgboost as xgb
from sklearn.preprocessing import StandardScaler
from sklearn.metrics import f1_score, roc_auc_score

df = pd.read_csv("loan_default_train.csv")
df2 = pd.get_dummies(df.drop(columns=["LoanID"]), drop_first=True)
lab = df2.pop("Default").to_numpy()
feat = df2.to_numpy(dtype=float)

rs = np.random.RandomState(11)
p = rs.permutation(len(feat))
n1, n2 = int(0.7 * len(p)), int(0.85 * len(p))
i_tr, i_va, i_te = p[:n1], p[n1:n2], p[n2:]

a, b = feat[i_tr], lab[i_tr]
a_va, b_va = feat[i_va], lab[i_va]
a_te, b_te = feat[i_te], lab[i_te]

tmp = StandardScaler().fit(a)
a, a_va, a_te = tmp.transform(a), tmp.transform(a_va), tmp.transform(a_te)

m = xgb.XGBClassifier(n_estimators=3000, learning_rate=0.03, max_depth=5,
                      early_stopping_rounds=100, eval_metric="aucpr")
m.fit(a, b, eval_set=[(a_va, b_va)], verbose=False)

pv = m.predict_proba(a_va)[:, 1]
grid = np.linspace(0.05, 0.95, 91)
thr = grid[np.argmax([f1_score(b_va, pv >= t) for t in grid])]
print("threshold picked on validation:", round(thr, 2))

pt = m.predict_proba(a_te)[:, 1]
print("test AUC %.4f  test F1@thr %.4f" % (roc_auc_score(b_te, pt), f1_score(b_te, pt >= thr)))
