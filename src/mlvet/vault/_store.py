"""Sealed rows as bytes: Arrow IPC, a salted SHA-256 commitment, optional Fernet encryption.

Nothing in this module puts a row value or a label into a message: errors name columns,
counts and types only, so that they can be shown to anyone.
"""

from __future__ import annotations

import contextlib
import hashlib
import io
import os
import secrets
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa

from mlvet.exceptions import InputError, VaultError, VaultIntegrityError

__all__ = ["KEY_ENV", "Sealed", "commitment", "decrypt", "encrypt", "pack", "unpack"]

KEY_ENV = "MLVET_VAULT_KEY"
TARGET = "__mlvet_target__"


@dataclass(frozen=True)
class Sealed:
    """Rows read back from a vault: only ever handed to the model and the metrics."""

    X: Any
    y: np.ndarray
    task: str


def _table_from(X: Any) -> tuple[pa.Table, str]:
    if isinstance(X, np.ndarray):
        if X.ndim != 2:
            raise InputError(
                f"X must be two-dimensional (rows x features); got an array with {X.ndim} "
                "dimension(s). Reshape it, e.g. X.reshape(-1, 1)."
            )
        frame = pd.DataFrame(X, columns=[f"x{i}" for i in range(X.shape[1])])
        kind = "numpy"
    elif isinstance(X, pd.DataFrame):
        frame, kind = X, "pandas"
    elif type(X).__module__.split(".")[0] == "polars" and hasattr(X, "to_arrow"):
        return _unique_names(X.to_arrow()), "polars"
    elif isinstance(X, pa.Table):
        return _unique_names(X), "pyarrow"
    else:
        raise InputError(
            f"X must be a numpy array or a pandas, polars or pyarrow frame; got "
            f"{type(X).__module__}.{type(X).__name__}."
        )
    names = [str(c) for c in frame.columns]
    dupes = sorted({n for n in names if names.count(n) > 1})
    if dupes:
        raise InputError(f"X has duplicate column names {dupes}; rename them so each is unique.")
    frame = frame.set_axis(names, axis=1).reset_index(drop=True)
    for name in names:
        if isinstance(frame[name].dtype, pd.SparseDtype):
            frame[name] = frame[name].sparse.to_dense()  # type: ignore[attr-defined]
        failed = False
        try:
            pa.Array.from_pandas(frame[name])
        except (pa.ArrowInvalid, pa.ArrowTypeError, pa.ArrowNotImplementedError):
            failed = True  # the message quotes the value: raise outside the handler
        if failed:
            raise InputError(
                f"Column {name!r} of X mixes types (e.g. numbers and text in one object "
                "column); cast it to one type with astype() before sealing."
            )
    return pa.Table.from_pandas(frame, preserve_index=False), kind


def _unique_names(table: pa.Table) -> pa.Table:
    names = table.column_names
    dupes = sorted({n for n in names if names.count(n) > 1})
    if dupes:
        raise InputError(f"X has duplicate column names {dupes}; rename them so each is unique.")
    return table


def _labels(y: Any, n: int, task: str | None) -> tuple[pa.Array, dict[str, Any]]:
    """The labels as an Arrow array, and the spec: task, number of classes, label type."""
    if isinstance(y, pd.DataFrame) or getattr(y, "ndim", 1) > 1:
        shape = getattr(y, "shape", "?")
        if len(shape) == 2 and shape[1] == 1:
            y = np.asarray(y).ravel()
        else:
            raise InputError(f"y must be one-dimensional (one label per row); got shape {shape}.")
    values = y.to_numpy() if hasattr(y, "to_numpy") else np.asarray(y)
    if values.ndim != 1:
        raise InputError(
            f"y must be one-dimensional (one label per row); got shape {values.shape}."
        )
    if len(values) != n:
        raise InputError(f"X has {n} rows but y has {len(values)} labels; pass one label per row.")
    if values.dtype.kind not in "biufOUS":
        raise InputError(
            f"y has dtype {values.dtype}; labels must be classes (text, integers, booleans) or "
            "real numbers. Convert them, e.g. y.astype(str) or y.astype(float)."
        )
    if values.dtype.kind == "O":
        kinds = {type(v) for v in values.tolist()}
        if not kinds <= {str, int, float, bool}:
            raise InputError(
                "y mixes types or holds objects other than text, integers, booleans and real "
                "numbers; cast it to one type before sealing."
            )
        if str in kinds and len(kinds) > 1:
            raise InputError("y mixes text and numbers; cast it to one type before sealing.")
        if str not in kinds and kinds:  # numbers in an object array are numbers, not text
            with contextlib.suppress(OverflowError):  # beyond int64: refused below, by name
                values = values.astype(
                    float if float in kinds else (bool if kinds == {bool} else np.int64)
                )
    missing = int(pd.isna(values).sum())
    if missing or (values.dtype.kind == "f" and not np.isfinite(values).all()):
        bad = missing or int((~np.isfinite(values)).sum())
        raise InputError(
            f"y has {bad} missing or infinite label(s); drop those rows from X and y before "
            "sealing (a sealed label must be a value)."
        )
    failed = False
    try:
        array = pa.array(values)
    except (pa.ArrowInvalid, pa.ArrowTypeError, pa.ArrowNotImplementedError, OverflowError):
        failed = True
    if failed:
        raise InputError(
            "y cannot be stored as one typed column (integers beyond 64 bits, or mixed "
            "types); cast it to one type before sealing."
        )
    distinct = int(pd.Series(values).nunique())
    inferred = _infer_task(values, distinct)
    if task is None:
        task = inferred
    elif task not in ("classification", "regression"):
        raise InputError(f"task must be 'classification' or 'regression'; got {task!r}.")
    elif task == "regression" and values.dtype.kind not in "biuf":
        raise InputError("task='regression' needs numeric labels; these are text.")
    spec = {
        "task": task,
        "n_classes": distinct if task == "classification" else None,
        "labels": "text" if values.dtype.kind in "OUS" else values.dtype.kind,
    }
    return array, spec


def _infer_task(values: np.ndarray, distinct: int) -> str:
    """Text, booleans and few integer values are classes; other numbers are a regression."""
    if values.dtype.kind in "bOUS":
        return "classification"
    if values.dtype.kind == "f" and not np.all(np.mod(values, 1) == 0):
        return "regression"
    return "classification" if distinct <= 20 else "regression"


MIN_ROWS = 20
"""A sealed set smaller than this answers too precisely about each row to stay sealed."""


def pack(X: Any, y: Any, task: str | None = None) -> tuple[bytes, int, dict[str, Any]]:
    """Rows and labels as compressed Arrow IPC bytes; return ``(bytes, n_rows, spec)``."""
    table, kind = _table_from(X)
    if table.num_rows < MIN_ROWS:
        raise InputError(
            f"X has {table.num_rows} rows; a sealed set needs at least {MIN_ROWS}, or its "
            "aggregate metrics would reveal single labels."
        )
    if table.num_columns == 0:
        raise InputError("X has no columns; seal the feature matrix the model predicts from.")
    if TARGET in table.column_names:
        raise InputError(f"X has a column named {TARGET!r}, which the vault reserves; rename it.")
    for name in table.column_names:
        column = table.column(name)
        if pa.types.is_floating(column.type):
            n_inf = sum(
                int(np.isinf(c.to_numpy(zero_copy_only=False)).sum()) for c in column.chunks
            )
            if n_inf:
                raise InputError(
                    f"Column {name!r} of X has {n_inf} infinite value(s); replace them where the "
                    "column is computed before sealing."
                )
    labels, spec = _labels(y, table.num_rows, task)
    table = table.append_column(TARGET, labels)
    meta = dict(table.schema.metadata or {})
    meta.update({b"mlvet.kind": kind.encode(), b"mlvet.task": spec["task"].encode()})
    table = table.replace_schema_metadata(meta)
    sink = io.BytesIO()
    options = pa.ipc.IpcWriteOptions(compression="zstd")
    with pa.ipc.new_stream(sink, table.schema, options=options) as writer:
        writer.write_table(table)
    return sink.getvalue(), table.num_rows, spec


def unpack(payload: bytes) -> Sealed:
    """The inverse of :func:`pack`: X as numpy, polars or (for pandas and pyarrow) pandas."""
    table = pa.ipc.open_stream(io.BytesIO(payload)).read_all()
    meta = table.schema.metadata or {}
    kind = meta.get(b"mlvet.kind", b"pandas").decode()
    task = meta.get(b"mlvet.task", b"classification").decode()
    y = table.column(TARGET).to_numpy(zero_copy_only=False)
    features = table.drop_columns([TARGET]).replace_schema_metadata(None)
    X: Any
    if kind == "numpy":
        X = features.to_pandas().to_numpy()
    elif kind == "polars":
        try:
            import polars as pl

            X = pl.from_arrow(features)
        except ImportError:  # sealed with polars, read without it
            X = features.to_pandas()
    else:
        X = features.to_pandas()
    return Sealed(X=X, y=y, task=task)


def commitment(salt: bytes, payload: bytes) -> str:
    """SHA-256 over the salt and the plaintext bytes; the salt keeps guesses from testing."""
    return hashlib.sha256(b"mlvet-vault-v1\x00" + salt + payload).hexdigest()


def new_salt() -> bytes:
    return secrets.token_bytes(32)


def _fernet(key: str | None) -> Any:
    raw = key if key is not None else os.environ.get(KEY_ENV)
    if not raw:
        raise VaultError(
            f"This vault is encrypted and {KEY_ENV} is not set; set it to the key the set "
            "was sealed with."
        )
    try:
        from cryptography.fernet import Fernet
    except ImportError:
        raise VaultError(
            "Encrypted vaults need the 'cryptography' package: pip install 'mlvet[vault]'."
        ) from None
    try:
        return Fernet(raw.encode() if isinstance(raw, str) else raw)
    except (ValueError, TypeError):
        raise VaultError(
            f"{KEY_ENV} is not a valid key: it must be 32 url-safe base64-encoded bytes, as "
            "made by `python -c 'from cryptography.fernet import Fernet; "
            "print(Fernet.generate_key().decode())'`."
        ) from None


def encrypt(payload: bytes, key: str | None = None) -> bytes:
    return bytes(_fernet(key).encrypt(payload))


def decrypt(token: bytes, key: str | None = None) -> bytes:
    fernet = _fernet(key)
    from cryptography.fernet import InvalidToken

    try:
        return bytes(fernet.decrypt(token))
    except InvalidToken:
        pass
    raise VaultIntegrityError(
        f"The sealed set cannot be decrypted with the key in {KEY_ENV}: the key is wrong "
        "or the stored bytes were altered."
    )


def key_available() -> bool:
    return bool(os.environ.get(KEY_ENV))
