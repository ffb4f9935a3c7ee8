"""Speed of ``mlvet.check_split`` against the plain pandas equivalent, measured in one run.

    .venv/bin/python bench/bench_check_split.py [--rows 1000000] [--repeat 3]

The data: seeded, ``--rows`` rows of 40 float, 5 int and 5 string columns (four with 50
categories, one customer name with ~1M distinct values), an hourly timestamp, an entity id
(50,000 entities) and a binary label (10% positive, weakly predicted by one float). It is
split by time 80/20, then 1,000 test rows are replaced by exact copies of training rows
and 1,000 by near copies (a float changed in its 9th significant digit, a string's case).

"The plain pandas equivalent" is the same checks written by hand the way an analyst would:
a merge on every column for exact overlap, a merge on normalised columns for near
duplicates, a set intersection for entities, max/min for time, ``value_counts`` for class
ratios and, for proxies, a 5-fold groupby-mean model per feature on ``pd.qcut`` bins of the
same 200,000-row training sample, scored with scikit-learn's ``roc_auc_score``. Both must
find the same counts; the bench asserts it.

Each side runs in a forked child process so that its peak memory (``ru_maxrss`` above the
child's starting size, Arrow buffers included) is its own. Reported: the first run (cold)
and the best of ``--repeat`` runs, the ratio mlvet/pandas, and the peak extra memory.
Target: 1M rows x 50 columns in seconds on 2 cores.
"""

from __future__ import annotations

import argparse
import multiprocessing as mp
import os
import resource
import time
from collections.abc import Callable
from typing import Any

import numpy as np
import pandas as pd
from sklearn.metrics import roc_auc_score

from mlvet.leakage import check_split

DIGITS = 6
N_PLANTED = 1_000


def build(rows: int) -> tuple[pd.DataFrame, pd.DataFrame]:
    rng = np.random.default_rng(0)
    cols: dict[str, Any] = {f"f{i}": rng.normal(size=rows) for i in range(40)}
    cols.update({f"i{i}": rng.integers(0, 1_000, rows) for i in range(5)})
    cats = np.array([f"Category {j}" for j in range(50)], dtype=object)
    cols.update({f"s{i}": cats[rng.integers(0, 50, rows)] for i in range(4)})
    cols["customer"] = np.char.add("cust ", rng.integers(0, 10**9, rows).astype(str)).astype(object)
    cols["when"] = pd.Timestamp("2020-01-01") + pd.to_timedelta(
        np.sort(rng.integers(0, 365 * 24, rows)), unit="h"
    )
    cols["entity"] = rng.integers(0, 50_000, rows)
    cols["y"] = (rng.random(rows) < 1 / (1 + np.exp(-(0.8 * cols["f0"] - 2.4)))).astype(np.int64)
    df = pd.DataFrame(cols)
    cut = int(0.8 * rows)
    train, test = df.iloc[:cut].reset_index(drop=True), df.iloc[cut:].reset_index(drop=True)
    n = min(N_PLANTED, len(test) // 4)
    exact_pos, near_pos = np.arange(0, 2 * n, 2), np.arange(1, 2 * n, 2)
    test.iloc[exact_pos] = train.iloc[rng.choice(cut, n, replace=False)].to_numpy()
    source = train.iloc[rng.choice(cut, n, replace=False)].copy()
    source["f1"] = [float(f"{v:.6g}") * (1 + 2e-9) for v in source["f1"]]  # 9th digit
    source["s0"] = source["s0"].str.upper()
    test.iloc[near_pos] = source.to_numpy()
    return train.astype(df.dtypes.to_dict()), test.astype(df.dtypes.to_dict())


# --- mlvet -----------------------------------------------------------------------------------


def run_mlvet(train: pd.DataFrame, test: pd.DataFrame) -> dict[str, Any]:
    report = check_split(train, test, target="y", time="when", group="entity")
    ev = {f.code: f.evidence for f in report}
    return {
        "exact": ev.get("DL201", {}).get("n_test_rows", 0),
        "near": ev.get("DL202", {}).get("n_test_rows", 0),
        "shared_entities": ev.get("DL203", {}).get("n_shared_entities", 0),
        "test_rows_in_span": ev.get("DL204", {}).get("n_test_rows_in_span", 0),
        "proxies": sorted(f.location.field or "" for f in report if f.code == "DL206"),
    }


def run_mlvet_without_target(train: pd.DataFrame, test: pd.DataFrame) -> None:
    check_split(train, test, time="when", group="entity")


# --- the plain pandas equivalent --------------------------------------------------------------


def round_sig(x: pd.Series) -> pd.Series:
    values = x.to_numpy(dtype=np.float64)
    with np.errstate(divide="ignore"):
        scale = 10.0 ** np.floor(np.log10(np.abs(values)))
    scale[~np.isfinite(scale) | (scale == 0)] = 1.0
    return pd.Series(np.round(values / scale, DIGITS - 1) * scale, index=x.index)


def normalised(df: pd.DataFrame) -> pd.DataFrame:
    out = {}
    for c in df.columns:
        if pd.api.types.is_float_dtype(df[c]):  # integers are compared exactly
            out[c] = round_sig(df[c])
        elif pd.api.types.is_object_dtype(df[c]) or pd.api.types.is_string_dtype(df[c]):
            out[c] = df[c].str.lower().str.replace(r"\s+", " ", regex=True).str.strip()
        else:
            out[c] = df[c]
    return pd.DataFrame(out)


def matched_test_rows(train: pd.DataFrame, test: pd.DataFrame) -> set[int]:
    cols = list(train.columns)
    merged = test.reset_index(names="_row").merge(train.drop_duplicates(), on=cols, how="inner")
    return set(merged["_row"])


def proxy_auc(x: pd.Series, y: pd.Series, fold: np.ndarray) -> float:
    numeric = pd.api.types.is_numeric_dtype(x) and x.nunique() > 32
    scores = []
    for k in range(5):
        tr, ho = fold != k, fold == k
        if numeric:
            _, edges = pd.qcut(x[tr], 32, retbins=True, duplicates="drop")
            edges[0], edges[-1] = -np.inf, np.inf
            key = pd.cut(x, edges, labels=False)
        else:
            key = x
        means = y[tr].groupby(key[tr]).mean()
        pred = key[ho].map(means).fillna(y[tr].mean())
        scores.append(roc_auc_score(y[ho], pred))
    return float(np.mean(scores))


def run_pandas(train: pd.DataFrame, test: pd.DataFrame) -> dict[str, Any]:
    t0 = time.perf_counter()
    exact = matched_test_rows(train, test)
    t1 = time.perf_counter()
    near = matched_test_rows(normalised(train), normalised(test)) - exact
    t2 = time.perf_counter()
    shared = set(train["entity"]) & set(test["entity"])
    start, end = test["when"].min(), train["when"].max()
    in_span = int((test["when"] <= end).sum()) if end >= start else 0
    test["y"].value_counts(normalize=True)
    t3 = time.perf_counter()
    rng = np.random.default_rng(0)
    sample = train.iloc[np.sort(rng.choice(len(train), min(len(train), 200_000), replace=False))]
    sample = sample.reset_index(drop=True)
    fold = rng.permutation(np.arange(len(sample)) % 5)
    features = [c for c in train.columns if c not in ("y", "when", "entity")]
    aucs = {c: proxy_auc(sample[c], sample["y"], fold) for c in features}
    t4 = time.perf_counter()
    return {
        "exact": len(exact),
        "near": len(near),
        "shared_entities": len(shared),
        "test_rows_in_span": in_span,
        "proxies": sorted(c for c, a in aucs.items() if a >= 0.99),
        "seconds": {
            "exact merge": t1 - t0,
            "near merge": t2 - t1,
            "groups, time, ratio": t3 - t2,
            "proxies": t4 - t3,
        },
    }


# --- measuring ---------------------------------------------------------------------------------


def _rss_mb() -> float:
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20


def _child(fn: Callable[..., Any], args: tuple[Any, ...], repeat: int, queue: Any) -> None:
    start_rss = _rss_mb()
    times, result = [], None
    for _ in range(repeat):
        t = time.perf_counter()
        result = fn(*args)
        times.append(time.perf_counter() - t)
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux
    queue.put((times, peak - start_rss, result))


def measure(
    fn: Callable[..., Any], args: tuple[Any, ...], repeat: int
) -> tuple[list[float], float, Any]:
    ctx = mp.get_context("fork")
    queue = ctx.Queue()
    proc = ctx.Process(target=_child, args=(fn, args, repeat, queue))
    proc.start()
    out = queue.get()
    proc.join()
    return out  # type: ignore[no-any-return]


def bench_proxies(repeat: int) -> list[float]:
    """The DL206 scan on its own: 50 float and category features of 200,000 rows."""
    import pyarrow as pa

    from mlvet.leakage._split_proxy import ProxySettings, scan_proxies

    rng = np.random.default_rng(1)
    n = 200_000
    cols: dict[str, Any] = {f"f{i}": rng.normal(size=n) for i in range(45)}
    cols.update({f"c{i}": rng.choice(["a", "b", "c", "d"], n) for i in range(5)})
    cols["y"] = (rng.random(n) < 0.1).astype(np.int64)
    table = pa.table(cols)
    features = [c for c in cols if c != "y"]
    times = []
    for _ in range(repeat):
        t = time.perf_counter()
        scan_proxies(table, "y", features, ProxySettings(classification=True))
        times.append(time.perf_counter() - t)
    return times


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    t = time.perf_counter()
    train, test = build(args.rows)
    n_cols = train.shape[1]
    print(
        f"data: {len(train):,} train + {len(test):,} test rows x {n_cols} columns "
        f"(built in {time.perf_counter() - t:.1f}s, {train.memory_usage(deep=True).sum() / 2**20:,.0f} MB train in pandas)"
    )
    m_times, m_mem, m_res = measure(run_mlvet, (train, test), args.repeat)
    p_times, p_mem, p_res = measure(run_pandas, (train, test), args.repeat)
    print(
        f"  mlvet.check_split   first {m_times[0]:6.2f}s  best {min(m_times):6.2f}s  peak +{m_mem:,.0f} MB"
    )
    print(
        f"  pandas equivalent   first {p_times[0]:6.2f}s  best {min(p_times):6.2f}s  peak +{p_mem:,.0f} MB"
    )
    print(
        f"  ratio mlvet/pandas  {min(m_times) / min(p_times):.2f}x time, "
        f"{m_mem / max(p_mem, 1):.2f}x memory"
    )
    proxy_times = bench_proxies(args.repeat)
    print(f"  target-proxy scan alone, 50 features x 200,000 rows: best {min(proxy_times):.2f}s")
    parts = p_res.pop("seconds")
    print("  pandas by part (last run): " + ", ".join(f"{k} {v:.2f}s" for k, v in parts.items()))
    o_times, o_mem, _ = measure(run_mlvet_without_target, (train, test), args.repeat)
    no_proxy = sum(v for k, v in parts.items() if k != "proxies")
    print(
        f"  without target= (overlap, near, groups, time): mlvet best {min(o_times):.2f}s "
        f"(peak +{o_mem:,.0f} MB) vs pandas {no_proxy:.2f}s -> {min(o_times) / no_proxy:.2f}x"
    )
    print(f"  found (mlvet)  {m_res}")
    print(f"  found (pandas) {p_res}")
    assert m_res == p_res, "mlvet and the pandas equivalent disagree"


if __name__ == "__main__":
    main()
