"""Content fingerprints over every row and column.

Two fingerprints are computed in one pass over the Arrow buffers:

``fingerprint``
    SHA-256 over every value of every column (columns in name order, rows in their order).
    It is cryptographic: equal fingerprints mean equal data, and it is the value the audit
    chain commits to.
``rowset_fingerprint``
    A digest of the *multiset* of 64-bit row hashes (two independent wrapping sums), so a
    shuffled copy has the same value. Row hashes are a fast non-cryptographic mix
    (splitmix64 over each value, summed across columns); they recognise reordering and
    accidental change, not a forger: the audit trail relies on ``fingerprint``.

Both are engine-neutral: the same values give the same fingerprints from pandas, polars,
pyarrow or DuckDB. Integer widths, float widths, string encodings (large/view/dictionary)
and timestamp units are normalised first; NaN and null both count as missing; -0.0 equals
0.0; column order does not matter, row order matters only to ``fingerprint``.
"""

from __future__ import annotations

import hashlib
import os
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from mlvet.data._frames import as_frame, canonical_type

__all__ = ["Fingerprint", "fingerprint", "row_hashes"]

_VERSION = b"mlvet-fingerprint-v1"
_U64 = np.uint64
_M1 = _U64(0xBF58476D1CE4E5B9)
_M2 = _U64(0x94D049BB133111EB)
_GOLD = _U64(0x9E3779B97F4A7C15)
_STR_P = 0x5BD1E9955BD1E995  # odd multiplier of the per-string polynomial
_NULL_WORD = _U64(0x6A09E667F3BCC909)
_PARALLEL_MIN_CELLS = 200_000


@dataclass(frozen=True)
class Fingerprint:
    """The fingerprints of one frame."""

    fingerprint: str
    rowset_fingerprint: str
    n_rows: int
    n_columns: int


def _mix(z: np.ndarray, tmp: np.ndarray) -> np.ndarray:
    """splitmix64's finaliser, in place on a uint64 array."""
    np.right_shift(z, _U64(30), out=tmp)
    np.bitwise_xor(z, tmp, out=z)
    np.multiply(z, _M1, out=z)
    np.right_shift(z, _U64(27), out=tmp)
    np.bitwise_xor(z, tmp, out=z)
    np.multiply(z, _M2, out=z)
    np.right_shift(z, _U64(31), out=tmp)
    np.bitwise_xor(z, tmp, out=z)
    return z


def _normalise(arr: pa.Array) -> tuple[pa.Array, str]:
    """Cast to one physical representation per canonical type."""
    t = pa.types
    if t.is_dictionary(arr.type):
        arr = arr.dictionary_decode()
    tag = canonical_type(arr.type)
    dtype = arr.type
    if tag == "int" and dtype != pa.int64():
        arr = arr.cast(pa.int64())
    elif tag == "uint" and dtype != pa.uint64():
        arr = arr.cast(pa.uint64())
    elif tag == "float" and dtype != pa.float64():
        arr = arr.cast(pa.float64())
    elif tag == "bool":
        arr = arr.cast(pa.uint8())
    elif tag == "string" and dtype != pa.large_string():
        arr = arr.cast(pa.large_string())
    elif tag == "binary" and dtype != pa.large_binary():
        arr = arr.cast(pa.large_binary())
    elif tag.startswith("timestamp"):
        arr = arr.cast(pa.timestamp("ns", dtype.tz)).cast(pa.int64())
    elif tag == "date":
        arr = arr.cast(pa.date32()).cast(pa.int32()).cast(pa.int64())
    elif tag == "time":
        arr = arr.cast(pa.time64("ns")).cast(pa.int64())
    elif tag == "duration":
        arr = arr.cast(pa.duration("ns")).cast(pa.int64())
    elif tag == "decimal":
        arr = arr.cast(pa.large_string())
    return arr, tag


def _float_values(arr: pa.Array) -> tuple[np.ndarray, np.ndarray | None]:
    """Float bits as a new uint64 array and the missing mask (null or NaN, as in pandas)."""
    values = arr.to_numpy(zero_copy_only=False) + 0.0  # a copy; -0.0 + 0.0 == +0.0
    missing = np.isnan(values)
    if missing.any():
        values[missing] = 0.0
        return values.view(_U64), missing
    return values.view(_U64), None


def _int_values(arr: pa.Array) -> np.ndarray:
    """Integer values as uint64 (a view where possible), nulls zero."""
    if arr.null_count:
        arr = pc.fill_null(arr, 0)
    values: np.ndarray = arr.to_numpy(zero_copy_only=False)
    return values.astype(np.int64, copy=False).view(_U64)


def _string_parts(arr: pa.Array) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(lengths, bytes, offsets) of a large_string/large_binary array with nulls as empty."""
    if arr.null_count:
        arr = pc.fill_null(
            arr, pa.scalar("" if pa.types.is_large_string(arr.type) else b"", arr.type)
        )
    n = len(arr)
    bufs = arr.buffers()
    offsets = np.frombuffer(bufs[1], dtype=np.int64, count=n + 1, offset=arr.offset * 8)
    start, end = int(offsets[0]), int(offsets[-1])
    data = (
        np.frombuffer(bufs[2], dtype=np.uint8)[start:end]
        if bufs[2] is not None
        else np.empty(0, np.uint8)
    )
    return np.diff(offsets), data, offsets - start


def _string_words(lengths: np.ndarray, data: np.ndarray, offsets: np.ndarray) -> np.ndarray:
    """A 64-bit polynomial hash per string, vectorised over the whole data buffer."""
    words = lengths.astype(_U64) * _GOLD
    if data.size:
        max_len = int(lengths.max())
        powers = np.full(max_len, _STR_P, dtype=_U64)
        powers[0] = 1
        np.cumprod(powers, out=powers)  # wraps modulo 2**64 on purpose
        starts = np.repeat(offsets[:-1], lengths)
        pos = np.arange(data.size, dtype=np.int64) - starts
        contrib = (data.astype(_U64) + _U64(1)) * powers[pos]
        cum = np.zeros(data.size + 1, dtype=_U64)
        np.cumsum(contrib, out=cum[1:])
        words += cum[offsets[1:]] - cum[offsets[:-1]]
    return words


def _distinct_string_words(arr: pa.Array) -> np.ndarray:
    """Per-row string words, hashing each distinct value once.

    Arrow's dictionary encoding is cheap next to hashing every byte, so categories and
    repeated keys cost little; an all-distinct column pays about a quarter more.
    """
    encoded = pc.dictionary_encode(arr)
    distinct = _string_words(*_string_parts(encoded.dictionary))
    indices = encoded.indices
    if indices.null_count:
        indices = pc.fill_null(indices, 0)  # the null mask overrides these rows later
    positions: np.ndarray = indices.to_numpy(zero_copy_only=False)
    words: np.ndarray = distinct[positions]
    return words


def _column(name: str, arr: pa.Array) -> tuple[bytes, np.ndarray]:
    """(SHA-256 digest, per-row 64-bit word) for one column."""
    arr, tag = _normalise(arr)
    h = hashlib.sha256()
    h.update(name.encode("utf-8") + b"\x00" + tag.encode() + b"\x00")
    mask = None
    if tag == "float":
        words, mask = _float_values(arr)
    elif arr.null_count:
        mask = arr.is_null().to_numpy(zero_copy_only=False)
    if mask is not None:
        h.update(b"nulls" + np.packbits(mask).tobytes())
    if tag == "float":
        h.update(words.data)
    elif tag == "null":
        words = np.full(len(arr), _NULL_WORD, dtype=_U64)
    elif tag in ("string", "binary", "decimal"):
        lengths, data, _ = _string_parts(arr)
        h.update(lengths.tobytes())
        h.update(data.data)
        words = _distinct_string_words(arr)
    else:
        values = _int_values(arr)
        h.update(np.ascontiguousarray(values).data)
        words = values.copy()
    seed = int.from_bytes(hashlib.sha256(name.encode() + tag.encode()).digest()[:8], "little")
    words += _U64(seed)
    _mix(words, np.empty_like(words))
    if mask is not None:
        words[mask] = _NULL_WORD ^ _U64(seed)
    return h.digest(), words


def _column_group(
    names: list[str], arrays: list[pa.Array], n_rows: int
) -> tuple[list[tuple[str, bytes]], np.ndarray]:
    """Digests of a group of columns and the wrapping sum of their row words."""
    acc = np.zeros(n_rows, dtype=_U64)
    digests = []
    for name, arr in zip(names, arrays, strict=True):
        digest, words = _column(name, arr)
        digests.append((name, digest))
        np.add(acc, words, out=acc)
    return digests, acc


def _hash_table(table: pa.Table) -> tuple[str, np.ndarray, list[str]]:
    """(ordered SHA-256 hex, row hashes, column header) of a validated table.

    A row's hash is the finalised wrapping sum of its columns' words; each word is already
    mixed with a seed drawn from its column's name and type, so the sum is order-free across
    columns and can be computed by workers in parallel (hashlib and numpy drop the GIL).
    """
    n = table.num_rows
    names = sorted(table.column_names)
    arrays = [table.column(c).combine_chunks() for c in names]
    workers = min(os.cpu_count() or 1, 4, len(names))
    if n * len(names) < _PARALLEL_MIN_CELLS or workers == 1:
        digests, acc = _column_group(names, arrays, n)
    else:
        groups = [list(range(i, len(names), workers)) for i in range(workers)]
        with ThreadPoolExecutor(max_workers=workers) as pool:
            parts = list(
                pool.map(
                    lambda g: _column_group([names[i] for i in g], [arrays[i] for i in g], n),
                    groups,
                )
            )
        found = dict(d for part in parts for d in part[0])
        digests = [(c, found[c]) for c in names]
        acc = parts[0][1]
        for part in parts[1:]:
            np.add(acc, part[1], out=acc)
    ordered = hashlib.sha256(_VERSION + n.to_bytes(8, "little"))
    for _, digest in digests:
        ordered.update(digest)
    _mix(acc, np.empty_like(acc))
    header = [f"{c}\x00{canonical_type(table.schema.field(c).type, c)}" for c in names]
    return ordered.hexdigest(), acc, header


def row_hashes(frame: Any) -> np.ndarray:
    """One 64-bit hash per row (uint64), equal for equal rows in any engine.

    >>> import pandas as pd
    >>> h = row_hashes(pd.DataFrame({"a": [1, 2, 1], "b": ["x", "y", "x"]}))
    >>> bool(h[0] == h[2]), bool(h[0] == h[1])
    (True, False)
    """
    table = frame if isinstance(frame, pa.Table) else as_frame(frame, allow_inf=True).arrow
    return _hash_table(table)[1]


def fingerprint_table(table: pa.Table) -> Fingerprint:
    """Fingerprints of an Arrow table already validated by :func:`as_frame`."""
    ordered, rows, header = _hash_table(table)
    rowset = hashlib.sha256(_VERSION + b"rowset" + table.num_rows.to_bytes(8, "little"))
    rowset.update("\x01".join(header).encode("utf-8"))
    # an order-free digest of the multiset of row hashes: two independent wrapping sums
    second = rows ^ _GOLD
    _mix(second, np.empty_like(second))
    sums = np.array([rows.sum(dtype=_U64), second.sum(dtype=_U64)], dtype=_U64)
    rowset.update(sums.tobytes())
    return Fingerprint(ordered, rowset.hexdigest(), table.num_rows, table.num_columns)


def fingerprint(frame: Any, *, allow_inf: bool = False) -> Fingerprint:
    """Fingerprints of a pandas, polars, pyarrow or DuckDB frame over every row and column.

    >>> import pandas as pd
    >>> df = pd.DataFrame({"a": [1, 2, 3], "b": ["x", "y", "z"]})
    >>> shuffled = df.sample(frac=1, random_state=0).reset_index(drop=True)
    >>> fingerprint(df).rowset_fingerprint == fingerprint(shuffled).rowset_fingerprint
    True
    >>> fingerprint(df).fingerprint == fingerprint(shuffled).fingerprint
    False
    """
    return fingerprint_table(as_frame(frame, allow_inf=allow_inf).arrow)
