import numpy as np
import pandas as pd
from sklearn.linear_model import Ridge
from sklearn.metrics import mean_squared_error, r2_score


def add_features(frame):
    return frame.assign(
        TotalSF=frame["TotalBsmtSF"].fillna(0) + frame["1stFlrSF"] + frame["2ndFlrSF"],
        HouseAge=frame["YrSold"] - frame["YearBuilt"],
        RemodAge=frame["YrSold"] - frame["YearRemodAdd"],
    )


df = (
    pd.read_csv("house_prices/train.csv")
    .pipe(add_features)
    .sample(frac=1.0, random_state=42)      # shuffle rows
    .reset_index(drop=True)
)

target = "SalePrice"
y = np.log1p(df[target])
numeric = df.select_dtypes(include=[np.number]).columns.drop(["Id", target])

# fill missing numbers with the column mean
df[numeric] = df[numeric].fillna(df[numeric].mean())

# standardise
for col in numeric:
    df[col] = (df[col] - df[col].mean()) / df[col].std()

cats = pd.get_dummies(df[["MSZoning", "Neighborhood", "BldgType", "HouseStyle"]], dummy_na=True)
X = pd.concat([df[numeric], cats], axis=1).values

n_train = int(0.8 * len(df))
X_train, y_train = X[:n_train], y[:n_train]
X_test, y_test = X[n_train:], y[n_train:]

reg = Ridge(alpha=10.0)
reg.fit(X_train, y_train)
pred = reg.predict(X_test)
rmse = np.sqrt(mean_squared_error(y_test, pred))
print(f"RMSE (log): {rmse:.4f}   R2: {r2_score(y_test, pred):.3f}")
