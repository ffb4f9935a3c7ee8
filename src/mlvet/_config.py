"""Configuration: prefixed environment variables, then ``[tool.mlvet]``, then defaults.

Nothing is computed at import time; every lookup reads the sources when called, so a test
or a job can change the environment and the next call sees it. ``config_context`` gives a
scoped override that wins over every source::

    with mlvet.config_context(db_url="sqlite:///tmp/ledger.db"):
        ...

mlvet sends no telemetry anywhere.
"""

from __future__ import annotations

import contextvars
import getpass
import os
import tomllib
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, fields, replace
from pathlib import Path
from typing import Any

from mlvet.exceptions import ConfigError

__all__ = ["Settings", "config_context", "get_settings"]

ENV_PREFIX = "MLVET_"
DEFAULT_DIR = ".mlvet"
DEFAULT_DB_FILE = "ledger.db"


@dataclass(frozen=True)
class Settings:
    """The settings in force for one call.

    ``db_url`` is a SQLAlchemy URL; the default is a SQLite file ``./.mlvet/ledger.db``
    below the current directory. ``actor`` is the name written into every audit event.
    """

    db_url: str
    actor: str
    project_root: Path


_overrides: contextvars.ContextVar[dict[str, Any] | None] = contextvars.ContextVar(
    "mlvet_config_overrides", default=None
)
_FIELDS = {f.name for f in fields(Settings)}


def _find_pyproject(start: Path) -> Path | None:
    for folder in (start, *start.parents):
        candidate = folder / "pyproject.toml"
        if candidate.is_file():
            return candidate
    return None


def pyproject_table(start: Path) -> tuple[dict[str, Any], Path | None]:
    """``[tool.mlvet]`` of the nearest ``pyproject.toml`` at or above ``start``, and that
    file (``({}, None)`` when there is none)."""
    path = _find_pyproject(start)
    if path is None:
        return {}, None
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise ConfigError(
            f"{path} is not valid TOML ({exc}); fix the file, mlvet reads [tool.mlvet] from it."
        ) from exc
    table = data.get("tool", {}).get("mlvet", {})
    if not isinstance(table, dict):
        raise ConfigError(f"[tool.mlvet] in {path} must be a table, got {type(table).__name__}.")
    return table, path


def _default_actor() -> str:
    try:
        return getpass.getuser()
    except (KeyError, OSError):  # no passwd entry in some containers
        return "unknown"


def get_settings() -> Settings:
    """Return the settings in force now (overrides, environment, pyproject, defaults)."""
    cwd = Path.cwd()
    table, pyproject = pyproject_table(cwd)
    root = pyproject.parent if pyproject else cwd
    db_url = os.environ.get(f"{ENV_PREFIX}DB_URL") or table.get("db_url")
    if db_url is None:
        db_url = f"sqlite:///{cwd / DEFAULT_DIR / DEFAULT_DB_FILE}"
    elif not isinstance(db_url, str) or not db_url.strip():
        raise ConfigError(
            f"db_url must be a non-empty SQLAlchemy URL string, got {db_url!r}. "
            "Example: postgresql+psycopg://user@host:5432/db"
        )
    actor = os.environ.get(f"{ENV_PREFIX}ACTOR") or table.get("actor") or _default_actor()
    settings = Settings(db_url=db_url, actor=str(actor), project_root=root)
    overrides = _overrides.get()
    if overrides:
        settings = replace(settings, **overrides)
    return settings


@contextmanager
def config_context(**overrides: Any) -> Iterator[Settings]:
    """Override settings inside a ``with`` block (thread- and task-local)."""
    unknown = set(overrides) - _FIELDS
    if unknown:
        raise ConfigError(
            f"Unknown setting(s) {sorted(unknown)}; valid settings are {sorted(_FIELDS)}."
        )
    merged = {**(_overrides.get() or {}), **overrides}
    token = _overrides.set(merged)
    try:
        yield get_settings()
    finally:
        _overrides.reset(token)
