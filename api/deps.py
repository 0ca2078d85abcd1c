"""Request dependencies: who may see what, and list paging."""

from dataclasses import dataclass

from fastapi import Query

from core.config import get_settings
from core.scope import Scope


async def current_scope() -> Scope:
    """The organisations the caller may see. Accounts and roles come later: they will
    replace this one function, and every service already filters by the scope it returns."""
    return Scope.everything()


def split_patch(body) -> tuple[int, dict]:
    """A PATCH body into the version it was read at and the fields it changes."""
    patch = body.model_dump(mode="json", exclude_unset=True)
    return patch.pop("version"), patch


@dataclass
class Paging:
    limit: int
    offset: int


def paging(
    limit: int | None = Query(default=None, ge=1, description="Page size"),
    offset: int = Query(default=0, ge=0, le=2**31 - 1),
) -> Paging:
    settings = get_settings()
    return Paging(
        limit=min(limit or settings.default_page_size, settings.max_page_size), offset=offset
    )
