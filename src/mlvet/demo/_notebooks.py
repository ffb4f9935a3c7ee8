"""The analyst's notebook of chapter 2: a leaky first draft and its fixed twin.

Both forecast settlement fails from the chapter-1 data. The draft makes the mistakes the
paper warns about — a feature from tomorrow's dealer position (Peek-a-Boo), a centered
smoothing window, a scaler fitted before the split, a random split of a time series, and
three models compared on the test set with the best one kept. The fixed twin uses the
published (lagged) position and trailing windows, splits at a cut-off date, selects the
model by time-series cross-validation on the training period, and scores the test period
once.
"""

from __future__ import annotations

from pathlib import Path

__all__ = ["FIXED", "LEAKY", "write_notebook"]

_IMPORTS = """\
import pandas as pd
from sklearn.model_selection import train_test_split
from sklearn.preprocessing import StandardScaler
from sklearn.linear_model import LogisticRegression
from sklearn.ensemble import GradientBoostingClassifier, RandomForestClassifier
from sklearn.metrics import roc_auc_score"""

_LOAD = """\
fails = pd.read_parquet("fails_raw.parquet")
fails["trade_date"] = pd.to_datetime(fails["trade_date"])
fails = fails.sort_values(["trade_date", "cusip"])
fails.head()"""

LEAKY: list[tuple[str, str]] = [
    ("markdown", "# Settlement fails: which securities will fail tomorrow? (first draft)"),
    ("code", "%matplotlib inline\n" + _IMPORTS),
    ("code", _LOAD),
    (
        "markdown",
        "Dealer positions trend, so tomorrow's is a strong signal; smooth the volatility.",
    ),
    (
        "code",
        """\
by_security = fails.groupby("cusip")
fails["dealer_position_next_bn"] = by_security["dealer_position_bn"].shift(-1)
fails["volatility_smooth_bp"] = by_security["price_volatility_bp"].transform(
    lambda s: s.rolling(5, center=True, min_periods=1).mean()
)
fails = fails.dropna()""",
    ),
    (
        "code",
        """\
features = ["issue_size_bn", "intraday_volume_bn", "repo_specialness_bp",
            "dealer_position_next_bn", "volatility_smooth_bp", "fails_prev_day_bn"]
X = StandardScaler().fit_transform(fails[features])
y = fails["fail"]
X_train, X_test, y_train, y_test = train_test_split(X, y, test_size=0.25)""",
    ),
    (
        "code",
        """\
models = {
    "logistic": LogisticRegression(max_iter=1000),
    "forest": RandomForestClassifier(n_estimators=200),
    "boosting": GradientBoostingClassifier(),
}
scores = {}
for name, model in models.items():
    model.fit(X_train, y_train)
    scores[name] = roc_auc_score(y_test, model.predict_proba(X_test)[:, 1])
best = max(scores, key=scores.get)
print(scores, "->", best)""",
    ),
]

FIXED: list[tuple[str, str]] = [
    ("markdown", "# Settlement fails: which securities will fail tomorrow?"),
    (
        "code",
        "%matplotlib inline\n"
        + _IMPORTS
        + "\nfrom sklearn.model_selection import TimeSeriesSplit, cross_val_score"
        + "\nfrom sklearn.pipeline import make_pipeline",
    ),
    ("code", _LOAD),
    ("markdown", "dealer_position_bn is published one business day late: use yesterday's."),
    (
        "code",
        """\
by_security = fails.groupby("cusip")
fails["dealer_position_lag_bn"] = by_security["dealer_position_bn"].shift(1)
fails["volatility_5d_bp"] = by_security["price_volatility_bp"].transform(
    lambda s: s.rolling(5, min_periods=1).mean()
)
fails = fails.dropna()""",
    ),
    (
        "code",
        """\
features = ["issue_size_bn", "intraday_volume_bn", "repo_specialness_bp",
            "dealer_position_lag_bn", "volatility_5d_bp", "fails_prev_day_bn"]
train = fails[fails["trade_date"] < "2020-09-01"]
test = fails[fails["trade_date"] >= "2020-09-01"]""",
    ),
    (
        "code",
        """\
candidates = {
    "logistic": make_pipeline(StandardScaler(), LogisticRegression(max_iter=1000)),
    "forest": RandomForestClassifier(n_estimators=200, random_state=0),
    "boosting": GradientBoostingClassifier(random_state=0),
}
cv = TimeSeriesSplit(n_splits=5)
cv_auc = {
    name: cross_val_score(m, train[features], train["fail"], cv=cv, scoring="roc_auc").mean()
    for name, m in candidates.items()
}
best = max(cv_auc, key=cv_auc.get)""",
    ),
    (
        "code",
        """\
final = candidates[best].fit(train[features], train["fail"])
test_auc = roc_auc_score(test["fail"], final.predict_proba(test[features])[:, 1])
print(best, "chosen by time-series CV; test AUC, scored once:", round(test_auc, 3))""",
    ),
]


def write_notebook(path: Path, cells: list[tuple[str, str]]) -> Path:
    """Write ``cells`` as an nbformat-4 notebook whose cells ran in file order."""
    import nbformat

    nb = nbformat.v4.new_notebook()  # type: ignore[no-untyped-call]
    count = 0
    for kind, source in cells:
        if kind == "code":
            count += 1
            cell = nbformat.v4.new_code_cell(source, execution_count=count)  # type: ignore[no-untyped-call]
        else:
            cell = nbformat.v4.new_markdown_cell(source)  # type: ignore[no-untyped-call]
        nb.cells.append(cell)
    nb.metadata["kernelspec"] = {
        "name": "python3",
        "display_name": "Python 3",
        "language": "python",
    }
    path.parent.mkdir(parents=True, exist_ok=True)
    nbformat.write(nb, str(path))  # type: ignore[no-untyped-call]
    return path
