"""Signing in and out from a browser: the login page (with the TOTP code when the account has
one), the session cookie, and the way back to the page that asked for it."""

from urllib.parse import urlsplit

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse

from api.routes.auth import client_address
from api.security.authentication import SESSION_KEY
from api.security.session_cookie import clear_session_cookie, set_session_cookie
from api.web.forms import text
from api.web.render import page, path_for
from core.accounts import sessions
from core.accounts.service import (
    Credentials,
    LoginFailed,
    TooManyAttempts,
    authenticate,
    sign_out,
)
from core.clock import utcnow

router = APIRouter(include_in_schema=False)


def safe_next(target: str | None) -> str:
    """Only a path of this site: never another host (an open redirect)."""
    if not target or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return "/"
    return target


def same_origin(request: Request) -> bool:
    """A login posted from another site is refused (login CSRF): the browser says where from."""
    origin = request.headers.get("origin")
    if not origin or origin == "null":
        return origin is None
    return urlsplit(origin).netloc == request.headers.get("host")


@router.get("/connexion", name="login.form")
async def login_page(request: Request, suivant: str | None = None):
    return page(request, "login.html.j2", error=None, email="", suivant=safe_next(suivant))


@router.post("/connexion", name="login.submit")
async def login(request: Request):
    form = await request.form()
    target = safe_next(text(form, "suivant"))
    email = text(form, "email") or ""
    if not same_origin(request):
        return page(
            request,
            "login.html.j2",
            status=403,
            error="Requête refusée.",
            email=email,
            suivant=target,
        )
    now = utcnow()
    ip = client_address(request)
    credentials = Credentials(email, str(form.get("password") or ""), text(form, "totp"))
    try:
        user = await authenticate(credentials, ip=ip, now=now)
    except TooManyAttempts as exc:
        answer = page(
            request, "login.html.j2", status=429, error=str(exc), email=email, suivant=target
        )
        answer.headers["Retry-After"] = str(exc.retry_after_seconds)
        return answer
    except LoginFailed as exc:
        return page(
            request, "login.html.j2", status=401, error=str(exc), email=email, suivant=target
        )
    opened = await sessions.open_session(user=user, now=now)
    answer = RedirectResponse(target, status_code=303)
    set_session_cookie(answer, opened.session_id, request=request)
    return answer


@router.post("/deconnexion", name="login.logout")
async def logout(request: Request):
    session = request.scope.get(SESSION_KEY)
    answer = RedirectResponse(path_for(request, "login.form"), status_code=303)
    if session is not None:
        await sign_out(session)
    clear_session_cookie(answer, request=request)
    return answer
