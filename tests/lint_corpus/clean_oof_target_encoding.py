# Categorical Feature Encoding Challenge - out-of-fold target encoding
import numpy as np
import pandas as pd
from sklearn.model_selection import KFold, train_test_split
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import roc_auc_score

df = pd.read_csv("cat-in-the-dat/train.csv")
high_card = ["nom_5", "nom_6", "nom_7", "nom_8", "nom_9"]
low_card = ["bin_3", "bin_4", "nom_0", "nom_1", "nom_2", "nom_3", "nom_4"]

train_df, test_df = train_test_split(df, test_size=0.2, random_state=0, stratify=df["target"])
train_df = train_df.reset_index(drop=True)
test_df = test_df.reset_index(drop=True)
prior = train_df["target"].mean()

kf = KFold(n_splits=5, shuffle=True, random_state=0)
for col in high_card:
    train_df[col + "_te"] = np.nan
    for fit_idx, enc_idx in kf.split(train_df):
        stats = train_df.iloc[fit_idx].groupby(col)["target"].agg(["sum", "count"])
        smooth = (stats["sum"] + 20 * prior) / (stats["count"] + 20)
        train_df.loc[enc_idx, col + "_te"] = train_df.loc[enc_idx, col].map(smooth).fillna(prior).values
    stats = train_df.groupby(col)["target"].agg(["sum", "count"])
    smooth = (stats["sum"] + 20 * prior) / (stats["count"] + 20)
    test_df[col + "_te"] = test_df[col].map(smooth).fillna(prior)

dummies = pd.get_dummies(pd.concat([train_df[low_card], test_df[low_card]]), columns=low_card)
X_train = np.hstack([dummies.iloc[: len(train_df)].values, train_df[[c + "_te" for c in high_card]].values])
X_test = np.hstack([dummies.iloc[len(train_df):].values, test_df[[c + "_te" for c in high_card]].values])

clf = LogisticRegression(C=0.1, max_iter=3000)
clf.fit(X_train, train_df["target"])
print("test AUC:", roc_auc_score(test_df["target"], clf.predict_proba(X_test)[:, 1]))
