"""Request dependencies: who is calling, what they may see and do, and list paging."""

from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from fastapi import HTTPException, Query, Request

from api.security.authentication import PRINCIPAL_KEY, UNAUTHENTICATED
from core.accounts.roles import Permission, Principal
from core.config import get_settings
from core.scope import Scope

FORBIDDEN = "action refusée : aucun de vos rôles ne la permet"


async def current_principal(request: Request) -> Principal:
    """The signed-in caller, put there by the authentication middleware."""
    principal = request.scope.get(PRINCIPAL_KEY)
    if principal is None:
        raise HTTPException(401, UNAUTHENTICATED, headers={"WWW-Authenticate": "Bearer"})
    return principal


def scope_for(permission: Permission) -> Callable[[Request], Awaitable[Scope]]:
    """A dependency giving the bodies where the caller's roles grant `permission`.

    403 when they grant it in no body at all (decided before any object is read, so it
    reveals nothing); otherwise every service filters by the scope, and an object outside
    it answers 404 as if absent.
    """

    async def dependency(request: Request) -> Scope:
        scope = (await current_principal(request)).scope(permission)
        if scope.is_empty:
            raise HTTPException(403, FORBIDDEN)
        return scope

    dependency.__name__ = f"scope_for_{permission.value}"
    return dependency


async def instance_admin(request: Request) -> Scope:
    """Creating or deleting a body is an instance administrator's act."""
    if not (await current_principal(request)).is_instance_admin:
        raise HTTPException(403, "action réservée à un administrateur de l'instance")
    return Scope.everything()


def split_patch(body) -> tuple[int, dict]:
    """A PATCH body into the version it was read at and the fields it changes."""
    patch = body.model_dump(mode="json", exclude_unset=True)
    return patch.pop("version"), patch


@dataclass
class Paging:
    limit: int
    offset: int


# Bounds of every page size and offset: beyond, 422 (a page size above the setting
# max_page_size is brought down to it).
MAX_QUERY_INT = 2**31 - 1


def paging(
    limit: int | None = Query(
        default=None, ge=1, le=MAX_QUERY_INT, description="Page size (at most max_page_size)"
    ),
    offset: int = Query(default=0, ge=0, le=MAX_QUERY_INT),
) -> Paging:
    settings = get_settings()
    return Paging(
        limit=min(limit or settings.default_page_size, settings.max_page_size), offset=offset
    )


@dataclass
class CursorPaging(Paging):
    cursor: str | None = None


def cursor_paging(
    limit: int | None = Query(
        default=None, ge=1, le=MAX_QUERY_INT, description="Page size (at most max_page_size)"
    ),
    offset: int = Query(
        default=0, ge=0, le=MAX_QUERY_INT, description="Rows to skip (without `cursor`)"
    ),
    cursor: str | None = Query(
        default=None,
        max_length=1000,
        description="The `next_cursor` of the previous page: the page after it, stable "
        "while rows are added or removed (deep pages: prefer it to `offset`)",
    ),
) -> CursorPaging:
    """Paging of a list ordered by (name, id): by cursor (keyset) or by offset."""
    page = paging(limit=limit, offset=offset)
    return CursorPaging(limit=page.limit, offset=page.offset, cursor=cursor)


# `DELETE …?version=N`: the version read before deleting (bounded like every stored integer).
VERSION_QUERY = Query(
    default=None, ge=1, le=2**31 - 1, description="Version read before deleting; stale: 409"
)
