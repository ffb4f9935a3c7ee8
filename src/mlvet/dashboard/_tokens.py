"""Access tokens and browser sessions for the dashboard and its JSON API.

A token is 256 random bits, shown once when it is created; the ledger keeps only its SHA-256
(audited like every table, so creating or revoking one is an event with who did it). A
browser logs in with a token and gets a session: a random cookie (kept as its SHA-256, with
an expiry and the session's CSRF secret). Revoking a token ends its sessions at once,
because every request looks the token up again.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import delete, select

from mlvet._checks import check_name
from mlvet.exceptions import InputError, NotFoundError, StateError
from mlvet.ledger import Ledger, now_iso, open_ledger
from mlvet.ledger import _schema as s

__all__ = [
    "ROLES",
    "Principal",
    "TokenInfo",
    "authenticate",
    "close_session",
    "create_token",
    "open_session",
    "revoke_token",
    "session_principal",
    "tokens",
]

ROLES = ("viewer", "reviewer", "admin")
"""Each role can do what the ones before it can: viewers read, reviewers also decide
reviews and acknowledge or resolve alerts, admins also manage tokens."""

PREFIX = "mlvet_"
NAME_RE = re.compile(r"[\w .@+-]*[\w.@+-][\w .@+-]*")
SESSION_HOURS = 12


@dataclass(frozen=True)
class TokenInfo:
    """A token as the ledger knows it (never the token itself)."""

    id: int
    name: str
    role: str
    prefix: str
    created_by: str
    created_at: str
    revoked_at: str | None
    revoked_by: str | None

    @property
    def active(self) -> bool:
        return self.revoked_at is None


@dataclass(frozen=True)
class Principal:
    """Who is asking: the token's name and role."""

    token_id: int
    name: str
    role: str

    @property
    def actor(self) -> str:
        """How the ledger names this principal's actions: the name and the token's number
        (names are unique, and the number tells a token from a command-line user)."""
        return f"{self.name} (token {self.token_id})"

    def can(self, role: str) -> bool:
        return ROLES.index(self.role) >= ROLES.index(role)


def _digest(secret: str) -> str:
    return hashlib.sha256(secret.encode("utf-8")).hexdigest()


def _info(row: Any) -> TokenInfo:
    return TokenInfo(
        int(row["id"]),
        row["name"],
        row["role"],
        row["prefix"],
        row["created_by"],
        row["created_at"],
        row["revoked_at"],
        row["revoked_by"],
    )


def _check_role(role: Any) -> str:
    if role not in ROLES:
        raise InputError(f"role must be one of {', '.join(ROLES)}; got {role!r}.")
    return str(role)


def create_token(
    name: str, role: str, *, actor: str | None = None, ledger: Ledger | str | None = None
) -> tuple[TokenInfo, str]:
    """Create a token; return what the ledger keeps and the token (shown this once)."""
    name = check_name(name, "token name", max_len=160)
    if not NAME_RE.fullmatch(name):
        odd = sorted({f"U+{ord(c):04X}" for c in name if not NAME_RE.fullmatch(c + "a")})
        raise InputError(
            "A token name is shown to auditors as the holder's name: use letters, digits, "
            f"spaces and . _ @ + - only (not {', '.join(odd) or 'only spaces'}). Got {name!r}."
        )
    role = _check_role(role)
    led = open_ledger(ledger)
    secret = PREFIX + secrets.token_urlsafe(32)
    with led.transaction(actor=actor) as tx:
        taken = tx.conn.execute(
            select(s.api_tokens.c.id).where(s.api_tokens.c.name == name)
        ).first()
        if taken is not None:
            raise StateError(
                f"A token named {name!r} exists already (token {taken.id}); names are unique so "
                "that the audit trail names one holder. Choose another name."
            )
        pk = tx.insert(
            s.api_tokens,
            {
                "name": name,
                "role": role,
                "token_hash": _digest(secret),
                "prefix": secret[: len(PREFIX) + 4],
                "created_by": tx.actor,
                "revoked_at": None,
                "revoked_by": None,
            },
        )
    return _token(led, int(pk)), secret


def _token(led: Ledger, token_id: int) -> TokenInfo:
    with led.connect() as conn:
        row = (
            conn.execute(select(s.api_tokens).where(s.api_tokens.c.id == token_id))
            .mappings()
            .first()
        )
    if row is None:
        raise NotFoundError(f"No token {token_id}; list them with `mlvet token list`.")
    return _info(row)


def tokens(*, ledger: Ledger | str | None = None) -> list[TokenInfo]:
    """Every token, oldest first, revoked ones included."""
    with open_ledger(ledger).connect() as conn:
        rows = conn.execute(select(s.api_tokens).order_by(s.api_tokens.c.id)).mappings()
        return [_info(r) for r in rows]


def revoke_token(
    token_id: int, *, actor: str | None = None, ledger: Ledger | str | None = None
) -> TokenInfo:
    """Revoke a token: it and its browser sessions stop working at once."""
    if isinstance(token_id, bool) or not isinstance(token_id, int):
        raise InputError(
            f"token_id must be a token's number (`mlvet token list`); got {token_id!r}."
        )
    if not 1 <= token_id <= 2**31 - 1:
        raise NotFoundError(f"No token {token_id}; list them with `mlvet token list`.")
    led = open_ledger(ledger)
    with led.transaction(actor=actor) as tx:
        row = (
            tx.conn.execute(select(s.api_tokens).where(s.api_tokens.c.id == token_id))
            .mappings()
            .first()
        )
        if row is None:
            raise NotFoundError(f"No token {token_id}; list them with `mlvet token list`.")
        if row["revoked_at"] is not None:
            raise StateError(f"Token {token_id} was revoked already, at {row['revoked_at']}.")
        tx.update(s.api_tokens, token_id, {"revoked_at": now_iso(), "revoked_by": tx.actor})
        tx.conn.execute(
            delete(s.dashboard_sessions).where(s.dashboard_sessions.c.token_id == token_id)
        )
    return _token(led, token_id)


def authenticate(led: Ledger, secret: str | None) -> Principal | None:
    """The principal a token stands for, or None (unknown, malformed or revoked)."""
    if not secret or not secret.startswith(PREFIX) or len(secret) > 200:
        return None
    t = s.api_tokens
    with led.connect() as conn:
        row = conn.execute(
            select(t.c.id, t.c.name, t.c.role, t.c.token_hash).where(
                t.c.token_hash == _digest(secret), t.c.revoked_at.is_(None)
            )
        ).first()
    if row is None or not hmac.compare_digest(row.token_hash, _digest(secret)):
        return None
    return Principal(int(row.id), row.name, row.role)


def _expiry(hours: float) -> str:
    return (datetime.now(UTC) + timedelta(hours=hours)).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def open_session(led: Ledger, principal: Principal) -> tuple[str, str]:
    """Log a principal in: return the session cookie and its CSRF secret.

    The login is an event on the chain (``dashboard.login``, actor = the token's name).
    Expired sessions are swept at the same time.
    """
    cookie = secrets.token_urlsafe(32)
    csrf = secrets.token_urlsafe(32)
    now = now_iso()
    with led.transaction(actor=principal.actor) as tx:
        tx.conn.execute(delete(s.dashboard_sessions).where(s.dashboard_sessions.c.expires_at < now))
        tx.conn.execute(
            s.dashboard_sessions.insert().values(
                id_hash=_digest(cookie),
                token_id=principal.token_id,
                csrf=csrf,
                created_at=now,
                expires_at=_expiry(SESSION_HOURS),
            )
        )
        # no entity: an entity's newest event must carry its row (audit verify checks that)
        tx.event("dashboard.login", {"token_id": principal.token_id, "role": principal.role})
    return cookie, csrf


def session_principal(led: Ledger, cookie: str | None) -> tuple[Principal, str] | None:
    """The principal and CSRF secret of a live session cookie, or None."""
    if not cookie or len(cookie) > 200:
        return None
    d, t = s.dashboard_sessions, s.api_tokens
    with led.connect() as conn:
        row = conn.execute(
            select(t.c.id, t.c.name, t.c.role, d.c.csrf)
            .join(t, t.c.id == d.c.token_id)
            .where(d.c.id_hash == _digest(cookie), d.c.expires_at > now_iso())
            .where(t.c.revoked_at.is_(None))
        ).first()
    if row is None:
        return None
    return Principal(int(row.id), row.name, row.role), str(row.csrf)


def close_session(led: Ledger, cookie: str, principal: Principal) -> None:
    """Log out: the session is gone, and the logout is an event."""
    with led.transaction(actor=principal.actor) as tx:
        tx.conn.execute(
            delete(s.dashboard_sessions).where(s.dashboard_sessions.c.id_hash == _digest(cookie))
        )
        tx.event("dashboard.logout", {"token_id": principal.token_id})
