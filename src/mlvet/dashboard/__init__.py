"""The web dashboard (`mlvet serve`) and its access tokens.

Tokens work without the ``dashboard`` extra (``mlvet token create`` needs only the ledger);
:func:`create_app` needs it (``pip install 'mlvet[dashboard]'``).
"""

from __future__ import annotations

from typing import Any

from mlvet.dashboard._tokens import (
    ROLES,
    Principal,
    TokenInfo,
    authenticate,
    create_token,
    revoke_token,
    tokens,
)
from mlvet.exceptions import ConfigError

__all__ = [
    "ROLES",
    "Principal",
    "TokenInfo",
    "authenticate",
    "create_app",
    "create_token",
    "revoke_token",
    "server_modules",
    "tokens",
]


def server_modules() -> tuple[Any, Any]:
    """The dashboard's app module and uvicorn, or a ConfigError naming the extra to install."""
    try:
        import uvicorn

        from mlvet.dashboard import _app
    except ImportError as exc:
        raise ConfigError(
            f"The dashboard needs the 'dashboard' extra ({exc.name} is missing): "
            "pip install 'mlvet[dashboard]'."
        ) from exc
    return _app, uvicorn


def create_app(ledger: Any = None) -> Any:
    """The dashboard's FastAPI app for one ledger (see :mod:`mlvet.dashboard._app`)."""
    app_module, _ = server_modules()
    return app_module.create_app(ledger)
