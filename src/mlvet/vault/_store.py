"""Sealed rows as bytes: Arrow IPC, a salted SHA-256 commitment, optional Fernet encryption.

Nothing in this module puts a row value or a label into a message: errors name columns,
counts and types only, so that they can be shown to anyone.
"""

from __future__ import annotations

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
        return X.to_arrow(), "polars"
    elif isinstance(X, pa.Table):
        return X, "pyarrow"
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
        try:
            pa.Array.from_pandas(frame[name])
        except (pa.ArrowInvalid, pa.ArrowTypeError, pa.ArrowNotImplementedError):
            raise InputError(
                f"Column {name!r} of X mixes types (e.g. numbers and text in one object "
                "column); cast it to one type with astype() before sealing."
            ) from None
    return pa.Table.from_pandas(frame, preserve_index=False), kind


def _labels(y: Any, n: int) -> tuple[pa.Array, str]:
    if isinstance(y, (pd.DataFrame,)) or (hasattr(y, "ndim") and getattr(y, "ndim", 1) > 1):
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
    if values.dtype.kind == "f":
        bad = int((~np.isfinite(values)).sum())
        if bad:
            raise InputError(
                f"y has {bad} missing or infinite label(s); drop those rows from X and y before "
                "sealing (a sealed label must be a value)."
            )
    elif values.dtype.kind == "O" and pd.isna(values).any():
        raise InputError(
            f"y has {int(pd.isna(values).sum())} missing label(s); drop those rows before sealing."
        )
    try:
        array = pa.array(values)
    except (pa.ArrowInvalid, pa.ArrowTypeError):
        raise InputError("y mixes types (e.g. numbers and text); cast it to one type.") from None
    distinct = (
        len(np.unique(values.astype(str)))
        if values.dtype.kind in "OUSb"
        else len(np.unique(values))
    )
    continuous = values.dtype.kind == "f" and distinct > max(20, n // 20)
    return array, "regression" if continuous else "classification"


def pack(X: Any, y: Any) -> tuple[bytes, int, str]:
    """Rows and labels as compressed Arrow IPC bytes; return ``(bytes, n_rows, task)``."""
    table, kind = _table_from(X)
    if table.num_rows == 0:
        raise InputError("X has no rows; there is nothing to seal.")
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
    labels, task = _labels(y, table.num_rows)
    table = table.append_column(TARGET, labels)
    meta = dict(table.schema.metadata or {})
    meta.update({b"mlvet.kind": kind.encode(), b"mlvet.task": task.encode()})
    table = table.replace_schema_metadata(meta)
    sink = io.BytesIO()
    options = pa.ipc.IpcWriteOptions(compression="zstd")
    with pa.ipc.new_stream(sink, table.schema, options=options) as writer:
        writer.write_table(table)
    return sink.getvalue(), table.num_rows, task


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
        raise VaultIntegrityError(
            f"The sealed set cannot be decrypted with the key in {KEY_ENV}: the key is wrong "
            "or the stored bytes were altered."
        ) from None


def key_available() -> bool:
    return bool(os.environ.get(KEY_ENV))
