"""The published OpenAPI document, complete enough for a generated client to work unmodified.

FastAPI's own document says nothing of how a request authenticates nor of the errors the API
answers. This module adds, in one place:
- the security schemes the authentication middleware really applies
  (api.security.authentication): a bearer token, or the session cookie, which on an unsafe
  method also needs the session's CSRF token in X-CSRF-Token; each operation lists them (the
  public ones list none);
- the error answers each operation can give, with the problem body api.errors writes:
  401 (not signed in), 403 (no role allows it; a cookie request without its CSRF token),
  404 (a record missing, or another body's), 409 (stale version, a step the state refuses, a
  write contradicting a stored row), 422 (each problem naming its field), 429 (login throttle).
"""

from collections import Counter
from collections.abc import Iterator
from typing import Any

from fastapi import FastAPI
from fastapi.openapi.utils import get_openapi
from fastapi.routing import APIRoute, iter_route_contexts

from api.security.authentication import CSRF_HEADER, PUBLIC_PATHS, SAFE_METHODS, SESSION_COOKIE

BEARER = "bearerAuth"
COOKIE = "sessionCookie"
CSRF = "csrfToken"
REF = "#/components/schemas/"
PROBLEM = "Problem"
VALIDATION_PROBLEM = "ValidationProblem"
PROBLEM_ITEM = "ProblemItem"
FASTAPI_VALIDATION = ("HTTPValidationError", "ValidationError")

SECURITY_SCHEMES: dict[str, Any] = {
    BEARER: {
        "type": "http",
        "scheme": "bearer",
        "description": "Jeton d'accès : `rgpd token create`, ou POST /api/v1/auth/tokens",
    },
    COOKIE: {
        "type": "apiKey",
        "in": "cookie",
        "name": SESSION_COOKIE,
        "description": "Session ouverte par POST /api/v1/auth/login",
    },
    CSRF: {
        "type": "apiKey",
        "in": "header",
        "name": CSRF_HEADER.decode().title(),
        "description": "Jeton CSRF de la session (réponse de la connexion), exigé avec le "
        "cookie de session pour toute écriture",
    },
}

SCHEMAS: dict[str, Any] = {
    PROBLEM: {
        "title": PROBLEM,
        "type": "object",
        "description": "Une réponse d'erreur : ce qui est refusé, et pourquoi, en français",
        "properties": {"detail": {"type": "string", "title": "Detail"}},
        "required": ["detail"],
    },
    PROBLEM_ITEM: {
        "title": PROBLEM_ITEM,
        "type": "object",
        "description": "Un problème : le champ (loc), ce qui ne va pas (msg), sa nature (type)",
        "properties": {
            "loc": {
                "type": "array",
                "title": "Loc",
                "items": {"anyOf": [{"type": "string"}, {"type": "integer"}]},
            },
            "msg": {"type": "string", "title": "Msg"},
            "type": {"type": "string", "title": "Type"},
        },
        "required": ["loc", "msg", "type"],
    },
    VALIDATION_PROBLEM: {
        "title": VALIDATION_PROBLEM,
        "type": "object",
        "description": "Données refusées : chaque problème nomme le champ",
        "properties": {
            "detail": {
                "type": "array",
                "title": "Detail",
                "items": {"$ref": f"{REF}{PROBLEM_ITEM}"},
            }
        },
        "required": ["detail"],
    },
}

DESCRIPTIONS = {
    "401": "Authentification requise : session ou jeton d'accès",
    "403": "Action refusée : aucun rôle ne la permet, ou jeton CSRF manquant",
    "404": "Introuvable (un enregistrement d'un autre organisme répond de même)",
    "409": "Conflit : version périmée, étape que l'état refuse, ou donnée existante contredite",
    "413": "Fichier trop volumineux (api.input_guard, avant toute lecture)",
    "422": "Données refusées : chaque problème nomme le champ",
    "429": "Trop de tentatives : réessayer après le délai indiqué",
}
HEADERS = {
    "401": {"WWW-Authenticate": {"schema": {"type": "string"}, "description": "Bearer"}},
    "429": {"Retry-After": {"schema": {"type": "integer"}, "description": "Secondes"}},
}
# Dependencies that answer 403 when no role of the caller allows the operation (api.deps).
FORBIDDING_DEPENDENCIES = ("scope_for_", "instance_admin")
AUTH_PREFIX = "/api/v1/auth/"
# What may answer 429: the login throttle (core.accounts.throttle).
THROTTLED = frozenset({("/api/v1/auth/login", "post")})
UPLOAD = "multipart/form-data"  # a file: refused at once when announced too large (413)
FIELD_PROBLEMS = ("413", "422")  # answers whose problems name the field
# Reads of something the instance may lack (404 until it is configured): no record named.
UNCONFIGURED = frozenset({("/api/v1/journal/public-key", "get")})
# Writes that neither change a versioned record nor run a workflow step: never 409.
NEVER_CONFLICT = frozenset({"/api/v1/bundles"})
# Reads a state may refuse: NIS 2 drafts of a body that is no NIS 2 entity, or not decided.
READS_THAT_CONFLICT = frozenset({("/api/v1/incidents/{incident_id}/nis2/draft", "get")})


def install_openapi(app: FastAPI) -> None:
    """Replace `app.openapi` with the completed document (built once, then cached)."""

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            schema = get_openapi(
                title=app.title,
                version=app.version,
                summary=app.summary,
                description=app.description,
                routes=app.routes,
            )
            app.openapi_schema = complete(schema, _routes(app))
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]


def _routes(app: FastAPI) -> dict[tuple[str, str], APIRoute]:
    """Each operation's route, by (path, method), the included routers' routes too."""
    return {
        (context.path_format, method.lower()): context.original_route
        for context in iter_route_contexts(app.routes)
        if isinstance(context.original_route, APIRoute)
        for method in context.original_route.methods
    }


def complete(schema: dict[str, Any], routes: dict[tuple[str, str], APIRoute]) -> dict[str, Any]:
    """Security and error answers on every operation; FastAPI's validation error replaced
    by the app's problem body."""
    components = schema.setdefault("components", {})
    components.setdefault("securitySchemes", {}).update(SECURITY_SCHEMES)
    schemas = components.setdefault("schemas", {})
    for name in FASTAPI_VALIDATION:
        schemas.pop(name, None)
    schemas.update(SCHEMAS)
    _unique_titles(schema)
    for path, method, operation in _operations(schema):
        route = routes.get((path, method))
        operation["security"] = _security(path, method)
        for status in _error_statuses(path, method, operation, route):
            _document(operation["responses"], status)
    return schema


def _unique_titles(schema: dict[str, Any]) -> None:
    """Two models of one class name in two modules (FastAPI keys them by their full module
    path, both keep the class's title): each renamed after its module, key and title, so
    that a generated client keeps both (e.g. `JournalProblemOut`, `ExportsProblemOut`)."""
    schemas = schema["components"]["schemas"]
    titles = Counter(body.get("title") for body in schemas.values())
    renamed = {
        key: _module_qualified(key)
        for key, body in schemas.items()
        if "__" in key and titles[body.get("title")] > 1
    }
    for old, new in renamed.items():
        body = schemas.pop(old)
        body["title"] = new
        schemas[new] = body
    refs = {f"{REF}{old}": f"{REF}{new}" for old, new in renamed.items()}
    if refs:
        _rewrite_refs(schema, refs)


def _module_qualified(key: str) -> str:
    """`api__routes__journal__ProblemOut` → `JournalProblemOut`."""
    *modules, name = key.split("__")
    return modules[-1].title().replace("_", "") + name


def _rewrite_refs(node: Any, refs: dict[str, str]) -> None:
    if isinstance(node, dict):
        if node.get("$ref") in refs:
            node["$ref"] = refs[node["$ref"]]
        for value in node.values():
            _rewrite_refs(value, refs)
    elif isinstance(node, list):
        for value in node:
            _rewrite_refs(value, refs)


def _operations(schema: dict[str, Any]) -> Iterator[tuple[str, str, dict[str, Any]]]:
    for path, item in schema.get("paths", {}).items():
        for method, operation in item.items():
            yield path, method, operation


def _security(path: str, method: str) -> list[dict[str, list]]:
    if path in PUBLIC_PATHS:
        return []
    if method.upper() in SAFE_METHODS:
        return [{BEARER: []}, {COOKIE: []}]
    return [{BEARER: []}, {COOKIE: [], CSRF: []}]


def _error_statuses(
    path: str, method: str, operation: dict[str, Any], route: APIRoute | None
) -> list[str]:
    statuses = []
    writes = method.upper() not in SAFE_METHODS
    if path not in PUBLIC_PATHS:
        statuses.append("401")
        if writes or (route is not None and _may_forbid(route)):
            statuses.append("403")
    if _names_a_record(path, operation) or (path, method) in UNCONFIGURED:
        statuses.append("404")
    conflicts = writes and not path.startswith(AUTH_PREFIX) and path not in NEVER_CONFLICT
    if conflicts or (path, method) in READS_THAT_CONFLICT:
        statuses.append("409")
    if operation.get("parameters") or "requestBody" in operation:
        statuses.append("422")
    if UPLOAD in operation.get("requestBody", {}).get("content", {}):
        statuses.append("413")
    if (path, method) in THROTTLED:
        statuses.append("429")
    return statuses


def _may_forbid(route: APIRoute) -> bool:
    stack = list(route.dependant.dependencies)
    while stack:
        dependency = stack.pop()
        name = getattr(dependency.call, "__name__", "")
        if name.startswith(FORBIDDING_DEPENDENCIES):
            return True
        stack.extend(dependency.dependencies)
    return False


def _names_a_record(path: str, operation: dict[str, Any]) -> bool:
    """A record named in the path, the body or a query filter may be missing (or another
    body's, which answers the same)."""
    parameters = operation.get("parameters", [])
    if any(p["in"] == "path" for p in parameters):
        return True
    if any(p["in"] == "query" and p["name"].endswith("_id") for p in parameters):
        return True
    return "requestBody" in operation and not path.startswith(AUTH_PREFIX)


def _document(responses: dict[str, Any], status: str) -> None:
    """The status's problem body, unless the route declared its own (the import's 422)."""
    kept = responses.get(status, {})
    content = kept.get("content", {}).get("application/json", {})
    ref = content.get("schema", {}).get("$ref", "")
    if ref and not ref.endswith(FASTAPI_VALIDATION):
        return
    body = VALIDATION_PROBLEM if status in FIELD_PROBLEMS else PROBLEM
    answer: dict[str, Any] = {
        "description": DESCRIPTIONS[status] if status == "422" or not kept else kept["description"],
        "content": {"application/json": {"schema": {"$ref": f"{REF}{body}"}}},
    }
    if status in HEADERS:
        answer["headers"] = HEADERS[status]
    responses[status] = answer
