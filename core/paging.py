"""Pages of a list: every list of the API and of the pages is paged here (`paginate`).

Below the audit journal and the write helpers (core.persistence): the journal's own list is
paged like any other, without the journal depending on the code that writes to it.
"""

import base64
import binascii
import json
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from inspect import isawaitable
from typing import Any, Generic, TypeVar
from uuid import UUID

from tortoise.models import Model
from tortoise.queryset import QuerySet

from core.errors import ValidationFailed

T = TypeVar("T")
M = TypeVar("M", bound=Model)


@dataclass
class Page(Generic[T]):
    items: list[T]
    total: int
    limit: int
    offset: int
    # Keyset paging (lists ordered by name, then id): the position after this page's last
    # row, None on the last page. Rows inserted meanwhile neither shift nor repeat a page.
    next_cursor: str | None = None


@dataclass(frozen=True)
class Position:
    """A row's place in a list ordered by (name, id): what a cursor carries."""

    name: str
    id: UUID


BAD_CURSOR = "curseur invalide : reprenez la valeur next_cursor d'une page précédente"


def encode_cursor(position: Position) -> str:
    raw = json.dumps([position.name, str(position.id)], ensure_ascii=False).encode("utf-8")
    return base64.urlsafe_b64encode(raw).decode("ascii").rstrip("=")


def decode_cursor(cursor: str, *, field: str = "cursor") -> Position:
    """The position a cursor carries; anything else is refused (422), never a 500."""
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        name, row_id = json.loads(raw.decode("utf-8"))
        if not isinstance(name, str) or "\x00" in name:
            raise ValueError(name)
        return Position(name=name, id=UUID(row_id))
    except (ValueError, TypeError, binascii.Error, UnicodeDecodeError, AttributeError):
        raise ValidationFailed.one("query", field, msg=BAD_CURSOR) from None


async def paginate(
    query: QuerySet[M],
    *,
    limit: int,
    offset: int,
    shape: Callable[[list[M]], list[T] | Awaitable[list[T]]] | None = None,
    keep: Callable[[M], bool] | None = None,
) -> Page[T]:
    """The page of `query` from `offset` (at most `limit` rows, in the query's order) and
    how many rows there are in all. Every list of the API and of the pages is paged here.

    `shape` turns the page's rows into what the list answers, all of them at once: a batch
    shaper (`*_outs`) loads what the rows link to for the whole page in a fixed number of
    queries, so a page costs the same whatever its size. `keep` is a filter SQL cannot say
    alike on both engines (a value inside a JSON list): the query's rows are then read whole
    and filtered, counted and sliced here."""
    if keep is None:
        total = await query.count()
        rows = list(await query.offset(offset).limit(limit))
    else:
        kept = [row for row in await query if keep(row)]
        total, rows = len(kept), kept[offset : offset + limit]
    items: Any = rows if shape is None else shape(rows)
    if isawaitable(items):
        items = await items
    return Page(items=list(items), total=total, limit=limit, offset=offset)
