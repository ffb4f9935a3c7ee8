"""The drift report as one self-contained HTML page.

``drift_html(report, reference, current)`` renders a ``DriftReport`` with the two profiles
it was computed from: a header with the row counts, how many columns drifted and the
decision and empty-bin rules; a summary table (drifted columns first, then by statistic,
largest first); and per column a small bar chart of the reference's and the batch's
shares, on the reference's decile bins for a numeric column and on the top categories for
a categorical one, with the plotted shares in a table beside it.

The page needs nothing outside itself: the style is inline, the charts are PNGs in
``data:`` URIs, there is no script, and a Content-Security-Policy forbids loading
anything else. Every string that comes from the data (column and category names, the
title) is HTML-escaped. matplotlib is imported only when a page is drawn, and drawn on
its own Agg canvas, so the caller's pyplot state and backend are left alone.
"""

from __future__ import annotations

import base64
import html
import io
import itertools
import math
import warnings
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from mlvet._version import __version__
from mlvet.exceptions import InputError
from mlvet.monitoring._drift import SMOOTHING, ColumnDrift, DriftReport
from mlvet.monitoring._profile import ColumnProfile, Profile

__all__ = ["drift_html", "write_drift_html"]

MAX_PLOTS = 40
"""Columns drawn at most (in the table's order); the table always lists every column."""
TOP_CATEGORIES = 15
"""Categories drawn per categorical column; the rest are grouped as one "other" bar."""
UNSEEN_SHOWN = 5
"""Unseen categories named in the summary table before "and N more"."""
DPI = 80

DASH = "—"
"""Shown for a statistic that is NaN (e.g. Wasserstein / sd of a constant reference)."""

_REFERENCE_COLOUR = "#4477aa"
_CURRENT_COLOUR = "#ee6677"
_TICK_CHARS = 18

_STYLE = (
    "body{font-family:system-ui,-apple-system,'Segoe UI',sans-serif;max-width:72em;"
    "margin:2em auto;padding:0 1em;color:#222;line-height:1.4}"
    "h1{margin-bottom:.2em}h2{margin-top:1.6em}h3{margin:0 0 .3em;font-size:1.05em}"
    ".lead{font-size:1.1em}.rules{color:#444;font-size:.92em}"
    "table{border-collapse:collapse;font-size:.88em}"
    "th,td{padding:.25em .6em;border-bottom:1px solid #e3e3e3;text-align:right;"
    "vertical-align:top}"
    "th{background:#f4f4f4;position:sticky;top:0}"
    "td.name,th.name,td.text{text-align:left}td.name{word-break:break-word;max-width:18em}"
    "tr.drift td{background:#fff3f1}"
    ".badge{display:inline-block;padding:.05em .5em;border-radius:.8em;font-size:.8em;"
    "font-weight:600;white-space:nowrap}"
    ".badge.drift{background:#cc3311;color:#fff}.badge.ok{background:#e3f1e6;color:#1d6b33}"
    ".badge.warn{background:#fde7c8;color:#7a4500}"
    ".na{color:#aaa}"
    ".columns{display:flex;flex-wrap:wrap;gap:1.2em}"
    "section.column{border:1px solid #e3e3e3;border-radius:.4em;padding:.7em;max-width:100%}"
    "section.column img{display:block;max-width:100%;height:auto}"
    ".meta{color:#555;font-size:.85em;margin:.1em 0 .4em}"
    "details{font-size:.85em;margin-top:.3em}summary{cursor:pointer;color:#444}"
    "footer{margin-top:2em;color:#888;font-size:.8em}"
)
_CSP = "default-src 'none'; img-src data:; style-src 'unsafe-inline'"


# --- input -----------------------------------------------------------------------------------
def _check(
    report: Any, reference: Any, current: Any, title: Any, max_plots: Any
) -> list[tuple[ColumnDrift, ColumnProfile, ColumnProfile]]:
    """Each column of the report with its two profiles, or an InputError naming the problem."""
    if not isinstance(report, DriftReport):
        raise InputError(
            f"report must be a DriftReport (from drift or compare_profiles); "
            f"got {type(report).__name__}."
        )
    for who, profile in (("reference", reference), ("current", current)):
        if not isinstance(profile, Profile):
            raise InputError(
                f"{who} must be a Profile (from profile_reference or profile_against); "
                f"got {type(profile).__name__}."
            )
    if not isinstance(title, str):
        raise InputError(f"title must be a string; got {type(title).__name__}.")
    if isinstance(max_plots, bool) or not isinstance(max_plots, int) or max_plots < 0:
        raise InputError(f"max_plots must be an int >= 0; got {max_plots!r}.")
    names = [c.name for c in report.columns]
    for who, profile in (("reference", reference), ("current", current)):
        missing = [n for n in names if n not in profile.columns]
        if missing:
            raise InputError(
                f"The report's column(s) {missing} are not in the {who} profile "
                f"(it has {list(profile.columns)}); pass the profiles the report was "
                "computed from."
            )
    for who, n_report, profile in (
        ("reference", report.n_reference, reference),
        ("current", report.n_current, current),
    ):
        if n_report != profile.n_rows:
            raise InputError(
                f"The report was computed on {n_report:,} {who} rows but the {who} profile "
                f"has {profile.n_rows:,}; pass the profiles the report was computed from."
            )
    out = []
    for c in report.columns:
        ref, cur = reference.columns[c.name], current.columns[c.name]
        ref.check_same_bins(cur)
        if ref.kind != c.kind:
            raise InputError(
                f"Column {c.name!r} is {c.kind} in the report but {ref.kind} in the profiles; "
                "pass the profiles the report was computed from."
            )
        if ref.kind == "numeric":
            bins = len(ref.coarse_cuts) + 1
            if len(ref.coarse) != bins or len(cur.coarse) != bins:
                raise InputError(
                    f"Column {c.name!r}: {len(ref.coarse)} and {len(cur.coarse)} coarse counts "
                    f"for {len(ref.coarse_cuts)} cut points (expected {bins}); the profile is "
                    "damaged."
                )
        out.append((c, ref, cur))
    return out


def _order(
    rows: list[tuple[ColumnDrift, ColumnProfile, ColumnProfile]],
) -> list[tuple[ColumnDrift, ColumnProfile, ColumnProfile]]:
    """Drifted columns first, then by statistic, largest first (NaN last); ties keep the
    report's order."""

    def key(row: tuple[ColumnDrift, ColumnProfile, ColumnProfile]) -> tuple[bool, float]:
        s = row[0].statistic
        return (not row[0].drifted, -s if math.isfinite(s) else math.inf)

    return sorted(rows, key=key)


# --- formatting ------------------------------------------------------------------------------
def _e(value: object) -> str:
    return html.escape(str(value), quote=True)


def _fmt(value: float | None, spec: str = ".4f") -> str:
    """A number for the page: NaN (or infinity) as a dash, an inapplicable one as blank."""
    if value is None:
        return ""
    if not math.isfinite(value):
        return DASH
    return format(value, spec)


def _pct(share: float) -> str:
    return DASH if not math.isfinite(share) else f"{100 * share:.1f}%"


def _edges(cuts: np.ndarray) -> list[str]:
    """The cut points printed with just enough digits to tell neighbours apart."""
    values = [float(c) for c in cuts]
    for digits in range(3, 13):
        text = [f"{v:.{digits}g}" for v in values]
        if len(set(text)) == len(text):
            return text
    return [repr(v) for v in values]


def _bin_labels(cuts: np.ndarray) -> list[str]:
    """Labels of the ``len(cuts) + 1`` bins that ``searchsorted(cuts, v, side="right")``
    fills: ``< a``, ``[a, b)``, ..., ``>= z``.

    >>> _bin_labels(np.array([1.2, 3.0, 8.4]))
    ['< 1.2', '[1.2, 3)', '[3, 8.4)', '>= 8.4']
    """
    if len(cuts) == 0:
        return ["all values"]
    e = _edges(cuts)
    middle = ["[" + a + ", " + b + ")" for a, b in itertools.pairwise(e)]
    return ["< " + e[0], *middle, ">= " + e[-1]]


def _shares(counts: Any) -> np.ndarray:
    c = np.asarray(counts, dtype=float)
    total = c.sum()
    return c / total if total > 0 else np.zeros_like(c)


def _numeric_bars(ref: ColumnProfile, cur: ColumnProfile) -> tuple[list[str], Any, Any]:
    return _bin_labels(ref.coarse_cuts), _shares(ref.coarse), _shares(cur.coarse)


def _categorical_bars(
    ref: ColumnProfile, cur: ColumnProfile, top: int = TOP_CATEGORIES
) -> tuple[list[str], Any, Any]:
    """The ``top`` categories by reference share plus batch share, and one "other" bar."""
    names = sorted(set(ref.categories) | set(cur.categories))
    r = _shares([ref.categories.get(k, 0) for k in names])
    c = _shares([cur.categories.get(k, 0) for k in names])
    order = sorted(range(len(names)), key=lambda i: (-(r[i] + c[i]), names[i]))
    shown, rest = order[:top], order[top:]
    labels = [names[i] for i in shown]
    r_out, c_out = [float(r[i]) for i in shown], [float(c[i]) for i in shown]
    if rest:
        labels.append(f"other ({len(rest)})")
        r_out.append(float(sum(r[i] for i in rest)))
        c_out.append(float(sum(c[i] for i in rest)))
    return labels, np.asarray(r_out), np.asarray(c_out)


def _tick(label: str) -> str:
    """A label matplotlib prints as it is: one line, short, no mathtext."""
    one = " ".join(label.split())
    if len(one) > _TICK_CHARS:
        one = one[: _TICK_CHARS - 1] + "…"
    return one.replace("$", r"\$")


# --- charts ----------------------------------------------------------------------------------
def _png(labels: Sequence[str], ref: Any, cur: Any) -> str:
    """Side-by-side bars of the two share vectors, as base64 PNG."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure
    from matplotlib.ticker import PercentFormatter

    k = len(labels)
    fig = Figure(figsize=(min(9.0, max(4.0, 0.42 * k + 1.6)), 2.6), dpi=DPI)
    FigureCanvasAgg(fig)  # drawn on Agg, outside pyplot: no global figure to close
    ax = fig.add_subplot()
    x = np.arange(k)
    ax.bar(x - 0.2, ref, 0.4, label="reference", color=_REFERENCE_COLOUR)
    ax.bar(x + 0.2, cur, 0.4, label="current", color=_CURRENT_COLOUR)
    ax.set_xticks(x, [_tick(s) for s in labels], rotation=40, ha="right", fontsize=7)
    ax.set_xlim(-0.6, k - 0.4)
    top = max(float(np.max(ref, initial=0.0)), float(np.max(cur, initial=0.0)))
    ax.set_ylim(0, top * 1.12 if top > 0 else 1.0)
    ax.yaxis.set_major_formatter(PercentFormatter(1.0, decimals=0))
    ax.tick_params(axis="y", labelsize=7)
    ax.set_ylabel("share", fontsize=8)
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)
    ax.legend(fontsize=7, frameon=False, ncols=2, loc="lower left", bbox_to_anchor=(0.0, 1.0))
    buffer = io.BytesIO()
    with warnings.catch_warnings():
        # a name in a script the bundled font lacks draws as boxes; the table beside the
        # chart spells it out
        warnings.filterwarnings("ignore", message="Glyph .* missing from", category=UserWarning)
        fig.savefig(
            buffer,
            format="png",
            dpi=DPI,
            bbox_inches="tight",
            pad_inches=0.05,
        )
    fig.clear()
    return base64.b64encode(_small_png(buffer.getvalue())).decode("ascii")


def _small_png(png: bytes) -> bytes:
    """The chart on a palette of 64 colours (flat bars, anti-aliased text): about a third
    of the bytes, no visible change."""
    from PIL import Image

    with Image.open(io.BytesIO(png)) as image:
        small = image.convert("RGB").quantize(colors=64)
    out = io.BytesIO()
    small.save(out, format="PNG", optimize=True)
    return out.getvalue()


# --- page ------------------------------------------------------------------------------------
def _badge(drifted: bool) -> str:
    return (
        "<span class='badge drift'>DRIFT</span>" if drifted else "<span class='badge ok'>ok</span>"
    )


def _tests_cell(c: ColumnDrift) -> str:
    if c.kind == "numeric":
        return f"KS {_fmt(c.ks, '.3f')} (p {_fmt(c.ks_p, '.2g')})"
    return f"χ² p {_fmt(c.chi2_p, '.2g')}, V {_fmt(c.cramers_v, '.3f')}"


def _unseen_cell(c: ColumnDrift) -> str:
    if c.kind != "categorical":
        return ""
    unseen = c.unseen or []
    if not unseen:
        return "none"
    text = ", ".join(_e(u) for u in unseen[:UNSEEN_SHOWN])
    more = len(unseen) - UNSEEN_SHOWN
    return f"{len(unseen)}: {text}" + (f" and {more} more" if more > 0 else "")


def _summary_row(i: int, c: ColumnDrift) -> str:
    na = "<td class='na'></td>"
    cells = [
        f"<td class='name'><a href='#col-{i}'>{_e(c.name)}</a></td>",
        f"<td class='text'>{_e(c.kind)}</td>",
        f"<td class='text'>{_e(c.method)}</td>",
        f"<td>{_fmt(c.statistic)}</td>",
        f"<td>{_fmt(c.threshold, 'g')}</td>",
        f"<td class='text'>{_badge(c.drifted)}</td>",
        f"<td>{_fmt(c.js, '.3f')}</td>",
        f"<td>{_tests_cell(c)}</td>",
        f"<td>{_fmt(c.wasserstein, '.3f')}</td>" if c.kind == "numeric" else na,
        f"<td>{_pct(c.null_share_reference)} → {_pct(c.null_share_current)}</td>",
        f"<td class='text'>{_unseen_cell(c)}</td>",
        (
            "<td class='text'>"
            + ("<span class='badge warn'>out of range</span>" if c.out_of_range else "no")
            + "</td>"
            if c.kind == "numeric"
            else na
        ),
    ]
    return f"<tr class='{'drift' if c.drifted else 'ok'}'>{''.join(cells)}</tr>"


def _summary(rows: list[tuple[ColumnDrift, ColumnProfile, ColumnProfile]]) -> str:
    head = "".join(
        f"<th{' class=name' if h == 'column' else ''}>{h}</th>"
        for h in (
            "column",
            "kind",
            "method",
            "statistic",
            "threshold",
            "drifted",
            "JS distance",
            "KS (p) / χ² p, Cramér's V",
            "Wasserstein / sd",
            "nulls ref → cur",
            "unseen categories",
            "out of range",
        )
    )
    body = "".join(_summary_row(i, c) for i, (c, _, _) in enumerate(rows))
    return f"<table class='summary'><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def _section(
    i: int, c: ColumnDrift, ref: ColumnProfile, cur: ColumnProfile, draw: bool
) -> tuple[str, bool]:
    """One column's chart and shares table; whether a chart was drawn."""
    if c.kind == "numeric":
        labels, r, s = _numeric_bars(ref, cur)
        what, unit = "the reference's decile bins", "bin"
    else:
        labels, r, s = _categorical_bars(ref, cur)
        what, unit = f"the top {TOP_CATEGORIES} categories", "category"
    no_values = not (ref.n - ref.nulls) and not (cur.n - cur.nulls)
    drawn = draw and not no_values
    if drawn:
        chart = (
            f"<img alt='{_e(f'reference and current shares of {c.name} on {what}')}' "
            f"src='data:image/png;base64,{_png(labels, r, s)}'>"
        )
    elif no_values:
        chart = "<p class='meta'>No non-missing values on either side; nothing to draw.</p>"
    else:
        chart = "<p class='meta'>Chart not drawn (see the note above the charts).</p>"
    table = "".join(
        f"<tr><td class='text'>{_e(label)}</td><td>{_pct(a)}</td><td>{_pct(b)}</td>"
        f"<td>{100 * (b - a):+.1f}</td></tr>"
        for label, a, b in zip(labels, r, s, strict=True)
    )
    meta = (
        f"{_e(c.kind)} · {_e(c.method)} {_fmt(c.statistic)} (threshold {_fmt(c.threshold, 'g')})"
        f" · JS {_fmt(c.js, '.3f')} · shares of non-missing values on {what}"
    )
    return (
        f"<section class='column' id='col-{i}'><h3>{_e(c.name)} {_badge(c.drifted)}</h3>"
        f"<p class='meta'>{meta}</p>{chart}"
        f"<details><summary>shares per {unit}</summary><table><thead><tr>"
        f"<th class='name'>{unit}</th><th>reference</th><th>current</th><th>change (pp)</th>"
        f"</tr></thead><tbody>{table}</tbody></table></details></section>",
        drawn,
    )


def drift_html(
    report: DriftReport,
    reference: Profile,
    current: Profile,
    *,
    title: str = "Drift report",
    max_plots: int = MAX_PLOTS,
) -> str:
    """One self-contained HTML page for ``report``, drawn from the ``reference`` and
    ``current`` profiles it was computed from (``compare_profiles(reference, current)``).

    The page holds a header (rows on each side, columns drifted, the decision and
    empty-bin rules), a summary table with drifted columns first, and per column the
    reference's and the batch's shares as a chart (for at most ``max_plots`` columns, in
    the table's order) and a table. It loads nothing from outside: no script, inline
    style, charts as ``data:`` URIs. Raises ``InputError`` when a column of the report is
    missing from a profile or the profiles were made on other bins.
    """
    rows = _order(_check(report, reference, current, title, max_plots))
    n_drifted = sum(c.drifted for c, _, _ in rows)
    thresholds = sorted({c.threshold for c, _, _ in rows})
    threshold = _fmt(thresholds[0], "g") if len(thresholds) == 1 else "the column's threshold"
    sections = [_section(i, c, ref, cur, i < max_plots) for i, (c, ref, cur) in enumerate(rows)]
    drawn = sum(d for _, d in sections)
    truncated = len(rows) > max_plots
    note = (
        f"<p class='rules'>Charts are drawn for the first {max_plots} of {len(rows)} columns "
        "in the table's order (drifted first); every column keeps its shares table.</p>"
        if truncated
        else ""
    )
    headline = (
        f"<b>{n_drifted}</b> of {len(rows)} column{'s' if len(rows) != 1 else ''} drifted"
        if rows
        else "The report has no columns."
    )
    return (
        "<!doctype html><html lang='en'><head><meta charset='utf-8'>"
        f"<meta http-equiv='Content-Security-Policy' content=\"{_CSP}\">"
        "<meta name='viewport' content='width=device-width, initial-scale=1'>"
        f"<meta name='generator' content='mlvet {_e(__version__)}'>"
        f"<title>{_e(title)}</title><style>{_STYLE}</style></head><body>"
        f"<header><h1>{_e(title)}</h1>"
        f"<p class='lead'>{headline}: {report.n_current:,} current rows against "
        f"{report.n_reference:,} reference rows.</p>"
        "<p class='rules'><b>Decision rule:</b> a column has drifted when its PSI ≥ "
        f"{threshold}, PSI being taken on the reference's decile bins (numeric columns) or "
        "on the categories (categorical columns); p-values are shown beside, not used to "
        "decide.<br><b>Empty-bin rule:</b> before the shares are taken, every bin gets "
        f"{SMOOTHING:g} row in both distributions, so an empty bin counts as {SMOOTHING:g} "
        "row and PSI stays finite.</p>"
        f"{_multivariate(report)}</header>"
        f"<h2>Summary</h2>{_summary(rows)}"
        f"<h2>Columns</h2>{note}"
        f"<div class='columns'>{''.join(s for s, _ in sections)}</div>"
        f"<footer>mlvet {_e(__version__)} · {drawn} chart{'s' if drawn != 1 else ''}; "
        "shares are of non-missing values; the summary's nulls column gives the missing "
        "shares.</footer></body></html>"
    )


def write_drift_html(
    report: DriftReport,
    reference: Profile,
    current: Profile,
    path: str | Path,
    *,
    title: str = "Drift report",
    max_plots: int = MAX_PLOTS,
) -> Path:
    """Write ``drift_html(...)`` to ``path`` (UTF-8; parent folders created) and return it."""
    page = drift_html(report, reference, current, title=title, max_plots=max_plots)
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(page, encoding="utf-8")
    return path


def _multivariate(report: DriftReport) -> str:
    """The domain classifier's verdict, when the report has one."""
    mv = report.multivariate
    if mv is None:
        return ""
    badge = (
        "<span class='badge drift'>DRIFT</span>"
        if mv.drifted
        else "<span class='badge ok'>ok</span>"
    )
    return (
        f"<p class='lead'>{badge} <b>Multivariate:</b> a classifier tells current from "
        f"reference rows with an out-of-fold AUC of {mv.auc:.3f} (95% interval "
        f"{mv.lower:.3f} to {mv.upper:.3f}, on {mv.n_reference:,} and {mv.n_current:,} "
        f"sampled rows); a batch drifts at AUC ≥ {mv.threshold:g} with the interval above "
        "0.5.</p>"
    )
