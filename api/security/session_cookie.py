"""The session cookie, set the same way by the API's login and the login page.

`Secure` whenever the request came over TLS (`api.security.headers.over_tls`, HSTS's rule):
its scheme is https, which uvicorn sets from X-Forwarded-Proto when the proxy is trusted
(`rgpd serve --proxy-headers --forwarded-allow-ips`, deploy/), or RGPD_BASE_URL is https.
Over plain http too, unless RGPD_BASE_URL is plain http
on the loopback (the demo on one's own machine), where a Secure cookie would never come back.
"""

from ipaddress import ip_address
from urllib.parse import urlsplit

from fastapi import Request, Response

from api.security.authentication import SESSION_COOKIE
from api.security.headers import over_tls
from core.accounts import sessions
from core.config import get_settings


def cookie_is_secure(request: Request) -> bool:
    if over_tls(request.url.scheme):  # the rule HSTS follows too
        return True
    url = urlsplit(get_settings().base_url)
    if url.scheme != "http":
        return True
    host = url.hostname or ""
    if host == "localhost":
        return False
    try:
        return not ip_address(host).is_loopback
    except ValueError:
        return True


def set_session_cookie(response: Response, session_id: str, *, request: Request) -> None:
    response.set_cookie(
        SESSION_COOKIE,
        session_id,
        max_age=int(sessions.SESSION_LIFETIME.total_seconds()),
        path="/",
        secure=cookie_is_secure(request),
        httponly=True,
        samesite="strict",
    )


def clear_session_cookie(response: Response, *, request: Request) -> None:
    response.delete_cookie(
        SESSION_COOKIE, path="/", secure=cookie_is_secure(request), httponly=True
    )
