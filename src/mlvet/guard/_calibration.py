"""Calibration evidence: does a predicted 0.8 come true 80% of the time?

``calibration_report(y, proba)`` gives the Brier score, the expected calibration error
(ECE: the bin-weighted mean gap between confidence and accuracy, on equal-width bins of the
positive-class probability for binary tasks and of the top-class probability otherwise),
the reliability curve, and the same per segment. ``plot`` draws the reliability diagram
(PNG); ``to_html`` embeds it in a self-contained page.

>>> import numpy as np
>>> r = calibration_report([0, 1, 1, 0], [[0.9, 0.1], [0.2, 0.8], [0.3, 0.7], [0.6, 0.4]])
>>> round(r.brier, 4)
0.075
"""

from __future__ import annotations

import base64
import html
import io
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from mlvet.exceptions import InputError

__all__ = ["CalibrationReport", "calibration_report", "expected_calibration_error"]


def _bins(confidence: np.ndarray, n_bins: int) -> np.ndarray:
    """The equal-width bin of each confidence in [0, 1] (1.0 falls in the last bin)."""
    return np.asarray(np.minimum((confidence * n_bins).astype(int), n_bins - 1))


def _check_bins(n_bins: Any) -> int:
    if isinstance(n_bins, bool) or not isinstance(n_bins, (int, np.integer)) or n_bins < 2:
        raise InputError(f"n_bins must be an int >= 2; got {n_bins!r}.")
    return int(n_bins)


def expected_calibration_error(correct: Any, confidence: Any, n_bins: int = 10) -> float:
    """ECE = sum over bins of (rows in bin / rows) * |accuracy in bin - mean confidence in bin|.

    >>> expected_calibration_error([1, 0, 1, 1], [0.9, 0.9, 0.6, 0.6], n_bins=10)
    0.4
    """
    hit = np.asarray(correct, dtype=float).ravel()
    conf = np.asarray(confidence, dtype=float).ravel()
    if hit.shape != conf.shape or not hit.size:
        raise InputError(
            f"correct and confidence must be equal-length, non-empty; got {hit.size} and {conf.size}."
        )
    if not np.isfinite(conf).all() or (conf < 0).any() or (conf > 1).any():
        raise InputError("confidence must lie in [0, 1] with no NaN.")
    n_bins = _check_bins(n_bins)
    b = _bins(conf, n_bins)
    total = 0.0
    for k in np.unique(b):
        m = b == k
        total += m.mean() * abs(hit[m].mean() - conf[m].mean())
    return round(float(total), 12)


@dataclass(frozen=True)
class CalibrationReport:
    """Brier score, ECE and the reliability curve, overall and per segment."""

    n: int
    brier: float
    ece: float
    n_bins: int
    curve: list[dict[str, float]]
    task: str
    segments: dict[str, dict[str, float]] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return dict(self.__dict__)

    def __str__(self) -> str:
        lines = [
            f"calibration on {self.n:,} rows ({self.task}): Brier {self.brier:.4f}, "
            f"ECE {self.ece:.4f} ({self.n_bins} bins)"
        ]
        for name, seg in self.segments.items():
            lines.append(
                f"  {name}: {int(seg['n']):,} rows, Brier {seg['brier']:.4f}, ECE {seg['ece']:.4f}"
            )
        return "\n".join(lines)

    def plot(self, path: str | Path) -> Path:
        """The reliability diagram: accuracy against confidence per bin (marker area ~
        rows), the diagonal of perfect calibration, and a histogram of confidences."""
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt

        path = Path(path)
        fig = self._figure(plt)
        path.parent.mkdir(parents=True, exist_ok=True)
        fig.savefig(path, dpi=110)
        plt.close(fig)
        return path

    def _figure(self, plt: Any) -> Any:
        fig, (top, bottom) = plt.subplots(
            2, 1, figsize=(5.5, 6), gridspec_kw={"height_ratios": [3, 1]}, sharex=True
        )
        conf = [c["confidence"] for c in self.curve]
        acc = [c["accuracy"] for c in self.curve]
        counts = [c["n"] for c in self.curve]
        top.plot([0, 1], [0, 1], "--", color="#999", label="perfectly calibrated")
        top.plot(conf, acc, "-o", color="#4477aa", label="model")
        for c, a in zip(conf, acc, strict=True):
            top.plot([c, c], [c, a], color="#cc3311", lw=1)
        top.set_ylabel("observed frequency")
        top.set_xlim(0, 1)
        top.set_ylim(0, 1)
        what = "P(positive)" if self.task == "binary" else "top-class probability"
        top.set_title(f"reliability: Brier {self.brier:.3f}, ECE {self.ece:.3f}")
        top.legend(fontsize=8, loc="upper left")
        width = 1 / self.n_bins
        bottom.bar(
            [c["bin_low"] + width / 2 for c in self.curve], counts, width=width * 0.9, color="#bbb"
        )
        bottom.set_xlabel(what)
        bottom.set_ylabel("rows")
        fig.tight_layout()
        return fig

    def to_html(self, title: str = "Calibration report") -> str:
        """A self-contained HTML page: the numbers, the segments and the diagram inline."""
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt

        fig = self._figure(plt)
        buffer = io.BytesIO()
        fig.savefig(buffer, format="png", dpi=100)
        plt.close(fig)
        image = base64.b64encode(buffer.getvalue()).decode("ascii")
        rows = "".join(
            f"<tr><td>{html.escape(str(name))}</td><td>{int(seg['n'])}</td>"
            f"<td>{seg['brier']:.4f}</td><td>{seg['ece']:.4f}</td></tr>"
            for name, seg in self.segments.items()
        )
        segments = (
            "<h2>Segments</h2><table><tr><th>segment</th><th>rows</th><th>Brier</th><th>ECE</th></tr>"
            f"{rows}</table>"
            if rows
            else ""
        )
        return (
            f"<!doctype html><html><head><meta charset='utf-8'><title>{html.escape(title)}</title>"
            "<style>body{font-family:sans-serif;max-width:48em;margin:2em auto}"
            "td,th{padding:.2em .8em;text-align:right}</style></head><body>"
            f"<h1>{html.escape(title)}</h1><p>{self.n:,} rows ({self.task}); Brier score "
            f"<b>{self.brier:.4f}</b>; expected calibration error <b>{self.ece:.4f}</b> "
            f"({self.n_bins} equal-width bins).</p>"
            f"<img alt='reliability diagram' src='data:image/png;base64,{image}'>{segments}"
            "</body></html>"
        )


def _one(
    y: np.ndarray, proba: np.ndarray, classes: np.ndarray, n_bins: int
) -> tuple[float, float, list[dict[str, float]], str]:
    index = np.searchsorted(classes, y)
    onehot = np.zeros_like(proba)
    onehot[np.arange(len(y)), index] = 1.0
    if proba.shape[1] == 2:
        brier = float(np.mean((proba[:, 1] - onehot[:, 1]) ** 2))
        confidence, hit, task = proba[:, 1], onehot[:, 1], "binary"
    else:
        brier = float(np.mean(np.sum((proba - onehot) ** 2, axis=1)))
        top = np.argmax(proba, axis=1)
        confidence, hit, task = (
            proba[np.arange(len(y)), top],
            (top == index).astype(float),
            "top-label",
        )
    b = _bins(confidence, n_bins)
    curve = [
        {
            "bin_low": k / n_bins,
            "confidence": float(confidence[b == k].mean()),
            "accuracy": float(hit[b == k].mean()),
            "n": float((b == k).sum()),
        }
        for k in np.unique(b)
    ]
    return brier, expected_calibration_error(hit, confidence, n_bins), curve, task


def calibration_report(
    y: Any,
    proba: Any,
    *,
    classes: Any = None,
    n_bins: int = 10,
    segments: Any = None,
) -> CalibrationReport:
    """Calibration evidence for predicted class probabilities ``proba`` (n x classes).

    ``classes`` are the columns' labels (default: the sorted labels of ``y``, which must
    then name every column); ``segments`` is one group label per row, for per-segment
    Brier scores and ECE.
    """
    y_arr = np.asarray(y)
    if y_arr.ndim == 2 and y_arr.shape[1] == 1:
        y_arr = y_arr.ravel()  # a column vector or a one-column frame
    if y_arr.ndim != 1:
        raise InputError(f"y must be one label per row; got shape {y_arr.shape}.")
    p = np.asarray(proba, dtype=float)
    if p.ndim == 1:
        p = np.column_stack([1 - p, p])
    if p.ndim != 2 or len(p) != len(y_arr):
        raise InputError(
            f"proba must be one row of class probabilities per label: y has {len(y_arr)} rows, "
            f"proba has shape {np.asarray(proba).shape}."
        )
    if len(y_arr) == 0:
        raise InputError("calibration_report needs at least one row.")
    if not np.isfinite(p).all() or (p < -1e-9).any() or (p > 1 + 1e-9).any():
        raise InputError("proba has values outside [0, 1] or NaN; pass predict_proba's output.")
    if not np.allclose(p.sum(axis=1), 1.0, atol=1e-6):
        raise InputError("proba's rows do not sum to 1; pass predict_proba's output.")
    n_bins = _check_bins(n_bins)
    labels = np.unique(y_arr) if classes is None else np.asarray(classes)
    if len(labels) != p.shape[1]:
        raise InputError(
            f"proba has {p.shape[1]} columns but there are {len(labels)} class labels "
            f"({labels.tolist()}); pass classes=model.classes_."
        )
    order = np.argsort(labels)
    labels, p = labels[order], p[:, order]
    unseen = sorted(set(np.unique(y_arr).tolist()) - set(labels.tolist()))
    if unseen:
        raise InputError(f"y has labels {unseen} that are not among the classes {labels.tolist()}.")
    brier, ece, curve, task = _one(y_arr, p, labels, n_bins)
    per: dict[str, dict[str, float]] = {}
    if segments is not None:
        import pandas as pd

        values = np.asarray(segments, dtype=object)
        if values.ndim != 1:
            raise InputError(f"segments must be one label per row; got shape {values.shape}.")
        raw = pd.Series(values).astype(object)
        if len(raw) != len(y_arr):
            raise InputError(f"segments has {len(raw)} entries for {len(y_arr)} rows.")
        seg = raw.where(raw.notna(), "(missing)").astype(str).to_numpy()
        for value in sorted(set(seg.tolist())):
            m = seg == value
            b, e, _, _ = _one(y_arr[m], p[m], labels, n_bins)
            per[str(value)] = {"n": float(m.sum()), "brier": b, "ece": e}
    return CalibrationReport(len(y_arr), brier, ece, n_bins, curve, task, per)
