"""Drift of 25 columns: ``mlvet.monitoring.drift`` against a numpy floor, Evidently and NannyML.

    python bench/bench_drift.py [--rows 1000000] [--sizes 100000,1000000,3000000] [--full]
        [--skip-peers] [--no-drift-peers] [--workdir DIR] [--venvs DIR] [--repeats 1]

Data: a seeded reference of ``--rows`` rows x 25 columns (20 float64 columns drawn from
normal, lognormal and exponential laws, five of them with NaNs; 5 string columns of 5 to 50
levels with Zipf-like shares), a current of as many rows in which 7 columns drift (means
moved by 0.6 sd, a scale x1.8 or x2, a lognormal sigma 0.5 -> 0.9, 10 or 15 share points
moved from the commonest level to the rarest: PSI 0.34 to 0.39 on decile bins), and a
no-drift current drawn afresh from the reference's laws. All are written to Parquet under
``--workdir``, and every contender reads the same files.

Each contender runs in a subprocess of its own, which reads both files into pandas (the
load time is reported apart), runs once untimed on the first rows (lazy imports), then times
the best of ``--repeats`` drift computations and reports the columns it flags and its
memory: the peak RSS of the whole process and the peak above the loaded frames during the
drift computation (Linux: VmHWM, reset through /proc/self/clear_refs after loading).

- floor: plain numpy per column. Numeric: both samples sorted, the exact two-sample KS
  statistic by ``np.searchsorted`` of each sorted sample into the other, and PSI on the
  reference's deciles counted on the sorted arrays. Categorical: PSI on ``np.unique``
  counts. Flags PSI >= 0.2, with mlvet's additive 0.5 smoothing.
- mlvet: ``drift(reference, current, threshold=0.2)``; flags ``report.drifted``.
- Evidently: ``Report([DataDriftPreset()])`` with its default per-column tests (Wasserstein
  distance in reference sds for numeric columns, Jensen-Shannon for categorical ones, both
  at 0.1 above 1,000 rows), on Datasets whose column types are given; flags the columns
  whose "Value Drift" test fails.
- NannyML: ``UnivariateDriftCalculator`` with KS and Jensen-Shannon for numeric columns,
  chi-square and Jensen-Shannon for categorical ones, one chunk for the whole reference and
  one for the whole current, fit plus calculate timed; flags columns with any alert. Its
  default thresholds (mean + 3 sd of the statistic over the reference's chunks) are all 0
  with one reference chunk and would flag every column, so KS and Jensen-Shannon get a
  constant 0.1 (the distance threshold of NannyML's method docs); chi-square alerts at
  p < 0.05, as built in.

The peers' pins conflict with mlvet's, so each runs in a virtualenv of its own under
``--venvs``, created with python3.11 (or this interpreter when there is none) and
pip-installed there when it cannot import its package. A peer that fails to install or run is reported and skipped.

Then the no-drift current (floor and mlvet; the peers too with ``--no-drift-peers``), and
linearity: floor and mlvet on the drifted data at each of ``--sizes`` (``--full`` adds
10M rows), seconds per million rows, and the per-row cost at the largest size over the
smallest. Targets (checked at the end; the script exits 0 either way): mlvet within 1.5x
of the floor, >= 10x faster than Evidently, >= 3x faster than NannyML, a drift-phase peak
no larger than the floor's, exactly the drifted columns flagged, none on the no-drift
current, and a per-row cost at the largest size within 1.3x of the smallest.
"""

from __future__ import annotations

import argparse
import gc
import importlib
import json
import math
import os
import shutil
import subprocess
import sys
import tempfile
import time
import warnings
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

THRESHOLD = 0.2
SMOOTHING = 0.5
N_BINS = 10
WARMUP_ROWS = 5_000
LINEAR_TOLERANCE = 1.3
TARGET_FLOOR_RATIO = 1.5
TARGET_SPEEDUP = {"evidently": 10.0, "nannyml": 3.0}
PEERS: dict[str, list[str]] = {
    # evidently 0.7 imports a pandas internal (infer_dtype_from_object) that pandas 3 removed
    "evidently": ["evidently>=0.7", "pandas<3", "pyarrow"],
    # nannyml imports statsmodels without declaring it
    "nannyml": ["nannyml>=0.13", "statsmodels", "pyarrow"],
}


@dataclass(frozen=True)
class Numeric:
    """A float column: ``numpy.random.Generator.<dist>(*params)``; ``drifted`` replaces the
    parameters in the drifted current."""

    dist: str
    params: tuple[float, ...]
    drifted: tuple[float, ...] | None = None
    nan_share: float = 0.0


@dataclass(frozen=True)
class Categorical:
    """A string column whose k-th level has weight 1 / k**skew; the drifted current moves
    ``moved`` of the share from the commonest level to the rarest."""

    levels: int
    skew: float
    moved: float = 0.0


NUMERIC = [
    Numeric("normal", (0.0, 1.0)),
    Numeric("normal", (50.0, 10.0), drifted=(56.0, 10.0)),  # mean + 0.6 sd
    Numeric("normal", (-3.0, 2.0), nan_share=0.01),
    Numeric("normal", (100.0, 25.0), drifted=(100.0, 45.0)),  # sd x 1.8
    Numeric("normal", (0.0, 5.0)),
    Numeric("normal", (10.0, 1.0), drifted=(9.4, 1.0), nan_share=0.02),  # mean - 0.6 sd
    Numeric("normal", (1000.0, 100.0)),
    Numeric("normal", (0.0, 1.0), nan_share=0.05),
    Numeric("normal", (-20.0, 4.0)),
    Numeric("lognormal", (0.0, 0.5)),
    Numeric("lognormal", (1.0, 0.5), drifted=(1.0, 0.9)),  # sigma 0.5 -> 0.9
    Numeric("lognormal", (2.0, 1.0), nan_share=0.01),
    Numeric("lognormal", (0.0, 0.25)),
    Numeric("lognormal", (3.0, 0.75)),
    Numeric("lognormal", (-1.0, 0.3)),
    Numeric("exponential", (1.0,)),
    Numeric("exponential", (5.0,), drifted=(10.0,)),  # scale x 2
    Numeric("exponential", (0.2,), nan_share=0.005),
    Numeric("exponential", (50.0,)),
    Numeric("exponential", (2.0,)),
]
CATEGORICAL = [
    Categorical(5, 1.0),
    Categorical(10, 1.1, moved=0.15),
    Categorical(20, 1.2),
    Categorical(35, 1.0),
    Categorical(50, 1.1, moved=0.10),
]
DRIFTED = sorted(
    [f"num_{i:02d}" for i, s in enumerate(NUMERIC) if s.drifted]
    + [f"cat_{i}" for i, s in enumerate(CATEGORICAL) if s.moved]
)


# --- data ------------------------------------------------------------------------------------
def make_table(rows: int, seed: int, *, drift: bool) -> pa.Table:
    """Reference laws (``drift=False``) or the drifted ones, drawn with ``seed``."""
    rng = np.random.default_rng(seed)
    columns: dict[str, pa.Array] = {}
    for i, num in enumerate(NUMERIC):
        params = num.drifted if drift and num.drifted else num.params
        values = getattr(rng, num.dist)(*params, size=rows)
        if num.nan_share:
            values[rng.random(rows) < num.nan_share] = np.nan
        columns[f"num_{i:02d}"] = pa.array(values)
    for i, cat in enumerate(CATEGORICAL):
        p = 1.0 / np.arange(1, cat.levels + 1) ** cat.skew
        p /= p.sum()
        if drift:
            p[0] -= cat.moved
            p[-1] += cat.moved
        codes = rng.choice(cat.levels, size=rows, p=p)
        levels = pa.array([f"L{k:02d}" for k in range(cat.levels)])
        columns[f"cat_{i}"] = pc.take(levels, pa.array(codes))
    return pa.table(columns)


def write_data(workdir: Path, rows: int, *, no_drift: bool) -> dict[str, Path]:
    """The reference, the drifted current and (``no_drift``) a no-drift current as Parquet."""
    workdir.mkdir(parents=True, exist_ok=True)
    plan = {"reference": (0, False), "current": (1, True)}
    if no_drift:
        plan["no-drift"] = (2, False)
    paths = {}
    for name, (seed, drift) in plan.items():
        paths[name] = workdir / f"{name}-{rows}.parquet"
        pq.write_table(make_table(rows, seed, drift=drift), paths[name])
    return paths


# --- contenders (run inside the child process) ------------------------------------------------
Scores = dict[str, dict[str, float]]


def _is_categorical(name: str) -> bool:
    return name.startswith("cat_")


def _psi(reference: np.ndarray, current: np.ndarray) -> float:
    r = reference + SMOOTHING
    c = current + SMOOTHING
    r, c = r / r.sum(), c / c.sum()
    return float(np.sum((c - r) * np.log(c / r)))


def _cdf_at_own_values(s: np.ndarray) -> np.ndarray:
    """F(s[i]) of a sorted sample at each of its values (ties take the count through them)."""
    if s.size > 1 and np.any(s[1:] == s[:-1]):
        return np.searchsorted(s, s, side="right") / s.size
    return np.arange(1, s.size + 1) / s.size


def _sorted_counts(s: np.ndarray, cuts: np.ndarray) -> np.ndarray:
    """Counts of a sorted sample in the bins (-inf, c0), [c0, c1), ..., [c_last, inf)."""
    return np.diff(np.searchsorted(s, cuts, side="left"), prepend=0, append=s.size)


def _floor_numeric(reference: np.ndarray, current: np.ndarray) -> tuple[float, float]:
    r = np.sort(reference[~np.isnan(reference)])
    c = np.sort(current[~np.isnan(current)])
    ks = max(
        float(np.abs(np.searchsorted(r, c, side="right") / r.size - _cdf_at_own_values(c)).max()),
        float(np.abs(np.searchsorted(c, r, side="right") / c.size - _cdf_at_own_values(r)).max()),
    )
    position = np.linspace(0, 1, N_BINS + 1)[1:-1] * (r.size - 1)
    low = position.astype(np.int64)
    cuts = np.unique(r[low] + (position - low) * (r[np.minimum(low + 1, r.size - 1)] - r[low]))
    return _psi(_sorted_counts(r, cuts), _sorted_counts(c, cuts)), ks


def _floor_categorical(reference: np.ndarray, current: np.ndarray) -> float:
    levels_r, counts_r = np.unique(reference.astype(str), return_counts=True)
    levels_c, counts_c = np.unique(current.astype(str), return_counts=True)
    levels = np.union1d(levels_r, levels_c)
    r = np.zeros(levels.size)
    c = np.zeros(levels.size)
    r[np.searchsorted(levels, levels_r)] = counts_r
    c[np.searchsorted(levels, levels_c)] = counts_c
    return _psi(r, c)


def floor_compute(ref: pd.DataFrame, cur: pd.DataFrame) -> Scores:
    scores: Scores = {"psi": {}, "ks": {}}
    for name in ref.columns:
        r, c = ref[name].to_numpy(), cur[name].to_numpy()
        if _is_categorical(name):
            scores["psi"][name] = _floor_categorical(r, c)
        else:
            scores["psi"][name], scores["ks"][name] = _floor_numeric(r, c)
    return scores


def floor_read(scores: Scores) -> tuple[list[str], Scores]:
    return [name for name, p in scores["psi"].items() if p >= THRESHOLD], scores


def mlvet_compute(ref: pd.DataFrame, cur: pd.DataFrame) -> Any:
    from mlvet.monitoring import drift

    return drift(ref, cur, threshold=THRESHOLD)


def mlvet_read(report: Any) -> tuple[list[str], Scores]:
    scores: Scores = {
        "psi": {c.name: c.psi for c in report.columns},
        "ks": {c.name: c.ks for c in report.columns if c.ks is not None},
    }
    return list(report.drifted), scores


def evidently_compute(ref: pd.DataFrame, cur: pd.DataFrame) -> Any:
    from evidently import DataDefinition, Dataset, Report
    from evidently.presets import DataDriftPreset

    names = list(ref.columns)
    definition = DataDefinition(
        numerical_columns=[n for n in names if not _is_categorical(n)],
        categorical_columns=[n for n in names if _is_categorical(n)],
    )
    return Report([DataDriftPreset()], include_tests=True).run(
        Dataset.from_pandas(cur, data_definition=definition),
        Dataset.from_pandas(ref, data_definition=definition),
    )


def evidently_read(snapshot: Any) -> tuple[list[str], Scores]:
    flagged = []
    for test in snapshot.dict()["tests"]:
        params = test["metric_config"]["params"]
        if params["type"].endswith(":ValueDrift") and test["status"] == "FAIL":
            flagged.append(params["column"])
    return sorted(flagged), {}


def nannyml_compute(ref: pd.DataFrame, cur: pd.DataFrame) -> Any:
    import nannyml
    from nannyml.thresholds import ConstantThreshold

    calculator = nannyml.UnivariateDriftCalculator(
        column_names=list(ref.columns),
        treat_as_categorical=[n for n in ref.columns if _is_categorical(n)],
        chunk_number=1,
        continuous_methods=["kolmogorov_smirnov", "jensen_shannon"],
        categorical_methods=["chi2", "jensen_shannon"],
        thresholds={
            "kolmogorov_smirnov": ConstantThreshold(upper=0.1),
            "jensen_shannon": ConstantThreshold(upper=0.1),
        },
    )
    calculator.fit(ref)
    return calculator.calculate(cur)


def nannyml_read(results: Any) -> tuple[list[str], Scores]:
    table = results.filter(period="analysis").to_df()
    flagged = [
        name
        for name in table.columns.get_level_values(0).unique()
        if name != "chunk" and bool(table[name].xs("alert", axis=1, level=1).to_numpy().any())
    ]
    return sorted(flagged), {}


TOOLS: dict[str, tuple[Callable[[pd.DataFrame, pd.DataFrame], Any], Callable[..., Any], str]] = {
    "floor": (floor_compute, floor_read, "numpy"),
    "mlvet": (mlvet_compute, mlvet_read, "mlvet"),
    "evidently": (evidently_compute, evidently_read, "evidently"),
    "nannyml": (nannyml_compute, nannyml_read, "nannyml"),
}


def _status_mb(key: str) -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(f"{key}:"):
            return int(line.split()[1]) / 1024
    raise RuntimeError(f"no {key} in /proc/self/status")


def child(tool: str, reference: Path, current: Path, repeats: int) -> None:
    """Load both files, warm up, time ``repeats`` runs; print one JSON line."""
    warnings.simplefilter("ignore")
    compute, read, module = TOOLS[tool]
    start = time.perf_counter()
    ref = pd.read_parquet(reference)
    cur = pd.read_parquet(current)
    load = time.perf_counter() - start
    read(compute(ref.head(WARMUP_ROWS), cur.head(WARMUP_ROWS)))
    gc.collect()
    load_peak = _status_mb("VmHWM")
    loaded = _status_mb("VmRSS")
    Path("/proc/self/clear_refs").write_text("5")  # restart VmHWM at the current RSS
    best = math.inf
    flagged: list[str] = []
    scores: Scores = {}
    for _ in range(repeats):
        start = time.perf_counter()
        result = compute(ref, cur)
        best = min(best, time.perf_counter() - start)
        flagged, scores = read(result)
        del result
    drift_peak = _status_mb("VmHWM")
    out = {
        "seconds": best,
        "load_seconds": load,
        "peak_mb": max(load_peak, drift_peak),
        "drift_mb": drift_peak - loaded,
        "flagged": sorted(flagged),
        "scores": scores,
        "version": ", ".join(
            f"{m} {importlib.import_module(m).__version__}"
            for m in dict.fromkeys([module, "pandas", "numpy"])
        ),
    }
    print(json.dumps(out))


# --- the parent ------------------------------------------------------------------------------
@dataclass
class Result:
    tool: str
    seconds: float = math.nan
    load_seconds: float = math.nan
    peak_mb: float = math.nan
    drift_mb: float = math.nan
    flagged: list[str] = field(default_factory=list)
    scores: Scores = field(default_factory=dict)
    version: str = ""
    error: str | None = None


class PeerError(Exception):
    """A peer's virtualenv could not be made ready."""


CHILD_ENV = {"DO_NOT_TRACK": "1", "NML_DISABLE_USAGE_LOGGING": "1"}  # the peers' telemetry


def _tail(text: str, lines: int = 3) -> str:
    kept = [ln for ln in text.strip().splitlines() if ln.strip()]
    return " | ".join(kept[-lines:])


def run_tool(
    python: str, tool: str, reference: Path, current: Path, repeats: int, timeout: float
) -> Result:
    print(f"  running {tool} on {current.name} ...", flush=True)
    command = [python, str(Path(__file__).resolve()), "--child", tool]
    command += ["--reference", str(reference), "--current", str(current)]
    command += ["--repeats", str(repeats)]
    try:
        proc = subprocess.run(
            command,
            capture_output=True,
            text=True,
            timeout=timeout,
            env={**os.environ, **CHILD_ENV},
            check=False,
        )
    except subprocess.TimeoutExpired:
        return Result(tool, error=f"timed out after {timeout:,.0f} s")
    except OSError as exc:
        return Result(tool, error=str(exc))
    lines = proc.stdout.strip().splitlines()
    if proc.returncode != 0 or not lines:
        return Result(tool, error=f"exit {proc.returncode}: {_tail(proc.stderr)}")
    return Result(tool, **json.loads(lines[-1]))


def _import_error(python: Path, module: str) -> str | None:
    """None when the virtualenv's python imports ``module``, else why not."""
    if not python.exists():
        return f"no {python}"
    check = subprocess.run([str(python), "-c", f"import {module}"], capture_output=True, text=True)
    return None if check.returncode == 0 else _tail(check.stderr, 1)


def ensure_peer(name: str, venvs: Path, timeout: float) -> str:
    """The python of the peer's virtualenv, created and installed when it cannot import the
    peer; raises PeerError with the reason."""
    venv = venvs / name
    python = venv / "bin" / "python"
    if _import_error(python, name) is None:
        return str(python)
    log = venvs / f"{name}-install.log"
    print(f"  {name}: installing {' '.join(PEERS[name])} into {venv} (log {log}) ...", flush=True)
    start = time.perf_counter()
    try:
        venvs.mkdir(parents=True, exist_ok=True)
        with log.open("w") as out:
            if not python.exists():
                base = shutil.which("python3.11") or sys.executable
                subprocess.run([base, "-m", "venv", str(venv)], stdout=out, stderr=out, check=True)
            subprocess.run(
                [str(python), "-m", "pip", "install", *PEERS[name]],
                stdout=out,
                stderr=out,
                check=True,
                timeout=timeout,
            )
    except (subprocess.SubprocessError, OSError) as exc:
        detail = f": {_tail(log.read_text())}" if log.exists() else ""
        raise PeerError(f"install failed ({exc}){detail}") from exc
    error = _import_error(python, name)
    if error:
        raise PeerError(f"installed, but `import {name}` fails: {error}")
    print(f"  {name}: installed in {time.perf_counter() - start:.0f} s", flush=True)
    return str(python)


def _flag_note(result: Result, truth: list[str]) -> str:
    missed = sorted(set(truth) - set(result.flagged))
    extra = sorted(set(result.flagged) - set(truth))
    parts = [f"missed {missed}"] if missed else []
    if extra:
        parts.append(f"extra {extra}")
    return ", ".join(parts) or "exact"


def print_table(results: list[Result], truth: list[str]) -> None:
    floor = next(r for r in results if r.tool == "floor")
    mlvet = next(r for r in results if r.tool == "mlvet")
    print(
        f"  {'contender':10s} {'drift s':>8s} {'load s':>7s} {'x floor':>8s} {'mlvet x':>8s} "
        f"{'peak MB':>8s} {'+drift MB':>9s} {'flagged':>7s}  vs truth"
    )
    for r in results:
        if r.error:
            print(f"  {r.tool:10s} FAILED: {r.error}")
            continue
        speedup = r.seconds / mlvet.seconds if r.tool not in ("floor", "mlvet") else math.nan
        speedup_text = f"{speedup:7.1f}x" if math.isfinite(speedup) else f"{'':8s}"
        print(
            f"  {r.tool:10s} {r.seconds:8.2f} {r.load_seconds:7.2f} "
            f"{r.seconds / floor.seconds:7.2f}x {speedup_text} {r.peak_mb:8,.0f} "
            f"{r.drift_mb:9,.0f} {len(r.flagged):7d}  {_flag_note(r, truth)}"
        )
    print("  (x floor: drift seconds over the floor's; mlvet x: how many times faster mlvet is;")
    print("   +drift MB: peak RSS during the drift computation above the loaded frames)")
    for r in results:
        if r.version:
            print(f"  {r.tool}: {r.version}")


def print_agreement(floor: Result, mlvet: Result) -> None:
    """PSI and KS of mlvet against the floor's, and the margins of the generated data."""
    if floor.error or mlvet.error:
        return
    psi_f, psi_m = floor.scores["psi"], mlvet.scores["psi"]
    drifted = [psi_f[n] for n in DRIFTED]
    others = [p for n, p in psi_f.items() if n not in DRIFTED]
    print(
        f"  floor PSI: drifted columns {min(drifted):.3f} to {max(drifted):.3f}, "
        f"the others at most {max(others):.4f} (threshold {THRESHOLD})"
    )
    psi_gap = max(abs(psi_m[n] - psi_f[n]) for n in psi_f)
    ks_gap = max(abs(mlvet.scores["ks"][n] - ks) for n, ks in floor.scores["ks"].items())
    print(
        f"  mlvet vs floor: PSI differs by at most {psi_gap:.1e}; KS (mlvet reads it from "
        f"percentile bins, the floor computes it exactly) by at most {ks_gap:.1e}"
    )


def linearity(
    workdir: Path,
    sizes: list[int],
    known: dict[int, dict[str, Result]],
    repeats: int,
    timeout: float,
) -> dict[str, float]:
    """Floor and mlvet at each size; their per-row cost at the largest size over the smallest."""
    timings = dict(known)
    for rows in sizes:
        if rows not in timings:
            paths = write_data(workdir, rows, no_drift=False)
            timings[rows] = {
                t: run_tool(
                    sys.executable, t, paths["reference"], paths["current"], repeats, timeout
                )
                for t in ("floor", "mlvet")
            }
    print(f"  {'rows':>12s} {'floor s':>9s} {'s/M rows':>9s} {'mlvet s':>9s} {'s/M rows':>9s}")
    for rows in sizes:
        cells = []
        for tool in ("floor", "mlvet"):
            r = timings[rows][tool]
            cells.append(f"{r.seconds:9.2f} {r.seconds / rows * 1e6:9.2f}")
            if r.error:
                print(f"  {rows:12,d} {tool} FAILED: {r.error}")
        print(f"  {rows:12,d} {' '.join(cells)}")
    growth = {
        tool: (timings[sizes[-1]][tool].seconds / sizes[-1])
        / (timings[sizes[0]][tool].seconds / sizes[0])
        for tool in ("floor", "mlvet")
    }
    print(
        f"  per-row cost at {sizes[-1]:,} over {sizes[0]:,} rows: floor {growth['floor']:.2f}, "
        f"mlvet {growth['mlvet']:.2f}"
    )
    return growth


def targets(
    results: dict[str, Result], nodrift: Result, growth: dict[str, float], sizes: list[int]
) -> list[tuple[str, str, str]]:
    """(PASS, FAIL or SKIP; target; what was measured) for each target of the issue."""
    floor, mlvet = results["floor"], results["mlvet"]
    if floor.error or mlvet.error:
        return [("FAIL", "every target", f"floor: {floor.error}; mlvet: {mlvet.error}")]
    ratio = mlvet.seconds / floor.seconds
    checks = [
        (
            "PASS" if ratio <= TARGET_FLOOR_RATIO else "FAIL",
            f"mlvet <= {TARGET_FLOOR_RATIO}x floor",
            f"{ratio:.2f}x ({mlvet.seconds:.2f} s vs {floor.seconds:.2f} s)",
        )
    ]
    for peer, target in TARGET_SPEEDUP.items():
        r = results[peer]
        name = f">= {target:g}x faster than {peer}"
        if r.error:
            checks.append(("SKIP", name, r.error))
        else:
            speedup = r.seconds / mlvet.seconds
            checks.append(
                (
                    "PASS" if speedup >= target else "FAIL",
                    name,
                    f"{speedup:.1f}x ({r.seconds:.2f} s vs {mlvet.seconds:.2f} s)",
                )
            )
    checks.append(
        (
            "PASS" if mlvet.drift_mb <= floor.drift_mb else "FAIL",
            "peak memory <= floor's",
            f"+{mlvet.drift_mb:,.0f} MB vs +{floor.drift_mb:,.0f} MB during drift "
            f"(whole process {mlvet.peak_mb:,.0f} MB vs {floor.peak_mb:,.0f} MB)",
        )
    )
    checks.append(
        (
            "PASS" if mlvet.flagged == DRIFTED else "FAIL",
            "exact drifted set",
            _flag_note(mlvet, DRIFTED),
        )
    )
    checks.append(
        (
            "PASS" if not nodrift.error and not nodrift.flagged else "FAIL",
            "no false flags on no-drift data",
            nodrift.error or f"{len(nodrift.flagged)} flagged {nodrift.flagged}",
        )
    )
    checks.append(
        (
            "SKIP" if len(sizes) < 2 else "PASS" if growth["mlvet"] <= LINEAR_TOLERANCE else "FAIL",
            "linear",
            f"per-row cost x{growth['mlvet']:.2f} from {sizes[0]:,} to {sizes[-1]:,} rows "
            f"(target <= {LINEAR_TOLERANCE})",
        )
    )
    return checks


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--sizes", help="comma-separated row counts for the linearity check")
    parser.add_argument("--full", action="store_true", help="linearity up to 10M rows")
    parser.add_argument("--skip-peers", action="store_true")
    parser.add_argument("--no-drift-peers", action="store_true")
    parser.add_argument(
        "--workdir", type=Path, default=Path(tempfile.gettempdir()) / "mlvet-bench-drift"
    )
    parser.add_argument(
        "--venvs", type=Path, default=Path.home() / ".cache" / "mlvet-bench" / "venvs"
    )
    parser.add_argument("--repeats", type=int, default=1)
    parser.add_argument(
        "--timeout", type=float, default=3600, help="seconds per subprocess and per pip install"
    )
    parser.add_argument("--child", choices=sorted(TOOLS), help=argparse.SUPPRESS)
    parser.add_argument("--reference", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--current", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(args.child, args.reference, args.current, args.repeats)
        return
    if args.sizes:
        sizes = sorted({int(s) for s in args.sizes.split(",")})
    else:
        sizes = [100_000, 1_000_000, 3_000_000] + ([10_000_000] if args.full else [])

    n_cols = len(NUMERIC) + len(CATEGORICAL)
    print(
        f"drift on {args.rows:,} + {args.rows:,} rows x {n_cols} columns ({len(NUMERIC)} numeric, "
        f"{len(CATEGORICAL)} categorical, {len(DRIFTED)} drifted), best of {args.repeats}; "
        f"{os.cpu_count()} cores, python {sys.version.split()[0]}"
    )
    print(f"  truly drifted: {DRIFTED}")
    start = time.perf_counter()
    paths = write_data(args.workdir, args.rows, no_drift=True)
    print(f"  data written to {args.workdir} in {time.perf_counter() - start:.1f} s", flush=True)

    pythons = {"floor": sys.executable, "mlvet": sys.executable}
    skipped: dict[str, str] = {}
    for peer in PEERS:
        if args.skip_peers:
            skipped[peer] = "not run (--skip-peers)"
            continue
        try:
            pythons[peer] = ensure_peer(peer, args.venvs, args.timeout)
        except PeerError as exc:
            skipped[peer] = f"not run: {exc}"
            print(f"  {peer}: SKIPPED, {exc}", flush=True)

    def run_all(current: Path, tools: list[str]) -> dict[str, Result]:
        return {
            t: run_tool(pythons[t], t, paths["reference"], current, args.repeats, args.timeout)
            for t in tools
        }

    results = run_all(paths["current"], list(pythons))
    results.update({peer: Result(peer, error=reason) for peer, reason in skipped.items()})
    print(f"\ndrifted current ({args.rows:,} rows):")
    print_table(list(results.values()), DRIFTED)
    print_agreement(results["floor"], results["mlvet"])

    nodrift = run_all(
        paths["no-drift"], list(pythons) if args.no_drift_peers else ["floor", "mlvet"]
    )
    print(f"\nno-drift current ({args.rows:,} rows): false flags")
    for r in nodrift.values():
        print(
            f"  {r.tool:10s} "
            + (f"FAILED: {r.error}" if r.error else f"{len(r.flagged)} {r.flagged}")
        )

    print("\nlinearity (drifted current):")
    known = {args.rows: {t: results[t] for t in ("floor", "mlvet")}}
    growth = linearity(args.workdir, sizes, known, args.repeats, args.timeout)

    print(f"\ntargets ({args.rows:,} + {args.rows:,} rows x {n_cols} columns):")
    for status, target, measured in targets(results, nodrift["mlvet"], growth, sizes):
        print(f"  {status}  {target:34s} {measured}")


if __name__ == "__main__":
    main()
