"""Plain JSON values and the canonical JSON text the ledger hashes.

>>> canonical_json({"b": 1, "a": [1.5, "é", float("nan")]})
'{"a":[1.5,"é","NaN"],"b":1}'
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping
from typing import Any

__all__ = ["canonical_json", "jsonable"]


def jsonable(value: Any) -> Any:
    """Plain JSON values: numpy scalars unwrapped, times as ISO text, non-finite floats as
    ``"NaN"``/``"Infinity"``/``"-Infinity"``, sets sorted, anything else as ``str``."""
    if value is None or isinstance(value, bool | int | str):
        return value
    if isinstance(value, float):
        if math.isfinite(value):
            return value
        return "NaN" if math.isnan(value) else ("Infinity" if value > 0 else "-Infinity")
    if isinstance(value, Mapping):
        return {str(k): jsonable(v) for k, v in value.items()}
    if isinstance(value, set | frozenset):
        return [jsonable(v) for v in sorted(value, key=str)]
    if isinstance(value, list | tuple):
        return [jsonable(v) for v in value]
    if hasattr(value, "isoformat"):
        return value.isoformat()
    if hasattr(value, "item"):  # numpy scalar
        return jsonable(value.item())
    return str(value)


def canonical_json(value: Any) -> str:
    """Sorted keys, no whitespace, UTF-8 text: one byte string per value."""
    return json.dumps(
        jsonable(value), sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False
    )
