import numpy as np
import pandas as pd
import lightgbm as lgb
from catboost import CatBoostClassifier
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import make_pipeline
from sklearn.impute import SimpleImputer
from sklearn.preprocessing import StandardScaler
from sklearn.model_selection import train_test_split
from sklearn.metrics import roc_auc_score

app = pd.read_csv("home-credit/application_train.csv")
app = app.select_dtypes(include=[np.number]).drop(columns=["SK_ID_CURR"])
y = app.pop("TARGET")
X = app

X_train, X_test, y_train, y_test = train_test_split(X, y, test_size=0.2, stratify=y, random_state=0)


def fit_base_models(X_fit, y_fit):
    m1 = lgb.LGBMClassifier(n_estimators=1200, learning_rate=0.02, num_leaves=34, colsample_bytree=0.3, verbose=-1)
    m2 = CatBoostClassifier(iterations=1500, depth=6, learning_rate=0.03, verbose=0)
    m3 = make_pipeline(SimpleImputer(strategy="median"), StandardScaler(), LogisticRegression(C=0.1, max_iter=2000))
    return [m.fit(X_fit, y_fit) for m in (m1, m2, m3)]


def predict_all(models, X_pred):
    return [m.predict_proba(X_pred)[:, 1] for m in models]

X_fit, X_val, y_fit, y_val = train_test_split(X_train, y_train, test_size=0.2, stratify=y_train, random_state=1)
models = fit_base_models(X_fit, y_fit)
v_lgb, v_cat, v_lr = predict_all(models, X_val)

best_auc, best_w = 0, None
for w1 in np.arange(0, 1.01, 0.05):
    for w2 in np.arange(0, 1.01 - w1, 0.05):
        w3 = 1 - w1 - w2
        blend = w1 * v_lgb + w2 * v_cat + w3 * v_lr
        auc = roc_auc_score(y_val, blend)
        if auc > best_auc:
            best_auc, best_w = auc, (w1, w2, w3)

print("weights chosen on validation lgb/cat/lr = %.2f/%.2f/%.2f (val AUC %.5f)" % (*best_w, best_auc))
t_lgb, t_cat, t_lr = predict_all(models, X_test)
w1, w2, w3 = best_w
print("blended test AUC: %.5f" % roc_auc_score(y_test, w1 * t_lgb + w2 * t_cat + w3 * t_lr))
