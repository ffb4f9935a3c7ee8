"""check_split: leakage checks on a train/test split that is already made (DL201-DL207)."""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any

import pyarrow as pa

from mlvet._findings import Finding, Location
from mlvet.catalog import Severity
from mlvet.exceptions import InputError
from mlvet.leakage._split_checks import (
    Hashes,
    Outcome,
    check_exact,
    check_groups,
    check_near,
    check_temporal,
)
from mlvet.leakage._split_hash import row_keys_with_near
from mlvet.leakage._split_input import (
    Side,
    Spec,
    check_key_columns,
    load_sides,
    load_source_target,
    make_spec,
)
from mlvet.leakage._split_peek import check_peek_a_boo, check_publication_times
from mlvet.leakage._split_proxy import (
    MIN_ROWS,
    ProxySettings,
    describe,
    evidence,
    scan_proxies,
)
from mlvet.leakage._split_ratio import check_class_ratio, is_categorical

__all__ = ["CHECKS", "SplitReport", "check_split"]

CHECK_CODES = {
    "exact-overlap": "DL201",
    "near-duplicates": "DL202",
    "group-overlap": "DL203",
    "temporal-order": "DL204",
    "peek-a-boo": "DL207",
    "class-ratio": "DL205",
    "target-proxy": "DL206",
}
CHECKS = tuple(CHECK_CODES)


@dataclass(frozen=True)
class SplitReport:
    """What :func:`check_split` found, and what it checked.

    ``checks`` maps each check to ``"passed"``, ``"failed"`` or ``"skipped: <why>"``, so an
    auditor sees what was not checked as clearly as what was. Iterating the report yields
    its findings.
    """

    findings: tuple[Finding, ...]
    checks: dict[str, str]
    n_train: int
    n_test: int
    run_id: str | None = None
    notes: tuple[str, ...] = ()

    def __iter__(self) -> Iterator[Finding]:
        return iter(self.findings)

    def __len__(self) -> int:
        return len(self.findings)

    @property
    def ok(self) -> bool:
        """True when no finding has error severity (warnings such as DL202 do not count)."""
        return not any(f.severity is Severity.ERROR for f in self.findings)

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dict."""
        return {
            "ok": self.ok,
            "n_train": self.n_train,
            "n_test": self.n_test,
            "checks": dict(self.checks),
            "findings": [f.to_dict() for f in self.findings],
            "notes": list(self.notes),
            "run_id": self.run_id,
        }

    def _found(self, check: str) -> Finding | None:
        """The first finding of a check, if any."""
        return next((f for f in self.findings if f.code == CHECK_CODES[check]), None)

    def __str__(self) -> str:
        lines = [f"check_split: {self.n_train:,} train rows, {self.n_test:,} test rows"]
        for name, status in self.checks.items():
            code = f"  {CHECK_CODES[name]}" if self._found(name) else ""
            lines.append(f"  {name:<16} {status}{code}")
        for f in self.findings:
            lines.append(f"{f.location.describe()}: {f.code} [{f.kind}] {f.message}")
            lines.append(f"  help: {f.fix}")
        lines.extend(f"note: {n}" for n in self.notes)
        n = len(self.findings)
        lines.append("All clear." if n == 0 else f"Found {n} finding{'s' if n != 1 else ''}.")
        return "\n".join(lines)

    def rich_table(self) -> Any:
        """A ``rich.table.Table`` of the checks with their status and first finding."""
        from rich.table import Table

        table = Table(title=f"check_split: {self.n_train:,} train / {self.n_test:,} test rows")
        for col in ("check", "status", "finding"):
            table.add_column(col)
        style = {"passed": "green", "failed": "bold red"}
        for name, status in self.checks.items():
            found = self._found(name)
            text = f"{found.code} {found.message}" if found else ""
            table.add_row(name, f"[{style.get(status.split(':')[0], 'yellow')}]{status}[/]", text)
        return table


def check_split(
    train: Any,
    test: Any,
    *,
    target: str | None = None,
    time: str | None = None,
    group: str | Sequence[str] | None = None,
    id: str | None = None,
    horizon: Any = None,
    available_at: Mapping[str, Any] | None = None,
    prediction_time: str | None = None,
    source: Any = None,
    near_digits: int = 6,
    proxy_threshold: float = 0.99,
    record: bool = False,
    ledger: Any = None,
) -> SplitReport:
    """Check a train/test split for leakage; return a :class:`SplitReport`.

    ``train`` and ``test`` are pandas, polars or pyarrow frames (or DuckDB relations) with
    the same columns. Each check below runs when its arguments are given; the report's
    ``checks`` says which ran and why the others did not.

    - **exact-overlap** (DL201): test rows equal to a training row over every column but
      ``id`` (label, time and group included: they are data). Null equals null.
    - **near-duplicates** (DL202, warning): rows equal once floats are rounded to
      ``near_digits`` significant digits and text is lower-cased with whitespace runs
      collapsed and stripped (integers, booleans and times stay exact); exact copies are
      not counted again.
    - **group-overlap** (DL203, with ``group=``, a column or list of columns): entities with
      rows on both sides. Rows with a null group value belong to no entity.
    - **temporal-order** (DL204, with ``time=``, a datetime or date column): with a
      ``horizon`` (``"1D"``, ``pd.Timedelta``, ``datetime.timedelta``) every test time
      must be at least ``max(train time) + horizon``; with no horizon test times must be
      strictly later than every train time. The finding counts the train rows later than
      min(test) - horizon and the test rows earlier than max(train) + horizon (with no
      horizon: at or after min(test), at or before max(train)), with each side's span.
    - **peek-a-boo** (DL207, with ``available_at=``): a mapping of feature columns to a
      publication lag (``"1D"``: the row's value describes its ``time`` and is published at
      ``time + lag``) or to the name of a column holding each value's publication time.
      A value is used before it is published when its publication comes after the row's
      ``prediction_time`` (a column; default: ``time``). If a feature was already shifted
      so that row *t* holds period *t - k*, declare its remaining lag (``lag - k``, or
      ``"0D"``). Both sides are checked.
    - **class-ratio** (DL205, with a categorical ``target``: non-numeric or at most 20
      distinct values): with ``source`` (the data before the split, before any
      resampling) the test set is flagged when the source's minority class is rare
      (share < 0.35) and its test share is at least 1.5 times larger, by at least 3
      binomial standard errors. Without ``source`` it is flagged only on corroborating
      evidence: every test class within 3 binomial standard errors of an even share *and*
      the test rows of one class are copies (exact or near, within test or of train rows)
      at a rate of at least 10% and 3 times that of another class, spread over at least 5
      distinct rows with none more than a fifth of the copies: the signature of random
      oversampling before the split (one common value repeated is a natural duplicate).
      SMOTE's interpolated rows are not copies; pass ``source`` to catch them. In the paper's Fig. 2 (Muralidhar et al. 2021) the
      minority-class F1 is 0.84 with oversampling before the split against an honest 0.60.
    - **target-proxy** (DL206, with ``target``): each feature alone (not the target, id,
      time, group, prediction-time or publication columns) is scored by a 5-fold
      cross-validated one-feature model on at most 200,000 seeded training rows: numbers
      cut into 32 bins on training-fold quantiles, few-valued numbers and categories by
      value, the per-bin target frequencies (or means) learned on four folds and scored on
      the fifth by ROC AUC (one-vs-rest macro for several classes) or R². Flagged at
      ``proxy_threshold`` (0.99), when the target is a function of a feature with at most
      n/10 distinct values, or (numeric target) when a feature is an affine function of it
      (|correlation| >= 0.9999). Entirely null features are skipped with a note. A class
      target needs 5 training rows per class and a score 3 scored folds, else the check
      is skipped; beyond 51 classes the 50 most frequent are scored (noted).

    Example ids in the evidence are the ``id`` column's values when ``id`` is given, else
    0-based row positions in each frame; a pandas index that is named and unique on both
    sides serves as ``id`` when none is given (the notes say how the index was used). ``record=True`` (or ``ledger=``, a URL or an
    :class:`mlvet.Ledger`) writes a run of kind ``check_split`` with the columns used, the
    frames' fingerprints and the findings; no row is stored. Bad input raises
    :class:`~mlvet.exceptions.InputError` naming the column and the fix; a target, time,
    group or id column that is entirely null is an error, a feature that is is not.

    >>> import pandas as pd
    >>> train = pd.DataFrame({"x": [1.0, 2.0, 3.0, 4.0], "y": [0, 1, 0, 1]})
    >>> test = pd.DataFrame({"x": [2.0, 5.0], "y": [1, 0]})
    >>> report = check_split(train, test, target="y")
    >>> report.checks["exact-overlap"], report.ok
    ('failed', False)
    >>> print(report.findings[0])
    test: DL201 [overlap] 1 of 2 test rows (50.0%) have an exact copy in train (1 train row copied), comparing all 2 columns; e.g. test row 0 = train row 1.
    >>> report.checks["target-proxy"]
    'skipped: only 4 training rows (needs 30)'
    """
    _check_options(record, ledger, proxy_threshold)
    used = _named_columns(target, time, group, prediction_time, available_at)
    train_side, test_side, index_notes = load_sides(
        train, test, id if isinstance(id, str) else None, used
    )
    spec = make_spec(
        train_side.table.column_names,
        target=target,
        time=time,
        group=group,
        id=id if id is not None else train_side.id_column,
        horizon=horizon,
        available_at=available_at,
        prediction_time=prediction_time,
        near_digits=near_digits,
    )
    check_key_columns((train_side, test_side), spec)
    if spec.available_at:
        check_publication_times((train_side, test_side), spec)
    source_target = _source_target(source, spec, train_side)
    findings, checks, notes = _run_checks(
        train_side, test_side, spec, source_target, proxy_threshold
    )
    notes = index_notes + notes
    report = SplitReport(tuple(findings), checks, train_side.n, test_side.n, notes=tuple(notes))
    if record or ledger is not None:
        run_id = _record(report, train_side, test_side, spec, source_target, ledger)
        report = replace(report, run_id=run_id)
    return report


def _check_options(record: Any, ledger: Any, threshold: Any) -> None:
    if not isinstance(record, bool):
        raise InputError(f"record= must be True or False, got {record!r}.")
    if ledger is not None and not isinstance(ledger, str):
        from mlvet.ledger import Ledger

        if not isinstance(ledger, Ledger):
            raise InputError(
                f"ledger= must be a ledger URL (str) or an mlvet.Ledger, got {type(ledger).__name__}."
            )
    if (
        isinstance(threshold, bool)
        or not isinstance(threshold, int | float)
        or not (0.5 < threshold <= 1.0)
    ):
        raise InputError(f"proxy_threshold must be a number in (0.5, 1], got {threshold!r}.")


def _named_columns(*args: Any) -> set[str]:
    """Every column name given as an argument (target, time, group, available_at, ...)."""
    names: set[str] = set()
    for arg in args:
        if isinstance(arg, str):
            names.add(arg)
        elif isinstance(arg, Mapping):
            names.update(str(k) for k in arg)
            names.update(v for v in arg.values() if isinstance(v, str))
        elif isinstance(arg, list | tuple):
            names.update(v for v in arg if isinstance(v, str))
    return names


def _source_target(source: Any, spec: Spec, train: Side) -> pa.ChunkedArray | None:
    if source is None:
        return None
    if spec.target is None:
        raise InputError("source= is used to compare class ratios; pass target= as well.")
    col = load_source_target(source, spec.target, train)
    if col.null_count:
        raise InputError(
            f"The target column {spec.target!r} has {col.null_count} null value(s) in the "
            "source frame; drop those rows first."
        )
    return col


def _run_checks(
    train: Side,
    test: Side,
    spec: Spec,
    source: pa.ChunkedArray | None,
    threshold: float,
) -> tuple[list[Finding], dict[str, str], list[str]]:
    columns = [c for c in train.table.column_names if c != spec.id]
    exact, near = row_keys_with_near(train.table, test.table, columns, spec.near_digits)
    hashes = Hashes(exact.train, exact.test, near.train, near.test)
    n_cols = len(columns)
    outcomes: dict[str, Outcome] = {
        "exact-overlap": check_exact(train, test, hashes, spec, n_cols),
        "near-duplicates": check_near(train, test, hashes, spec, n_cols),
        "group-overlap": check_groups(train, test, spec),
        "temporal-order": check_temporal(train, test, spec),
        "peek-a-boo": check_peek_a_boo(train, test, spec),
        "class-ratio": check_class_ratio(train, test, spec, hashes, source),
    }
    proxy_outcome, notes = _check_proxies(train, test, spec, threshold)
    outcomes["target-proxy"] = proxy_outcome
    findings = [f for _, found in outcomes.values() for f in found]
    return findings, {k: v[0] for k, v in outcomes.items()}, notes


def _check_proxies(
    train: Side, test: Side, spec: Spec, threshold: float
) -> tuple[Outcome, list[str]]:
    if spec.target is None:
        return ("skipped: no target= given", []), []
    if train.n < MIN_ROWS:
        return (f"skipped: only {train.n} training rows (needs {MIN_ROWS})", []), []
    meta = spec.metadata_columns()
    features = [c for c in train.table.column_names if c not in meta]
    if not features:
        return ("skipped: no feature columns besides the target and key columns", []), []
    classification, _ = is_categorical(train, test, spec.target)
    settings = ProxySettings(classification=classification, threshold=threshold)
    scan = scan_proxies(train.table, spec.target, features, settings)
    if scan.skipped:
        return (f"skipped: {scan.skipped}", []), []
    n_rows = min(train.n, settings.max_rows)
    findings = [
        Finding.of(
            "DL206",
            describe(r, spec.target, n_rows, settings),
            location=Location(dataset="train", field=r.feature),
            evidence=evidence(r, spec.target, n_rows, settings),
        )
        for r in scan.results
        if r.flagged
    ]
    notes = [f"target-proxy {n}" for n in scan.notes]
    if not findings and not any(r.score is not None for r in scan.results):
        why = "no feature could be scored" + (" (see the notes)" if scan.notes else "")
        return (f"skipped: {why}", []), notes
    return (("failed" if findings else "passed"), findings), notes


def _record(
    report: SplitReport,
    train: Side,
    test: Side,
    spec: Spec,
    source: pa.ChunkedArray | None,
    ledger: Any,
) -> str:
    from mlvet.leakage._split_ledger import fingerprints, record_run

    params = {
        "train": fingerprints(train.table),
        "test": fingerprints(test.table),
        "columns": train.table.column_names,
        "target": spec.target,
        "time": spec.time,
        "group": list(spec.group),
        "id": spec.id,
        "horizon": str(spec.horizon),
        "available_at": {k: str(v) for k, v in spec.available_at.items()},
        "prediction_time": spec.prediction_time,
        "near_digits": spec.near_digits,
        "source_rows": None if source is None else len(source),
        "checks": report.checks,
    }
    checked = {CHECK_CODES[k] for k, v in report.checks.items() if v in ("passed", "failed")}
    return record_run(params, report.findings, ledger, checked)
