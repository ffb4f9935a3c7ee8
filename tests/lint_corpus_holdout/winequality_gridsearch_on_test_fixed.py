import numpy as np
import pandas as pd
from sklearn.model_selection import train_test_split, GridSearchCV
from sklearn.ensemble import RandomForestRegressor
from sklearn.metrics import mean_squared_error, mean_absolute_error

wine = pd.read_csv("winequality-white.csv", sep=";")
X = wine.drop(columns="quality")
y = wine["quality"]
X_train, X_test, y_train, y_test = train_test_split(X, y, test_size=0.25, random_state=5)

param_grid = {
    "n_estimators": [200, 500],
    "max_features": ["sqrt", 0.5, 1.0],
    "min_samples_leaf": [1, 2, 5],
}
gs = GridSearchCV(RandomForestRegressor(random_state=5, n_jobs=-1), param_grid,
                  cv=5, scoring="neg_root_mean_squared_error")

gs.fit(X_train, y_train)

print("best params:", gs.best_params_)

rf = RandomForestRegressor(random_state=5, n_jobs=-1, **gs.best_params_)
rf.fit(X_train, y_train)
pred = rf.predict(X_test)
print("test RMSE: %.4f" % mean_squared_error(y_test, pred) ** 0.5)
print("test MAE : %.4f" % mean_absolute_error(y_test, pred))
