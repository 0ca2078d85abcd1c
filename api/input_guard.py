"""Refuse, before any route reads it, what no request may carry: the texts the store reserves
(`enc:v1:`, any `enc:v<digit>:`), naming where they were (a query parameter, a JSON body's
field, a form's field); the NUL character in a form's text field (url-encoded or multipart,
pages and API alike: PostgreSQL cannot store it; JSON bodies and queries are api.nul_guard's);
and a file upload larger than the import's bound (413), before it is parsed and spooled.

A stored text starting so is read back as an encrypted value (core.crypto): typed in any
field, it used to end in a 500. The rule is core.validators' (`has_reserved_prefix`), also
applied to every import cell (register.imports) and to the command line's JSON files. A
multipart body is a file upload: its cells are checked by the import, not here. The answer has
the shape of every other 422 (the API), or is the error page (the pages). A sibling of
api.nul_guard.
"""

import json
from urllib.parse import parse_qsl

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.types import ASGIApp, Receive, Scope, Send

from api.asgi_body import read_body, replaying
from core.config import get_settings
from core.validators import RESERVED_MESSAGE, has_reserved_prefix, reserved_text_path

NUL_MESSAGE = "caractère nul (U+0000) refusé : retirez-le du texte"

API_PREFIX = "/api/"
MULTIPART_SLACK = 1024 * 1024  # the form's other fields and boundaries around the file


MULTIPART = "multipart/form-data"


def _content_type(scope: Scope) -> str:
    for key, value in scope.get("headers", []):
        if key == b"content-type":
            return value.decode("latin-1").split(";")[0].strip().lower()
    return ""


def _in_pairs(pairs: list[tuple[str, str]]) -> str | None:
    for name, value in pairs:
        if has_reserved_prefix(value) or has_reserved_prefix(name):
            return name
    return None


def _nul_in_form(pairs: list[tuple[str, str]]) -> list | None:
    for name, value in pairs:
        if "\x00" in name or "\x00" in value:
            return ["body", name.replace("\x00", "")]
    return None


def _form_refusal(pairs: list[tuple[str, str]]) -> tuple[list, str] | None:
    """Where a form's text fields break a rule, and which rule's message."""
    nul = _nul_in_form(pairs)
    if nul is not None:
        return nul, NUL_MESSAGE
    name = _in_pairs(pairs)
    return None if name is None else (["body", name], RESERVED_MESSAGE)


def _in_body(body: bytes, content_type: str) -> tuple[list, str] | None:
    if "json" in content_type:
        if b"enc" not in body.lower() and b"\\u" not in body:  # escapes may spell it
            return None
        try:
            found = reserved_text_path(json.loads(body))
        except ValueError:  # not valid JSON: FastAPI answers that itself
            return None
        return None if found is None else (["body", *found], RESERVED_MESSAGE)
    text = body.decode("utf-8", "replace")
    return _form_refusal(parse_qsl(text, keep_blank_values=True))


async def _in_multipart(scope: Scope, body: bytes, receive: Receive) -> tuple[list, str] | None:
    """The text fields of a multipart form (the pages' forms may be sent so too); its files are
    the import's to check, cell by cell. A form that does not parse is the app's to refuse."""
    try:
        async with Request(scope, replaying(body, receive)).form() as form:
            texts = [(k, v) for k, v in form.multi_items() if isinstance(v, str)]
    except Exception:  # malformed: the route answers it as it would without this guard
        return None
    return _form_refusal(texts)


def refusal(scope: Scope, loc: list, message: str = RESERVED_MESSAGE) -> Response:
    """The API's 422 naming `loc`, or the pages' error page naming the field."""
    if scope["path"].startswith(API_PREFIX):
        detail = [{"loc": loc, "msg": message, "type": "value_error"}]
        return JSONResponse(status_code=422, content={"detail": detail})
    field = loc[-1] if loc else ""
    return _page(scope, 422, "Texte refusé", f"Champ « {field} » : {message}.")


def _too_large(scope: Scope) -> Response | None:
    """413 for a multipart body announced larger than an import file may be."""
    limit = get_settings().import_max_bytes
    for key, value in scope.get("headers", []):
        if key == b"content-length" and value.isdigit() and int(value) > limit + MULTIPART_SLACK:
            message = f"fichier trop volumineux (plus de {limit // 2**20} Mo)"
            if scope["path"].startswith(API_PREFIX):
                detail = [{"loc": ["body", "file"], "msg": message, "type": "value_error"}]
                return JSONResponse(status_code=413, content={"detail": detail})
            return _page(scope, 413, "Fichier trop volumineux", message + ".")
    return None


def _page(scope: Scope, status: int, title: str, message: str) -> Response:
    from api.web.render import page  # the pages' renderer, only for a page's refusal

    scope.setdefault("router", scope["app"].router)
    return page(
        Request(scope), "error.html.j2", status=status, code=status, title=title, message=message
    )


class InputGuardMiddleware:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        query = scope.get("query_string", b"").decode("latin-1")
        name = _in_pairs(parse_qsl(query, keep_blank_values=True)) if query else None
        if name is not None:
            await refusal(scope, ["query", name])(scope, receive, send)
            return
        content_type = _content_type(scope)
        too_large = _too_large(scope) if content_type == MULTIPART else None
        if too_large is not None:
            await too_large(scope, receive, send)
            return
        readable = "json" in content_type or content_type in (
            "application/x-www-form-urlencoded",
            MULTIPART,
        )
        if scope["method"] in ("GET", "HEAD", "OPTIONS") or not readable:
            await self.app(scope, receive, send)
            return
        body = await read_body(receive)
        if content_type == MULTIPART:
            found = await _in_multipart(scope, body, receive)
        else:
            found = _in_body(body, content_type)
        if found is not None:
            await refusal(scope, *found)(scope, receive, send)
            return
        await self.app(scope, replaying(body, receive), send)
