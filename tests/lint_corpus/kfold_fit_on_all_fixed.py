import numpy as np
import pandas as pd
import lightgbm as lgb
from sklearn.model_selection import KFold
from sklearn.metrics import mean_absolute_error

ins = pd.read_csv("insurance.csv")
ins = pd.get_dummies(ins, columns=["sex", "smoker", "region"], drop_first=True)
X = ins.drop("charges", axis=1)
y = np.log(ins["charges"])

kf = KFold(n_splits=5, shuffle=True, random_state=42)
maes = []

for fold, (trn_idx, val_idx) in enumerate(kf.split(X)):
    X_tr, X_val = X.iloc[trn_idx], X.iloc[val_idx]
    y_tr, y_val = y.iloc[trn_idx], y.iloc[val_idx]

    model = lgb.LGBMRegressor(n_estimators=500, learning_rate=0.02, num_leaves=15, verbose=-1)
    model.fit(X_tr, y_tr)

    preds = np.exp(model.predict(X_val))
    maes.append(mean_absolute_error(np.exp(y_val), preds))
    print(f"Fold {fold + 1}: MAE = {maes[-1]:.1f}")

print(f"CV MAE: {np.mean(maes):.1f} +/- {np.std(maes):.1f}")
