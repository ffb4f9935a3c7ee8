"""Row keys for the overlap checks: exact (every value) and near (normalised values).

Each column gives every row a 64-bit word; a row's key is the mixed sum of its columns'
words. Numbers hash their bits (``-0.0`` equals ``0.0``; NaN equals null); text and other
values are dictionary-encoded over train and test together, so equal values get the same
code on both sides in one Arrow pass, without hashing bytes in Python. Near keys round
floats to a number of significant digits and fold text (lower case, runs of whitespace
collapsed, stripped) first; integers (counts, epoch seconds, yyyymmdd dates) stay exact. Matching is by 64-bit key: the chance of a false match among a
million rows on each side is about 1 in 20 million.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from mlvet.data import canonical_type

__all__ = ["RowKeys", "first_positions", "isin", "round_codes", "row_keys", "row_keys_with_near"]

_U64 = np.uint64
_M1, _M2 = _U64(0xBF58476D1CE4E5B9), _U64(0x94D049BB133111EB)
_NULL = _U64(0x6A09E667F3BCC909)
_OFFSET = 400
with np.errstate(over="ignore", under="ignore"):
    _POW10 = np.power(10.0, np.arange(-_OFFSET, _OFFSET + 1, dtype=np.float64))
_EXP_BITS = 2048  # the decimal exponent is stored in the low 11 bits of a code
_POS_INF = np.int64(2**62)
_NEG_INF = np.int64(-(2**62))
_SPACES = r"[\s\p{Z}]+"
_TIMES = ("timestamp", "date", "time", "duration")
_PARALLEL_MIN_CELLS = 2_000_000


@dataclass(frozen=True)
class RowKeys:
    """uint64 keys of the train and test rows."""

    train: np.ndarray
    test: np.ndarray


def _mix(z: np.ndarray) -> np.ndarray:
    """splitmix64's finaliser, in place on a uint64 array."""
    tmp = np.empty_like(z)
    for shift, mult in ((30, _M1), (27, _M2)):
        np.right_shift(z, _U64(shift), out=tmp)
        np.bitwise_xor(z, tmp, out=z)
        np.multiply(z, mult, out=z)
    np.right_shift(z, _U64(31), out=tmp)
    np.bitwise_xor(z, tmp, out=z)
    return z


def _seed(name: str) -> np.uint64:
    return _U64(int.from_bytes(hashlib.sha256(name.encode("utf-8")).digest()[:8], "little"))


def _finish(words: np.ndarray, missing: np.ndarray | None, seed: np.uint64) -> np.ndarray:
    """Seed and mix a fresh uint64 array of values; missing rows get the column's null word."""
    words += seed
    _mix(words)
    if missing is not None:
        words[missing] = _NULL ^ seed
    return words


# --- per-side values ---------------------------------------------------------------------


def _floats(arr: pa.Array) -> tuple[np.ndarray, np.ndarray | None]:
    """float64 values (a new array: -0.0 folded into 0.0) and the missing mask."""
    values = arr.cast(pa.float64()).to_numpy(zero_copy_only=False) + 0.0
    missing = np.isnan(values)
    if missing.any():
        values[missing] = 0.0
        return values, missing
    return values, None


def _ints(arr: pa.Array, tag: str) -> tuple[np.ndarray, np.ndarray | None]:
    """Integer-like values (times in their own unit) as a new uint64 array, and the missing mask.

    Both sides have the same Arrow type here, so times need no unit conversion.
    """
    if tag == "bool":
        arr = arr.cast(pa.uint8())
    elif pa.types.is_date32(arr.type) or pa.types.is_time32(arr.type):
        arr = arr.cast(pa.int32())
    target = pa.uint64() if tag == "uint" else pa.int64()
    arr = arr.cast(target)
    missing = arr.is_null().to_numpy(zero_copy_only=False) if arr.null_count else None
    values = pc.fill_null(arr, 0).to_numpy(zero_copy_only=False)
    return values.astype(np.int64, copy=True).view(_U64), missing


def _encode_jointly(a: pa.Array, b: pa.Array) -> tuple[np.ndarray, np.ndarray, pa.Array]:
    """Dictionary indices over both sides (one shared dictionary) and the dictionary."""
    if pa.types.is_dictionary(a.type):
        a = a.dictionary_decode()
    if pa.types.is_dictionary(b.type):
        b = b.dictionary_decode()
    if a.type != b.type or pa.types.is_decimal(a.type):
        kind = pa.large_binary() if canonical_type(a.type) == "binary" else pa.large_string()
        a, b = a.cast(kind), b.cast(kind)
    encoded = pc.dictionary_encode(pa.chunked_array([a, b], type=a.type))
    idx_a, idx_b = (c.indices for c in encoded.chunks)
    dictionary = encoded.chunks[0].dictionary
    return _indices(idx_a), _indices(idx_b), dictionary


def _indices(idx: pa.Array) -> np.ndarray:
    """Dictionary indices as int64 with -1 for null."""
    values: np.ndarray = pc.fill_null(idx, -1).to_numpy(zero_copy_only=False)
    return values.astype(np.int64)


def _index_words(idx: np.ndarray, seed: np.uint64) -> np.ndarray:
    missing = idx < 0
    return _finish(idx.view(_U64).copy(), missing if missing.any() else None, seed)


# --- near-duplicate normalisation -----------------------------------------------------------


def round_codes(x: np.ndarray, digits: int) -> tuple[np.ndarray, np.ndarray]:
    """(int64 code, missing mask): equal codes mean equal values at ``digits`` significant digits.

    The code packs the rounded mantissa and the decimal exponent; ``±inf`` have codes of
    their own, NaN is missing.

    >>> codes, _ = round_codes(np.array([1.234567891, 1.234567892, 1.334567891, 0.0]), 6)
    >>> bool(codes[0] == codes[1]), bool(codes[0] == codes[2])
    (True, False)
    """
    missing = np.isnan(x)
    with np.errstate(divide="ignore", invalid="ignore", over="ignore", under="ignore"):
        exp = np.floor(np.log10(np.abs(x)))  # -inf for 0, nan for NaN, inf for inf
        special = ~np.isfinite(exp)
        has_special = bool(special.any())
        if has_special:
            np.copyto(exp, 0.0, where=special)
        k = (digits - 1 + _OFFSET) - exp.astype(np.int64)
        mant = x * _POW10[np.clip(k, 0, 2 * _OFFSET)]
        extreme = np.abs(k - _OFFSET) > 300  # subnormal numbers: scale in two steps
        if extreme.any():
            kk = k[extreme] - _OFFSET
            half = kk // 2
            mant[extreme] = x[extreme] * _POW10[half + _OFFSET] * _POW10[kk - half + _OFFSET]
        np.rint(mant, out=mant)
        if has_special:
            np.copyto(mant, 0.0, where=special)
        over = np.abs(mant) >= 10.0**digits
        if over.any():
            mant[over] = np.rint(mant[over] / 10.0)
            k -= over
    codes = mant.astype(np.int64) * _EXP_BITS + ((digits - 1 + _OFFSET + _EXP_BITS // 2) - k)
    inf = special & ~missing & (np.abs(x) > 0) if has_special else None
    if inf is not None and inf.any():
        codes[inf] = np.where(x[inf] > 0, _POS_INF, _NEG_INF)
    return codes, missing


def _rounded_words(arr: pa.Array, digits: int, seed: np.uint64) -> np.ndarray:
    x = arr.cast(pa.float64(), safe=False).to_numpy(zero_copy_only=False)
    codes, missing = round_codes(x, digits)
    return _finish(codes.view(_U64), missing if missing.any() else None, seed)


def _fold_text(values: pa.Array) -> pa.Array:
    lowered = pc.utf8_lower(values.cast(pa.large_string()))
    collapsed = pc.replace_substring_regex(lowered, pattern=_SPACES, replacement=" ")
    return pc.utf8_trim_whitespace(collapsed)


def _fold_map(dictionary: pa.Array) -> np.ndarray:
    """For each dictionary index, one index shared by all values equal after folding."""
    return _indices(pc.dictionary_encode(_fold_text(dictionary)).indices)


def _refold(idx: np.ndarray, remap: np.ndarray) -> np.ndarray:
    if not len(remap):  # every value is null
        return idx
    out: np.ndarray = np.where(idx >= 0, remap[np.maximum(idx, 0)], -1)
    return out


# --- columns and rows ---------------------------------------------------------------------


def _column_words(
    name: str, a: pa.Array, b: pa.Array, digits: int | None
) -> tuple[np.ndarray, np.ndarray, np.ndarray | None, np.ndarray | None]:
    """(exact train, exact test, near train, near test); near is None when ``digits`` is."""
    seed = _seed(name)
    tag = canonical_type(a.type, name)
    if tag == "null":
        words = [np.full(len(x), _NULL ^ seed, dtype=_U64) for x in (a, b)]
        return words[0], words[1], words[0], words[1]
    if tag == "float" or tag in ("int", "uint", "bool") or tag.startswith(_TIMES):
        exact = []
        for arr in (a, b):
            if pa.types.is_dictionary(arr.type):
                arr = arr.dictionary_decode()
            if tag == "float":
                values, missing = _floats(arr)
                exact.append(_finish(values.view(_U64), missing, seed))
            else:
                exact.append(_finish(*_ints(arr, tag), seed))
        if digits is None or tag != "float":
            return exact[0], exact[1], exact[0], exact[1]
        near = [
            _rounded_words(
                x.dictionary_decode() if pa.types.is_dictionary(x.type) else x, digits, seed
            )
            for x in (a, b)
        ]
        return exact[0], exact[1], near[0], near[1]
    idx_a, idx_b, dictionary = _encode_jointly(a, b)
    exact_a, exact_b = _index_words(idx_a, seed), _index_words(idx_b, seed)
    if digits is None or tag != "string":
        return exact_a, exact_b, exact_a, exact_b
    remap = _fold_map(dictionary)
    near_a = _index_words(_refold(idx_a, remap), seed)
    near_b = _index_words(_refold(idx_b, remap), seed)
    return exact_a, exact_b, near_a, near_b


def row_keys(train: pa.Table, test: pa.Table, columns: Sequence[str]) -> RowKeys:
    """Exact row keys of both sides over ``columns``."""
    sums = _sums(train, test, columns, None)
    return RowKeys(_mix(sums[0]), _mix(sums[1]))


def row_keys_with_near(
    train: pa.Table, test: pa.Table, columns: Sequence[str], digits: int
) -> tuple[RowKeys, RowKeys]:
    """Exact and near row keys of both sides over ``columns``, in one pass over the data."""
    sums = _sums(train, test, columns, digits)
    return RowKeys(_mix(sums[0]), _mix(sums[1])), RowKeys(_mix(sums[2]), _mix(sums[3]))


def _sums(
    train: pa.Table, test: pa.Table, columns: Sequence[str], digits: int | None
) -> list[np.ndarray]:
    """Summed column words: [exact train, exact test] and, with ``digits``, [near train, near test].

    Columns are hashed by a few threads (numpy and Arrow release the GIL on large arrays),
    each summing its own share of the columns.
    """
    sizes = (train.num_rows, test.num_rows) * (1 if digits is None else 2)

    def group_sums(names: Sequence[str]) -> list[np.ndarray]:
        sums = [np.zeros(n, dtype=_U64) for n in sizes]
        for name in names:
            a = train.column(name).combine_chunks()
            b = test.column(name).combine_chunks()
            for total, w in zip(sums, _column_words(name, a, b, digits), strict=False):
                total += w
        return sums

    cells = (train.num_rows + test.num_rows) * len(columns)
    workers = min(os.cpu_count() or 1, 4, len(columns))
    if workers < 2 or cells < _PARALLEL_MIN_CELLS:
        return group_sums(columns)
    groups = [list(columns[i::workers]) for i in range(workers)]
    with ThreadPoolExecutor(max_workers=workers) as pool:
        parts = list(pool.map(group_sums, groups))
    for part in parts[1:]:
        for total, w in zip(parts[0], part, strict=True):
            total += w
    return parts[0]


def isin(keys: np.ndarray, lookup: np.ndarray) -> np.ndarray:
    """Boolean mask: which keys occur in ``lookup`` (a hash-table lookup, not a sort)."""
    if not len(keys) or not len(lookup):
        return np.zeros(len(keys), dtype=bool)
    mask: np.ndarray = pd.Series(keys, copy=False).isin(lookup).to_numpy()
    return mask


def first_positions(keys: np.ndarray, lookup: np.ndarray) -> list[int]:
    """For a few keys, the first position of each in ``lookup`` (-1 if absent)."""
    out = []
    for key in keys:
        hits = np.flatnonzero(lookup == key)
        out.append(int(hits[0]) if hits.size else -1)
    return out
