"""Security headers on every answer; HSTS only when the request came over TLS."""

from urllib.parse import urlsplit

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from core.config import get_settings

CSP = "default-src 'self'; frame-ancestors 'none'; object-src 'none'; base-uri 'self'"
HEADERS = [
    (b"content-security-policy", CSP.encode()),
    (b"x-frame-options", b"DENY"),
    (b"x-content-type-options", b"nosniff"),
    (b"referrer-policy", b"same-origin"),
]
HSTS = (b"strict-transport-security", b"max-age=31536000; includeSubDomains")
# The interactive documentation loads its script and style from a CDN: a looser policy there.
DOCS_CSP = (
    "default-src 'self'; frame-ancestors 'none'; object-src 'none'; base-uri 'self'; "
    "script-src 'self' 'unsafe-inline' https://cdn.jsdelivr.net; "
    "style-src 'self' 'unsafe-inline' https://cdn.jsdelivr.net; "
    "img-src 'self' data: https://fastapi.tiangolo.com"
)
DOCS_PATHS = frozenset({"/docs", "/redoc"})


def over_tls(scheme: str) -> bool:
    """Whether a request with this scheme came over TLS: its own scheme is https (uvicorn sets
    it from X-Forwarded-Proto only for a trusted proxy, `--forwarded-allow-ips`), or the
    instance is served over https (RGPD_BASE_URL). A raw X-Forwarded-Proto header is never
    read here: any client can send one. The session cookie's Secure flag starts from it."""
    return scheme == "https" or urlsplit(get_settings().base_url).scheme == "https"


class SecurityHeadersMiddleware:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        extra = list(HEADERS)
        if scope.get("path") in DOCS_PATHS:
            extra[0] = (b"content-security-policy", DOCS_CSP.encode())
        if over_tls(scope.get("scheme", "http")):
            extra.append(HSTS)

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                present = {name.lower() for name, _ in message.get("headers", [])}
                message["headers"] = list(message.get("headers", [])) + [
                    (name, value) for name, value in extra if name not in present
                ]
            await send(message)

        await self.app(scope, receive, send_with_headers)
