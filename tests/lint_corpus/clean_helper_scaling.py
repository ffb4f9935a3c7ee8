import numpy as np
import pandas as pd
from sklearn.preprocessing import StandardScaler
from sklearn.ensemble import RandomForestRegressor
from sklearn.metrics import mean_squared_error


def load(path="housing.csv"):
    df = pd.read_csv(path)
    df["rooms_per_household"] = df["total_rooms"] / df["households"]
    df["bedrooms_per_room"] = df["total_bedrooms"] / df["total_rooms"]
    df["population_per_household"] = df["population"] / df["households"]
    return df


def split(df, frac=0.8, seed=42):
    tr = df.sample(frac=frac, random_state=seed)
    te = df.drop(tr.index)
    return tr, te


def impute(tr, te, cols):
    medians = tr[cols].median()
    return tr.fillna({c: medians[c] for c in cols}), te.fillna({c: medians[c] for c in cols})


def target_encode(tr, te, col, target):
    means = tr.groupby(col)[target].mean()
    prior = tr[target].mean()
    tr = tr.assign(**{col + "_te": tr[col].map(means)})
    te = te.assign(**{col + "_te": te[col].map(means).fillna(prior)})
    return tr, te


def scale(tr, te, cols):
    sc = StandardScaler()
    tr_s = tr.copy()
    te_s = te.copy()
    tr_s[cols] = sc.fit_transform(tr[cols])
    te_s[cols] = sc.transform(te[cols])
    return tr_s, te_s


housing = load()
num_cols = [c for c in housing.select_dtypes("number").columns if c != "median_house_value"]
X_tr, X_te = split(housing)
X_tr, X_te = impute(X_tr, X_te, num_cols)
X_tr, X_te = target_encode(X_tr, X_te, "ocean_proximity", "median_house_value")
features = num_cols + ["ocean_proximity_te"]
X_tr, X_te = scale(X_tr, X_te, features)

rf = RandomForestRegressor(n_estimators=300, max_features=0.5, n_jobs=-1, random_state=0)
rf.fit(X_tr[features], X_tr["median_house_value"])
rmse = np.sqrt(mean_squared_error(X_te["median_house_value"], rf.predict(X_te[features])))
print(f"test RMSE: {rmse:,.0f}")
