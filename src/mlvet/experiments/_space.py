"""Typed search spaces: each parameter's range and how trial *i* draws from it.

A random-search trial is a pure function of ``(seed, i)``: every parameter draws from its
own generator seeded with ``(seed, i, crc32(name))``, so a trial's values do not depend
on which process runs it, on the order trials finish, or on which other parameters are
in the space.

>>> space = {"C": LogUniform(1e-3, 1e2), "penalty": Categorical(["l1", "l2"])}
>>> sample(space, seed=0, index=3) == sample(space, seed=0, index=3)
True
>>> Int(1, 5).describe()
{'type': 'int', 'low': 1, 'high': 5, 'log': False}
"""

from __future__ import annotations

import inspect
import math
import re
import zlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from mlvet.exceptions import InputError

__all__ = ["Categorical", "Int", "LogUniform", "Uniform", "check_space", "sample"]


def _number(value: Any, what: str, name: str) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float, np.integer, np.floating)):
        raise InputError(f"{name}: {what} must be a number; got {value!r}.")
    if not math.isfinite(float(value)):
        raise InputError(f"{name}: {what} must be finite; got {value!r}.")
    return float(value)


@dataclass(frozen=True)
class Uniform:
    """A float drawn uniformly from ``[low, high]``."""

    low: float
    high: float

    def check(self, name: str) -> None:
        low, high = _number(self.low, "low", name), _number(self.high, "high", name)
        if not low < high:
            raise InputError(
                f"{name}: the range [{self.low}, {self.high}] is empty; give low < high, or "
                f"Categorical([{self.low}]) to fix the value."
            )

    def draw(self, rng: np.random.Generator) -> float:
        return float(rng.uniform(self.low, self.high))

    def position(self, value: Any) -> float:
        """Where ``value`` sits in the range on the sampling scale, 0 (low) to 1 (high)."""
        return (float(value) - self.low) / (self.high - self.low)

    def describe(self) -> dict[str, Any]:
        return {"type": "uniform", "low": self.low, "high": self.high}

    def to_optuna(self) -> Any:
        from optuna.distributions import FloatDistribution

        return FloatDistribution(float(self.low), float(self.high))


@dataclass(frozen=True)
class LogUniform(Uniform):
    """A float whose logarithm is uniform on ``[log low, log high]`` (``low > 0``)."""

    def check(self, name: str) -> None:
        super().check(name)
        if self.low <= 0:
            raise InputError(f"{name}: a log-uniform range needs low > 0; got low={self.low}.")

    def draw(self, rng: np.random.Generator) -> float:
        return float(math.exp(rng.uniform(math.log(self.low), math.log(self.high))))

    def position(self, value: Any) -> float:
        lo, hi = math.log(self.low), math.log(self.high)
        return (math.log(float(value)) - lo) / (hi - lo)

    def describe(self) -> dict[str, Any]:
        return {"type": "log-uniform", "low": self.low, "high": self.high}

    def to_optuna(self) -> Any:
        from optuna.distributions import FloatDistribution

        return FloatDistribution(float(self.low), float(self.high), log=True)


@dataclass(frozen=True)
class Int:
    """An integer from ``low`` to ``high`` inclusive; ``log=True`` draws on a log scale."""

    low: int
    high: int
    log: bool = False

    def check(self, name: str) -> None:
        for what, v in (("low", self.low), ("high", self.high)):
            if isinstance(v, bool) or not isinstance(v, (int, np.integer)):
                raise InputError(f"{name}: Int {what} must be an int; got {v!r}.")
        if not self.low < self.high:
            raise InputError(
                f"{name}: the range [{self.low}, {self.high}] is empty; give low < high, or "
                f"Categorical([{self.low}]) to fix the value."
            )
        if self.log and self.low < 1:
            raise InputError(f"{name}: Int(log=True) needs low >= 1; got low={self.low}.")

    def draw(self, rng: np.random.Generator) -> int:
        if not self.log:
            return int(rng.integers(self.low, self.high + 1))
        x = math.exp(rng.uniform(math.log(self.low - 0.5), math.log(self.high + 0.5)))
        return int(min(self.high, max(self.low, round(x))))

    def position(self, value: Any) -> float:
        if self.log:
            lo, hi = math.log(self.low), math.log(self.high)
            return (math.log(float(value)) - lo) / (hi - lo)
        return (float(value) - self.low) / (self.high - self.low)

    def describe(self) -> dict[str, Any]:
        return {"type": "int", "low": int(self.low), "high": int(self.high), "log": self.log}

    def to_optuna(self) -> Any:
        from optuna.distributions import IntDistribution

        return IntDistribution(int(self.low), int(self.high), log=self.log)


@dataclass(frozen=True)
class Categorical:
    """One of ``choices``, each equally likely (numbers, strings, None or objects).

    The ledger stores a number, string, bool or None as itself and any other choice by its
    label (an estimator's repr, made unique), so every choice round-trips to the very
    object in ``choices``.
    """

    choices: Sequence[Any]

    def check(self, name: str) -> None:
        if isinstance(self.choices, (str, bytes)) or not isinstance(self.choices, Sequence):
            raise InputError(f"{name}: Categorical needs a list of choices; got {self.choices!r}.")
        if len(self.choices) == 0:
            raise InputError(f"{name}: Categorical([]) has no choices; give at least one.")

    def draw(self, rng: np.random.Generator) -> Any:
        return self.choices[int(rng.integers(len(self.choices)))]

    def labels(self) -> list[str]:
        """A readable label per choice, unique within this distribution."""
        raw = [label(c) for c in self.choices]
        return [f"{t}#{i}" if raw.count(t) > 1 else t for i, t in enumerate(raw)]

    def index(self, value: Any) -> int:
        """The position of ``value`` among the choices (by identity first, then equality)."""
        for i, c in enumerate(self.choices):
            if c is value:
                return i
        for i, c in enumerate(self.choices):
            if _plain(c) and _plain(value) and type(_py(c)) is type(_py(value)) and c == value:
                return i
        raise InputError(f"{value!r} is not one of the choices {self.labels()}.")

    def encode(self, value: Any) -> Any:
        """The value as the ledger stores it."""
        i = self.index(value)
        choice = self.choices[i]
        if _plain(choice) and not (isinstance(_py(choice), str) and _py(choice) in self.labels()):
            return _py(choice)
        return self.labels()[i]  # objects, inf and NaN, and strings that look like a label

    def decode(self, stored: Any) -> Any:
        """The choice a stored value stands for."""
        labels = self.labels()
        if isinstance(stored, str) and stored in labels:
            return self.choices[labels.index(stored)]
        for c in self.choices:
            if _plain(c) and type(_py(c)) is type(stored) and _py(c) == stored:
                return c
        return stored

    def describe(self) -> dict[str, Any]:
        return {"type": "categorical", "choices": self.labels()}

    def to_optuna(self) -> Any:
        """Optuna sees the choices' positions; :meth:`choices` maps them back."""
        from optuna.distributions import CategoricalDistribution

        return CategoricalDistribution(list(range(len(self.choices))))


Distribution = Uniform | Int | Categorical


def _plain(value: Any) -> bool:
    """A value the ledger stores as itself: None, a bool, an int, a finite float, a str."""
    value = _py(value)
    if isinstance(value, float):
        return math.isfinite(value)
    return value is None or isinstance(value, (bool, int, str))


def _py(value: Any) -> Any:
    """numpy scalars as the Python values they stand for."""
    return value.item() if isinstance(value, np.generic) else value


_ADDRESS = re.compile(r" at 0x[0-9a-fA-F]+")


def label(value: Any) -> str:
    """A readable name for a parameter value that is the same in every process: numbers
    and strings by repr, estimators by their repr (the non-default parameters), functions
    and classes by module and name, anything else by a repr without memory addresses."""
    if value is None or isinstance(value, (bool, int, float, str, np.integer, np.floating)):
        return repr(value.item() if isinstance(value, np.generic) else value)
    if hasattr(value, "get_params") and not isinstance(value, type):
        return _ADDRESS.sub("", " ".join(repr(value).split()))
    if isinstance(value, type) or inspect.isroutine(value):
        return f"{getattr(value, '__module__', '?')}.{getattr(value, '__qualname__', value)}"
    return _ADDRESS.sub("", repr(value))


def check_space(space: Any, valid: Sequence[str] | None = None) -> dict[str, Distribution]:
    """Validate a space; ``valid`` lists the estimator's parameter names."""
    if not isinstance(space, Mapping) or not space:
        raise InputError(
            "space must be a non-empty dict of parameter name -> Uniform / LogUniform / Int / "
            f"Categorical; got {space!r}."
        )
    out: dict[str, Distribution] = {}
    for name, dist in space.items():
        if not isinstance(name, str) or not name:
            raise InputError(f"Parameter names must be non-empty strings; got {name!r}.")
        if isinstance(dist, list):
            dist = Categorical(dist)
        if not isinstance(dist, (Uniform, Int, Categorical)):
            raise InputError(
                f"{name}: {dist!r} is not a search distribution; use Uniform(low, high), "
                "LogUniform(low, high), Int(low, high) or Categorical([...])."
            )
        dist.check(name)
        if valid is not None and name not in valid:
            near = [v for v in valid if v.split("__")[-1] == name.split("__")[-1]]
            hint = f" Did you mean {near[0]!r}?" if near else ""
            raise InputError(
                f"The estimator has no parameter {name!r}.{hint} Its parameters are "
                f"{sorted(valid)}."
            )
        out[name] = dist
    return out


def trial_seed(seed: int, index: int) -> int:
    """The 32-bit seed recorded for trial ``index`` of a search seeded with ``seed``."""
    return int(np.random.SeedSequence([seed, index]).generate_state(1)[0])


def sample(space: Mapping[str, Distribution], *, seed: int, index: int) -> dict[str, Any]:
    """Trial ``index``'s values: a pure function of ``(seed, index)`` and each name."""
    out = {}
    for name in sorted(space):
        tag = zlib.crc32(name.encode("utf-8"))
        rng = np.random.default_rng(np.random.SeedSequence([seed, index, tag]))
        out[name] = space[name].draw(rng)
    return out
