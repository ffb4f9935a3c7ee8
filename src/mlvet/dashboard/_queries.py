"""What the dashboard reads from the ledger: one function per page or API resource.

Every function takes an open connection and returns plain JSON-able data; the HTML pages and
the JSON API call the same functions, so they cannot disagree. Lists are read a page at a
time by keyset (:mod:`mlvet.dashboard._pages`) on an indexed key. Vault contents are never
read here: the vault's functions select only the vault's metadata and its access log.
"""

from __future__ import annotations

import json
import math
from typing import Any

from sqlalchemy import Connection, Integer, func, select

from mlvet.dashboard._pages import Page, paginate
from mlvet.exceptions import InputError, NotFoundError
from mlvet.ledger import _schema as s

__all__ = [
    "ablation",
    "alerts_page",
    "comparison",
    "dataset",
    "dataset_version",
    "datasets_page",
    "events_page",
    "experiments_page",
    "finding",
    "findings_page",
    "last_verification",
    "model",
    "model_history_page",
    "model_versions_page",
    "models_page",
    "monitor",
    "monitor_batches",
    "monitor_series",
    "monitors_page",
    "review",
    "reviews_page",
    "run",
    "runs_page",
    "search",
    "series_of",
    "trials_page",
    "vault_reads_page",
    "vaults_page",
    "versions_page",
]


def _json(text: str | None) -> Any:
    return None if text is None else json.loads(text)


def _one(conn: Connection, q: Any, what: str) -> dict[str, Any]:
    row = conn.execute(q).mappings().first()
    if row is None:
        raise NotFoundError(f"No {what} in this ledger.")
    return dict(row)


# --- findings ------------------------------------------------------------------------------
FINDING_STATUSES = ("open", "superseded", "all")


def _finding_row(r: Any) -> dict[str, Any]:
    out = dict(r)
    out["location"] = _json(out.pop("location_json"))
    out["evidence"] = _json(out.pop("evidence_json"))
    return out


def findings_page(
    conn: Connection,
    *,
    family: str | None = None,
    status: str = "open",
    cursor: str | None = None,
    limit: int = 50,
) -> Page:
    f = s.findings
    if status not in FINDING_STATUSES:
        raise InputError(f"status must be one of {', '.join(FINDING_STATUSES)}; got {status!r}.")
    q = select(f, s.dataset_versions.c.status.label("data_status")).select_from(
        f.outerjoin(s.dataset_versions, s.dataset_versions.c.id == f.c.dataset_version_id)
    )
    if family:
        q = q.where(f.c.family == family.upper())
    if status != "all":
        q = q.where(f.c.status == status)
    return paginate(conn, q, [f.c.id], cursor=cursor, limit=limit, row=_finding_row)


def finding(conn: Connection, finding_id: int) -> dict[str, Any]:
    f = s.findings
    row = _finding_row(_one(conn, select(f).where(f.c.id == finding_id), f"finding {finding_id}"))
    if row["run_id"]:
        row["run"] = _run_brief(conn, row["run_id"])
    if row["dataset_version_id"]:
        row["dataset_version"] = _version_brief(conn, row["dataset_version_id"])
    return row


# --- runs ----------------------------------------------------------------------------------
def _run_row(r: Any) -> dict[str, Any]:
    out = dict(r)
    out["params"] = _json(out.pop("params_json"))
    out["code_ref"] = _json(out.pop("code_ref_json"))
    return out


def _run_brief(conn: Connection, run_id: str) -> dict[str, Any] | None:
    r = s.runs
    row = conn.execute(
        select(r.c.id, r.c.kind, r.c.name, r.c.status, r.c.started_at).where(r.c.id == run_id)
    ).first()
    return dict(row._mapping) if row else None


def runs_page(
    conn: Connection,
    *,
    kind: str | None = None,
    family: str | None = None,
    cursor: str | None = None,
    limit: int = 50,
) -> Page:
    """Runs, newest first; of one kind, or the checks of one antipattern family."""
    r = s.runs
    q = select(r.c.id, r.c.kind, r.c.name, r.c.status, r.c.started_at, r.c.ended_at, r.c.families)
    if kind:
        q = q.where(r.c.kind == kind)
    if family:
        fam = family.upper()
        if len(fam) != 2 or not fam.isalpha():
            raise InputError(f"family is a two-letter code such as 'AN'; got {family!r}.")
        # families is a comma-separated list: match the whole code, not a part of another
        q = q.where(("," + r.c.families + ",").contains(f",{fam},", autoescape=True))
    return paginate(conn, q, [r.c.started_at, r.c.id], cursor=cursor, limit=limit, types=(str, str))


def run(conn: Connection, run_id: str) -> dict[str, Any]:
    r = s.runs
    if not isinstance(run_id, str) or not 1 <= len(run_id) <= 36:
        raise InputError(f"A run id is at most 36 characters; got {str(run_id)[:60]!r}.")
    row = conn.execute(select(r).where(r.c.id == run_id)).mappings().first()
    if row is None:  # an id prefix, as the CLI accepts
        if not run_id or any(c not in "0123456789abcdef-" for c in run_id):
            raise NotFoundError(f"No run {run_id!r} in this ledger (ids are hexadecimal).")
        matches = (
            conn.execute(select(r).where(r.c.id.startswith(run_id, autoescape=True)).limit(2))
            .mappings()
            .all()
        )
        if len(matches) != 1:
            raise NotFoundError(f"No run {run_id!r} in this ledger (or the prefix is ambiguous).")
        row = matches[0]
    out = _run_row(row)
    f = s.findings
    out["findings"] = [
        _finding_row(x)
        for x in conn.execute(
            select(f).where(f.c.run_id == out["id"]).order_by(f.c.id).limit(200)
        ).mappings()
    ]
    for table, key in (
        (s.searches, "search"),
        (s.comparisons, "comparison"),
        (s.ablations, "ablation"),
    ):
        hit = conn.execute(select(table.c.id).where(table.c.run_id == out["id"])).first()
        out[key] = int(hit.id) if hit else None
    return out


# --- catalog and lineage -------------------------------------------------------------------
def _version_brief(conn: Connection, version_id: int) -> dict[str, Any] | None:
    v, d = s.dataset_versions, s.datasets
    row = conn.execute(
        select(v.c.id, d.c.name, v.c.version, v.c.status, v.c.fingerprint)
        .join(d, d.c.id == v.c.dataset_id)
        .where(v.c.id == version_id)
    ).first()
    return dict(row._mapping) if row else None


def datasets_page(conn: Connection, *, cursor: str | None = None, limit: int = 50) -> Page:
    d, v = s.datasets, s.dataset_versions
    latest = (
        select(
            v.c.dataset_id,
            func.count(v.c.id).label("versions"),
            func.max(v.c.version).label("latest"),
            func.sum((v.c.status == "quarantined").cast(Integer)).label("quarantined"),
        )
        .group_by(v.c.dataset_id)
        .subquery()
    )
    q = select(
        d.c.id,
        d.c.name,
        d.c.description,
        d.c.created_at,
        latest.c.versions,
        latest.c.latest,
        latest.c.quarantined,
    ).outerjoin(latest, latest.c.dataset_id == d.c.id)
    page = paginate(conn, q, [d.c.id], cursor=cursor, limit=limit)
    for item in page.items:
        item["quarantined"] = int(item["quarantined"] or 0)
    return page


_VERSION_COLS = (
    s.dataset_versions.c.id,
    s.dataset_versions.c.version,
    s.dataset_versions.c.fingerprint,
    s.dataset_versions.c.n_rows,
    s.dataset_versions.c.n_columns,
    s.dataset_versions.c.status,
    s.dataset_versions.c.created_at,
    s.dataset_versions.c.run_id,
)


def dataset(conn: Connection, name: str) -> dict[str, Any]:
    d = s.datasets
    return _one(conn, select(d).where(d.c.name == name), f"dataset named {name!r}")


def versions_page(
    conn: Connection,
    name: str | None = None,
    *,
    quarantined: bool = False,
    cursor: str | None = None,
    limit: int = 50,
) -> Page:
    """A dataset's versions (or every dataset's quarantined versions), newest first."""
    v, d = s.dataset_versions, s.datasets
    q = select(*_VERSION_COLS, d.c.name).join(d, d.c.id == v.c.dataset_id)
    if name is not None:
        q = q.where(v.c.dataset_id == dataset(conn, name)["id"])
    if quarantined:
        q = q.where(v.c.status == "quarantined")
    return paginate(conn, q, [v.c.id], cursor=cursor, limit=limit)


def dataset_version(conn: Connection, version_id: int) -> dict[str, Any]:
    v, d = s.dataset_versions, s.datasets
    row = _one(
        conn,
        select(v, d.c.name).join(d, d.c.id == v.c.dataset_id).where(v.c.id == version_id),
        f"dataset version {version_id}",
    )
    row["columns"] = _json(row.pop("columns_json"))
    row["profile"] = _json(row.pop("profile_json"))
    row["assertions"] = None
    if row["data_schema_id"]:
        sch = (
            conn.execute(select(s.data_schemas).where(s.data_schemas.c.id == row["data_schema_id"]))
            .mappings()
            .first()
        )
        if sch:
            row["assertions"] = {
                "version": sch["version"],
                "source": sch["source"],
                "schema": _json(sch["schema_json"]),
            }
    f = s.findings
    row["findings"] = [
        _finding_row(x)
        for x in conn.execute(
            select(f).where(f.c.dataset_version_id == version_id).order_by(f.c.id).limit(200)
        ).mappings()
    ]
    row["run"] = _run_brief(conn, row["run_id"]) if row["run_id"] else None
    return row


def lineage_graph(conn: Connection, version_id: int, *, max_nodes: int = 150) -> dict[str, Any]:
    """The versions upstream and downstream of one version, breadth first, at most
    ``max_nodes`` of them (``truncated`` says when more exist)."""
    e, v, d = s.lineage_edges, s.dataset_versions, s.datasets
    if _version_brief(conn, version_id) is None:
        raise NotFoundError(f"No dataset version {version_id} in this ledger.")
    seen = {version_id}
    edges: set[tuple[int, int, str | None]] = set()
    truncated = False
    for upstream in (True, False):
        here, there = (e.c.child_id, e.c.parent_id) if upstream else (e.c.parent_id, e.c.child_id)
        frontier = [version_id]
        while frontier:
            nxt: list[int] = []
            for other, node, run_id in conn.execute(
                select(there, here, e.c.run_id).where(here.in_(frontier))
            ):
                edges.add((other, node, run_id) if upstream else (node, other, run_id))
                if other not in seen:
                    if len(seen) >= max_nodes:
                        truncated = True
                        continue
                    seen.add(other)
                    nxt.append(other)
            frontier = nxt
    nodes = {
        int(r.id): dict(r._mapping)
        for r in conn.execute(
            select(v.c.id, d.c.name, v.c.version, v.c.status, v.c.n_rows, v.c.fingerprint)
            .join(d, d.c.id == v.c.dataset_id)
            .where(v.c.id.in_(sorted(seen)))
        )
    }
    run_ids = sorted({r for *_, r in edges if r})
    runs = {
        r.id: {"name": r.name, "kind": r.kind, "code_ref": _json(r.code_ref_json)}
        for r in conn.execute(
            select(s.runs.c.id, s.runs.c.name, s.runs.c.kind, s.runs.c.code_ref_json).where(
                s.runs.c.id.in_(run_ids)
            )
        )
    }
    kept = [(p, c, r) for p, c, r in sorted(edges, key=str) if p in nodes and c in nodes]
    return {
        "root": version_id,
        "nodes": list(nodes.values()),
        "edges": [
            {
                "parent": p,
                "child": c,
                "run_id": r,
                "step": _step_label(runs.get(r)) if r else "unrecorded step",
            }
            for p, c, r in kept
        ],
        "truncated": truncated,
    }


def _step_label(run_row: dict[str, Any] | None) -> str:
    if run_row is None:
        return "unrecorded step"
    ref = run_row["code_ref"] or {}
    return str(ref.get("function") or ref.get("step") or run_row["name"])


# --- experiments ---------------------------------------------------------------------------
EXPERIMENT_KINDS = {"searches": s.searches, "comparisons": s.comparisons, "ablations": s.ablations}


def experiments_page(
    conn: Connection, kind: str, *, cursor: str | None = None, limit: int = 50
) -> Page:
    table = EXPERIMENT_KINDS.get(kind)
    if table is None:
        raise InputError(f"kind must be one of {', '.join(EXPERIMENT_KINDS)}; got {kind!r}.")
    r = s.runs
    cols = [table.c.id, table.c.run_id, table.c.created_at, r.c.name, r.c.status]
    if kind == "comparisons":
        cols += [table.c.scoring, table.c.verdict]
    q = select(*cols).join(r, r.c.id == table.c.run_id)
    if kind == "searches":
        q = q.add_columns(table.c.result_json)

    def row(x: Any) -> dict[str, Any]:
        out = dict(x)
        if "result_json" in out:
            res = _json(out.pop("result_json")) or {}
            out["best_score"] = res.get("best_score")
            out["scoring"] = res.get("scoring")
        return out

    return paginate(conn, q, [table.c.id], cursor=cursor, limit=limit, row=row)


def _experiment(conn: Connection, table: Any, item_id: int, what: str) -> dict[str, Any]:
    r = s.runs
    out = _one(
        conn,
        select(table, r.c.name, r.c.status, r.c.params_json)
        .join(r, r.c.id == table.c.run_id)
        .where(table.c.id == item_id),
        f"{what} {item_id}",
    )
    out["result"] = _json(out.pop("result_json"))
    out["params"] = _json(out.pop("params_json"))
    if "spec_json" in out:
        out["spec"] = _json(out.pop("spec_json"))
    return out


def search(conn: Connection, search_id: int) -> dict[str, Any]:
    out = _experiment(conn, s.searches, search_id, "search")
    t = s.trials
    out["n_trials"] = int(  # the searched trials; the defaults' row has index -1
        conn.execute(
            select(func.count()).where(t.c.run_id == out["run_id"], t.c.trial_index >= 0)
        ).scalar()
        or 0
    )
    out["n_failed"] = int(
        conn.execute(
            select(func.count()).where(
                t.c.run_id == out["run_id"], t.c.trial_index >= 0, t.c.status != "ok"
            )
        ).scalar()
        or 0
    )
    return out


def trials_page(
    conn: Connection, search_id: int, *, cursor: str | None = None, limit: int = 50
) -> Page:
    run_id = conn.execute(select(s.searches.c.run_id).where(s.searches.c.id == search_id)).scalar()
    if run_id is None:
        raise NotFoundError(f"No search {search_id} in this ledger.")
    t = s.trials
    q = select(
        t.c.id,
        t.c.trial_index,
        t.c.seed,
        t.c.params_json,
        t.c.scores_json,
        t.c.status,
        t.c.duration_s,
        t.c.error,
    ).where(t.c.run_id == run_id)

    def row(x: Any) -> dict[str, Any]:
        out = dict(x)
        out["params"] = _json(out.pop("params_json"))
        scores = _json(out.pop("scores_json"))
        out["scores"] = scores
        folds = scores.get("folds") if isinstance(scores, dict) else scores
        vals = [v for v in (_finite(x) for x in folds or []) if v is not None]
        out["mean"] = sum(vals) / len(vals) if vals else None  # as Trial.mean: finite folds
        out["defaults"] = out["trial_index"] < 0
        return out

    return paginate(conn, q, [t.c.id], cursor=cursor, limit=limit, row=row)


def _finite(value: Any) -> float | None:
    """A number to show, or None for what is missing or not finite (NaN is stored as
    the text "NaN" by the JSON the ledger keeps)."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    return float(value) if math.isfinite(value) else None


def comparison(conn: Connection, comparison_id: int) -> dict[str, Any]:
    """A comparison, with every pair's numbers finite or None and each model's mean over
    its finite split scores (``means``)."""
    out = _experiment(conn, s.comparisons, comparison_id, "comparison")
    result = out["result"] if isinstance(out["result"], dict) else {}
    numeric = (
        "mean",
        "ci_low",
        "ci_high",
        "p_value",
        "p_holm",
        "p_a_better",
        "p_b_better",
        "p_equivalent",
    )
    for pair in result.get("pairs", []):
        for key in numeric:
            if key in pair:
                pair[key] = _finite(pair[key])
    means: dict[str, float | None] = {}
    for name, scores in (result.get("scores") or {}).items():
        values = [v for v in (_finite(x) for x in scores or []) if v is not None]
        means[name] = sum(values) / len(values) if values else None
    out["means"] = means
    return out


def ablation(conn: Connection, ablation_id: int) -> dict[str, Any]:
    return _experiment(conn, s.ablations, ablation_id, "ablation")


# --- vault ---------------------------------------------------------------------------------
_VAULT_COLS = (
    s.vaults.c.id,
    s.vaults.c.name,
    s.vaults.c.commitment,
    s.vaults.c.n_rows,
    s.vaults.c.budget_json,
    s.vaults.c.encrypted,
    s.vaults.c.created_at,
)


def _vault_row(conn: Connection, x: Any) -> dict[str, Any]:
    """A vault in a list: its metadata and what its budget has left, counted as
    ``Vault.info`` counts it. The vault's own page also checks its row and access log
    against the audit chain."""
    from mlvet.vault._vault import SPENDING

    out = dict(x)
    budget = _json(out.pop("budget_json")) or {}
    vr = s.vault_reads
    spent = int(
        conn.execute(
            select(func.count()).where(
                vr.c.vault_id == out["id"], vr.c.kind == "final", vr.c.status.in_(SPENDING)
            )
        ).scalar()
        or 0
    )
    out["budget"] = budget
    out["final_spent"] = spent
    total = budget.get("total") if isinstance(budget, dict) else None
    out["remaining"] = max(0, int(total) - spent) if isinstance(total, int | float) else None
    return out


def vaults_page(conn: Connection, *, cursor: str | None = None, limit: int = 50) -> Page:
    q = select(*_VAULT_COLS)
    page = paginate(conn, q, [s.vaults.c.id], cursor=cursor, limit=limit)
    page.items = [_vault_row(conn, x) for x in page.items]
    return page


def vault_reads_page(
    conn: Connection, name: str, *, cursor: str | None = None, limit: int = 50
) -> Page:
    vid = conn.execute(select(s.vaults.c.id).where(s.vaults.c.name == name)).scalar()
    if vid is None:
        raise NotFoundError(f"No vault {name!r} in this ledger.")
    vr = s.vault_reads
    q = select(
        vr.c.id,
        vr.c.created_at,
        vr.c.actor,
        vr.c.model_fingerprint,
        vr.c.lineage_key,
        vr.c.purpose,
        vr.c.kind,
        vr.c.status,
        vr.c.metrics_json,
        vr.c.override_reason,
    ).where(vr.c.vault_id == vid)

    def row(x: Any) -> dict[str, Any]:
        out = dict(x)
        out["metrics"] = _json(out.pop("metrics_json"))
        return out

    return paginate(conn, q, [vr.c.id], cursor=cursor, limit=limit, row=row)


# --- models --------------------------------------------------------------------------------
def models_page(conn: Connection, *, cursor: str | None = None, limit: int = 50) -> Page:
    m, mv = s.models, s.model_versions
    agg = (
        select(
            mv.c.model_id,
            func.count(mv.c.id).label("versions"),
            func.max(mv.c.version).label("latest"),
        )
        .group_by(mv.c.model_id)
        .subquery()
    )
    prod = (
        select(mv.c.model_id, func.max(mv.c.version).label("production"))
        .where(mv.c.stage == "production")
        .group_by(mv.c.model_id)
        .subquery()
    )
    q = (
        select(m.c.id, m.c.name, m.c.created_at, agg.c.versions, agg.c.latest, prod.c.production)
        .outerjoin(agg, agg.c.model_id == m.c.id)
        .outerjoin(prod, prod.c.model_id == m.c.id)
    )
    return paginate(conn, q, [m.c.id], cursor=cursor, limit=limit)


def _model_id(conn: Connection, name: str) -> int:
    mid = conn.execute(select(s.models.c.id).where(s.models.c.name == name)).scalar()
    if mid is None:
        raise NotFoundError(f"No model named {name!r} in this ledger.")
    return int(mid)


def model_versions_page(
    conn: Connection, name: str, *, cursor: str | None = None, limit: int = 10
) -> Page:
    """A model's versions, newest first, each with its card (calibration, Guard, fallback
    chain), its training data and the monitors watching it."""
    mv = s.model_versions
    q = select(mv).where(mv.c.model_id == _model_id(conn, name))

    def row(x: Any) -> dict[str, Any]:
        v = dict(x)
        v["card"] = _json(v.pop("card_json"))
        v.pop("event_seq", None)
        v["train"] = _version_brief(conn, v["train_version_id"]) if v["train_version_id"] else None
        v["monitors"] = [
            r.name
            for r in conn.execute(
                select(s.monitors.c.name).where(s.monitors.c.model_version_id == v["id"])
            )
        ]
        return v

    return paginate(conn, q, [mv.c.id], cursor=cursor, limit=limit, row=row)


def model_history_page(
    conn: Connection, name: str, *, cursor: str | None = None, limit: int = 50
) -> Page:
    """Every stage change of every version of a model, newest first: when, who, why."""
    mv, st = s.model_versions, s.model_stages
    q = (
        select(st.c.id, mv.c.version, st.c.stage, st.c.created_at, st.c.actor, st.c.reason)
        .join(mv, mv.c.id == st.c.model_version_id)
        .where(mv.c.model_id == _model_id(conn, name))
    )
    return paginate(conn, q, [st.c.id], cursor=cursor, limit=limit)


def model(conn: Connection, name: str) -> dict[str, Any]:
    """A model with the first page of its versions and of its stage history (the rest
    through :func:`model_versions_page` and :func:`model_history_page`)."""
    out = _one(conn, select(s.models).where(s.models.c.name == name), f"model named {name!r}")
    out.pop("event_seq", None)
    out["versions"] = model_versions_page(conn, name).to_dict()
    out["history"] = model_history_page(conn, name).to_dict()
    return out


# --- monitors ------------------------------------------------------------------------------
def monitors_page(conn: Connection, *, cursor: str | None = None, limit: int = 50) -> Page:
    """Monitors with their batch count, last batch and open alerts. Each figure is a
    correlated subquery on an index (monitor_id, ...), computed for this page's monitors
    only: the cost does not grow with the batches of monitors on other pages."""
    mo, b, a = s.monitors, s.prediction_batches, s.alerts
    batches = select(func.count()).where(b.c.monitor_id == mo.c.id).scalar_subquery()
    last = select(func.max(b.c.period_start)).where(b.c.monitor_id == mo.c.id).scalar_subquery()
    open_alerts = (
        select(func.count())
        .where(a.c.monitor_id == mo.c.id, a.c.status == "open")
        .scalar_subquery()
    )
    q = select(
        mo.c.id,
        mo.c.name,
        mo.c.created_at,
        mo.c.model_version_id,
        batches.label("batches"),
        last.label("last"),
        open_alerts.label("open_alerts"),
    )
    total = int(conn.execute(select(func.count()).select_from(mo)).scalar() or 0)

    def row(x: Any) -> dict[str, Any]:
        out = dict(x)
        out["batches"] = int(out["batches"] or 0)
        out["open_alerts"] = int(out["open_alerts"] or 0)
        return out

    return paginate(conn, q, [mo.c.id], cursor=cursor, limit=limit, row=row, total=total)


def _monitor_id(conn: Connection, name: str) -> int:
    mid = conn.execute(select(s.monitors.c.id).where(s.monitors.c.name == name)).scalar()
    if mid is None:
        raise NotFoundError(f"No monitor named {name!r} in this ledger.")
    return int(mid)


def monitor(conn: Connection, name: str) -> dict[str, Any]:
    mo = s.monitors
    out = _one(
        conn,
        select(mo.c.id, mo.c.name, mo.c.created_at, mo.c.model_version_id, mo.c.config_json).where(
            mo.c.name == name
        ),
        f"monitor named {name!r}",
    )
    config = _json(out.pop("config_json")) or {}
    hidden = {"calibrator", "schema", "sample_sha256"}
    out["config"] = {k: v for k, v in config.items() if k not in hidden}
    schema = config.get("schema")
    out["assertions"] = json.loads(schema) if isinstance(schema, str) else schema
    b = s.prediction_batches
    out["batches"] = int(
        conn.execute(select(func.count()).where(b.c.monitor_id == out["id"])).scalar() or 0
    )
    out["model"] = None
    if out["model_version_id"]:
        mv = conn.execute(
            select(s.models.c.name, s.model_versions.c.version, s.model_versions.c.stage)
            .join(s.models, s.models.c.id == s.model_versions.c.model_id)
            .where(s.model_versions.c.id == out["model_version_id"])
        ).first()
        out["model"] = dict(mv._mapping) if mv else None
    return out


def monitor_batches(
    conn: Connection, name: str, *, cursor: str | None = None, limit: int = 50
) -> Page:
    """One page of a monitor's batches, newest first, each with its drifted columns, its
    performance (estimated and realized) and its data-quality failures."""
    mid = _monitor_id(conn, name)
    b = s.prediction_batches
    q = select(b.c.id, b.c.batch_key, b.c.period_start, b.c.n_rows, b.c.created_at).where(
        b.c.monitor_id == mid
    )
    page = paginate(conn, q, [b.c.id], cursor=cursor, limit=limit)
    ids = [i["id"] for i in page.items]
    drift: dict[int, dict[str, Any]] = {i: {} for i in ids}
    metrics: dict[int, dict[str, Any]] = {i: {} for i in ids}
    if ids:
        dr = s.drift_results
        for x in conn.execute(
            select(dr.c.batch_id, dr.c.feature, dr.c.method, dr.c.statistic, dr.c.drifted).where(
                dr.c.batch_id.in_(ids)
            )
        ):
            drift[x.batch_id][x.feature] = {
                "method": x.method,
                "statistic": x.statistic,
                "drifted": bool(x.drifted),
            }
        bm = s.batch_metrics
        for y in conn.execute(
            select(
                bm.c.batch_id,
                bm.c.metric,
                bm.c.kind,
                bm.c.value,
                bm.c.lower,
                bm.c.upper,
                bm.c.n,
                bm.c.detail_json,
            ).where(bm.c.batch_id.in_(ids))
        ):
            entry: dict[str, Any] = {
                "value": y.value,
                "lower": y.lower,
                "upper": y.upper,
                "n": int(y.n),
            }
            if y.kind == "observed" and y.detail_json:
                entry["failures"] = _json(y.detail_json)
            metrics[y.batch_id][f"{y.kind}_{y.metric}"] = entry
    for item in page.items:
        cols = drift[item["id"]]
        item["drift"] = cols
        item["drifted"] = sorted(c for c, v in cols.items() if v["drifted"])
        item["metrics"] = metrics[item["id"]]
    return page


def monitor_series(
    conn: Connection, name: str, *, cursor: str | None = None, limit: int = 200
) -> dict[str, Any]:
    """A window of batches, oldest first within it, as series for the charts: PSI per
    column (the prediction column among them), estimated and realized metrics with bands."""
    return series_of(monitor_batches(conn, name, cursor=cursor, limit=limit))


def series_of(page: Page) -> dict[str, Any]:
    """The chart series of a page of :func:`monitor_batches`."""
    items = list(reversed(page.items))
    columns = sorted({c for i in items for c in i["drift"]})
    metric_names = sorted({m for i in items for m in i["metrics"]})
    return {
        "batches": [i["batch_key"] for i in items],
        "period_start": [i["period_start"] for i in items],
        "n_rows": [i["n_rows"] for i in items],
        "drift": {c: [i["drift"].get(c, {}).get("statistic") for i in items] for c in columns},
        "metrics": {
            m: {
                part: [i["metrics"].get(m, {}).get(part) for i in items]
                for part in ("value", "lower", "upper")
            }
            for m in metric_names
        },
        "quality_failures": [
            (i["metrics"].get("observed_quality_failures") or {}).get("value") for i in items
        ],
        "next_cursor": page.next_cursor,
        "total": page.total,
    }


# --- alerts and reviews --------------------------------------------------------------------
ALERT_STATUSES = ("open", "acknowledged", "resolved", "all")


def alerts_page(
    conn: Connection,
    *,
    status: str = "open",
    monitor_name: str | None = None,
    cursor: str | None = None,
    limit: int = 50,
) -> Page:
    if status not in ALERT_STATUSES:
        raise InputError(f"status must be one of {', '.join(ALERT_STATUSES)}; got {status!r}.")
    a, mo = s.alerts, s.monitors
    q = select(a, mo.c.name.label("monitor")).outerjoin(mo, mo.c.id == a.c.monitor_id)
    if status != "all":
        q = q.where(a.c.status == status)
    if monitor_name:
        q = q.where(a.c.monitor_id == _monitor_id(conn, monitor_name))

    def row(x: Any) -> dict[str, Any]:
        out = dict(x)
        out["detail"] = _json(out.pop("detail_json"))
        out.pop("event_seq", None)
        return out

    return paginate(conn, q, [a.c.id], cursor=cursor, limit=limit, row=row)


REVIEW_STATUSES = ("open", "decided", "all")


def _review_row(x: Any) -> dict[str, Any]:
    out = dict(x)
    out["inputs"] = _json(out.pop("inputs_json"))
    out["prediction"] = _json(out.pop("prediction_json"))
    out["decision"] = _json(out.pop("decision_json"))
    out.pop("event_seq", None)
    return out


def reviews_page(
    conn: Connection, *, status: str = "open", cursor: str | None = None, limit: int = 50
) -> Page:
    if status not in REVIEW_STATUSES:
        raise InputError(f"status must be one of {', '.join(REVIEW_STATUSES)}; got {status!r}.")
    ri = s.review_items
    q = select(ri)
    if status != "all":
        q = q.where(ri.c.status == status)
    return paginate(conn, q, [ri.c.id], cursor=cursor, limit=limit, row=_review_row)


def review(conn: Connection, item_id: int) -> dict[str, Any]:
    ri = s.review_items
    out = _review_row(_one(conn, select(ri).where(ri.c.id == item_id), f"review item {item_id}"))
    if out["model_version_id"]:
        mv = conn.execute(
            select(s.models.c.name, s.model_versions.c.version)
            .join(s.models, s.models.c.id == s.model_versions.c.model_id)
            .where(s.model_versions.c.id == out["model_version_id"])
        ).first()
        out["model"] = dict(mv._mapping) if mv else None
    return out


# --- audit ---------------------------------------------------------------------------------
def events_page(
    conn: Connection, *, kind: str | None = None, cursor: str | None = None, limit: int = 50
) -> Page:
    e = s.events
    q = select(e.c.seq, e.c.kind, e.c.entity, e.c.entity_id, e.c.actor, e.c.created_at, e.c.hash)
    total = None
    if kind:
        q = q.where(e.c.kind == kind)
    else:  # events are numbered 1..head without gaps: no need to count millions of them
        total = int(conn.execute(select(s.chain_head.c.seq)).scalar() or 0)
    return paginate(conn, q, [e.c.seq], cursor=cursor, limit=limit, total=total)


def last_verification(conn: Connection) -> dict[str, Any] | None:
    e = s.events
    row = conn.execute(
        select(e.c.seq, e.c.actor, e.c.created_at, e.c.payload)
        .where(e.c.kind == "audit.verify")
        .order_by(e.c.seq.desc())
        .limit(1)
    ).first()
    if row is None:
        return None
    result: dict[str, Any] = json.loads(row.payload)
    return {"seq": int(row.seq), "actor": row.actor, "at": row.created_at} | result
