"""The two training scripts of the leakage chapter, run for real under ``mlvet.trace``.

The first is what an analyst writes first: balance the rare fails with copies, scale,
then split the rows at random. Each step looks reasonable; together they put copies of the
same fails on both sides of the split, scale with the test rows' statistics and train on
the future. The second splits by time, resamples and scales inside a pipeline that
cross-validation refits per fold, and leaves the test year for the vault.
"""

from __future__ import annotations

from pathlib import Path

__all__ = ["FEATURES", "HONEST", "LEAKY", "write_pipelines"]

FEATURES = [
    "issue_size_bn",
    "intraday_volume_bn",
    "repo_specialness_bp",
    "price_volatility_bp",
    "fails_prev_day_bn",
    "dealer_position_lag_bn",
    "volatility_5d_bp",
    "fails_5d_bn",
]

LEAKY = '"""First attempt: balance the rare fails, scale, then split the rows at random."""\n\nimport pandas as pd\nfrom imblearn.over_sampling import RandomOverSampler\nfrom sklearn.ensemble import RandomForestClassifier\nfrom sklearn.metrics import f1_score\nfrom sklearn.model_selection import train_test_split\nfrom sklearn.preprocessing import StandardScaler\n\nFEATURES = [\n    "issue_size_bn", "intraday_volume_bn", "repo_specialness_bp", "price_volatility_bp",\n    "fails_prev_day_bn", "dealer_position_lag_bn", "volatility_5d_bp", "fails_5d_bn",\n]\n\ndf = pd.read_parquet("fails_features.parquet").sort_values(["trade_date", "cusip"])\nbalanced, _ = RandomOverSampler(random_state=0).fit_resample(df, df["fail"])\nscaler = StandardScaler().fit(balanced[FEATURES])\ntrain, test = train_test_split(balanced, test_size=0.25, random_state=0)\nmodel = RandomForestClassifier(n_estimators=40, min_samples_leaf=3, random_state=0, n_jobs=2)\nmodel.fit(scaler.transform(train[FEATURES]), train["fail"])\nf1 = f1_score(test["fail"], model.predict(scaler.transform(test[FEATURES])))\nprint(f"minority-class F1 on the random split: {f1:.2f}")\n'

HONEST = '"""Second attempt: split by time, resample and scale inside the cross-validated pipeline."""\n\nimport pandas as pd\nfrom imblearn.over_sampling import RandomOverSampler\nfrom imblearn.pipeline import make_pipeline\nfrom sklearn.ensemble import RandomForestClassifier\nfrom sklearn.model_selection import TimeSeriesSplit, cross_val_score\nfrom sklearn.preprocessing import StandardScaler\n\nFEATURES = [\n    "issue_size_bn", "intraday_volume_bn", "repo_specialness_bp", "price_volatility_bp",\n    "fails_prev_day_bn", "dealer_position_lag_bn", "volatility_5d_bp", "fails_5d_bn",\n]\nCUTOFF = pd.Timestamp("2021-01-04")  # the test year starts on the first business day\n\ndf = pd.read_parquet("fails_features.parquet").sort_values("trade_date")\ntrain = df[df["trade_date"] < CUTOFF]\ntest = df[df["trade_date"] >= CUTOFF]  # sealed in the vault, never scored here\nmodel = make_pipeline(\n    StandardScaler(),\n    RandomOverSampler(random_state=0),\n    RandomForestClassifier(n_estimators=40, min_samples_leaf=3, random_state=0, n_jobs=2),\n)\ncv_f1 = cross_val_score(model, train[FEATURES], train["fail"], cv=TimeSeriesSplit(4), scoring="f1")\nprint(f"minority-class F1, time-ordered cross-validation: {cv_f1.mean():.2f}")\nmodel.fit(train[FEATURES], train["fail"])\n'


def write_pipelines(folder: Path) -> tuple[Path, Path]:
    """Write both scripts into ``folder``; return (leaky, honest)."""
    folder.mkdir(parents=True, exist_ok=True)
    leaky, honest = folder / "leaky_pipeline.py", folder / "honest_pipeline.py"
    leaky.write_text(LEAKY, encoding="utf-8")
    honest.write_text(HONEST, encoding="utf-8")
    return leaky, honest
