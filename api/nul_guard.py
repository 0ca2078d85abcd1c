"""Refuse the NUL character (U+0000) in any request, naming where it was.

PostgreSQL cannot store it in a text column, so a NUL typed or pasted into any field would
reach the database and fail there (500) after part of the work; SQLite would keep it and
cut the text short in other tools. Found by schemathesis. One guard for every route, JSON
bodies and query strings alike; the answer has the shape of every other 422 (the API), or is
the error page (the pages). Forms' fields, url-encoded or multipart, are api.input_guard's
(it parses them already).
"""

import json
from urllib.parse import parse_qsl

from starlette.types import ASGIApp, Receive, Scope, Send

from api.asgi_body import read_body, replaying
from api.input_guard import NUL_MESSAGE, refusal


def _path_of_nul(value, path: list) -> list | None:
    if isinstance(value, str):
        return path if "\x00" in value else None
    if isinstance(value, dict | list):
        items = value.items() if isinstance(value, dict) else enumerate(value)
        for key, item in items:
            if isinstance(key, str) and "\x00" in key:
                return [*path, key]
            found = _path_of_nul(item, [*path, key])
            if found is not None:
                return found
    return None


def _is_json(scope: Scope) -> bool:
    for key, value in scope.get("headers", []):
        if key == b"content-type":
            return b"json" in value.lower()
    return False


class NulGuardMiddleware:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        query = scope.get("query_string", b"")
        if b"%00" in query or b"\x00" in query:
            names = [k for k, v in parse_qsl(query.decode("latin-1")) if "\x00" in k + v]
            loc = ["query", names[0] if names else ""]
            await refusal(scope, loc, NUL_MESSAGE)(scope, receive, send)
            return
        if scope["method"] in ("GET", "HEAD", "OPTIONS", "DELETE") or not _is_json(scope):
            # Files (imports, attachments) may hold NUL bytes legitimately.
            await self.app(scope, receive, send)
            return
        body = await read_body(receive)
        if b"\\u0000" in body or b"\x00" in body:
            try:
                found = _path_of_nul(json.loads(body), [])
            except ValueError:  # not valid JSON: FastAPI answers that itself
                found = None
            if found is not None:
                await refusal(scope, ["body", *found], NUL_MESSAGE)(scope, receive, send)
                return
        await self.app(scope, replaying(body, receive), send)
