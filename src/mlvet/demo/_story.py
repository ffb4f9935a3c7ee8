"""``mlvet demo``: the paper's case study, told chapter by chapter on synthetic data.

Chapter 1 — Data Crisis as a Service: the settlement-fails data is registered raw ->
cleaned -> features with lineage and code references, guarded by inferred assertions; a
hand-prepared daily batch is quarantined with every failure listed; deriving from it is
refused; the audit chain verifies; the scorecard says honestly what is guarded so far.

Chapter 2 — Data Leakage and Grade-your-own-Exam in the code: ``mlvet lint`` reads the
analyst's first notebook (future dealer positions, a centered window, a scaler fitted
before a random split of a time series, three models compared on the test set), then its
fixed twin; both runs are recorded, and the fix supersedes the draft's findings.

Chapter 3 — leakage caught three ways, and the sealed exam: a training script that
oversamples and scales before a random split of the time series is read by ``mlvet
lint``, run under ``mlvet.trace`` and its split checked by ``check_split``; its inflated
F1 stands beside the honest, time-ordered estimate. The honest model's test year is sealed
in a vault, evaluated once, and a second look is refused and logged.

Chapter 4 — honest experiments: the analyst tunes a gradient-boosting model on the
training years and credits the tuning. ``mlvet.tune`` records the search (every trial,
seed, space and split fingerprint, the optimism of picking the best, tuned vs default,
parameter importances); ``mlvet.compare`` puts the tuned model, its defaults and a
logistic baseline on the same time-ordered splits; ``mlvet.ablate`` shows where the gain
came from, and the credit claimed for the tuning is a CA201 finding.

Chapter 5 — communicate with confidence: the model goes to production behind a Guard
(conformal sets, a logistic fallback, a review queue). January 2021 is routed row by row;
the calibration report is drawn; one review is decided from the CLI; the decision log
follows each predicted fail through notify -> intervene -> outcome, and its operational
states sit beside the confusion matrix.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pandas as pd
from rich.console import Console
from rich.markup import escape
from rich.panel import Panel
from rich.progress import Progress
from rich.table import Table

from mlvet._scorecard import scorecard
from mlvet.data import (
    dataset_versions,
    datasets,
    infer_schema,
    lineage,
    openlineage_events,
    plot_lineage,
    register_dataset,
    step,
)
from mlvet.demo._data import (
    REGIME_SHIFT,
    REPORTING_LAGS,
    corrupt_batch,
    daily_batches,
    settlement_fails,
)
from mlvet.demo._notebooks import FIXED, LEAKY, write_notebook
from mlvet.demo._pipelines import FEATURES, write_pipelines
from mlvet.exceptions import DataQualityError
from mlvet.ledger import Ledger, upgrade
from mlvet.lint import LintConfig, lint_paths, record_lint
from mlvet.report import render
from mlvet.report._render import TextRenderer

__all__ = ["run_demo"]


def extract_settlement_data() -> pd.DataFrame:
    """Stands in for the extraction job that reads intraday settlement metrics."""
    return settlement_fails()


def clean_settlement_data(raw: pd.DataFrame) -> pd.DataFrame:
    """No fails recorded the day before a security's first day means zero fails."""
    out = raw.copy()
    out["fails_prev_day_bn"] = out["fails_prev_day_bn"].fillna(0.0)
    return out.sort_values(["trade_date", "cusip"]).reset_index(drop=True)


def build_features(clean: pd.DataFrame) -> pd.DataFrame:
    """Features a forecaster may use at prediction time.

    ``dealer_position_bn`` is published one business day late, so only its lagged value is
    known when the forecast is made: using the same-day value is Peek-a-Boo leakage.
    """
    out = clean.sort_values(["cusip", "trade_date"]).copy()
    by_security = out.groupby("cusip", observed=True)
    lag = REPORTING_LAGS["dealer_position_bn"]
    out["dealer_position_lag_bn"] = by_security["dealer_position_bn"].shift(lag)
    out["volatility_5d_bp"] = by_security["price_volatility_bp"].transform(
        lambda s: s.rolling(5, min_periods=1).mean()
    )
    out["fails_5d_bn"] = by_security["fails_prev_day_bn"].transform(
        lambda s: s.rolling(5, min_periods=1).sum()
    )
    out = out.drop(columns=["dealer_position_bn"]).dropna(subset=["dealer_position_lag_bn"])
    return out.sort_values(["trade_date", "cusip"]).reset_index(drop=True)


def _chapter_lint(console: Console, ledger: Ledger, out: Path) -> dict[str, list[str]]:
    _chapter(
        console,
        2,
        "Data Leakage and Grade-your-own-Exam, in the code",
        "An analyst's first notebook forecasts tomorrow's fails from these data. mlvet lint "
        "reads it — nothing is executed — and follows the data from the parquet file through "
        "features, scaling and the split to every score.",
    )
    folder = out / "notebooks"
    notebook = folder / "fails_forecast.ipynb"
    config = LintConfig(root=out)
    codes: dict[str, list[str]] = {}
    for label, cells in (("first draft", LEAKY), ("fixed twin", FIXED)):
        write_notebook(notebook, cells)
        if label == "first draft":
            write_notebook(folder / "drafts" / "fails_forecast_v1.ipynb", cells)
        report = lint_paths([notebook], config, jobs=1)
        record_lint(report, [str(notebook)], ledger=ledger)
        codes[label] = [f.code for f in report.findings]
        console.print(f"\n[bold]mlvet lint {notebook.relative_to(out)}[/bold] ({label})")
        console.print(
            TextRenderer(show_fix=label == "fixed twin").render(report.findings), markup=False
        )
    console.print(
        f"The draft is kept at {folder / 'drafts'} for comparison; both lint runs are in the "
        "ledger, and the fixed notebook's clean run supersedes the draft's findings."
    )
    return codes


def _run_script(path: Path, name: str, ledger: Ledger) -> tuple[dict[str, Any], Any, str]:
    """Run a training script as ``python path`` would, under ``mlvet.trace``."""
    import contextlib
    import io
    import runpy

    from mlvet.tracing import trace

    printed = io.StringIO()
    with (
        contextlib.chdir(path.parent),
        contextlib.redirect_stdout(printed),
        trace(name, ledger=ledger) as traced,
    ):
        namespace = runpy.run_path(str(path.name), run_name="__main__")
    return namespace, traced, printed.getvalue().strip()


def _chapter_leakage(
    console: Console, ledger: Ledger, out: Path, features: pd.DataFrame, clean: pd.DataFrame
) -> dict[str, Any]:
    from mlvet.exceptions import BudgetExceededError
    from mlvet.leakage import check_split
    from mlvet.vault import Vault

    _chapter(
        console,
        3,
        "Data Leakage, caught three ways — and the sealed exam",
        "The analyst's training script balances the rare fails with copies, scales, and "
        "splits the rows at random. mlvet lint reads it, mlvet.trace watches it run, and "
        "check_split inspects the split it made. The honest script splits by time and "
        "leaves 2021 for a vault that answers once.",
    )
    folder = out / "pipelines"
    leaky_path, honest_path = write_pipelines(folder)
    features.to_parquet(folder / "fails_features.parquet", index=False)
    result: dict[str, Any] = {}

    console.print(f"\n[bold]1. mlvet lint {leaky_path.relative_to(out)} {honest_path.name}[/bold]")
    report = lint_paths(
        [leaky_path, honest_path], LintConfig(root=folder, time_columns=("trade_date",)), jobs=1
    )
    record_lint(report, [str(leaky_path), str(honest_path)], ledger=ledger)
    console.print(TextRenderer(show_fix=False).render(report.findings), markup=False)
    result["lint"] = [f.code for f in report.findings]

    with Progress(console=console, transient=True) as progress:
        task = progress.add_task("running both training scripts under mlvet.trace", total=2)
        leaky_ns, leaky_trace, leaky_out = _run_script(leaky_path, "leaky pipeline", ledger)
        progress.advance(task)
        honest_ns, honest_trace, honest_out = _run_script(honest_path, "honest pipeline", ledger)
        progress.advance(task)
    console.print(f"\n[bold]2. with mlvet.trace(): python {leaky_path.name}[/bold]  → {leaky_out}")
    console.print(TextRenderer(show_fix=False).render(leaky_trace.findings), markup=False)
    console.print(
        f"   python {honest_path.name} → {honest_out}; "
        f"{len(honest_trace.calls)} calls traced, {len(honest_trace.findings)} findings"
    )
    result["trace"] = sorted({f.code for f in leaky_trace.findings})
    result["trace_honest"] = sorted({f.code for f in honest_trace.findings})

    console.print("\n[bold]3. check_split on the split the leaky script made[/bold]")
    leaky_split = check_split(
        leaky_ns["train"],
        leaky_ns["test"],
        target="fail",
        time="trade_date",
        source=features,
        ledger=ledger,
    )
    console.print(leaky_split.rich_table())
    honest_split = check_split(
        honest_ns["train"],
        honest_ns["test"],
        target="fail",
        time="trade_date",
        horizon="1D",
        ledger=ledger,
    )
    failed = [k for k, v in honest_split.checks.items() if v == "failed"]
    console.print(
        f"   the honest, time-ordered split: {len(honest_split.findings)} finding(s)"
        + (f" ({', '.join(failed)})" if failed else "")
    )
    lagged = ["trade_date", "cusip", "dealer_position_bn"]
    same_day = [
        side.merge(clean[lagged], on=["trade_date", "cusip"], how="left")
        for side in (honest_ns["train"], honest_ns["test"])
    ]
    peek = check_split(
        same_day[0],
        same_day[1],
        time="trade_date",
        available_at={"dealer_position_bn": f"{REPORTING_LAGS['dealer_position_bn']}D"},
    )
    for finding in peek.findings:
        console.print(
            f"   had the same-day dealer position been used: {finding.code} {finding.message}",
            markup=False,
        )
    result["check_split"] = sorted({f.code for f in leaky_split.findings})
    result["check_split_honest"] = sorted({f.code for f in honest_split.findings})
    result["peek_a_boo"] = sorted({f.code for f in peek.findings})

    console.print("\n[bold]4. The sealed exam: 2021 goes into a vault[/bold]")
    test = honest_ns["test"]
    vault = Vault("fails-2021-final", ledger=ledger)
    info = vault.seal(test[FEATURES], test["fail"])
    console.print(
        f"   sealed {info.n_rows:,} rows; commitment {info.commitment[:16]}…; budget "
        f"{info.budget.per_lineage} per model lineage, {info.budget.total} in all"
    )
    final = vault.evaluate(
        honest_ns["model"],
        metrics=["f1", "roc_auc"],
        purpose="final report: settlement-fails model v1",
        n_bootstrap=300,
    )
    console.print(f"   {final}")
    retuned = honest_ns["model"].set_params(randomforestclassifier__min_samples_leaf=1)
    retuned.fit(honest_ns["train"][FEATURES], honest_ns["train"]["fail"])
    try:
        vault.evaluate(retuned, metrics=["f1"], purpose="maybe leaf size 1 is better?")
        refused = None
    except BudgetExceededError as exc:
        refused = exc.finding
        console.print(f"   [red]refused[/red] {exc.finding.code}: {escape(exc.finding.message)}")
    table = Table("read", "who", "lineage", "purpose", "status", "result", title="vault log")
    for read in vault.log():
        shown = ", ".join(
            f"{k} {v['value']:.3f}" for k, v in read["result"].items() if isinstance(v, dict)
        )
        table.add_row(
            str(read["id"]),
            escape(read["actor"]),
            read["lineage"].rsplit(".", 1)[-1],
            escape(read["purpose"]),
            read["status"],
            shown,
        )
    console.print(table)

    scores = Table(
        "how the minority-class F1 was measured",
        "F1",
        title="the inflated score beside the honest ones",
    )
    leaky_f1 = float(leaky_ns["f1"])
    cv_f1 = float(honest_ns["cv_f1"].mean())
    sealed_f1 = final["f1"]
    scores.add_row("oversample + scale, then random split (leaky)", f"[red]{leaky_f1:.2f}[/red]")
    scores.add_row("time-ordered cross-validation, 2018–2020", f"{cv_f1:.2f}")
    scores.add_row(
        "sealed 2021 test year, evaluated once",
        f"{sealed_f1.value:.2f} [{sealed_f1.low:.2f}, {sealed_f1.high:.2f}]",
    )
    console.print(scores)
    result.update(
        leaky_f1=leaky_f1,
        cv_f1=cv_f1,
        sealed_f1=sealed_f1.value,
        vault_refused=refused.code if refused else None,
        vault_reads=[r["status"] for r in vault.log()],
    )
    return result


def _chapter_experiments(
    console: Console, ledger: Ledger, out: Path, features: pd.DataFrame
) -> dict[str, Any]:
    from sklearn.base import clone
    from sklearn.ensemble import HistGradientBoostingClassifier
    from sklearn.model_selection import TimeSeriesSplit

    from mlvet.experiments import (
        Categorical,
        Defaults,
        Features,
        Int,
        LogUniform,
        Uniform,
        ablate,
        compare,
        tune,
    )

    _chapter(
        console,
        4,
        "Tuning, PEST and credit: honest experiments",
        "The analyst tunes a gradient-boosting model on 2018–2020 and writes that the tuning "
        "made the difference. mlvet.tune records the whole search; mlvet.compare scores the "
        "tuned model, its defaults and a logistic baseline on the same time-ordered splits; "
        "mlvet.ablate asks where the gain came from.",
    )
    train = features[features["trade_date"] < pd.Timestamp("2021-01-04")].sort_values("trade_date")
    X, y = train[FEATURES].reset_index(drop=True), train["fail"].to_numpy()
    cv = TimeSeriesSplit(n_splits=5)  # always train on the past, score on the next block
    gbm = HistGradientBoostingClassifier(random_state=0)
    space = {
        "learning_rate": LogUniform(0.02, 0.3),
        "max_depth": Int(2, 8),
        "min_samples_leaf": Int(10, 200, log=True),
        "l2_regularization": Uniform(0.0, 1.0),
        "max_iter": Categorical([100, 200]),
    }
    console.print(
        "\n[bold]1. mlvet.tune: a recorded random search, 12 trials x 5 time-ordered folds[/bold]"
    )
    search = tune(
        gbm,
        space,
        X,
        y,
        scoring="roc_auc",
        cv=cv,
        n_trials=12,
        seed=7,
        n_jobs=2,
        name="fails-gbm-search",
        ledger=ledger,
    )
    console.print(escape(str(search)), highlight=False)
    spec = search.spec
    console.print(
        f"   record: run {search.run_id[:8] if search.run_id else '-'}, seed {spec['seed']}, "
        f"space of {len(spec['space'])} parameters, data {spec['data_fingerprint'][:12]}, "
        f"splits {spec['split_fingerprint'][:12]}; attached to the model as mlvet_search_"
    )
    search_png = search.plot(out / "tuning.png")
    console.print(f"   plot: {search_png}")

    console.print(
        "\n[bold]2. mlvet.compare: tuned vs defaults vs the baselines, same splits[/bold]"
    )
    tuned = clone(gbm).set_params(**search.best_params)
    comparison = compare(
        {"gbm tuned": tuned, "gbm defaults": clone(gbm)},
        X,
        y,
        scoring="roc_auc",
        cv=cv,
        name="fails-gbm-vs-defaults",
        n_jobs=2,
        ledger=ledger,
    )
    console.print(escape(str(comparison)), highlight=False)
    verdict = comparison.pair("gbm tuned", "gbm defaults").verdict
    console.print(f"   [bold]tuned vs defaults[/bold]: {escape(verdict)}")

    console.print(
        "\n[bold]3. mlvet.ablate: where did the gain come from? (credited: tuning)[/bold]"
    )
    history = ["fails_prev_day_bn", "fails_5d_bn", "dealer_position_lag_bn"]
    credit = ablate(
        tuned,
        X,
        y,
        components={
            "fails history & dealer position": Features(history),
            "market metrics": Features([c for c in FEATURES if c not in history]),
            "tuning": Defaults(),
        },
        scoring="roc_auc",
        cv=cv,
        credited="tuning",
        n_jobs=2,
        name="fails-gbm-credit",
        ledger=ledger,
    )
    console.print(credit.rich_table())
    for finding in credit.findings:
        console.print(f"   [yellow]{finding.code}[/yellow] {escape(finding.message)}")
    credit_png = credit.plot(out / "credit.png")
    console.print(f"   plot: {credit_png}")
    return {
        "tune_run": search.run_id,
        "tune_codes": sorted({f.code for f in search.findings}),
        "best_params": search.best_params,
        "tuned_vs_default": search.tuned_vs_default.get("verdict"),
        "compare_verdict": verdict,
        "compare_codes": sorted({f.code for f in comparison.findings}),
        "credit": {c.name: c.shapley for c in credit.credits},
        "ablate_codes": sorted({f.code for f in credit.findings}),
        "plots": [str(search_png), str(credit_png)],
    }


def _chapter_guard(
    console: Console, ledger: Ledger, out: Path, features: pd.DataFrame, url: str
) -> dict[str, Any]:
    import numpy as np
    from sklearn.ensemble import HistGradientBoostingClassifier
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    from mlvet.guard import DecisionLog, Guard, promote, queue_reviews, register_model, reviews

    _chapter(
        console,
        5,
        "Communicate with confidence: the Guard, the fallback and the reviewer",
        "The fails model goes to production behind a Guard: a conformal set for every "
        "security-day, a simpler logistic model when the booster is unsure, and a person when "
        "both are. January 2021 is routed; one review is decided from the command line; the "
        "decision log follows every predicted fail to its outcome.",
    )
    ordered = features.sort_values(["trade_date", "cusip"])
    fit = ordered[ordered["trade_date"] < pd.Timestamp("2020-07-01")]
    cal = ordered[
        (ordered["trade_date"] >= pd.Timestamp("2020-07-01"))
        & (ordered["trade_date"] < pd.Timestamp("2021-01-04"))
    ]
    batch = ordered[
        (ordered["trade_date"] >= pd.Timestamp("2021-01-04"))
        & (ordered["trade_date"] < pd.Timestamp("2021-02-01"))
    ]
    booster = HistGradientBoostingClassifier(max_iter=150, learning_rate=0.08, random_state=0)
    simple = make_pipeline(StandardScaler(), LogisticRegression(max_iter=1000))
    booster.fit(fit[FEATURES], fit["fail"])
    simple.fit(fit[FEATURES], fit["fail"])
    # Mondrian: fails are the rare class, and a marginal 90% would cover them far less
    guard = Guard(booster, alpha=0.1, method="mondrian", fallback=[simple], review=True)
    guard.calibrate(cal[FEATURES], cal["fail"])  # fitted on H1 2020 and before, calibrated on H2
    console.print(
        "\n[bold]1. Guard(HistGradientBoosting, alpha=0.1, method='mondrian', fallback=\\[logistic], "
        "review=True)[/bold]: "
        f"fitted on {len(fit):,} rows to June 2020, calibrated on {len(cal):,} rows of H2 2020"
    )
    report = guard.calibration_report(batch[FEATURES], batch["fail"], segments=batch["tenor"])
    png = report.plot(out / "reliability.png")
    html_path = out / "calibration.html"
    html_path.write_text(
        report.to_html("Settlement fails: calibration, January 2021"), encoding="utf-8"
    )
    console.print(f"   {escape(str(report))}")
    console.print(f"   reliability diagram: {png}; report: {html_path}")
    version = register_model("fails-forecaster", guard, calibration=report, ledger=ledger)
    shipped = promote(
        "fails-forecaster",
        version.version,
        "production",
        reason="guarded release, Jan 2021",
        ledger=ledger,
    )
    console.print(
        f"   registered fails-forecaster@{version.version} and promoted to production "
        f"({len(shipped.findings)} CW finding(s))"
    )

    console.print("\n[bold]2. route(January 2021)[/bold]")
    routing = guard.route(batch[FEATURES])
    counts = routing.counts()
    coverage = guard.coverage(batch[FEATURES], batch["fail"])
    fails = batch["fail"].to_numpy() == 1
    fail_coverage = guard.coverage(batch[FEATURES][fails], batch["fail"][fails])
    table = Table("decision", "rows", "share", title=f"{len(batch):,} security-days routed")
    for decision, n in counts.items():
        table.add_row(decision, f"{n:,}", f"{n / len(batch):.1%}")
    console.print(table)
    console.print(
        f"   empirical coverage of the sets on January: {coverage:.3f} overall, {fail_coverage:.3f} "
        "on the fails (target 0.90 for each class; the sets were calibrated on H2 2020, and "
        "what has drifted since is monitoring's job)"
    )
    keys = [f"{c}/{d:%Y-%m-%d}" for c, d in zip(batch["cusip"], batch["trade_date"], strict=True)]
    ids = queue_reviews(guard, batch[FEATURES], routing, keys=keys, ledger=ledger)
    first = reviews(ledger=ledger, limit=1)[0] if ids else None
    decided = None
    if first is not None:
        truth = int(batch["fail"].iloc[keys.index(str(first.row_key))])
        command = [
            "review",
            "decide",
            str(first.id),
            "--label",
            str(truth),
            "--reviewer",
            "ops-desk",
            "--reason",
            "checked against the settlement report",
            "--db",
            url,
        ]
        console.print(f"   {len(ids)} rows queued for review; the first is {first.row_key}:")
        console.print(f"   $ mlvet {' '.join(command[:-2])} --db …")
        from mlvet.cli import app

        app(command, standalone_mode=False)
        decided = first.id

    console.print("\n[bold]3. The decision log: notify? intervene? outcome?[/bold]")
    log = DecisionLog("fails-alerts-2021-01", ledger=ledger)
    rng = np.random.default_rng(2021)
    # the desk is alerted when a fail is plausible: class 1 is in the row's 90% set
    predicted = guard.predict_set(batch[FEATURES])[:, list(guard.classes_).index(1)]
    waiting = routing.decision == "review"  # alerts on rows under review wait for the reviewer
    outcome = batch["fail"].to_numpy().astype(bool)
    for i in np.flatnonzero(predicted | outcome):
        notified = bool(predicted[i] and not waiting[i])
        intervened = bool(notified and rng.uniform() < 0.5)  # the desk acts on half the alerts
        log.record(
            keys[i],
            predicted=bool(predicted[i]),
            notified=notified,
            intervened=intervened,
            outcome=bool(outcome[i]),
        )
    kpis = log.kpis()
    states = Table("operational state", "rows", "share", title="decision log KPIs")
    for state, n in kpis["counts"].items():
        states.add_row(state, f"{n:,}", f"{kpis['rates'][state]:.1%}")
    console.print(states)
    c = kpis["confusion"]
    console.print(
        f"   confusion (logged rows): TP {c['true positive']}, FP {c['false positive']}, "
        f"FN {c['false negative']}, TN {c['true negative']}"
    )
    return {
        "routing": counts,
        "coverage": coverage,
        "fail_coverage": fail_coverage,
        "ece": report.ece,
        "brier": report.brier,
        "reviews": len(ids),
        "decided": decided,
        "kpis": kpis["counts"],
        "plots": [str(png), str(html_path)],
        "cw_findings": [f.code for f in version.findings + shipped.findings],
    }


def _chapter_monitoring(
    console: Console, ledger: Ledger, out: Path, features: pd.DataFrame
) -> dict[str, Any]:
    from sklearn.ensemble import HistGradientBoostingClassifier

    from mlvet.guard import Guard, promote, register_model
    from mlvet.monitoring import Monitor, alerts, check_deployments, evaluate

    _chapter(
        console,
        6,
        "Reflect, don't forget: monitoring through the March-2020 shift",
        "Rewind to January 2020: the fails model trained on 2018–H1 2019 goes to production, "
        "watched by a monitor whose reference is H2 2019. Every month's security-days are "
        "scored and observed; each month's outcomes arrive a month later. Drift and "
        "performance rules alert; the estimate made without labels is set against the "
        "realized AUC; and a deployment check asks who revalidated what.",
    )
    ordered = features.sort_values(["trade_date", "cusip"])
    day = ordered["trade_date"]
    fit = ordered[day < pd.Timestamp("2019-07-01")]
    ref = ordered[(day >= pd.Timestamp("2019-07-01")) & (day < pd.Timestamp("2020-01-01"))]
    booster = HistGradientBoostingClassifier(max_iter=150, learning_rate=0.08, random_state=0)
    booster.fit(fit[FEATURES], fit["fail"])
    guard = Guard(booster, alpha=0.1, method="mondrian").calibrate(ref[FEATURES], ref["fail"])
    version = register_model(
        "fails-forecaster-2019",
        guard,
        calibration=guard.calibration_report(ref[FEATURES], ref["fail"]),
        ledger=ledger,
    )
    promote(
        "fails-forecaster-2019",
        version.version,
        "production",
        reason="January 2020 release",
        ledger=ledger,
    )

    def scored(frame: pd.DataFrame) -> pd.DataFrame:
        keys = [
            f"{c}/{d:%Y-%m-%d}" for c, d in zip(frame["cusip"], frame["trade_date"], strict=True)
        ]
        return frame[[*FEATURES, "tenor", "trade_date", "fail"]].assign(
            row_id=keys, score=guard.predict_proba(frame[FEATURES])[:, 1]
        )

    reference = scored(ref)
    monitor = Monitor(
        "fails-2019-inputs",
        reference,
        features=[*FEATURES, "tenor"],
        prediction="score",
        target="fail",
        id="row_id",
        timestamp="trade_date",
        model="fails-forecaster-2019",
        ledger=ledger,
    )
    rules = [
        "drifted_share >= 0.5",
        "psi[repo_specialness_bp] > 0.5 for 2 consecutive batches",
        "estimated_accuracy < 0.85",
        "realized_accuracy < 0.85",
    ]
    console.print(
        f"\n[bold]1. Monitor('fails-2019-inputs')[/bold]: reference H2 2019, {len(reference):,} "
        f"rows; {len(monitor.features) - 1} inputs and the score (prediction drift); "
        f"reference AUC {monitor.config['reference_performance']['roc_auc']:.3f}; rules: "
        + escape("; ".join(rules))
    )
    year = ordered[(day >= pd.Timestamp("2020-01-01")) & (day < pd.Timestamp("2021-01-01"))]
    months = [(str(k), part) for k, part in year.groupby(year["trade_date"].dt.strftime("%Y-%m"))]
    waiting: pd.DataFrame | None = None
    opened_at: dict[str, list[str]] = {}
    with Progress(console=console, transient=True) as progress:
        task = progress.add_task("observing 2020, month by month", total=len(months))
        for key, part in months:
            batch = scored(part)
            monitor.observe(batch.drop(columns="fail"), batch_key=key)
            if waiting is not None:  # last month's outcomes have arrived
                monitor.label(waiting["row_id"], waiting["fail"])
            waiting = batch[["row_id", "fail"]]
            opened = evaluate(monitor, rules)
            if opened:
                opened_at[key] = [a.rule for a in opened]
            progress.advance(task)
    perf = monitor.performance()
    acc = perf[perf["metric"] == "accuracy"].set_index("batch_key")
    auc = perf[perf["metric"] == "roc_auc"].set_index("batch_key")
    share = monitor.history().groupby("batch_key")["drifted"].mean()

    def fmt(frame: pd.DataFrame, column: str, key: str) -> str:
        value = frame[column].get(key)
        return "-" if value is None or pd.isna(value) else f"{value:.3f}"

    table = Table(
        "month",
        "drifted",
        "accuracy est.",
        "accuracy real.",
        "AUC est.",
        "AUC real.",
        "alerts opened",
        title="2020, month by month (est.: from the scores alone; real.: once outcomes came)",
    )
    for key, _ in months:
        table.add_row(
            key,
            f"{share.get(key, 0.0):.0%}",
            fmt(acc, "estimated", key),
            fmt(acc, "realized", key),
            fmt(auc, "estimated", key),
            fmt(auc, "realized", key),
            escape("; ".join(opened_at.get(key, []))) or "-",
        )
    console.print(table)
    changes = monitor.changes()
    console.print(
        f"   river: ADWIN on realized correctness changed at {', '.join(changes['adwin']) or 'none'}; "
        f"Page–Hinkley on expected correctness (no labels) at "
        f"{', '.join(changes['page_hinkley']) or 'none'}"
    )
    perf_png = monitor.plot_performance(out / "performance.png", metric="accuracy")
    drift_png = monitor.plot(out / "drift_over_time.png")
    console.print(f"   plots: {perf_png} (estimated vs realized), {drift_png} (PSI per column)")

    console.print("\n[bold]2. The alert log[/bold]")
    log = alerts(ledger=ledger)
    first = log[0] if log else None
    if first is not None:
        from mlvet.monitoring import acknowledge

        acknowledge(
            first.id,
            who="fails-desk",
            reason="the March repo squeeze; model under review",
            ledger=ledger,
        )
        log = alerts(ledger=ledger)
    alert_table = Table("id", "rule", "status", "batches", "who", title="alerts")
    for a in log:
        alert_table.add_row(
            str(a.id),
            escape(a.rule),
            a.status,
            escape(", ".join(a.detail.get("batches", []))),
            escape(a.updated_by or "-"),
        )
    console.print(alert_table)

    console.print("\n[bold]3. mlvet monitor check[/bold]: who watches, and who revalidated?")
    found = check_deployments(ledger=ledger)
    for f in found:
        console.print(f"   {f.code} {escape(f.message)}")
    promote(
        "fails-forecaster-2019",
        version.version,
        "archived",
        reason="replaced by fails-forecaster (fitted to June 2020) after the March shift",
        ledger=ledger,
    )
    # the replacement from chapter 5 gets its own monitor, reference H2 2020, with rules
    later = ordered[(day >= pd.Timestamp("2020-07-01")) & (day < pd.Timestamp("2021-01-01"))]
    Monitor(
        "fails-forecaster-inputs",
        later[FEATURES],
        model="fails-forecaster",
        ledger=ledger,
    ).keep_rules(["psi > 0.25 for 2 consecutive batches"])
    after = check_deployments(ledger=ledger)
    console.print(
        "   fails-forecaster-2019 archived; fails-forecaster (chapter 5) watched by "
        f"'fails-forecaster-inputs' with a rule: {len(after)} finding(s) left"
    )
    return {
        "alerts": [(a.rule, a.status) for a in log],
        "opened_at": opened_at,
        "accuracy": {k: (acc["estimated"].get(k), acc["realized"].get(k)) for k, _ in months},
        "auc": {k: (auc["estimated"].get(k), auc["realized"].get(k)) for k, _ in months},
        "changes": changes,
        "deployment_findings": [f.code for f in found],
        "after_fix": [f.code for f in after],
        "plots": [str(perf_png), str(drift_png)],
    }


def _chapter(console: Console, n: int, title: str, text: str) -> None:
    console.print()
    console.print(Panel(text, title=f"Chapter {n} · {title}", title_align="left", expand=True))


def run_demo(*, db_url: str | None, out: Path, console: Console) -> dict[str, Any]:
    """Run every chapter that exists; return what a test (or a curious user) can check."""
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    url = db_url or f"sqlite:///{(out / 'ledger.db').resolve()}"
    if db_url is None:
        for stale in out.glob("ledger.db*"):
            stale.unlink()  # the demo tells its story on a fresh ledger
    ledger = Ledger(url, create=True)
    upgrade(ledger)
    console.print(f"[bold]mlvet demo[/bold] — ledger: {ledger.display_url}")
    result: dict[str, Any] = {"ledger": ledger.display_url, "out": str(out)}

    _chapter(
        console,
        1,
        "Data Crisis as a Service",
        "A bank forecasts Treasury settlement fails per security and business day "
        "(2018–2021) from intraday metrics. dealer_position_bn is published "
        f"{REPORTING_LAGS['dealer_position_bn']} business day late; the regime shifts on "
        f"{REGIME_SHIFT}. Every dataset is fingerprinted, linked to the code that made it, "
        "and checked against assertions before anyone may use it.",
    )
    with Progress(console=console, transient=True) as progress:
        task = progress.add_task("registering raw -> clean -> features", total=3)
        raw = extract_settlement_data()
        raw_path = out / "fails_raw.parquet"
        raw.to_parquet(raw_path, index=False)
        reference = raw[raw["trade_date"] < REGIME_SHIFT]
        raw_v = register_dataset(
            raw,
            "fails_raw",
            produced_by=extract_settlement_data,
            schema=infer_schema(reference, unique=["cusip", "trade_date"]),
            description="intraday settlement metrics per security and business day",
            uri=str(raw_path.resolve()),
            ledger=ledger,
        )
        progress.advance(task)
        clean = step("fails_clean", ledger=ledger)(clean_settlement_data)(raw)
        progress.advance(task)
        features = step("fails_features", ledger=ledger)(build_features)(clean)
        progress.advance(task)
    feat_v = dataset_versions("fails_features", ledger=ledger)[-1]
    console.print(
        f"registered {raw_v.ref} ({raw_v.n_rows:,} rows), fails_clean, {feat_v.ref} "
        f"({features.shape[0]:,} rows x {features.shape[1]} columns)"
    )
    console.print(f"  {raw_v.ref} fingerprint {raw_v.fingerprint}")

    console.print("\n[bold]Daily batches arrive and are checked against the schema[/bold]")
    batch_schema = infer_schema(reference, unique=["cusip", "trade_date"])
    days = [b for d, b in daily_batches(raw) if d >= pd.Timestamp("2021-06-01")][:5]
    quarantined = None
    for i, batch in enumerate(days):
        hand_prepared = i == 3
        if hand_prepared:
            batch = corrupt_batch(batch, seed=1)
        try:
            v = register_dataset(
                batch,
                "fails_daily",
                produced_by="manual upload" if hand_prepared else "daily extract",
                schema=batch_schema,
                ledger=ledger,
            )
            console.print(
                f"  [green]✓[/green] {v.ref} {batch['trade_date'].iloc[0]:%Y-%m-%d} accepted ({v.n_rows} rows)"
            )
        except DataQualityError as exc:
            quarantined = exc.version
            console.print(
                f"  [red]✗[/red] {exc.version.ref} {batch['trade_date'].iloc[0]:%Y-%m-%d} "
                f"[red]QUARANTINED[/red] — {len(exc.findings)} reasons, every failure listed:"
            )
            console.print(render(exc.findings), markup=False)
    result["quarantined"] = quarantined.ref if quarantined else None

    if quarantined is not None:
        console.print("\n[bold]Someone tries to build features from the quarantined batch[/bold]")
        try:
            register_dataset(
                build_features(clean_settlement_data(corrupt_batch(days[3], seed=1))),
                "fails_daily_features",
                inputs=[quarantined],
                produced_by=build_features,
                ledger=ledger,
            )
        except DataQualityError as exc:
            console.print(
                f"  [red]refused:[/red] {exc.findings[-1].code} {exc.findings[-1].message}"
            )

    console.print("\n[bold]The catalog[/bold]")
    for d in datasets(ledger=ledger):
        flag = f"  [red]{d['quarantined']} quarantined[/red]" if d["quarantined"] else ""
        console.print(f"  {d['name']:<22} @{d['latest']}  {d['versions']} version(s){flag}")

    graph = lineage("fails_features", ledger=ledger)
    console.print("\n[bold]Lineage of fails_features[/bold]")
    for p, c, run_id in graph.edges:
        console.print(
            f"  {graph.nodes[p].ref} --({escape(graph.step_label(run_id))})--> {graph.nodes[c].ref}"
        )
    png = plot_lineage("fails_clean", out / "lineage.png", ledger=ledger)
    events = openlineage_events("fails_features", ledger=ledger)
    ol_path = out / "openlineage.json"
    ol_path.write_text(json.dumps(events, indent=2), encoding="utf-8")
    console.print(f"  plot: {png}   OpenLineage events ({len(events)}): {ol_path}")
    result["lineage_png"] = str(png)
    result["openlineage"] = str(ol_path)

    result["lint"] = _chapter_lint(console, ledger, out)
    result["leakage"] = _chapter_leakage(console, ledger, out, features, clean)
    result["experiments"] = _chapter_experiments(console, ledger, out, features)
    result["guard"] = _chapter_guard(console, ledger, out, features, url)
    result["monitoring"] = _chapter_monitoring(console, ledger, out, features)

    report = ledger.verify()
    console.print(
        f"\n[bold]Audit chain[/bold]: {'[green]verified[/green]' if report.ok else '[red]BROKEN[/red]'} "
        f"— {report.n_events} events, {report.n_rows_checked} rows, head {report.head_hash[:16]}…"
    )
    result["audit_ok"] = report.ok

    rows = scorecard(ledger=ledger)
    from mlvet.cli import scorecard_table

    console.print()
    console.print(scorecard_table(rows))
    result["scorecard"] = {r.family: r.status for r in rows}
    console.print(
        f"\nExplore: mlvet catalog show fails_daily@{quarantined.version if quarantined else 1} --db '{url}'"
        f"\n         mlvet lineage fails_features --db '{url}'"
        f"\n         mlvet audit verify --db '{url}'"
        f"\n         mlvet lint {out / 'notebooks'}"
        f"\n         mlvet trials fails-gbm-search --db '{url}'"
        f"\n         mlvet runs --kind tune --db '{url}'"
        f"\n         mlvet review list --db '{url}'"
        f"\n         mlvet models history fails-forecaster --db '{url}'"
        f"\n         mlvet monitor show fails-2019-inputs --db '{url}'"
        f"\n         mlvet alerts list --db '{url}'"
        f"\n         mlvet drift REFERENCE.parquet CURRENT.parquet --format html -o drift.html"
    )
    from mlvet.dashboard import create_token

    _, token = create_token("demo", "admin", actor="demo", ledger=ledger)
    command = f"mlvet serve --db '{url}'"
    result["dashboard"] = {"command": command, "token": token}
    console.print(
        f"\n[bold]Dashboard[/bold]: {escape(command)}\n"
        "  then open http://127.0.0.1:8765/ and log in with this admin token "
        "(shown once; `mlvet token create` makes more):\n"
        f"  {token}",
        soft_wrap=True,
    )
    return result
