"""Exceptions raised by mlvet.

The hierarchy::

    MlvetError                      base of everything mlvet raises on purpose
    ├── InputError (ValueError)     bad arguments or data handed to a public function
    │   ├── UnknownRuleError (LookupError)   a finding code that is not in the catalog
    │   └── StateError              the record is past the state this needs (decided, resolved)
    ├── ConfigError                 a setting that cannot be used (bad URL, bad pyproject table)
    ├── LedgerError                 the ledger cannot be opened, migrated or written
    │   ├── LedgerNotInitialisedError       a server ledger without the mlvet schema
    │   └── LedgerOutdatedError             a ledger behind the code's schema revision
    ├── NotFoundError (LookupError)         a dataset, version or run that is not recorded
    ├── DataQualityError            data violated its assertions; the batch is quarantined
    └── VaultError                  a sealed test set cannot be used as asked
        ├── BudgetExceededError     the evaluation budget is spent (carries the GE301 finding)
        └── VaultIntegrityError     the stored set no longer matches its commitment

Each message names the problem, the value received and the fix. Causes are kept with
``raise ... from exc``.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from mlvet._findings import Finding

__all__ = [
    "BudgetExceededError",
    "ConfigError",
    "DataQualityError",
    "InputError",
    "LedgerError",
    "LedgerNotInitialisedError",
    "LedgerOutdatedError",
    "MlvetError",
    "NotFoundError",
    "StateError",
    "UnknownRuleError",
    "VaultError",
    "VaultIntegrityError",
]


class MlvetError(Exception):
    """Base class of every error mlvet raises on purpose."""


class InputError(MlvetError, ValueError):
    """An argument or a frame handed to a public function cannot be used."""


class UnknownRuleError(InputError, LookupError):
    """A finding code that the catalog does not define."""


class StateError(InputError):
    """The record is in a state where this cannot be done (a review already decided, an
    alert already resolved, a token already revoked)."""


class ConfigError(MlvetError):
    """A configuration value cannot be used."""


class LedgerError(MlvetError):
    """The ledger cannot be opened, migrated or written."""


class LedgerNotInitialisedError(LedgerError):
    """A server ledger has no mlvet schema yet."""


class LedgerOutdatedError(LedgerError):
    """The ledger's schema revision is behind the installed mlvet."""


class NotFoundError(MlvetError, LookupError):
    """A dataset, version, run or other record is not in the ledger."""


class DataQualityError(MlvetError):
    """Data violated its assertions; the batch was recorded as quarantined.

    ``findings`` lists every failure grouped by reason; ``version`` is the quarantined
    dataset version as recorded in the ledger.
    """

    def __init__(self, message: str, *, findings: Sequence[Finding], version: Any) -> None:
        super().__init__(message)
        self.findings = tuple(findings)
        self.version = version


class VaultError(MlvetError):
    """A sealed test set cannot be sealed, read or evaluated as asked.

    Messages never quote a sealed row or label.
    """


class BudgetExceededError(VaultError):
    """The vault refused an evaluation because its budget is spent.

    ``finding`` is the GE301 finding recorded in the ledger for the refusal.
    """

    def __init__(self, message: str, *, finding: Finding) -> None:
        super().__init__(message)
        self.finding = finding


class VaultIntegrityError(VaultError):
    """The stored test set no longer matches the SHA-256 commitment recorded at sealing."""
