"""Findings derived from a finished trace.

The calls of a :class:`~mlvet.tracing.Trace` are read as a story of rows: which rows each
preprocessing step, resampler and model was fitted on, and which rows each evaluation
scored (a ``score`` call, a metric call tied to the predictions it scores, or the
held-out fold of a cross-validation). Rows are compared by hash after following
transform outputs back to their inputs, so scaled test rows are recognised as the raw
test rows they came from.

* **DL301** a preprocessing step was fitted on at least half of the rows of a later
  out-of-sample evaluation, and those evaluation rows went through that step.
* **DL302** a resampler saw or synthesised at least half of a later evaluation's rows,
  or any synthetic row is evaluated.
* **DL303** a model is evaluated on a mix of rows it was trained on and rows it was not,
  or on the test side of a recorded split after being fitted on more rows that include it
  (an evaluation entirely on its own training rows is a training score, not a finding).
* **GE201** the *test set* — the rows of the last evaluation whose rows no model was
  trained on — scored two or more fitted models.
* **GE202** a model was fitted after the test set had been scored, on rows that do not
  include the test set (refitting on everything at the end is not flagged).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from mlvet._findings import Finding, Location
from mlvet.tracing._rows import combine, row_hashes, rowset_digest
from mlvet.tracing._trace import FIT_OPS, PREDICT_OPS, Call

if TYPE_CHECKING:
    from mlvet.tracing._trace import Trace

__all__ = ["Evaluation", "derive", "evaluations"]

MAJORITY = 0.5
IN_SAMPLE = 0.9


@dataclass
class Evaluation:
    """One scoring of a fitted model on a set of rows."""

    call: Call  # the call that produced the score (score, metric or CV predict)
    source: Call  # the call that saw the rows (score or predict)
    fit: Call | None  # the model's fit that the evaluation scores
    rows: np.ndarray  # canonical feature-row hashes, unique
    keyed: np.ndarray  # canonical (features, label) hashes when labels are known, else rows
    value: float | None
    labelled: bool

    @property
    def model(self) -> tuple[int | None, int | None]:
        return self.source.estimator, self.fit.index if self.fit else None


def _unique(hashes: np.ndarray) -> np.ndarray:
    return np.unique(hashes)


def _share(part: np.ndarray, whole: np.ndarray) -> tuple[int, float]:
    """How many of the unique ``part`` rows are in ``whole`` (sorted and unique, as
    ``np.unique`` returns it), and the fraction."""
    if part.size == 0:
        return 0, 0.0
    if whole.size == 0:
        return 0, 0.0
    pos = np.searchsorted(whole, part)
    pos[pos == whole.size] = 0
    k = int((whole[pos] == part).sum())
    return k, k / part.size


def _site(call: Call) -> Location:
    if call.site is None:
        return Location()
    return Location(path=call.site[0], line=call.site[1])


def _where(call: Call) -> str:
    return f"{call.site[0]}:{call.site[1]}" if call.site else f"call {call.index}"


class _Story:
    def __init__(self, trace: Trace) -> None:
        self.trace = trace
        self.calls = [c for c in trace.calls if c.error is None]
        self._canon: dict[int, np.ndarray] = {}
        self._keyed: dict[tuple[int, int], np.ndarray] = {}

    def canon(self, call: Call, *, out: bool = False) -> np.ndarray:
        key = call.index * 2 + int(out)
        if key not in self._canon:
            raw = call.out_rows if out else call.rows
            self._canon[key] = (
                np.zeros(0, np.uint64) if raw is None else _unique(self.trace.canonical(raw))
            )
        return self._canon[key]

    def keyed(self, call: Call, rows_call: Call) -> np.ndarray:
        if rows_call.rows is None:
            return np.zeros(0, np.uint64)
        if call.labels is None or call.labels.size != rows_call.rows.size:
            return self.canon(rows_call)
        key = (call.index, rows_call.index)
        if key not in self._keyed:
            canonical = self.trace.canonical(rows_call.rows)
            self._keyed[key] = _unique(combine(canonical, call.labels))
        return self._keyed[key]

    def fits_of(self, estimator: int | None, before: int) -> list[Call]:
        """The calls that shaped the model an estimator held at call ``before``."""
        chain: list[Call] = []
        for call in reversed(self.calls[:before]):
            if call.estimator != estimator or call.op not in FIT_OPS:
                continue
            chain.append(call)
            if call.op != "partial_fit":
                break
        return chain

    def model_fits(self) -> list[Call]:
        return [c for c in self.calls if c.op in FIT_OPS and c.params.get("role") == "model"]

    def evaluations(self) -> list[Evaluation]:
        out: list[Evaluation] = []
        by_index = {c.index: c for c in self.trace.calls}
        for call in self.calls:
            if call.op == "score" and call.rows is not None:
                source = call
            elif call.op == "metric" and call.link is not None:
                source = by_index[call.link]
            elif call.op in PREDICT_OPS and call.in_scoring:
                source = call
            else:
                continue
            if source.rows is None or source.error is not None:
                continue
            fits = self.fits_of(source.estimator, source.index)
            scored = call if call.labels is not None else source
            out.append(
                Evaluation(
                    call=call,
                    source=source,
                    fit=fits[0] if fits else None,
                    rows=self.canon(source),
                    keyed=self.keyed(scored, source),
                    value=call.value,
                    labelled=scored.labels is not None,
                )
            )
        return out

    def compared(self, evaluation: Evaluation) -> tuple[np.ndarray, np.ndarray]:
        """The evaluation's rows and its model's training rows, keyed alike.

        Rows are compared with their labels when both sides have labels, else by features.
        """
        fits = self.fits_of(evaluation.source.estimator, evaluation.source.index)
        if not fits:
            return evaluation.rows, np.zeros(0, np.uint64)
        if evaluation.labelled and all(f.labels is not None for f in fits):
            keyed = _unique(np.concatenate([self.keyed(f, f) for f in fits]))
            return evaluation.keyed, keyed
        return evaluation.rows, _unique(np.concatenate([self.canon(f) for f in fits]))


def evaluations(trace: Trace) -> list[Evaluation]:
    """Every evaluation the trace saw, in order."""
    return _Story(trace).evaluations()


def derive(trace: Trace) -> Iterator[Finding]:
    """The findings of a finished trace, in the order of the calls they point at."""
    story = _Story(trace)
    evals = story.evaluations()
    out_of_sample: list[Evaluation] = []
    for ev in evals:
        scored, trained = story.compared(ev)
        k, frac = _share(scored, trained)
        if ev.fit is not None and 0 < k < scored.size:
            yield _overlap(ev, scored.size, k, frac)
        elif (
            ev.fit is not None
            and k == scored.size
            and trained.size > scored.size
            and rowset_digest(ev.rows) in trace.test_digests
        ):  # the test side of a recorded split, scored by a model fitted on all rows
            yield _overlap(ev, scored.size, k, frac)
            continue
        if ev.fit is None or frac < IN_SAMPLE:
            out_of_sample.append(ev)
    yield from _preprocessing(story, out_of_sample)
    yield from _resampling(story, out_of_sample)
    yield from _test_reuse(story, out_of_sample)


def _overlap(ev: Evaluation, n: int, k: int, frac: float) -> Finding:
    return Finding.of(
        "DL303",
        f"{ev.source.target} is evaluated on {n:,} rows of which {k:,} "
        f"({frac:.1%}) it was trained on (fitted at {_where(ev.fit) if ev.fit else '?'}); "
        "the score mixes memorised and unseen rows.",
        location=_site(ev.call),
        evidence={
            "estimator": ev.source.target,
            "evaluated_rows": n,
            "overlapping_rows": k,
            "fraction": round(frac, 6),
            "fit_call": ev.fit.index if ev.fit else None,
            "evaluation_call": ev.call.index,
            "score": ev.value,
        },
    )


def _passed_through(story: _Story, transformer: int | None, ev: Evaluation) -> bool:
    """Did the evaluation's rows come out of this transformer (any of its transforms)?"""
    raw = ev.source.rows
    if raw is None:
        return False
    outputs = [
        c.out_rows
        for c in story.calls
        if c.estimator == transformer and c.out_rows is not None and c.index < ev.source.index
    ]
    if not outputs:
        return False
    return _share(_unique(raw), _unique(np.concatenate(outputs)))[1] >= MAJORITY


def _preprocessing(story: _Story, evals: list[Evaluation]) -> Iterator[Finding]:
    for fit in story.calls:
        if fit.op not in ("fit", "fit_transform", "partial_fit"):
            continue
        if fit.params.get("role") != "transformer":
            continue
        fitted = story.canon(fit)
        hits = []
        for ev in evals:
            if ev.source.index <= fit.index or not _passed_through(story, fit.estimator, ev):
                continue
            k, frac = _share(ev.rows, fitted)
            if frac >= MAJORITY:
                hits.append((ev, k, frac))
        if not hits:
            continue
        ev, k, frac = hits[0]
        yield Finding.of(
            "DL301",
            f"{fit.target} was fitted on {fitted.size:,} rows that include {k:,} of the "
            f"{ev.rows.size:,} rows later used to evaluate {ev.source.target} "
            f"(at {_where(ev.call)}); its statistics carry test information into the score.",
            location=_site(fit),
            evidence={
                "transformer": fit.target,
                "fit_call": fit.index,
                "fitted_rows": int(fitted.size),
                "evaluations": [
                    {
                        "call": e.call.index,
                        "model": e.source.target,
                        "rows": int(e.rows.size),
                        "in_fit": kk,
                    }
                    for e, kk, _ in hits
                ],
            },
        )


def _projections(story: _Story, call: Call) -> list[tuple[np.ndarray, np.ndarray]]:
    """The resampler's input and output rows hashed on the column subsets later calls used."""
    if call.frames is None or call.columns is None:
        return []
    source, produced = call.frames
    available = set(call.columns)
    subsets = {
        c.columns
        for c in story.calls
        if c.index > call.index
        and c.columns
        and c.columns != call.columns
        and set(c.columns) <= available
    }
    out = []
    for subset in sorted(subsets):
        try:
            seen = row_hashes(source[list(subset)])
            made = row_hashes(produced[list(subset)])
        except (KeyError, TypeError, ValueError):
            continue
        out.append((_unique(seen), _unique(made)))
    return out


def _resampling(story: _Story, evals: list[Evaluation]) -> Iterator[Finding]:
    for call in story.calls:
        if call.op != "fit_resample" or call.out_rows is None or call.rows is None:
            continue
        seen = story.canon(call)
        produced = story.canon(call, out=True)
        synthetic = np.setdiff1d(produced, seen, assume_unique=True)
        reach = np.union1d(seen, produced)
        for seen_sub, made_sub in _projections(story, call):
            synthetic = np.union1d(synthetic, np.setdiff1d(made_sub, seen_sub, assume_unique=True))
            reach = np.union1d(reach, np.union1d(seen_sub, made_sub))
        hits = []
        for ev in evals:
            if ev.source.index <= call.index:
                continue
            k, frac = _share(ev.rows, reach)
            n_synth = _share(ev.rows, synthetic)[0] if synthetic.size else 0
            if frac >= MAJORITY or n_synth:
                hits.append((ev, k, n_synth))
        if not hits:
            continue
        ev, k, n_synth = hits[0]
        yield Finding.of(
            "DL302",
            f"{call.target} resampled {seen.size:,} distinct rows into "
            f"{call.out_rows.size:,} rows ({synthetic.size:,} synthetic) before the split: {k:,} of the {ev.rows.size:,} rows "
            f"that evaluate {ev.source.target} (at {_where(ev.call)}) came through it"
            + (f", {n_synth:,} of them synthetic." if n_synth else "."),
            location=_site(call),
            evidence={
                "resampler": call.target,
                "resample_call": call.index,
                "rows_in": int(seen.size),
                "rows_out": int(produced.size),
                "synthetic_rows": int(synthetic.size),
                "evaluations": [
                    {
                        "call": e.call.index,
                        "model": e.source.target,
                        "rows": int(e.rows.size),
                        "through_resampler": kk,
                        "synthetic": ns,
                    }
                    for e, kk, ns in hits
                ],
            },
        )


def _test_reuse(story: _Story, evals: list[Evaluation]) -> Iterator[Finding]:
    fits = story.model_fits()
    if not fits:
        return
    trained = _unique(np.concatenate([story.canon(f) for f in fits]))
    validation = story.trace.validation_digests
    held_out = [
        ev
        for ev in evals
        if _share(ev.rows, trained)[1] < MAJORITY
        and not ev.source.in_scoring
        and rowset_digest(ev.rows) not in validation
    ]
    if not held_out:
        return
    test_digest = rowset_digest(held_out[-1].rows)
    on_test = [ev for ev in held_out if rowset_digest(ev.rows) == test_digest]
    models: dict[tuple[int | None, int | None], Evaluation] = {}
    for ev in on_test:
        models.setdefault(ev.model, ev)
    last = on_test[-1]
    if len(models) >= 2:
        scored = [ev for ev in models.values()]
        listing = ", ".join(
            f"{ev.source.target}" + (f" {ev.value:.4g}" if ev.value is not None else "")
            for ev in scored
        )
        yield Finding.of(
            "GE201",
            f"The same {last.rows.size:,} test rows scored {len(models)} fitted models ({listing}); "
            "keeping the best of them makes the test score part of the selection.",
            location=_site(last.call),
            evidence={
                "test_rows": int(last.rows.size),
                "models": [
                    {
                        "estimator": ev.source.target,
                        "fit_call": ev.fit.index if ev.fit else None,
                        "score": ev.value,
                        "call": ev.call.index,
                    }
                    for ev in scored
                ],
            },
        )
    first = on_test[0]
    later = [
        f
        for f in fits
        if f.index > first.call.index and _share(first.rows, story.canon(f))[1] < MAJORITY
    ]
    if later:
        fit = later[0]
        yield Finding.of(
            "GE202",
            f"{fit.target} was fitted at {_where(fit)} after the test rows had been scored at "
            f"{_where(first.call)}"
            + (f" ({first.value:.4g})" if first.value is not None else "")
            + f"; {len(later)} model fit(s) came after a test result was known.",
            location=_site(fit),
            evidence={
                "test_evaluation_call": first.call.index,
                "test_score": first.value,
                "later_fits": [{"call": f.index, "estimator": f.target} for f in later],
            },
        )
