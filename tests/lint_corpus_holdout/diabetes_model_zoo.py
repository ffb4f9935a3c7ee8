import numpy as np
from sklearn.datasets import load_diabetes
from sklearn.model_selection import train_test_split
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.linear_model import LinearRegression, Ridge, Lasso, ElasticNet
from sklearn.svm import SVR
from sklearn.neighbors import KNeighborsRegressor
from sklearn.ensemble import RandomForestRegressor, GradientBoostingRegressor
from sklearn.metrics import r2_score

X, y = load_diabetes(return_X_y=True)
X_train, X_test, y_train, y_test = train_test_split(X, y, test_size=0.2, random_state=1)

models = {
    "linear": LinearRegression(),
    "ridge": Ridge(alpha=1.0),
    "lasso": Lasso(alpha=0.05),
    "enet": ElasticNet(alpha=0.01, l1_ratio=0.5),
    "svr": SVR(C=50, epsilon=5),
    "knn": KNeighborsRegressor(n_neighbors=15),
    "rf": RandomForestRegressor(n_estimators=400, min_samples_leaf=3, random_state=1),
    "gbr": GradientBoostingRegressor(n_estimators=200, max_depth=2, learning_rate=0.05, random_state=1),
}

scores = {}
for name, est in models.items():
    pipe = make_pipeline(StandardScaler(), est)
    pipe.fit(X_train, y_train)
    scores[name] = r2_score(y_test, pipe.predict(X_test))
    print(f"{name:8s} R2 = {scores[name]:.4f}")

best_name = max(scores, key=scores.get)
print(f"\nBest model: {best_name} (test R2 = {scores[best_name]:.4f})")
