"""Every request but a few public ones carries a session cookie or a bearer token.

A pure ASGI middleware, so a route added later is protected without anyone remembering to:
it answers 401 before any parsing, puts the Principal in the request scope, sets the actor
(the user's e-mail) for the journal, and refuses an unsafe request authenticated by the
cookie unless it carries the session's CSRF token (header X-CSRF-Token or form field
csrf_token). Bearer requests need no CSRF token: a browser never adds that header by itself.
Nothing here logs a header, a cookie or a password.
"""

from urllib.parse import parse_qs, quote

from starlette.responses import JSONResponse, RedirectResponse, Response
from starlette.types import ASGIApp, Receive, Scope, Send

from api.asgi_body import replaying
from core.accounts import sessions, tokens
from core.accounts.models import User, WebSession
from core.accounts.service import principal_for
from core.actor import acting_as
from core.clock import utcnow

SESSION_COOKIE = "rgpd_session"
CSRF_HEADER = b"x-csrf-token"
CSRF_FIELD = "csrf_token"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
PUBLIC_PATHS = frozenset(
    {
        "/healthz",
        # Prometheus scrapes without a session; 404 unless RGPD_METRICS. Never exposed by
        # the reverse proxy (nginx: location = /metrics { deny all; }).
        "/metrics",
        "/openapi.json",
        "/docs",
        "/docs/oauth2-redirect",
        "/redoc",
        "/api/v1/auth/login",
        "/connexion",
    }
)
PUBLIC_PREFIXES = ("/static/",)
API_PREFIX = "/api/"
PRINCIPAL_KEY = "rgpd.principal"
SESSION_KEY = "rgpd.session"
_MAX_FORM_BYTES = 1_000_000


def _header(scope: Scope, name: bytes) -> str | None:
    for key, value in scope.get("headers", []):
        if key == name:
            return value.decode("latin-1")
    return None


def _cookie(scope: Scope, name: str) -> str | None:
    raw = _header(scope, b"cookie")
    if not raw:
        return None
    for part in raw.split(";"):
        key, _, value = part.strip().partition("=")
        if key == name:
            return value
    return None


def _refuse(status: int, detail: str, headers: dict[str, str] | None = None) -> JSONResponse:
    return JSONResponse(status_code=status, content={"detail": detail}, headers=headers)


UNAUTHENTICATED = "authentification requise : session ou jeton d'accès (Authorization: Bearer)"


class AuthenticationMiddleware:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        path = scope.get("path", "")
        if scope["type"] != "http" or _is_public(path):
            await self.app(scope, receive, send)
            return
        user, session = await _authenticate(scope)
        if user is None:
            await _unauthenticated(scope, path)(scope, receive, send)
            return
        if session is not None and scope["method"] not in SAFE_METHODS:
            presented, receive = await _presented_csrf_token(scope, receive)
            if not sessions.csrf_matches(session, presented):
                answer = _refuse(403, "requête refusée : jeton CSRF manquant ou invalide")
                await answer(scope, receive, send)
                return
        scope[PRINCIPAL_KEY] = await principal_for(user)
        scope[SESSION_KEY] = session
        with acting_as(user.email):
            await self.app(scope, receive, send)


def _is_public(path: str) -> bool:
    return path in PUBLIC_PATHS or path.startswith(PUBLIC_PREFIXES)


async def _authenticate(scope: Scope) -> tuple[User | None, WebSession | None]:
    """The request's user, and its session when it came by cookie. A request that carries an
    Authorization header is judged on that header alone, whatever cookie it also carries."""
    now = utcnow()
    authorization = _header(scope, b"authorization")
    if authorization is not None:
        kind, _, secret = authorization.partition(" ")
        if kind.lower() != "bearer":
            return None, None
        return await tokens.user_for_token(secret.strip(), now=now), None
    session = await sessions.find_session(_cookie(scope, SESSION_COOKIE) or "", now=now)
    return (session.user if session else None), session


def _unauthenticated(scope: Scope, path: str) -> Response:
    if _is_page(path):
        # A person at a browser: to the login page, and back here afterwards.
        target = path if scope["method"] == "GET" else "/"
        return RedirectResponse(f"/connexion?suivant={quote(target)}", status_code=303)
    return _refuse(401, UNAUTHENTICATED, {"WWW-Authenticate": "Bearer"})


async def _presented_csrf_token(scope: Scope, receive: Receive) -> tuple[str | None, Receive]:
    """The CSRF token the request presents (header, else form field), and the `receive` to
    pass on (it replays the body when the form was read)."""
    presented = _header(scope, CSRF_HEADER)
    if presented is None:
        presented, receive = await _form_field(scope, receive, CSRF_FIELD)
    if presented is None and _is_multipart(scope):
        # A file upload form: its body is not read here, the token rides in the
        # action's query string (useless without the session cookie it belongs to).
        presented = _query_field(scope, CSRF_FIELD)
    return presented, receive


def _query_field(scope: Scope, name: str) -> str | None:
    values = parse_qs(scope.get("query_string", b"").decode("latin-1")).get(name)
    return values[0] if values else None


def _is_multipart(scope: Scope) -> bool:
    content_type = (_header(scope, b"content-type") or "").split(";")[0].strip().lower()
    return content_type == "multipart/form-data"


def _is_page(path: str) -> bool:
    return not path.startswith(API_PREFIX) and path not in PUBLIC_PATHS


async def _form_field(scope: Scope, receive: Receive, name: str) -> tuple[str | None, Receive]:
    """Read a url-encoded form's field, and hand back a `receive` that replays the body."""
    content_type = (_header(scope, b"content-type") or "").split(";")[0].strip().lower()
    if content_type != "application/x-www-form-urlencoded":
        return None, receive
    body = b""
    more = True
    while more:
        message = await receive()
        body += message.get("body", b"")
        more = message.get("more_body", False)
        if len(body) > _MAX_FORM_BYTES:
            return None, receive
    values = parse_qs(body.decode("latin-1")).get(name)
    return (values[0] if values else None), replaying(body, receive)
