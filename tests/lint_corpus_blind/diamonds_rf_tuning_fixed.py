"""Diamond price regression with a tuned random forest (ggplot2 diamonds.csv)."""
import pandas as pd
from sklearn.metrics import mean_absolute_error
from sklearn.ensemble import RandomForestRegressor
from sklearn.model_selection import GridSearchCV, train_test_split

CUT = {"Fair": 0, "Good": 1, "Very Good": 2, "Premium": 3, "Ideal": 4}
COLOR = {c: i for i, c in enumerate("JIHGFED")}
CLARITY = {c: i for i, c in enumerate(["I1", "SI2", "SI1", "VS2", "VS1", "VVS2", "VVS1", "IF"])}

PARAM_GRID = {
    "n_estimators": [200, 400],
    "max_depth": [None, 12, 20],
    "min_samples_leaf": [1, 3],
}


def prepare(path="diamonds.csv"):
    df = pd.read_csv(path, index_col=0)
    df = df[(df.x > 0) & (df.y > 0) & (df.z > 0)]
    df["cut"] = df["cut"].map(CUT)
    df["color"] = df["color"].map(COLOR)
    df["clarity"] = df["clarity"].map(CLARITY)
    X = df.drop(columns="price")
    y = df["price"]
    return train_test_split(X, y, test_size=0.2, random_state=11)


def tune(X, y):
    gs = GridSearchCV(RandomForestRegressor(random_state=11, n_jobs=-1), PARAM_GRID,
                      cv=3, scoring="r2", n_jobs=1, verbose=1)
    gs.fit(X, y)
    return gs


def main():
    X_train, X_test, y_train, y_test = prepare()
    # cross-validated search on the training part; refit=True retrains the best forest on all of it
    gs = tune(X_train, y_train)
    print("best params:", gs.best_params_, "CV R2:", round(gs.best_score_, 4))
    print("final model R2 on test:", round(gs.score(X_test, y_test), 4))
    print("final model MAE on test:", round(mean_absolute_error(y_test, gs.predict(X_test)), 1))


if __name__ == "__main__":
    main()
