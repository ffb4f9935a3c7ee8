"""Pumpkin seed variety (Cercevelik vs Urgup Sivrisi) - Koklu et al. 2021.

Data wrangling with polars, gradient boosting from sklearn.
"""
import numpy as np
import polars as pl
from sklearn.ensemble import HistGradientBoostingClassifier
from sklearn.metrics import accuracy_score, classification_report

SEED = 2021

seeds = pl.read_excel("Pumpkin_Seeds_Dataset.xlsx")
seeds = seeds.with_columns(
    (pl.col("Class") == "Ürgüp Sivrisi").cast(pl.Int8).alias("label"),
    (pl.col("Major_Axis_Length") / pl.col("Minor_Axis_Length")).alias("axis_ratio"),
)

# random 80/20 split flag
rng = np.random.default_rng(SEED)
seeds = seeds.with_columns(pl.Series("is_test", rng.random(seeds.height) < 0.2))

features = [c for c in seeds.columns if c not in ("Class", "label", "is_test")]
train = seeds.filter(~pl.col("is_test"))
test = seeds.filter(pl.col("is_test"))

clf = HistGradientBoostingClassifier(max_iter=300, learning_rate=0.05, random_state=SEED)
clf.fit(train.select(features).to_numpy(), train["label"].to_numpy())

pred = clf.predict(test.select(features).to_numpy())
print("test accuracy:", round(accuracy_score(test["label"].to_numpy(), pred), 4))
print(classification_report(test["label"].to_numpy(), pred, target_names=["Cercevelik", "Urgup Sivrisi"]))
