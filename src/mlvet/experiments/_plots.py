"""Plots of experiments: a search's trials and importances; an ablation's waterfall."""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import numpy as np

__all__ = ["plot_search", "plot_waterfall"]


def _pyplot() -> Any:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


def _save(plt: Any, fig: Any, path: Path) -> Path:
    fig.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path


def plot_search(result: Any, path: Path) -> Path:
    """Left: each trial's mean score (fold spread as a bar), the running best and the
    defaults' score. Right: fANOVA importances."""
    plt = _pyplot()
    fig, (left, right) = plt.subplots(1, 2, figsize=(11, 4), gridspec_kw={"width_ratios": [3, 2]})
    trials = [t for t in result.trials if math.isfinite(t.mean)]
    x = np.array([t.index for t in trials])
    means = np.array([t.mean for t in trials])
    spread = np.array([np.nanstd(t.scores) for t in trials])
    left.errorbar(
        x,
        means,
        yerr=spread,
        fmt="o",
        ms=3,
        color="#4477aa",
        alpha=0.7,
        label="trial (mean ± sd over folds)",
    )
    order = np.argsort(x)
    left.step(
        x[order],
        np.maximum.accumulate(means[order]),
        where="post",
        color="#cc3311",
        label="best so far",
    )
    if result.default is not None and math.isfinite(result.default.mean):
        left.axhline(result.default.mean, color="#777", ls="--", label="default parameters")
    failed = [t.index for t in result.trials if not math.isfinite(t.mean)]
    if failed:
        left.plot(failed, [np.nanmin(means)] * len(failed), "x", color="#aa3377", label="failed")
    left.set_xlabel("trial")
    left.set_ylabel(result.scoring)
    left.set_title(
        f"{len(result.trials)} trials, {result.spec['sampler']} sampler, seed {result.spec['seed']}"
    )
    left.legend(fontsize=7, loc="lower right")
    if result.importances:
        names = sorted(result.importances, key=result.importances.get)
        right.barh(names, [result.importances[n] for n in names], color="#228833")
        right.set_xlabel("importance (fANOVA)")
        right.set_xlim(0, 1)
    else:
        right.text(
            0.5, 0.5, result.importance_note, ha="center", va="center", wrap=True, fontsize=8
        )
        right.set_axis_off()
    right.set_title("parameter importance")
    return _save(plt, fig, path)


def plot_waterfall(result: Any, path: Path) -> Path:
    """From the score with no component to the full pipeline's: one bar per component's
    Shapley credit, with its interval."""
    plt = _pyplot()
    rows = sorted(
        (c for c in result.credits if math.isfinite(c.shapley)), key=lambda c: -abs(c.shapley)
    )
    if not rows or not (math.isfinite(result.empty_score) and math.isfinite(result.full_score)):
        from mlvet.exceptions import InputError

        raise InputError(
            "Nothing to draw: the ablation's scores are undefined because configurations "
            f"failed ({sorted(result.failures)}); see result.failures."
        )
    fig, ax = plt.subplots(figsize=(max(6.0, 1.3 * (len(rows) + 2)), 4))
    level = result.empty_score
    labels = ["none"]
    ax.bar(0, level, color="#bbbbbb")
    for i, c in enumerate(rows, start=1):
        color = "#228833" if c.shapley >= 0 else "#cc3311"
        ax.bar(i, c.shapley, bottom=level, color=color)
        ax.errorbar(  # an undefined interval draws no bar
            i,
            level + c.shapley,
            yerr=[[c.shapley - c.shapley_low], [c.shapley_high - c.shapley]],
            color="#333",
            capsize=3,
        )
        ax.text(
            i,
            max(level, level + c.shapley_high) + 0.004,
            f"{c.shapley:+.3f}",
            ha="center",
            va="bottom",
            fontsize=8,
        )
        level += c.shapley
        labels.append(c.name)
    ax.bar(len(rows) + 1, result.full_score, color="#4477aa")
    labels.append("all")
    ax.set_xticks(range(len(labels)), labels, rotation=20, ha="right", fontsize=8)
    low = min(result.empty_score, result.full_score, level)
    high = max(result.empty_score, result.full_score, level)
    pad = max(0.02, (high - low) * 0.4)
    ax.set_ylim(low - pad, high + pad)
    ax.set_ylabel(result.scoring)
    ax.set_title("Shapley credit per component (mean over identical splits, 95% interval)")
    return _save(plt, fig, path)
