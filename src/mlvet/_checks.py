"""Argument checks every guard shares: names and keys that fit their ledger columns,
reasons, and thresholds that must be finite numbers."""

from __future__ import annotations

import math
import unicodedata
from typing import Any

import numpy as np

from mlvet.exceptions import InputError

__all__ = ["check_name", "check_number", "check_reason"]


def check_name(value: Any, what: str = "name", max_len: int = 255) -> str:
    """A non-empty string that fits a ``max_len`` ledger column."""
    if not isinstance(value, str) or not value.strip() or len(value) > max_len:
        raise InputError(
            f"{what} must be a non-empty string of at most {max_len} characters; got {value!r}."
        )
    control = sorted({f"U+{ord(c):04X}" for c in value if unicodedata.category(c) == "Cc"})
    if control:
        raise InputError(
            f"{what} may not hold control characters ({', '.join(control)}: newlines, tabs, "
            f"NUL, ...); a name is shown, typed and put in addresses. Got {value!r}."
        )
    if value.strip() in (".", ".."):
        raise InputError(f"{what} cannot be {value!r}: an address would read it as a folder.")
    return value


def _no_nul(value: str, what: str) -> None:
    # PostgreSQL cannot store a NUL character in text; refuse it on every backend alike
    if "\x00" in value:
        raise InputError(f"{what} contains a NUL character (\\x00); remove it. Got {value!r}.")


def check_reason(value: Any, what: str = "reason") -> str:
    """Free text saying why (who asked, which evidence); never empty."""
    if not isinstance(value, str) or not value.strip():
        raise InputError(
            f"This needs a {what}: a non-empty string saying why (who asked, which "
            f"evidence); got {value!r}."
        )
    _no_nul(value, what)
    return value


def check_number(value: Any, what: str, *, minimum: float = 0.0, strict: bool = True) -> float:
    """A finite number above ``minimum`` (or at least it, with ``strict=False``)."""
    if isinstance(value, bool) or not isinstance(value, (int, float, np.integer, np.floating)):
        raise InputError(f"{what} must be a number; got {value!r}.")
    number = float(value)
    low_ok = number > minimum if strict else number >= minimum
    if not math.isfinite(number) or not low_ok:
        if strict and minimum == 0:
            raise InputError(f"{what} must be a positive number (finite); got {value!r}.")
        bound = f"> {minimum:g}" if strict else f">= {minimum:g}"
        raise InputError(f"{what} must be a finite number {bound}; got {value!r}.")
    return number
