"""Income > 50K benchmark on the UCI adult census data."""
import pandas as pd
from sklearn.compose import ColumnTransformer
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import OneHotEncoder, StandardScaler
from sklearn.model_selection import train_test_split, cross_val_score
from sklearn.linear_model import LogisticRegression
from sklearn.ensemble import RandomForestClassifier, HistGradientBoostingClassifier
from sklearn.neighbors import KNeighborsClassifier
from sklearn.metrics import f1_score

NUM = ["age", "education_num", "capital_gain", "capital_loss", "hours_per_week"]
CAT = ["workclass", "marital_status", "occupation", "relationship", "race", "sex"]


def get_data(path="adult.csv"):
    df = pd.read_csv(path, skipinitialspace=True, na_values="?").dropna()
    y = (df["income"] == ">50K").astype(int)
    return df[NUM + CAT], y


def make_pipe(est):
    pre = ColumnTransformer([("num", StandardScaler(), NUM),
                             ("cat", OneHotEncoder(handle_unknown="ignore"), CAT)])
    return Pipeline([("pre", pre), ("est", est)])


CANDIDATES = {
    "logreg": LogisticRegression(max_iter=2000),
    "rf": RandomForestClassifier(n_estimators=300, min_samples_leaf=2, n_jobs=-1, random_state=0),
    "hgb": HistGradientBoostingClassifier(max_iter=300, random_state=0),
    "knn": KNeighborsClassifier(n_neighbors=25),
}


class Benchmark:
    def __init__(self, candidates, X, y, seed=0):
        self.candidates = candidates
        self.X_train, self.X_test, self.y_train, self.y_test = train_test_split(
            X, y, test_size=0.25, stratify=y, random_state=seed)
        self.scores = {}

    def run(self):
        # model selection only looks at the training split
        for name, est in self.candidates.items():
            self.scores[name] = cross_val_score(make_pipe(est), self.X_train, self.y_train,
                                                cv=5, scoring="f1").mean()
        return self

    def leaderboard(self):
        return pd.Series(self.scores).sort_values(ascending=False)

    def final_test(self):
        name = self.leaderboard().index[0]
        model = make_pipe(self.candidates[name]).fit(self.X_train, self.y_train)
        return name, model, f1_score(self.y_test, model.predict(self.X_test))


if __name__ == "__main__":
    X, y = get_data()
    bench = Benchmark(CANDIDATES, X, y).run()
    print(bench.leaderboard().to_string())
    name, model, score = bench.final_test()
    print(f"selected {name} by CV: test F1 = {score:.4f}")
