"""``mlvet diff``: what changed between two recorded runs.

A score moves between two runs and the write-up credits one change ("the new features gave
+0.02 AUC") while the data, the preprocessing, the parameters and the code moved too. ``diff``
reads both runs from the ledger and lists the changes per factor:

* ``data`` — the fingerprint of the rows and labels;
* ``features`` — columns added and removed;
* ``preprocessing`` — the pipeline steps before the model;
* ``model`` — the final estimator's class;
* ``parameters`` — hyperparameters whose values differ;
* ``splits`` — the fingerprint of the train/test splits;
* ``code`` — the calling script's git commit and content hash;
* ``settings`` — everything else the run recorded (scoring, seed, budget...).

``credited=`` names the factor a report credits; CA202 when other factors changed as well.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field, replace
from typing import Any

from mlvet._findings import Finding, Location
from mlvet.exceptions import InputError, NotFoundError

__all__ = ["FACTORS", "Change", "RunDiff", "diff", "resolve_run"]

FACTORS = (
    "data",
    "features",
    "preprocessing",
    "model",
    "parameters",
    "splits",
    "code",
    "settings",
)
_VOLATILE = {"line"}  # where in the script the call sits is not a change of the code
_TIMINGS = {"t", "duration_s", "elapsed_s", "started_at", "ended_at", "seconds"}


def _steady(value: Any) -> Any:
    """A recorded value without its timings, which differ on every run."""
    if isinstance(value, dict):
        return {k: _steady(v) for k, v in value.items() if k not in _TIMINGS}
    if isinstance(value, list):
        return [_steady(v) for v in value]
    return value


@dataclass(frozen=True)
class Change:
    """One difference: the factor, what it is, its value in run A and in run B."""

    factor: str
    key: str
    before: Any
    after: Any

    def to_dict(self) -> dict[str, Any]:
        return dict(self.__dict__)


@dataclass(frozen=True)
class RunDiff:
    """The changes between two runs, grouped by factor, and their headline scores."""

    run_a: str
    run_b: str
    kind_a: str
    kind_b: str
    changes: tuple[Change, ...]
    score_a: float | None = None
    score_b: float | None = None
    credited: str | None = None
    findings: tuple[Finding, ...] = ()
    run_id: str | None = None
    notes: tuple[str, ...] = field(default_factory=tuple)

    @property
    def factors(self) -> list[str]:
        """The factors that changed, in :data:`FACTORS` order."""
        seen = {c.factor for c in self.changes}
        return [f for f in FACTORS if f in seen]

    def __str__(self) -> str:
        lines = [f"diff {self.run_a[:8]} ({self.kind_a}) -> {self.run_b[:8]} ({self.kind_b})"]
        if self.score_a is not None and self.score_b is not None:
            lines.append(
                f"  headline score {self.score_a:.4f} -> {self.score_b:.4f} "
                f"({self.score_b - self.score_a:+.4f})"
            )
        if not self.changes:
            lines.append("  nothing recorded differs")
        for factor in self.factors:
            lines.append(f"  {factor}:")
            for c in (c for c in self.changes if c.factor == factor):
                lines.append(f"    {c.key}: {_show(c.before)} -> {_show(c.after)}")
        lines += [f"  note: {n}" for n in self.notes]
        return "\n".join(lines)

    def to_dict(self) -> dict[str, Any]:
        return {
            "run_a": self.run_a,
            "run_b": self.run_b,
            "kind_a": self.kind_a,
            "kind_b": self.kind_b,
            "factors": self.factors,
            "changes": [c.to_dict() for c in self.changes],
            "score_a": self.score_a,
            "score_b": self.score_b,
            "credited": self.credited,
            "notes": list(self.notes),
            "run_id": self.run_id,
            "findings": [f.to_dict() for f in self.findings],
        }


def _show(value: Any) -> str:
    if value is None:
        return "-"
    text = value if isinstance(value, str) else json.dumps(value, sort_keys=True)
    return text if len(text) <= 60 else text[:28] + "..." + text[-28:]


# --- reading runs -------------------------------------------------------------------------------
def resolve_run(conn: Any, ref: str) -> Any:
    """A run by id, unique id prefix (>= 4 characters) or name (its latest run)."""
    from sqlalchemy import select

    from mlvet.ledger import _schema as s

    if not isinstance(ref, str) or not ref.strip():
        raise InputError(f"A run reference must be a run id, an id prefix or a name; got {ref!r}.")
    ref = ref.strip()
    rows = []
    if len(ref) >= 4:
        rows = conn.execute(select(s.runs).where(s.runs.c.id.startswith(ref))).mappings().all()
    if len(rows) > 1:
        ids = ", ".join(r["id"][:12] for r in rows[:5])
        raise InputError(
            f"Run prefix {ref!r} matches {len(rows)} runs ({ids}); give more of the id."
        )
    if rows:
        return rows[0]
    by_name = (
        conn.execute(
            select(s.runs).where(s.runs.c.name == ref).order_by(s.runs.c.started_at.desc())
        )
        .mappings()
        .first()
    )
    if by_name is None:
        raise NotFoundError(
            f"No run with id, id prefix or name {ref!r}. List runs with `mlvet audit log` or "
            "read run ids from the result objects (result.run_id)."
        )
    return by_name


def _split_fingerprint(conn: Any, run_id: str) -> str | None:
    from sqlalchemy import select

    from mlvet.ledger import _schema as s

    found = conn.execute(
        select(s.splits.c.fingerprint).where(s.splits.c.run_id == run_id).limit(1)
    ).scalar()
    return None if found is None else str(found)


def _headline(conn: Any, run: Any) -> float | None:
    """The run's main score: a search's best, a comparison's best candidate (baselines
    aside), an ablation's full pipeline."""
    from sqlalchemy import select

    from mlvet.ledger import _schema as s

    table, column = {
        "tune": (s.searches, "result_json"),
        "compare": (s.comparisons, "result_json"),
        "ablate": (s.ablations, "result_json"),
    }.get(run["kind"], (None, ""))
    if table is None:
        return None
    raw = conn.execute(select(table.c[column]).where(table.c.run_id == run["id"])).scalar()
    if not raw:
        return None
    result = json.loads(raw)
    if run["kind"] == "tune":
        return _float(result.get("best_score"))
    if run["kind"] == "ablate":
        return _float(result.get("full_score"))
    scores = result.get("scores", {})
    means = [
        sum(v) / len(v)
        for k, v in scores.items()
        if v and None not in v and not k.startswith("baseline: ")
    ]
    return max(means) if means else None


def _float(value: Any) -> float | None:
    return float(value) if isinstance(value, (int, float)) else None


def _estimators(params: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """The estimator descriptions a run recorded: one (tune, ablate) or one per candidate."""
    out = {}
    if isinstance(params.get("estimator"), dict):
        out[""] = params["estimator"]
    for name, desc in (params.get("candidates") or {}).items():
        if isinstance(desc, dict):
            out[f"{name}: "] = desc
    return out


def _changes(a: dict[str, Any], b: dict[str, Any]) -> list[Change]:
    out: list[Change] = []
    pa, pb = a["params"], b["params"]
    if pa.get("data_fingerprint") != pb.get("data_fingerprint"):
        out.append(
            Change(
                "data",
                "data_fingerprint",
                _short(pa.get("data_fingerprint")),
                _short(pb.get("data_fingerprint")),
            )
        )
    fa, fb = pa.get("features"), pb.get("features")
    if fa is not None and fb is not None and fa != fb:
        removed = [c for c in fa if c not in fb]
        added = [c for c in fb if c not in fa]
        if removed or added:
            out.append(Change("features", "columns", removed or None, added or None))
        else:
            out.append(Change("features", "column order", fa, fb))
    ea, eb = _estimators(pa), _estimators(pb)
    for prefix in sorted(set(ea) | set(eb)):
        da, db_ = ea.get(prefix), eb.get(prefix)
        if da is None or db_ is None:
            out.append(Change("model", prefix.rstrip(": ") or "estimator", _cls(da), _cls(db_)))
            continue
        sa = [st["class"].rsplit(".", 1)[-1] for st in da.get("steps", [])]
        sb = [st["class"].rsplit(".", 1)[-1] for st in db_.get("steps", [])]
        if sa[:-1] != sb[:-1]:
            out.append(Change("preprocessing", f"{prefix}steps", sa[:-1] or None, sb[:-1] or None))
        if sa[-1:] != sb[-1:]:
            out.append(Change("model", f"{prefix}final step", sa[-1:] or None, sb[-1:] or None))
        qa, qb = da.get("params", {}), db_.get("params", {})
        shared = {st["name"].split("/")[0] for st in da.get("steps", [])} & {
            st["name"].split("/")[0] for st in db_.get("steps", [])
        }
        for key in sorted(set(qa) | set(qb)):
            if "__" in key and key.split("__")[0] not in shared:
                continue  # a step only one run has: that is a preprocessing or model change
            if qa.get(key) != qb.get(key):
                out.append(Change("parameters", f"{prefix}{key}", qa.get(key), qb.get(key)))
    if a["splits"] != b["splits"]:
        out.append(Change("splits", "split_fingerprint", _short(a["splits"]), _short(b["splits"])))
    ca, cb = a["code"], b["code"]
    for key in sorted((set(ca) | set(cb)) - _VOLATILE):
        if ca.get(key) != cb.get(key):
            out.append(Change("code", key, _short(ca.get(key)), _short(cb.get(key))))
    skip = {"data_fingerprint", "features", "estimator", "candidates"}
    for key in sorted((set(pa) | set(pb)) - skip):
        if _steady(pa.get(key)) != _steady(pb.get(key)):
            out.append(Change("settings", key, pa.get(key), pb.get(key)))
    return out


def _cls(desc: dict[str, Any] | None) -> str | None:
    return None if desc is None else str(desc.get("class", "?")).rsplit(".", 1)[-1]


def _short(value: Any) -> Any:
    return value[:12] if isinstance(value, str) and len(value) == 64 else value


# --- the diff ---------------------------------------------------------------------------------------
def diff(
    run_a: str,
    run_b: str,
    *,
    credited: str | None = None,
    record: bool = True,
    ledger: Any = None,
) -> RunDiff:
    """What changed from ``run_a`` to ``run_b`` (ids, id prefixes or names), per factor.

    ``credited`` is the factor a report credits with the difference (one of
    :data:`FACTORS`); when other factors changed too, the result carries a CA202 finding,
    recorded in the ledger with the diff.
    """
    from mlvet.ledger import open_ledger

    if credited is not None and credited not in FACTORS:
        raise InputError(f"credited must be one of {list(FACTORS)}; got {credited!r}.")
    led = open_ledger(ledger)
    with led.connect() as conn:
        ra, rb = resolve_run(conn, run_a), resolve_run(conn, run_b)
        if ra["id"] == rb["id"]:
            raise InputError(f"{run_a!r} and {run_b!r} are the same run ({ra['id'][:8]}).")
        sides = []
        for r in (ra, rb):
            sides.append(
                {
                    "params": json.loads(r["params_json"] or "{}"),
                    "code": json.loads(r["code_ref_json"] or "{}"),
                    "splits": _split_fingerprint(conn, r["id"]),
                }
            )
        scores = (_headline(conn, ra), _headline(conn, rb))
    changes = _changes(*sides)
    notes = []
    if ra["kind"] != rb["kind"]:
        notes.append(f"the runs are of different kinds ({ra['kind']}, {rb['kind']})")
    if not sides[0]["code"] and not sides[1]["code"]:
        notes.append("neither run recorded its code")
    result = RunDiff(
        str(ra["id"]),
        str(rb["id"]),
        str(ra["kind"]),
        str(rb["kind"]),
        tuple(changes),
        scores[0],
        scores[1],
        credited,
        notes=tuple(notes),
    )
    others = [f for f in result.factors if f != credited]
    if credited is not None and others:
        shown = "" if credited in result.factors else f" ({credited} did not change at all)"
        result = replace(
            result,
            findings=(
                Finding.of(
                    "CA202",
                    f"From run {result.run_a[:8]} to {result.run_b[:8]} {', '.join(result.factors)} "
                    f"changed, but the difference is credited to {credited}{shown}.",
                    location=Location(dataset=f"diff:{ra['name']}..{rb['name']}"),
                    evidence={"changed": result.factors, "credited": credited},
                ),
            ),
        )
    if record:
        result = _record(led, result)
    return result


def _record(led: Any, result: RunDiff) -> RunDiff:
    from mlvet.ledger import insert_run, write_findings

    with led.transaction() as tx:
        run_id = insert_run(
            tx,
            kind="diff",
            name=f"{result.run_a[:8]}..{result.run_b[:8]}",
            families=("CA",) if result.credited else (),
            params={
                "run_a": result.run_a,
                "run_b": result.run_b,
                "factors": result.factors,
                "credited": result.credited,
            },
        )
        write_findings(tx, result.findings, run_id=run_id)
    return replace(result, run_id=run_id)
