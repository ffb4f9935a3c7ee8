"""The data catalog: datasets, versions, schemas, lineage and quarantine, in the ledger."""

from __future__ import annotations

import functools
import hashlib
import inspect
import json
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

import narwhals as nw
from sqlalchemy import Connection, Integer, func, select

from mlvet._findings import Finding, Location
from mlvet._git import git
from mlvet.catalog import Severity
from mlvet.data._fingerprint import fingerprint_table
from mlvet.data._frames import Frame, as_frame, frame_columns
from mlvet.data._profile import profile as compute_profile
from mlvet.data._quality import schema_from_json, schema_to_json, validate
from mlvet.exceptions import DataQualityError, InputError, NotFoundError
from mlvet.ledger import (
    Ledger,
    Tx,
    canonical_json,
    insert_run,
    now_iso,
    open_ledger,
    read_findings,
    write_findings,
)
from mlvet.ledger import _schema as s

if TYPE_CHECKING:
    from mlvet.data._pandera import pdv

__all__ = [
    "DatasetVersion",
    "code_reference",
    "dataset_versions",
    "datasets",
    "get_version",
    "identify",
    "register_dataset",
    "step",
]

_NAME_RE = re.compile(r"^[^\x00-\x1f@]+$")
F = TypeVar("F", bound=Callable[..., Any])


@dataclass(frozen=True)
class DatasetVersion:
    """One recorded version of a dataset."""

    id: int
    name: str
    version: int
    fingerprint: str
    rowset_fingerprint: str
    n_rows: int
    n_columns: int
    columns: list[dict[str, Any]]
    profile: dict[str, Any]
    status: str
    created_at: str
    run_id: str | None = None
    uri: str | None = None
    schema_version: int | None = None
    findings: tuple[Finding, ...] = field(default=(), compare=False)
    created: bool = field(default=True, compare=False)

    @property
    def ref(self) -> str:
        """``name@version``."""
        return f"{self.name}@{self.version}"

    @property
    def quarantined(self) -> bool:
        return self.status == "quarantined"


def _check_name(name: Any) -> str:
    if not isinstance(name, str):
        raise InputError(f"A dataset name must be a string, got {type(name).__name__}.")
    clean = name.strip()
    if not clean or len(clean) > 200 or not _NAME_RE.match(clean):
        raise InputError(
            f"Invalid dataset name {name!r}: use 1-200 characters without '@' (it separates "
            "the version, as in fails@3) or control characters. Unicode letters are fine."
        )
    return clean


def parse_ref(ref: str) -> tuple[str, int | None]:
    """``"name@3"`` -> ("name", 3); ``"name"`` -> ("name", None)."""
    if not isinstance(ref, str):
        raise InputError(f"A dataset reference must be 'NAME' or 'NAME@VERSION', got {ref!r}.")
    name, sep, ver = ref.rpartition("@")
    if not sep:
        return _check_name(ref), None
    if not ver.isdigit() or int(ver) < 1:
        raise InputError(f"Bad version in {ref!r}: use NAME@N with N >= 1, e.g. fails@2.")
    return _check_name(name), int(ver)


# --- code references ------------------------------------------------------------------


def code_reference(obj: Any) -> dict[str, Any]:
    """Where a step's code lives: file, function, line, source SHA-256, git commit.

    ``obj`` is a function (or class); a string is recorded as a free-form step name.
    """
    if isinstance(obj, str):
        return {"step": obj}
    if not callable(obj):
        raise InputError(
            f"produced_by must be a function, a step name or None, got {type(obj).__name__}."
        )
    target = inspect.unwrap(obj)
    ref: dict[str, Any] = {
        "function": getattr(target, "__qualname__", repr(target)),
        "module": getattr(target, "__module__", None),
    }
    try:
        source = inspect.getsource(target)
        ref["source_sha256"] = hashlib.sha256(source.encode("utf-8")).hexdigest()
        path = Path(inspect.getsourcefile(target) or "").resolve()
        ref["line"] = inspect.getsourcelines(target)[1]
    except (OSError, TypeError):
        return ref  # built-ins, lambdas typed in a REPL
    root = git(["rev-parse", "--show-toplevel"], path.parent)
    if root:
        ref["file"] = str(path.relative_to(root)) if path.is_relative_to(root) else str(path)
        ref["git_commit"] = git(["rev-parse", "HEAD"], path.parent)
        status = git(["status", "--porcelain", "--", str(path)], path.parent)
        ref["git_dirty"] = bool(status)
    else:
        ref["file"] = str(path)
    return ref


# --- reading --------------------------------------------------------------------------
def _version_from_row(row: Any) -> DatasetVersion:
    """A version from a row of :func:`_versions_query`."""
    return DatasetVersion(
        id=row.id,
        name=row.name,
        version=row.version,
        fingerprint=row.fingerprint,
        rowset_fingerprint=row.rowset_fingerprint,
        n_rows=row.n_rows,
        n_columns=row.n_columns,
        columns=json.loads(row.columns_json),
        profile=json.loads(row.profile_json),
        status=row.status,
        created_at=row.created_at,
        run_id=row.run_id,
        uri=row.uri,
        schema_version=getattr(row, "schema_version", None),
        created=False,
    )


def _versions_query() -> Any:
    v, d, sc = s.dataset_versions, s.datasets, s.data_schemas
    return (
        select(v, d.c.name, sc.c.version.label("schema_version"))
        .join(d, d.c.id == v.c.dataset_id)
        .outerjoin(sc, sc.c.id == v.c.data_schema_id)
    )


def _get_version(conn: Connection, ref: str) -> DatasetVersion:
    name, version = parse_ref(ref)
    v, d = s.dataset_versions, s.datasets
    q = _versions_query().where(d.c.name == name)
    if version is None:
        q = q.order_by(v.c.version.desc()).limit(1)
    else:
        q = q.where(v.c.version == version)
    row = conn.execute(q).first()
    if row is None:
        known = conn.execute(select(d.c.name).order_by(d.c.name).limit(20)).scalars().all()
        hint = f" Known datasets: {', '.join(known)}." if known else " The catalog is empty."
        raise NotFoundError(f"No dataset version {ref!r} in the ledger.{hint}")
    return _version_from_row(row)


def get_version(ref: str, *, ledger: Ledger | str | None = None) -> DatasetVersion:
    """The version ``name@N`` (or the newest of ``name``)."""
    with open_ledger(ledger).connect() as conn:
        return _get_version(conn, ref)


def datasets(*, ledger: Ledger | str | None = None) -> list[dict[str, Any]]:
    """Every dataset with its newest version, version count and quarantined count."""
    v, d = s.dataset_versions, s.datasets
    q = (
        select(
            d.c.name,
            d.c.description,
            func.max(v.c.version).label("latest"),
            func.count(v.c.id).label("versions"),
            func.sum((v.c.status == "quarantined").cast(Integer)).label("quarantined"),
        )
        .join(v, v.c.dataset_id == d.c.id)
        .group_by(d.c.name, d.c.description)
        .order_by(d.c.name)
    )
    with open_ledger(ledger).connect() as conn:
        return [
            dict(r._mapping) | {"quarantined": int(r.quarantined or 0)} for r in conn.execute(q)
        ]


def dataset_versions(name: str, *, ledger: Ledger | str | None = None) -> list[DatasetVersion]:
    """All versions of a dataset, oldest first."""
    clean = _check_name(name)
    q = _versions_query().where(s.datasets.c.name == clean).order_by(s.dataset_versions.c.version)
    with open_ledger(ledger).connect() as conn:
        rows = conn.execute(q).all()
    if not rows:
        raise NotFoundError(f"No dataset named {clean!r} in the ledger; see `mlvet catalog list`.")
    return [_version_from_row(r) for r in rows]


def identify(frame: Any, *, ledger: Ledger | str | None = None) -> list[tuple[DatasetVersion, str]]:
    """Which recorded versions hold this data: ``"exact"`` (same rows in the same order)
    or ``"rowset"`` (the same rows in another order)."""
    fp = fingerprint_table(as_frame(frame, allow_inf=True).arrow)
    v = s.dataset_versions
    q = _versions_query().where(
        (v.c.fingerprint == fp.fingerprint) | (v.c.rowset_fingerprint == fp.rowset_fingerprint)
    )
    with open_ledger(ledger).connect() as conn:
        rows = conn.execute(q.order_by(v.c.id)).all()
    return [
        (_version_from_row(r), "exact" if r.fingerprint == fp.fingerprint else "rowset")
        for r in rows
    ]


# --- writing --------------------------------------------------------------------------
def _input_key(item: Any) -> DatasetVersion | str | tuple[str, str]:
    """What identifies an input: a version, a ``name@N`` or a frame's fingerprint.

    Frames are fingerprinted here, before any lock is taken."""
    if isinstance(item, DatasetVersion | str):
        return item
    try:
        fp = fingerprint_table(as_frame(item, allow_inf=True, what="input").arrow)
    except InputError as exc:
        raise InputError(
            f"inputs= takes DatasetVersion objects, 'name@version' strings or registered "
            f"frames; {type(item).__name__} could not be read: {exc}"
        ) from exc
    return ("fingerprint", fp.fingerprint)


def _resolve_input(conn: Connection, key: DatasetVersion | str | tuple[str, str]) -> DatasetVersion:
    if isinstance(key, DatasetVersion):
        return _get_version(conn, key.ref)
    if isinstance(key, str):
        return _get_version(conn, key)
    v = s.dataset_versions
    row = conn.execute(
        _versions_query().where(v.c.fingerprint == key[1]).order_by(v.c.id.desc())
    ).first()
    if row is None:
        raise InputError(
            "An input frame is not registered in the catalog (no version has its fingerprint); "
            "register it first with mlvet.register_dataset(frame, name)."
        )
    return _version_from_row(row)


@dataclass(frozen=True)
class _Plan:
    """What the ledger holds that a registration depends on, read before writing."""

    dataset_id: int | None
    existing: DatasetVersion | None
    stored_schema: tuple[int, int, str] | None  # id, version, JSON
    parents: tuple[DatasetVersion, ...]


def _plan(conn: Connection, name: str, fingerprint: str, keys: Sequence[Any]) -> _Plan:
    parents = tuple(_resolve_input(conn, key) for key in keys)
    dataset_id = conn.execute(select(s.datasets.c.id).where(s.datasets.c.name == name)).scalar()
    if dataset_id is None:
        return _Plan(None, None, None, parents)
    existing = conn.execute(
        _versions_query()
        .where(s.dataset_versions.c.dataset_id == dataset_id)
        .where(s.dataset_versions.c.fingerprint == fingerprint)
    ).first()
    sc = s.data_schemas
    stored = conn.execute(
        select(sc.c.id, sc.c.version, sc.c.schema_json)
        .where(sc.c.dataset_id == dataset_id)
        .order_by(sc.c.version.desc())
        .limit(1)
    ).first()
    return _Plan(
        dataset_id,
        _version_from_row(existing) if existing is not None else None,
        (stored.id, stored.version, stored.schema_json) if stored is not None else None,
        parents,
    )


def _assess(
    data: Frame,
    name: str,
    plan: _Plan,
    schema: pdv.DataFrameSchema | None,
    code_ref: dict[str, Any] | None,
) -> list[Finding]:
    """Every DC finding for this registration (validation runs here, outside any lock)."""
    loc = Location(dataset=name)
    findings: list[Finding] = []
    active = schema
    if active is None and plan.stored_schema is not None:
        active = schema_from_json(plan.stored_schema[2])
    if active is not None:
        findings.extend(validate(data, active, dataset=name))
    else:
        findings.append(Finding.of("DC106", f"{name} has no data-quality assertions", location=loc))
    findings.extend(
        Finding.of(
            "DC202",
            f"{name} is derived from {parent.ref}, which is quarantined",
            location=loc,
            evidence={"input": parent.ref},
        )
        for parent in plan.parents
        if parent.quarantined
    )
    if not plan.parents and code_ref is None:
        findings.append(
            Finding.of(
                "DC201", f"{name} was registered with no producer and no inputs", location=loc
            )
        )
    return findings


def _refuse_quarantined(conn: Connection, known: DatasetVersion) -> DataQualityError:
    return DataQualityError(
        f"This data is {known.ref}, which is QUARANTINED; fix it and register the repaired "
        f"data (see `mlvet catalog show {known.ref}`).",
        findings=read_findings(conn, dataset_version_id=known.id),
        version=known,
    )


def register_dataset(
    frame: Any,
    name: str,
    *,
    inputs: Sequence[Any] = (),
    produced_by: Callable[..., Any] | str | None = None,
    schema: pdv.DataFrameSchema | None = None,
    description: str | None = None,
    uri: str | None = None,
    allow_inf: bool = False,
    strict: bool = True,
    ledger: Ledger | str | None = None,
) -> DatasetVersion:
    """Record a frame as a version of dataset ``name``, with lineage and assertions.

    The frame (pandas, polars, pyarrow or a DuckDB relation) is fingerprinted over every
    row and column; its schema, row count and a column profile are stored. Registering
    identical data again returns the existing version; changed data becomes a new version.

    ``inputs`` are the versions it was derived from (``DatasetVersion``, ``"name@N"`` or
    registered frames); ``produced_by`` the function (its file, line, source hash and git
    commit are recorded) or a step name. ``schema`` is a Pandera schema
    (see :func:`mlvet.infer_schema`) stored with the dataset; later versions are checked
    against the newest stored schema even when none is passed.

    Data that violates the schema, or that derives from a quarantined input, is recorded
    as *quarantined* with a DC finding per reason, and :class:`DataQualityError` is raised
    (``strict=False`` returns the quarantined version instead). Registering data that is
    already quarantined raises the same way.
    """
    clean = _check_name(name)
    if description is not None and not isinstance(description, str):
        raise InputError(f"description must be a string, got {type(description).__name__}.")
    if uri is not None and not isinstance(uri, str):
        raise InputError(f"uri must be a string, got {type(uri).__name__}.")
    if isinstance(inputs, str) or not isinstance(inputs, Sequence):
        raise InputError("inputs must be a list, e.g. inputs=[raw_version] or inputs=['raw@1'].")
    schema_json = schema_to_json(schema) if schema is not None else None
    data = as_frame(frame, allow_inf=allow_inf)
    fp = fingerprint_table(data.arrow)
    keys = [_input_key(item) for item in inputs]
    code_ref = code_reference(produced_by) if produced_by is not None else None
    led = open_ledger(ledger)

    with led.connect() as conn:
        plan = _plan(conn, clean, fp.fingerprint, keys)
        if plan.existing is not None:
            if plan.existing.quarantined and strict:
                raise _refuse_quarantined(conn, plan.existing)
            return plan.existing
    findings = _assess(data, clean, plan, schema, code_ref)
    profile_json = canonical_json(compute_profile(data))
    columns = frame_columns(data.arrow)

    with led.transaction() as tx:
        current = _plan(tx.conn, clean, fp.fingerprint, keys)
        if current.existing is not None:  # the same data was registered meanwhile
            if current.existing.quarantined and strict:
                raise _refuse_quarantined(tx.conn, current.existing)
            return current.existing
        if current != plan:  # a schema or an input changed meanwhile: assess again
            findings = _assess(data, clean, current, schema, code_ref)
        blocking = [f for f in findings if f.severity is Severity.ERROR]
        status = "quarantined" if blocking else "active"
        dataset_id = current.dataset_id
        if dataset_id is None:
            dataset_id = tx.insert(s.datasets, {"name": clean, "description": description or ""})
        schema_id, schema_version = (
            current.stored_schema[:2] if current.stored_schema else (None, None)
        )
        if schema_json is not None and (
            current.stored_schema is None or current.stored_schema[2] != schema_json
        ):
            schema_version = (schema_version or 0) + 1
            schema_id = tx.insert(
                s.data_schemas,
                {
                    "dataset_id": dataset_id,
                    "version": schema_version,
                    "schema_json": schema_json,
                    "source": "user",
                },
            )
        run_id = _record_run(tx, code_ref, [p.ref for p in current.parents], clean)
        previous = tx.conn.execute(
            select(func.max(s.dataset_versions.c.version)).where(
                s.dataset_versions.c.dataset_id == dataset_id
            )
        ).scalar()
        created_at = now_iso()
        version = int(previous or 0) + 1
        row = {
            "created_at": created_at,
            "dataset_id": dataset_id,
            "version": version,
            "fingerprint": fp.fingerprint,
            "rowset_fingerprint": fp.rowset_fingerprint,
            "n_rows": fp.n_rows,
            "n_columns": fp.n_columns,
            "columns_json": canonical_json(columns),
            "profile_json": profile_json,
            "status": status,
            "data_schema_id": schema_id,
            "run_id": run_id,
            "uri": uri,
        }
        version_id = tx.insert(s.dataset_versions, row)
        for parent in current.parents:
            tx.insert(
                s.lineage_edges,
                {"parent_id": parent.id, "child_id": version_id, "run_id": run_id},
            )
        write_findings(tx, findings, run_id=run_id, dataset_version_id=version_id)
    result = DatasetVersion(
        id=version_id,
        name=clean,
        version=version,
        fingerprint=fp.fingerprint,
        rowset_fingerprint=fp.rowset_fingerprint,
        n_rows=fp.n_rows,
        n_columns=fp.n_columns,
        columns=columns,
        profile=json.loads(profile_json),
        status=status,
        created_at=created_at,
        run_id=run_id,
        uri=uri,
        schema_version=schema_version,
        findings=tuple(findings),
    )
    if blocking and strict:
        reasons = "; ".join(f"{f.code} {f.message}" for f in blocking[:5])
        more = f" (+{len(blocking) - 5} more)" if len(blocking) > 5 else ""
        raise DataQualityError(
            f"{result.ref} was recorded as QUARANTINED: {reasons}{more}. Fix the data and "
            f"register it again; `mlvet catalog show {result.ref}` lists every failure.",
            findings=findings,
            version=result,
        )
    return result


def _record_run(
    tx: Tx, code_ref: dict[str, Any] | None, inputs: list[str], output: str
) -> str | None:
    """The transform run that produced a version, when its producer is known."""
    if code_ref is None:
        return None
    return insert_run(
        tx,
        kind="transform",
        name=code_ref.get("function") or code_ref.get("step") or "step",
        families=("DC",),
        params={"inputs": inputs, "output": output},
        code_ref=code_ref,
    )


def _is_frame(value: Any) -> bool:
    try:
        native = nw.from_native(value, pass_through=True)
    except TypeError:
        return False
    return isinstance(native, nw.DataFrame | nw.LazyFrame)


def step(
    output: str,
    *,
    schema: pdv.DataFrameSchema | None = None,
    ledger: Ledger | str | None = None,
) -> Callable[[F], F]:
    """Decorate a transform so that every call records its lineage.

    Frame arguments must be registered datasets (they are found by fingerprint); the
    returned frame is registered as ``output`` with those inputs and the function's code
    reference. The function's return value is passed through unchanged.

    >>> import mlvet, pandas as pd, tempfile, os
    >>> url = "sqlite:///" + os.path.join(tempfile.mkdtemp(), "ledger.db")
    >>> raw = mlvet.register_dataset(pd.DataFrame({"x": [1.0, -2.0]}), "raw",
    ...                              produced_by="extract", ledger=url)
    >>> @mlvet.step("clean", ledger=url)
    ... def drop_negative(df):
    ...     return df[df.x >= 0].reset_index(drop=True)
    >>> drop_negative(pd.DataFrame({"x": [1.0, -2.0]})).shape
    (1, 1)
    >>> [v.ref for v in mlvet.dataset_versions("clean", ledger=url)]
    ['clean@1']
    """
    _check_name(output)

    def decorate(fn: F) -> F:
        @functools.wraps(fn)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            frames = [a for a in (*args, *kwargs.values()) if _is_frame(a)]
            result = fn(*args, **kwargs)
            register_dataset(
                result, output, inputs=frames, produced_by=fn, schema=schema, ledger=ledger
            )
            return result

        return wrapper  # type: ignore[return-value]

    return decorate
