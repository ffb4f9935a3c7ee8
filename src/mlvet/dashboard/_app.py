"""The dashboard: server-rendered pages and a JSON API over one ledger.

Pages and the API call the same read functions (:mod:`mlvet.dashboard._queries`) and the
same write functions as the CLI (alerts, reviews, tokens), so the three faces cannot
disagree. Every route but ``/api/health`` needs a token: ``Authorization: Bearer`` for
scripts, or a browser session made by logging in with one. Forms carry a CSRF secret bound
to the session; API calls made with a session cookie must send it as ``X-CSRF-Token``.
"""

import hmac
import json
import logging
import math
import os
import secrets
from collections.abc import Awaitable, Callable, MutableMapping
from importlib import resources
from typing import Annotated, Any
from urllib.parse import quote, unquote, urlencode

from fastapi import Depends, FastAPI, Form, HTTPException, Path, Query, Request
from fastapi.encoders import jsonable_encoder
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from fastapi.staticfiles import StaticFiles
from jinja2 import Environment, FileSystemLoader, select_autoescape
from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    StrictBool,
    StrictFloat,
    StrictInt,
    StringConstraints,
)
from starlette.convertors import Convertor, register_url_convertor
from starlette.exceptions import HTTPException as StarletteHTTPException

from mlvet._version import __version__
from mlvet.dashboard import _queries as q
from mlvet.dashboard._lineage_svg import layout
from mlvet.dashboard._pages import MAX_LIMIT
from mlvet.dashboard._tokens import (
    ROLES,
    Principal,
    authenticate,
    close_session,
    create_token,
    open_session,
    revoke_token,
    session_principal,
    tokens,
)
from mlvet.exceptions import (
    InputError,
    LedgerError,
    MlvetError,
    NotFoundError,
    StateError,
)
from mlvet.ledger import Ledger, open_ledger

__all__ = ["create_app", "factory"]

log = logging.getLogger("mlvet.dashboard")

SESSION_COOKIE = "mlvet_session"
LOGIN_CSRF_COOKIE = "mlvet_login_csrf"
CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
)
NAV = (
    ("scorecard", "/", "Scorecard"),
    ("catalog", "/catalog", "Catalog"),
    ("experiments", "/experiments", "Experiments"),
    ("vault", "/vault", "Vault"),
    ("models", "/models", "Models"),
    ("monitors", "/monitors", "Monitors"),
    ("alerts", "/alerts", "Alerts"),
    ("reviews", "/reviews", "Reviews"),
    ("audit", "/audit", "Audit"),
)

MAX_ID = 2**31 - 1  # the largest id an INTEGER column holds on PostgreSQL
ItemId = Annotated[int, Path(ge=1, le=MAX_ID, description="A number from this ledger.")]
Limit = Annotated[int, Query(ge=1, le=MAX_LIMIT, description="Items per page.")]
Cursor = Annotated[
    str | None, Query(max_length=400, description="`next_cursor` of the previous page.")
]
ERRORS: dict[int | str, dict[str, Any]] = {
    400: {"description": "A bad argument; the message names it and the fix."},
    409: {"description": "The record is past that state (decided, resolved, revoked)."},
    401: {"description": "No valid token or session."},
    403: {"description": "The token's role may not do this (or a CSRF secret is missing)."},
    404: {"description": "Nothing of that name or number in the ledger."},
}


# no NUL anywhere (PostgreSQL cannot store it), and one character that is not blank
TEXT = r"^[^\x00]*[^\s\x00\x1c-\x1f][^\x00]*$"
LABEL_TEXT = r"^[^\x00]+$"
NO_NUL = r"^[^\x00]*$"
TOKEN_NAME = r"^[\w .@+-]*[\w.@+-][\w .@+-]*$"  # letters, digits, space and . _ @ + -


LOGIN_ERRORS = {"unknown": "That token is unknown or revoked."}


class NotLoggedIn(Exception):
    """A page was asked for without a session: the browser goes to the login page."""

    def __init__(self, next_url: str) -> None:
        self.next_url = next_url


class Reason(BaseModel):
    model_config = ConfigDict(extra="forbid")
    reason: str = Field(
        min_length=1, max_length=2000, pattern=TEXT, description="Why (kept in the ledger)."
    )


class Decision(BaseModel):
    model_config = ConfigDict(extra="forbid")
    label: (
        StrictBool
        | StrictInt
        | StrictFloat
        | Annotated[str, StringConstraints(min_length=1, max_length=255, pattern=LABEL_TEXT)]
    ) = Field(description="The class (or value) the row has.")
    reason: str = Field(min_length=1, max_length=2000, pattern=TEXT)


class NewToken(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: str = Field(min_length=1, max_length=160, pattern=TOKEN_NAME)
    role: str = Field(pattern="^(viewer|reviewer|admin)$")


def _fmt(value: Any, digits: int = 4) -> str:
    if value is None:
        return "—"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, float):
        if not math.isfinite(value):
            return str(value)
        return f"{value:.{digits}g}" if abs(value) < 1e-3 and value else f"{value:.{digits}f}"
    return str(value)


def _pretty(value: Any) -> str:
    return json.dumps(value, indent=2, sort_keys=True, default=str, ensure_ascii=False)


def _params_with(
    params: dict[str, Any], key: str | None = None, value: Any = None, drop: str | None = None
) -> str:
    """The query string of this page with one parameter set (and one dropped)."""
    out = {k: v for k, v in params.items() if k != drop}
    if key is not None:
        out[key] = value
    return urlencode(out)


def _templates() -> Environment:
    folder = resources.files("mlvet.dashboard") / "templates"
    env = Environment(
        loader=FileSystemLoader(str(folder)),
        autoescape=select_autoescape(("html", "svg"), default=True),
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["fmt"] = _fmt
    env.filters["pretty"] = _pretty
    env.filters["short"] = lambda v, n=12: "" if v is None else str(v)[:n]
    env.filters["urlq"] = lambda v: quote(str(v), safe="")
    env.globals["nav"] = NAV
    env.globals["params_with"] = _params_with
    env.globals["params_without"] = lambda params, key: _params_with(params, drop=key)
    env.globals["version"] = __version__
    return env


def _label(text: str, prediction: Any) -> Any:
    """A label typed into a form, read as the prediction's type where it parses."""
    p = prediction.get("prediction") if isinstance(prediction, dict) else None
    text = text.strip()
    if isinstance(p, bool):
        if text.lower() in ("true", "1", "false", "0"):
            return text.lower() in ("true", "1")
    elif isinstance(p, int):
        try:
            return int(text)
        except ValueError:
            try:
                number = float(text)
            except ValueError:
                pass
            else:
                if number.is_integer():
                    return int(number)
    elif isinstance(p, float):
        try:
            return float(text)
        except ValueError:
            pass
    return text


def create_app(ledger: Ledger | str | None = None) -> FastAPI:
    """The dashboard for one ledger (a URL, an open :class:`~mlvet.ledger.Ledger`, or the
    configured default)."""
    led = open_ledger(ledger)
    env = _templates()
    app = FastAPI(
        title="mlvet dashboard",
        version=__version__,
        description=(
            "The ledger's scorecard, catalog, experiments, vault, models, monitors, alerts, "
            "review queue and audit trail. Send a token as `Authorization: Bearer <token>` "
            "(create one with `mlvet token create --role viewer|reviewer|admin`)."
        ),
        docs_url=None,  # the interactive docs load their code from a CDN; the page must work offline
        redoc_url=None,
        openapi_url=None,  # served below, behind a token like every other route
    )
    app.state.ledger = led
    static = resources.files("mlvet.dashboard") / "static"
    app.mount("/static", StaticFiles(directory=str(static)), name="static")

    # -- security headers on every response ------------------------------------------------
    @app.middleware("http")
    async def headers(
        request: Request, call_next: Callable[[Request], Awaitable[Response]]
    ) -> Response:
        if "\x00" in unquote(request.url.path) or "\x00" in unquote(request.url.query):
            response = _error_page(request, 400, "The address holds a NUL character; remove it.")
        else:
            _keep_encoded_slashes(request.scope)
            response = await call_next(request)
        _secure_headers(request, response)
        return response

    def _secure_headers(request: Request, response: Response) -> None:
        response.headers["Content-Security-Policy"] = CSP
        response.headers["X-Content-Type-Options"] = "nosniff"
        response.headers["Referrer-Policy"] = "same-origin"
        response.headers["X-Frame-Options"] = "DENY"
        if not request.url.path.startswith("/static"):
            response.headers["Cache-Control"] = "no-store"

    # -- errors ----------------------------------------------------------------------------
    def _is_api(request: Request) -> bool:
        return request.url.path.startswith("/api")

    def _error_page(request: Request, status: int, message: str) -> Response:
        if _is_api(request):
            return JSONResponse({"error": message}, status_code=status)
        who = getattr(request.state, "principal", None)
        return HTMLResponse(
            env.get_template("error.html").render(
                status=status, message=message, me=who, csrf=getattr(request.state, "csrf", "")
            ),
            status_code=status,
        )

    @app.exception_handler(NotLoggedIn)
    async def _login_redirect(request: Request, exc: NotLoggedIn) -> Response:
        return RedirectResponse("/login?" + urlencode({"next": exc.next_url}), status_code=303)

    @app.exception_handler(NotFoundError)
    async def _not_found(request: Request, exc: NotFoundError) -> Response:
        return _error_page(request, 404, str(exc))

    @app.exception_handler(LedgerError)
    async def _ledger_down(request: Request, exc: LedgerError) -> Response:
        log.error("the ledger cannot be used: %s", exc)
        return _error_page(
            request, 503, "The ledger cannot be read right now; the server's log says why."
        )

    @app.exception_handler(RequestValidationError)
    async def _invalid(request: Request, exc: RequestValidationError) -> Response:
        if _is_api(request):
            return JSONResponse({"detail": jsonable_encoder(exc.errors())}, status_code=422)
        where = "; ".join(
            f"{'.'.join(str(x) for x in e.get('loc', ())[1:])}: {e.get('msg', '')}"
            for e in exc.errors()
        )
        return _error_page(request, 422, f"This page cannot take that request ({where}).")

    @app.exception_handler(Exception)
    async def _crash(request: Request, exc: Exception) -> Response:
        log.exception("unexpected error on %s %s", request.method, request.url.path)
        response = _error_page(
            request, 500, "Something went wrong on the server; its log says what."
        )
        _secure_headers(request, response)
        return response

    @app.exception_handler(StateError)
    async def _conflict(request: Request, exc: StateError) -> Response:
        return _error_page(request, 409, str(exc))

    @app.exception_handler(MlvetError)
    async def _bad_input(request: Request, exc: MlvetError) -> Response:
        return _error_page(request, 400, str(exc))

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException) -> Response:
        response = _error_page(request, exc.status_code, str(exc.detail))
        if exc.status_code == 401 and _is_api(request):
            response.headers["WWW-Authenticate"] = "Bearer"
        return response

    # -- who is asking ---------------------------------------------------------------------
    def _who(request: Request) -> tuple[Principal, str | None] | None:
        header = request.headers.get("authorization", "")
        if header:
            scheme, _, token = header.partition(" ")
            if scheme.lower() != "bearer":
                return None
            p = authenticate(led, token.strip())
            return (p, None) if p else None
        found = session_principal(led, request.cookies.get(SESSION_COOKIE))
        return found

    bearer = HTTPBearer(auto_error=False, description="A token from `mlvet token create`.")

    def api_user(
        request: Request,
        _credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)] = None,
    ) -> Principal:
        found = _who(request)
        if found is None:
            raise HTTPException(401, "A token is needed: send `Authorization: Bearer <token>`.")
        principal, csrf = found
        if csrf is not None and request.method not in ("GET", "HEAD", "OPTIONS"):
            sent = request.headers.get("x-csrf-token", "")
            if not hmac.compare_digest(sent.encode(), csrf.encode()):
                raise HTTPException(403, "A session's API call must send X-CSRF-Token.")
        request.state.principal = principal
        return principal

    def page_user(request: Request) -> Principal:
        found = _who(request)
        if found is None:
            raw = request.scope.get("raw_path") or request.url.path.encode()
            path = raw.decode("latin-1")  # as the browser sent it: names stay encoded
            target = path + (f"?{request.url.query}" if request.url.query else "")
            raise NotLoggedIn(target if request.method == "GET" else "/")
        principal, csrf = found
        request.state.principal = principal
        request.state.csrf = csrf or ""
        return principal

    def need(role: str) -> Callable[[Principal], None]:
        def check(principal: Principal) -> None:
            if not principal.can(role):
                raise HTTPException(
                    403,
                    f"Only a token with the {role} role (or above) may do this; "
                    f"{principal.name!r} is a {principal.role}.",
                )

        return check

    async def form_csrf(request: Request, user: Annotated[Principal, Depends(page_user)]) -> None:
        form = await request.form()
        sent = str(form.get("csrf", ""))
        expected = getattr(request.state, "csrf", "")
        if not expected or not hmac.compare_digest(sent.encode(), expected.encode()):
            raise HTTPException(403, "The form's CSRF secret is missing or stale; reload the page.")

    ApiUser = Annotated[Principal, Depends(api_user)]
    PageUser = Annotated[Principal, Depends(page_user)]

    def render(request: Request, template: str, **context: Any) -> HTMLResponse:
        html = env.get_template(template).render(
            me=request.state.principal,
            csrf=request.state.csrf,
            path=request.url.path,
            query=dict(request.query_params),
            **context,
        )
        return HTMLResponse(html)

    def read(fn: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
        with led.connect() as conn:
            return fn(conn, *args, **kwargs)

    # ================================ JSON API ============================================
    api = "/api"

    @app.get(f"{api}/health", tags=["meta"])
    def health() -> dict[str, Any]:
        """Liveness: answers without a token, and says nothing about the ledger's contents."""
        return {"status": "ok", "version": __version__}

    @app.get(f"{api}/openapi.json", include_in_schema=False)
    def openapi_schema(user: ApiUser) -> JSONResponse:
        return JSONResponse(app.openapi())

    @app.get(f"{api}/me", tags=["meta"], responses=ERRORS)
    def me(user: ApiUser) -> dict[str, Any]:
        return {"name": user.name, "role": user.role}

    @app.get(f"{api}/scorecard", tags=["scorecard"], responses=ERRORS)
    def api_scorecard(user: ApiUser) -> dict[str, Any]:
        return _scorecard()

    @app.get(f"{api}/findings", tags=["scorecard"], responses=ERRORS)
    def api_findings(
        user: ApiUser,
        family: Annotated[str | None, Query(pattern="^[A-Za-z]{2}$")] = None,
        status: Annotated[str, Query(pattern="^(open|superseded|all)$")] = "open",
        cursor: Cursor = None,
        limit: Limit = 50,
    ) -> dict[str, Any]:
        page = read(q.findings_page, family=family, status=status, cursor=cursor, limit=limit)
        return dict(page.to_dict())

    @app.get(f"{api}/findings/{{finding_id}}", tags=["scorecard"], responses=ERRORS)
    def api_finding(user: ApiUser, finding_id: ItemId) -> dict[str, Any]:
        return dict(read(q.finding, finding_id))

    @app.get(f"{api}/runs", tags=["experiments"], responses=ERRORS)
    def api_runs(
        user: ApiUser,
        kind: Annotated[str | None, Query(max_length=32, pattern=NO_NUL)] = None,
        family: Annotated[str | None, Query(pattern="^[A-Za-z]{2}$")] = None,
        cursor: Cursor = None,
        limit: Limit = 50,
    ) -> dict[str, Any]:
        page = read(q.runs_page, kind=kind, family=family, cursor=cursor, limit=limit)
        return dict(page.to_dict())

    @app.get(f"{api}/runs/{{run_id}}", tags=["experiments"], responses=ERRORS)
    def api_run(
        user: ApiUser, run_id: Annotated[str, Path(max_length=36, pattern=NO_NUL)]
    ) -> dict[str, Any]:
        return dict(read(q.run, run_id))

    @app.get(f"{api}/diff", tags=["experiments"], responses=ERRORS)
    def api_diff(
        user: ApiUser,
        a: Annotated[str, Query(min_length=1, max_length=255, pattern=TEXT)],
        b: Annotated[str, Query(min_length=1, max_length=255, pattern=TEXT)],
    ) -> dict[str, Any]:
        return _diff(a, b)

    @app.get(f"{api}/experiments/{{kind}}", tags=["experiments"], responses=ERRORS)
    def api_experiments(
        user: ApiUser,
        kind: Annotated[str, Path(pattern="^(searches|comparisons|ablations)$")],
        cursor: Cursor = None,
        limit: Limit = 50,
    ) -> dict[str, Any]:
        return dict(read(q.experiments_page, kind, cursor=cursor, limit=limit).to_dict())

    @app.get(f"{api}/searches/{{search_id}}", tags=["experiments"], responses=ERRORS)
    def api_search(user: ApiUser, search_id: ItemId) -> dict[str, Any]:
        return dict(read(q.search, search_id))

    @app.get(f"{api}/searches/{{search_id}}/trials", tags=["experiments"], responses=ERRORS)
    def api_trials(
        user: ApiUser,
        search_id: ItemId,
        cursor: Cursor = None,
        limit: Limit = 50,
    ) -> dict[str, Any]:
        return dict(read(q.trials_page, search_id, cursor=cursor, limit=limit).to_dict())

    @app.get(f"{api}/comparisons/{{item_id}}", tags=["experiments"], responses=ERRORS)
    def api_comparison(user: ApiUser, item_id: ItemId) -> dict[str, Any]:
        return dict(read(q.comparison, item_id))

    @app.get(f"{api}/ablations/{{item_id}}", tags=["experiments"], responses=ERRORS)
    def api_ablation(user: ApiUser, item_id: ItemId) -> dict[str, Any]:
        return dict(read(q.ablation, item_id))

    @app.get(f"{api}/datasets", tags=["catalog"], responses=ERRORS)
    def api_datasets(user: ApiUser, cursor: Cursor = None, limit: Limit = 50) -> dict[str, Any]:
        return dict(read(q.datasets_page, cursor=cursor, limit=limit).to_dict())

    @app.get(f"{api}/datasets/{{name:name}}", tags=["catalog"], responses=ERRORS)
    def api_dataset(
        user: ApiUser, name: Annotated[str, Path(max_length=255, pattern=NO_NUL)]
    ) -> dict[str, Any]:
        return dict(read(q.dataset, name))

    @app.get(f"{api}/datasets/{{name:name}}/versions", tags=["catalog"], responses=ERRORS)
    def api_dataset_versions(
        user: ApiUser,
        name: Annotated[str, Path(max_length=255, pattern=NO_NUL)],
        cursor: Cursor = None,
        limit: Limit = 50,
    ) -> dict[str, Any]:
        return dict(read(q.versions_page, name, cursor=cursor, limit=limit).to_dict())

    @app.get(f"{api}/quarantined", tags=["catalog"], responses=ERRORS)
    def api_quarantined(user: ApiUser, cursor: Cursor = None, limit: Limit = 50) -> dict[str, Any]:
        """Every quarantined dataset version, newest first."""
        page = read(q.versions_page, quarantined=True, cursor=cursor, limit=limit)
        return dict(page.to_dict())

    @app.get(f"{api}/versions/{{version_id}}", tags=["catalog"], responses=ERRORS)
    def api_version(user: ApiUser, version_id: ItemId) -> dict[str, Any]:
        return dict(read(q.dataset_version, version_id))

    @app.get(f"{api}/versions/{{version_id}}/lineage", tags=["catalog"], responses=ERRORS)
    def api_lineage(user: ApiUser, version_id: ItemId) -> dict[str, Any]:
        return dict(read(q.lineage_graph, version_id))

    @app.get(f"{api}/vaults", tags=["vault"], responses=ERRORS)
    def api_vaults(user: ApiUser, cursor: Cursor = None, limit: Limit = 50) -> dict[str, Any]:
        return dict(read(q.vaults_page, cursor=cursor, limit=limit).to_dict())

    @app.get(f"{api}/vaults/{{name:name}}", tags=["vault"], responses=ERRORS)
    def api_vault(
        user: ApiUser, name: Annotated[str, Path(max_length=255, pattern=NO_NUL)]
    ) -> dict[str, Any]:
        return _vault(name)

    @app.get(f"{api}/vaults/{{name:name}}/reads", tags=["vault"], responses=ERRORS)
    def api_vault_reads(
        user: ApiUser,
        name: Annotated[str, Path(max_length=255, pattern=NO_NUL)],
        cursor: Cursor = None,
        limit: Limit = 50,
    ) -> dict[str, Any]:
        return dict(read(q.vault_reads_page, name, cursor=cursor, limit=limit).to_dict())

    @app.get(f"{api}/models", tags=["models"], responses=ERRORS)
    def api_models(user: ApiUser, cursor: Cursor = None, limit: Limit = 50) -> dict[str, Any]:
        return dict(read(q.models_page, cursor=cursor, limit=limit).to_dict())

    @app.get(f"{api}/models/{{name:name}}", tags=["models"], responses=ERRORS)
    def api_model(
        user: ApiUser, name: Annotated[str, Path(max_length=255, pattern=NO_NUL)]
    ) -> dict[str, Any]:
        return dict(read(q.model, name))

    @app.get(f"{api}/models/{{name:name}}/versions", tags=["models"], responses=ERRORS)
    def api_model_versions(
        user: ApiUser,
        name: Annotated[str, Path(max_length=255, pattern=NO_NUL)],
        cursor: Cursor = None,
        limit: Limit = 10,
    ) -> dict[str, Any]:
        return dict(read(q.model_versions_page, name, cursor=cursor, limit=limit).to_dict())

    @app.get(f"{api}/models/{{name:name}}/history", tags=["models"], responses=ERRORS)
    def api_model_history(
        user: ApiUser,
        name: Annotated[str, Path(max_length=255, pattern=NO_NUL)],
        cursor: Cursor = None,
        limit: Limit = 50,
    ) -> dict[str, Any]:
        return dict(read(q.model_history_page, name, cursor=cursor, limit=limit).to_dict())

    @app.get(f"{api}/monitors", tags=["monitors"], responses=ERRORS)
    def api_monitors(user: ApiUser, cursor: Cursor = None, limit: Limit = 50) -> dict[str, Any]:
        return dict(read(q.monitors_page, cursor=cursor, limit=limit).to_dict())

    @app.get(f"{api}/monitors/{{name:name}}", tags=["monitors"], responses=ERRORS)
    def api_monitor(
        user: ApiUser, name: Annotated[str, Path(max_length=255, pattern=NO_NUL)]
    ) -> dict[str, Any]:
        return dict(read(q.monitor, name))

    @app.get(f"{api}/monitors/{{name:name}}/batches", tags=["monitors"], responses=ERRORS)
    def api_batches(
        user: ApiUser,
        name: Annotated[str, Path(max_length=255, pattern=NO_NUL)],
        cursor: Cursor = None,
        limit: Limit = 50,
    ) -> dict[str, Any]:
        return dict(read(q.monitor_batches, name, cursor=cursor, limit=limit).to_dict())

    @app.get(f"{api}/monitors/{{name:name}}/series", tags=["monitors"], responses=ERRORS)
    def api_series(
        user: ApiUser,
        name: Annotated[str, Path(max_length=255, pattern=NO_NUL)],
        cursor: Cursor = None,
        limit: Limit = 200,
    ) -> dict[str, Any]:
        return dict(read(q.monitor_series, name, cursor=cursor, limit=limit))

    @app.get(f"{api}/alerts", tags=["alerts"], responses=ERRORS)
    def api_alerts(
        user: ApiUser,
        status: Annotated[str, Query(pattern="^(open|acknowledged|resolved|all)$")] = "open",
        monitor: Annotated[str | None, Query(max_length=255, pattern=NO_NUL)] = None,
        cursor: Cursor = None,
        limit: Limit = 50,
    ) -> dict[str, Any]:
        page = read(q.alerts_page, status=status, monitor_name=monitor, cursor=cursor, limit=limit)
        return dict(page.to_dict())

    @app.post(f"{api}/alerts/{{alert_id}}/acknowledge", tags=["alerts"], responses=ERRORS)
    def api_ack(user: ApiUser, alert_id: ItemId, body: Reason) -> dict[str, Any]:
        need("reviewer")(user)
        return _move_alert(alert_id, "acknowledge", user, body.reason)

    @app.post(f"{api}/alerts/{{alert_id}}/resolve", tags=["alerts"], responses=ERRORS)
    def api_resolve(user: ApiUser, alert_id: ItemId, body: Reason) -> dict[str, Any]:
        need("reviewer")(user)
        return _move_alert(alert_id, "resolve", user, body.reason)

    @app.get(f"{api}/reviews", tags=["reviews"], responses=ERRORS)
    def api_reviews(
        user: ApiUser,
        status: Annotated[str, Query(pattern="^(open|decided|all)$")] = "open",
        cursor: Cursor = None,
        limit: Limit = 50,
    ) -> dict[str, Any]:
        return dict(read(q.reviews_page, status=status, cursor=cursor, limit=limit).to_dict())

    @app.get(f"{api}/reviews/{{item_id}}", tags=["reviews"], responses=ERRORS)
    def api_review(user: ApiUser, item_id: ItemId) -> dict[str, Any]:
        return dict(read(q.review, item_id))

    @app.post(f"{api}/reviews/{{item_id}}/decide", tags=["reviews"], responses=ERRORS)
    def api_decide(user: ApiUser, item_id: ItemId, body: Decision) -> dict[str, Any]:
        need("reviewer")(user)
        return _decide(item_id, body.label, user, body.reason)

    @app.get(f"{api}/audit", tags=["audit"], responses=ERRORS)
    def api_audit(user: ApiUser) -> dict[str, Any]:
        return {"last_verification": read(q.last_verification)}

    @app.get(f"{api}/audit/events", tags=["audit"], responses=ERRORS)
    def api_events(
        user: ApiUser,
        kind: Annotated[str | None, Query(max_length=64, pattern=NO_NUL)] = None,
        cursor: Cursor = None,
        limit: Limit = 50,
    ) -> dict[str, Any]:
        return dict(read(q.events_page, kind=kind, cursor=cursor, limit=limit).to_dict())

    @app.post(f"{api}/audit/verify", tags=["audit"], responses=ERRORS)
    def api_verify(user: ApiUser) -> dict[str, Any]:
        return _verify(user)

    @app.get(f"{api}/tokens", tags=["settings"], responses=ERRORS)
    def api_tokens(user: ApiUser) -> dict[str, Any]:
        need("admin")(user)
        return {"items": [_token_dict(t) for t in tokens(ledger=led)]}

    @app.post(f"{api}/tokens", tags=["settings"], responses=ERRORS, status_code=201)
    def api_token_create(user: ApiUser, body: NewToken) -> dict[str, Any]:
        need("admin")(user)
        info, secret = create_token(body.name, body.role, actor=user.actor, ledger=led)
        return _token_dict(info) | {"token": secret}

    @app.post(f"{api}/tokens/{{token_id}}/revoke", tags=["settings"], responses=ERRORS)
    def api_token_revoke(user: ApiUser, token_id: ItemId) -> dict[str, Any]:
        need("admin")(user)
        return _token_dict(revoke_token(token_id, actor=user.actor, ledger=led))

    # -- shared actions and reads ----------------------------------------------------------
    def _scorecard() -> dict[str, Any]:
        from dataclasses import asdict

        from mlvet._scorecard import scorecard
        from mlvet.catalog import antipatterns

        rows = [asdict(r) for r in scorecard(ledger=led, verify=False)]
        stages: dict[str, list[dict[str, Any]]] = {}
        for ap in antipatterns():
            stages.setdefault(ap.stage.value, [])
        for r in rows:
            stages[r["stage"]].append(r)
        return {
            "stages": [{"stage": k, "antipatterns": v} for k, v in stages.items()],
            "last_verification": read(q.last_verification),
        }

    def _diff(a: str, b: str) -> dict[str, Any]:
        from mlvet.experiments._diff import diff

        return diff(a, b, record=False, ledger=led).to_dict()

    def _vault(name: str) -> dict[str, Any]:
        from mlvet.exceptions import VaultIntegrityError
        from mlvet.vault import Vault

        try:
            vault = Vault(name, ledger=led)
        except InputError as exc:  # a name no vault can have
            raise NotFoundError(f"No vault named {name!r} in this ledger.") from exc
        info = vault.info().to_dict()
        try:
            with led.connect(snapshot=True) as conn:
                vault._trusted_row(conn)
            info["integrity"] = None
        except VaultIntegrityError as exc:
            info["integrity"] = str(exc)
        info["reads"] = read(q.vault_reads_page, name, limit=1).total
        return dict(info)

    def _move_alert(alert_id: int, action: str, user: Principal, reason: str) -> dict[str, Any]:
        from mlvet.monitoring import acknowledge, resolve

        fn = acknowledge if action == "acknowledge" else resolve
        alert = fn(alert_id, who=user.actor, reason=reason, ledger=led)
        return {"id": alert.id, "status": alert.status, "by": user.actor, "reason": reason}

    def _decide(item_id: int, label: Any, user: Principal, reason: str) -> dict[str, Any]:
        from mlvet.guard import decide

        decide(item_id, label, reviewer=user.actor, reason=reason, ledger=led)
        return dict(read(q.review, item_id))

    def _verify(user: Principal) -> dict[str, Any]:
        """Verify the chain (always: rows can be edited behind the chain's back) and record
        the result, unless nothing was written since a verification that said the same."""
        last = read(q.last_verification)
        head = led.head()[0]
        report = led.verify()
        result = {
            "ok": report.ok,
            "n_events": report.n_events,
            "problems": [p.describe() for p in report.problems[:50]],
            "n_problems": len(report.problems),
        }
        # the last event is that verification, and the answer is the same: record nothing
        unchanged = last is not None and last["seq"] == head
        same = unchanged and all(last.get(k) == result[k] for k in ("ok", "problems"))
        if not same:
            with led.transaction(actor=user.actor) as tx:
                tx.event("audit.verify", result)
        return dict(result)

    def _token_dict(t: Any) -> dict[str, Any]:
        return {
            "id": t.id,
            "name": t.name,
            "role": t.role,
            "prefix": t.prefix,
            "created_by": t.created_by,
            "created_at": t.created_at,
            "revoked_at": t.revoked_at,
            "revoked_by": t.revoked_by,
        }

    # ================================ pages ===============================================
    @app.get("/login", include_in_schema=False)
    def login_page(
        request: Request,
        next: Annotated[str, Query(max_length=2000, pattern=NO_NUL)] = "/",
        error: Annotated[str | None, Query(pattern="^(unknown)$")] = None,
    ) -> Response:
        pre = secrets.token_urlsafe(24)
        html = env.get_template("login.html").render(
            me=None,
            csrf=pre,
            next=_safe_next(next),
            error=LOGIN_ERRORS.get(error or ""),
        )
        response = HTMLResponse(html)
        response.set_cookie(
            LOGIN_CSRF_COOKIE, pre, httponly=True, samesite="strict", secure=_secure(request)
        )
        return response

    @app.post("/login", include_in_schema=False)
    def login(
        request: Request,
        token: Annotated[str, Form(max_length=400)],
        csrf: Annotated[str, Form(max_length=200)] = "",
        next: Annotated[str, Form(max_length=2000)] = "/",
    ) -> Response:
        expected = request.cookies.get(LOGIN_CSRF_COOKIE, "")
        if not expected or not hmac.compare_digest(csrf.encode(), expected.encode()):
            raise HTTPException(403, "The login form is stale; open the login page again.")
        principal = authenticate(led, token.strip())
        if principal is None:
            return RedirectResponse(
                "/login?" + urlencode({"next": _safe_next(next), "error": "unknown"}),
                status_code=303,
            )
        cookie, _ = open_session(led, principal)
        response = RedirectResponse(_safe_next(next), status_code=303)
        response.set_cookie(
            SESSION_COOKIE,
            cookie,
            httponly=True,
            samesite="strict",
            secure=_secure(request),
            max_age=12 * 3600,
        )
        response.delete_cookie(LOGIN_CSRF_COOKIE)
        return response

    @app.post("/logout", include_in_schema=False, dependencies=[Depends(form_csrf)])
    def logout(request: Request, user: PageUser) -> Response:
        close_session(led, request.cookies.get(SESSION_COOKIE, ""), user)
        response = RedirectResponse("/login", status_code=303)
        response.delete_cookie(SESSION_COOKIE)
        return response

    @app.get("/", include_in_schema=False)
    def scorecard_page(request: Request, user: PageUser) -> Response:
        return render(request, "scorecard.html", card=_scorecard(), section="scorecard")

    @app.get("/findings", include_in_schema=False)
    def findings_list(
        request: Request,
        user: PageUser,
        family: Annotated[str | None, Query(pattern="^[A-Za-z]{2}$")] = None,
        status: Annotated[str, Query(pattern="^(open|superseded|all)$")] = "open",
        cursor: Cursor = None,
        limit: Limit = 50,
    ) -> Response:
        page = read(q.findings_page, family=family, status=status, cursor=cursor, limit=limit)
        return render(
            request, "findings.html", page=page, family=family, status=status, section="scorecard"
        )

    @app.get("/findings/{finding_id}", include_in_schema=False)
    def finding_page(request: Request, user: PageUser, finding_id: ItemId) -> Response:
        return render(request, "finding.html", f=read(q.finding, finding_id), section="scorecard")

    @app.get("/rules/{code}", include_in_schema=False)
    def rule_page(request: Request, user: PageUser, code: str) -> Response:
        from mlvet.catalog import get_rule, rule_page

        try:
            found = get_rule(code)
        except InputError as exc:
            raise NotFoundError(str(exc)) from exc
        return render(
            request, "rule.html", rule=found, doc=rule_page(found.code), section="scorecard"
        )

    @app.get("/catalog", include_in_schema=False)
    def catalog_page(
        request: Request,
        user: PageUser,
        show: Annotated[str, Query(pattern="^(datasets|quarantined)$")] = "datasets",
        cursor: Cursor = None,
        limit: Limit = 50,
    ) -> Response:
        if show == "quarantined":
            page = read(q.versions_page, quarantined=True, cursor=cursor, limit=limit)
        else:
            page = read(q.datasets_page, cursor=cursor, limit=limit)
        return render(request, "catalog.html", page=page, show=show, section="catalog")

    @app.get("/catalog/{name:name}", include_in_schema=False)
    def dataset_page(
        request: Request, user: PageUser, name: str, cursor: Cursor = None, limit: Limit = 50
    ) -> Response:
        return render(
            request,
            "dataset.html",
            d=read(q.dataset, name),
            versions=read(q.versions_page, name, cursor=cursor, limit=limit),
            section="catalog",
        )

    @app.get("/versions/{version_id}", include_in_schema=False)
    def version_page(request: Request, user: PageUser, version_id: ItemId) -> Response:
        v = read(q.dataset_version, version_id)
        graph = layout(read(q.lineage_graph, version_id))
        return render(request, "version.html", v=v, graph=graph, section="catalog")

    @app.get("/experiments", include_in_schema=False)
    def experiments_page(
        request: Request,
        user: PageUser,
        kind: Annotated[str, Query(pattern="^(searches|comparisons|ablations|runs)$")] = "searches",
        run_kind: Annotated[str | None, Query(max_length=32, pattern=NO_NUL)] = None,
        family: Annotated[str | None, Query(pattern="^[A-Za-z]{2}$")] = None,
        cursor: Cursor = None,
        limit: Limit = 50,
    ) -> Response:
        if kind == "runs":
            page = read(q.runs_page, kind=run_kind, family=family, cursor=cursor, limit=limit)
        else:
            page = read(q.experiments_page, kind, cursor=cursor, limit=limit)
        return render(
            request,
            "experiments.html",
            page=page,
            kind=kind,
            run_kind=run_kind,
            section="experiments",
        )

    @app.get("/searches/{search_id}", include_in_schema=False)
    def search_page(
        request: Request,
        user: PageUser,
        search_id: ItemId,
        cursor: Cursor = None,
        limit: Limit = 50,
    ) -> Response:
        return render(
            request,
            "search.html",
            s=read(q.search, search_id),
            trials=read(q.trials_page, search_id, cursor=cursor, limit=limit),
            section="experiments",
        )

    @app.get("/comparisons/{item_id}", include_in_schema=False)
    def comparison_page(request: Request, user: PageUser, item_id: ItemId) -> Response:
        return render(
            request, "comparison.html", c=read(q.comparison, item_id), section="experiments"
        )

    @app.get("/ablations/{item_id}", include_in_schema=False)
    def ablation_page(request: Request, user: PageUser, item_id: ItemId) -> Response:
        return render(request, "ablation.html", a=read(q.ablation, item_id), section="experiments")

    @app.get("/runs/{run_id}", include_in_schema=False)
    def run_page(request: Request, user: PageUser, run_id: str) -> Response:
        return render(request, "run.html", r=read(q.run, run_id), section="experiments")

    @app.get("/diff", include_in_schema=False)
    def diff_page(
        request: Request,
        user: PageUser,
        a: Annotated[str, Query(max_length=255, pattern=NO_NUL)] = "",
        b: Annotated[str, Query(max_length=255, pattern=NO_NUL)] = "",
    ) -> Response:
        result = _diff(a, b) if a and b else None
        return render(request, "diff.html", d=result, a=a, b=b, section="experiments")

    @app.get("/vault", include_in_schema=False)
    def vaults_page(
        request: Request, user: PageUser, cursor: Cursor = None, limit: Limit = 50
    ) -> Response:
        return render(
            request,
            "vaults.html",
            page=read(q.vaults_page, cursor=cursor, limit=limit),
            section="vault",
        )

    @app.get("/vault/{name:name}", include_in_schema=False)
    def vault_page(
        request: Request, user: PageUser, name: str, cursor: Cursor = None, limit: Limit = 50
    ) -> Response:
        return render(
            request,
            "vault.html",
            v=_vault(name),
            reads=read(q.vault_reads_page, name, cursor=cursor, limit=limit),
            section="vault",
        )

    @app.get("/models", include_in_schema=False)
    def models_page(
        request: Request, user: PageUser, cursor: Cursor = None, limit: Limit = 50
    ) -> Response:
        return render(
            request,
            "models.html",
            page=read(q.models_page, cursor=cursor, limit=limit),
            section="models",
        )

    @app.get("/models/{name:name}/history", include_in_schema=False)
    def model_history(
        request: Request, user: PageUser, name: str, cursor: Cursor = None, limit: Limit = 50
    ) -> Response:
        return render(
            request,
            "model_history.html",
            name=read(q.model, name)["name"],
            history=read(q.model_history_page, name, cursor=cursor, limit=limit),
            section="models",
        )

    @app.get("/models/{name:name}", include_in_schema=False)
    def model_page(
        request: Request, user: PageUser, name: str, cursor: Cursor = None, limit: Limit = 10
    ) -> Response:
        return render(
            request,
            "model.html",
            m=read(q.model, name),
            versions=read(q.model_versions_page, name, cursor=cursor, limit=limit),
            section="models",
        )

    @app.get("/monitors", include_in_schema=False)
    def monitors_page(
        request: Request, user: PageUser, cursor: Cursor = None, limit: Limit = 50
    ) -> Response:
        return render(
            request,
            "monitors.html",
            page=read(q.monitors_page, cursor=cursor, limit=limit),
            section="monitors",
        )

    @app.get("/monitors/{name:name}", include_in_schema=False)
    def monitor_page(
        request: Request, user: PageUser, name: str, cursor: Cursor = None, limit: Limit = 50
    ) -> Response:
        # one read: the charts' window of 200 batches, and the table's first `limit` of them
        window = read(q.monitor_batches, name, cursor=cursor, limit=max(limit, 200))
        batches = window.head(limit)
        columns = sorted({c for i in batches.items for c in i["drift"]})
        metric_columns = sorted(  # whatever this monitor measures: accuracy, AUC, MAE, RMSE
            {k for i in batches.items for k in i["metrics"] if not k.startswith("observed_")},
            key=lambda k: (k.split("_", 1)[1], k),
        )
        return render(
            request,
            "monitor.html",
            m=read(q.monitor, name),
            batches=batches,
            columns=columns,
            metric_columns=metric_columns,
            series=q.series_of(window),
            alerts=read(q.alerts_page, status="all", monitor_name=name, limit=20),
            section="monitors",
        )

    @app.get("/alerts", include_in_schema=False)
    def alerts_page(
        request: Request,
        user: PageUser,
        status: Annotated[str, Query(pattern="^(open|acknowledged|resolved|all)$")] = "open",
        monitor: Annotated[str | None, Query(max_length=255, pattern=NO_NUL)] = None,
        cursor: Cursor = None,
        limit: Limit = 50,
    ) -> Response:
        page = read(q.alerts_page, status=status, monitor_name=monitor, cursor=cursor, limit=limit)
        return render(
            request, "alerts.html", page=page, status=status, monitor=monitor, section="alerts"
        )

    @app.post(
        "/alerts/{alert_id}/{action}", include_in_schema=False, dependencies=[Depends(form_csrf)]
    )
    def alert_action(
        request: Request,
        user: PageUser,
        alert_id: ItemId,
        action: Annotated[str, Path(pattern="^(acknowledge|resolve)$")],
        reason: Annotated[str, Form(max_length=2000)] = "",
    ) -> Response:
        need("reviewer")(user)
        _move_alert(alert_id, action, user, reason)
        back = request.headers.get("referer", "")
        return RedirectResponse(_same_site(back, request) or "/alerts", status_code=303)

    @app.get("/reviews", include_in_schema=False)
    def reviews_page(
        request: Request,
        user: PageUser,
        status: Annotated[str, Query(pattern="^(open|decided|all)$")] = "open",
        cursor: Cursor = None,
        limit: Limit = 50,
    ) -> Response:
        page = read(q.reviews_page, status=status, cursor=cursor, limit=limit)
        return render(request, "reviews.html", page=page, status=status, section="reviews")

    @app.get("/reviews/{item_id}", include_in_schema=False)
    def review_page(request: Request, user: PageUser, item_id: ItemId) -> Response:
        return render(request, "review.html", r=read(q.review, item_id), section="reviews")

    @app.post(
        "/reviews/{item_id}/decide", include_in_schema=False, dependencies=[Depends(form_csrf)]
    )
    def review_action(
        request: Request,
        user: PageUser,
        item_id: ItemId,
        action: Annotated[str, Form(pattern="^(approve|override)$")],
        reason: Annotated[str, Form(max_length=2000)] = "",
        label: Annotated[str, Form(max_length=255)] = "",
    ) -> Response:
        need("reviewer")(user)
        item = read(q.review, item_id)
        if action == "approve":
            value = (item["prediction"] or {}).get("prediction")
        else:
            if not label.strip():
                raise InputError("An override needs the label the row really has.")
            value = _label(label, item["prediction"])
        _decide(item_id, value, user, reason)
        return RedirectResponse(f"/reviews/{item_id}", status_code=303)

    @app.get("/audit", include_in_schema=False)
    def audit_page(
        request: Request,
        user: PageUser,
        kind: Annotated[str | None, Query(max_length=64, pattern=NO_NUL)] = None,
        cursor: Cursor = None,
        limit: Limit = 50,
    ) -> Response:
        return render(
            request,
            "audit.html",
            last=read(q.last_verification),
            events=read(q.events_page, kind=kind, cursor=cursor, limit=limit),
            kind=kind,
            section="audit",
        )

    @app.post("/audit/verify", include_in_schema=False, dependencies=[Depends(form_csrf)])
    def audit_verify(request: Request, user: PageUser) -> Response:
        _verify(user)
        return RedirectResponse("/audit", status_code=303)

    @app.get("/settings", include_in_schema=False)
    def settings_page(request: Request, user: PageUser, new: str | None = None) -> Response:
        need("admin")(user)
        return render(
            request, "settings.html", tokens=tokens(ledger=led), roles=ROLES, section="settings"
        )

    @app.post("/settings/tokens", include_in_schema=False, dependencies=[Depends(form_csrf)])
    def settings_token(
        request: Request,
        user: PageUser,
        name: Annotated[str, Form(max_length=200)],
        role: Annotated[str, Form(pattern="^(viewer|reviewer|admin)$")],
    ) -> Response:
        need("admin")(user)
        info, secret = create_token(name, role, actor=user.actor, ledger=led)
        return render(
            request,
            "settings.html",
            tokens=tokens(ledger=led),
            roles=ROLES,
            created=(info, secret),
            section="settings",
        )

    @app.post(
        "/settings/tokens/{token_id}/revoke",
        include_in_schema=False,
        dependencies=[Depends(form_csrf)],
    )
    def settings_revoke(request: Request, user: PageUser, token_id: ItemId) -> Response:
        need("admin")(user)
        revoke_token(token_id, actor=user.actor, ledger=led)
        return RedirectResponse("/settings", status_code=303)

    # a name may hold "/": routes that add a suffix after {name:name} are tried first
    suffixed = [r for r in app.router.routes if ":name}/" in getattr(r, "path", "")]
    app.router.routes[:] = suffixed + [r for r in app.router.routes if r not in suffixed]
    return app


SLASH_IN_NAME = "\x00"  # NUL: refused in every name and every address, so free to stand in


class _NameConvertor(Convertor[str]):
    """A name in an address: it may hold "/" (sent as %2F). Routing sees the decoded path,
    where "x%2Fhistory" and "x/history" look alike; the middleware leaves a placeholder
    for each encoded slash (:func:`_keep_encoded_slashes`) and this turns it back."""

    regex = ".+"

    def convert(self, value: str) -> str:
        return value.replace(SLASH_IN_NAME, "/")

    def to_string(self, value: str) -> str:
        return quote(value, safe="")


register_url_convertor("name", _NameConvertor())


def _keep_encoded_slashes(scope: MutableMapping[str, Any]) -> None:
    """Route on the path as sent: a slash the client encoded stays part of a name."""
    raw = scope.get("raw_path")
    if not raw or b"%2f" not in bytes(raw).lower():
        return
    segments = bytes(raw).split(b"?")[0].decode("ascii", "replace").split("/")
    scope["path"] = "/".join(unquote(s).replace("/", SLASH_IN_NAME) for s in segments)


def _secure(request: Request) -> bool:
    return request.url.scheme == "https"


def _safe_next(target: str) -> str:
    """Only a path on this site (never another host) is followed after logging in."""
    if not target.startswith("/") or target.startswith("//") or "\\" in target:
        return "/"
    return target


def _same_site(referer: str, request: Request) -> str | None:
    base = str(request.base_url)
    if referer.startswith(base):
        return _safe_next("/" + referer[len(base) :])
    return None


def factory() -> FastAPI:
    """The app for uvicorn's workers: the ledger URL comes from ``MLVET_DASHBOARD_DB``."""
    return create_app(os.environ.get("MLVET_DASHBOARD_DB") or None)
