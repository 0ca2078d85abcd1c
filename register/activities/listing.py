"""One page of the register's activities: the ids in (name, id) order, and how many match.

Written in SQL so that indexes answer each filter on both engines: the search through
`register.activities.search`, a data category through `activity_data_category`, a page
after a cursor by the (name, id) index (keyset), a page at an offset by walking that index
alone (ids first, the rows of the page afterwards). The rows themselves are read by id.
"""

import asyncio
import json
from dataclasses import dataclass, field
from datetime import date
from typing import Any
from uuid import UUID

from tortoise import fields
from tortoise.backends.base.client import BaseDBAsyncClient

from core.paging import Position
from core.scope import Scope
from core.text import search_terms
from register.activities import joint, search
from register.activities.models import ProcessingActivity

JSON_COLUMNS = frozenset(
    name
    for name, column in ProcessingActivity._meta.fields_map.items()
    if isinstance(column, fields.JSONField)
)


@dataclass
class Where:
    """AND-ed conditions and their parameters, in the engine's placeholder style."""

    postgres: bool
    conditions: list[str] = field(default_factory=list)
    params: list[Any] = field(default_factory=list)
    category: str | None = None  # the data category filtered on, if any
    count_alone: str | None = None  # how to count the last condition's rows, when alone
    # An index search: the page's own query counts its matches (`page_ids` sets it).
    counted: "asyncio.Future[int | None] | None" = None

    def param(self, value: Any) -> str:
        if isinstance(value, UUID) and not self.postgres:
            value = str(value)  # SQLite keeps a UUID as its text
        elif isinstance(value, date) and not self.postgres:
            value = value.isoformat()
        self.params.append(value)
        return f"${len(self.params)}" if self.postgres else "?"

    def add(self, condition: str) -> None:
        self.conditions.append(condition)

    def sql(self) -> str:
        return " WHERE " + " AND ".join(self.conditions) if self.conditions else ""


def _equal(where: Where, column: str, value: Any) -> None:
    if value is not None:
        where.add(f'"{column}" = {where.param(value)}')


def _scope(where: Where, scope: Scope, joint_ids: list[UUID]) -> None:
    """The scope's bodies' activities, and those they hold jointly (register.activities.joint:
    a few ids found through the joint controller link, read by primary key)."""
    if not scope.is_unrestricted:
        ids = sorted(scope.org_ids, key=str)
        if not ids:
            where.add("1 = 0")
            return
        own = f'"controller_id" IN ({", ".join(where.param(i) for i in ids)})'
        if joint_ids:
            jointly = f'"id" IN ({", ".join(where.param(i) for i in joint_ids)})'
            own = f"({own} OR {jointly})"
        where.add(own)


def _links(where: Where, filters) -> None:
    if filters.convention_id:
        where.add(
            '"id" IN (SELECT "processing_activity_id" FROM "activity_convention"'
            f' WHERE "convention_id" = {where.param(filters.convention_id)})'
        )
    if filters.data_category:
        # EXISTS: the page walks the (name, id) index and probes (category, activity_id),
        # stopping at the page's last row, however common the category.
        where.add(
            'EXISTS (SELECT 1 FROM "activity_data_category" d'
            ' WHERE d."activity_id" = "processing_activity"."id"'
            f' AND d."category" = {where.param(str(filters.data_category))})'
        )
        where.category = str(filters.data_category)
    if filters.subject_category:
        tag = where.param(f"|ds:{filters.subject_category}|")
        where.add(f'strpos("facets", {tag}) > 0' if where.postgres else f'instr("facets", {tag})')


MIN_TRIGRAM = 3
# Scopes this narrow read their rows' text directly: cheaper than a register-wide lookup.
FEW_BODIES = 20


def _like_pattern(term: str) -> str:
    escaped = term.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def _phrase(term: str) -> str:
    return '"' + term.replace('"', '""') + '"'


def _search(where: Where, q: str | None, fts: bool) -> None:
    terms = search_terms(q or "")
    if not terms:
        return
    if where.postgres and fts:  # LIKE escapes with a backslash; the GIN index serves it
        for term in terms:
            where.add(f'"search_text" LIKE {where.param(_like_pattern(term))}')
        _count_with_page(where)
        return
    if not fts:  # no index, or a few rows to look at: each row's text, same answer
        # PostgreSQL: strpos, which no index serves. With LIKE, the generic plan of a
        # prepared statement ANDed the trigram index with the body's: a common word made
        # it read a third of the register's trigram lists (260 ms at 1,000,000 rows).
        test = 'strpos("search_text", {}) > 0' if where.postgres else 'instr("search_text", {})'
        for term in terms:
            where.add(test.format(where.param(term)))
        return
    # A trigram phrase matches where the term is a substring: three characters or more.
    # Shorter terms are checked on the rows the phrases found (or on every row).
    long = [t for t in terms if len(t) >= MIN_TRIGRAM]
    tests = []
    if long:
        tests.append(f"s.activity_search MATCH {where.param(' AND '.join(map(_phrase, long)))}")
    tests += [f"instr(s.search_text, {where.param(t)})" for t in terms if len(t) < MIN_TRIGRAM]
    where.add(
        '"id" IN (SELECT k.activity_id FROM activity_search s'
        " JOIN activity_search_key k ON k.search_id = s.rowid"
        f" WHERE {' AND '.join(tests)})"
    )
    _count_with_page(where)
    # Alone, counted in the FTS table itself: one row there per activity (the triggers).
    where.count_alone = f"SELECT count(*) AS n FROM activity_search s WHERE {' AND '.join(tests)}"


def _count_with_page(where: Where) -> None:
    """Every match of an index search is read to sort them by name: the page's query counts
    them too, instead of a second statement finding them again (PostgreSQL: reading the
    same heap pages, which a word of common trigrams makes many)."""
    where.counted = asyncio.get_running_loop().create_future()


async def matching(client: BaseDBAsyncClient, scope: Scope, filters) -> Where:
    """The conditions of `filters` (service.ActivityFilters) within `scope`."""
    where = Where(postgres=client.capabilities.dialect == "postgres")
    _scope(where, scope, await joint.joint_activity_ids(scope))
    _equal(where, "controller_id", filters.controller_id)
    _equal(where, "status", filters.status and str(filters.status))
    _equal(where, "legal_basis", filters.legal_basis and str(filters.legal_basis))
    _equal(where, "has_sensitive_data", filters.has_sensitive_data)
    if filters.review_due_before:
        where.add(f'"next_review" < {where.param(filters.review_due_before)}')
    _links(where, filters)
    narrow = filters.controller_id is not None or (
        not scope.is_unrestricted and len(scope.org_ids) <= FEW_BODIES
    )
    fts = not narrow and await search.has_index(client)  # PostgreSQL: always indexed
    _search(where, filters.q, fts=fts)
    return where


async def count(client: BaseDBAsyncClient, where: Where) -> int:
    """How many rows match. For an index search, waits for `page_ids` to count them."""
    if where.counted is not None:
        # Shielded: cancelling this count must not cancel what the page sets.
        known = await asyncio.shield(where.counted)
        if known is not None:
            return known
    if where.count_alone is not None and len(where.conditions) == 1:
        rows = await client.execute_query_dict(where.count_alone, where.params)
    elif where.category is not None and len(where.conditions) == 1:
        # A data category alone, register-wide: counted from its index, not row by row.
        only = Where(where.postgres)
        sql = (
            'SELECT count(*) AS n FROM "activity_data_category"'
            f' WHERE "category" = {only.param(where.category)}'
        )
        rows = await client.execute_query_dict(sql, only.params)
    else:
        sql = f'SELECT count(*) AS n FROM "processing_activity"{where.sql()}'
        rows = await client.execute_query_dict(sql, where.params)
    return int(rows[0]["n"])


async def page_ids(
    client: BaseDBAsyncClient, where: Where, *, limit: int, offset: int, after: Position | None
) -> list[UUID]:
    """Up to `limit` ids in (name, id) order: after the cursor's row, else from `offset`."""
    page = Where(where.postgres, list(where.conditions), list(where.params))
    # After a cursor, the page's query sees only the rows after it: `count` counts alone.
    counting = where.counted is not None and after is None
    if after is not None:
        name, activity_id = page.param(after.name), page.param(after.id)
        page.add(f'("name", "id") > ({name}, {activity_id})')
    sql = _page_sql(page, counting, limit, offset)
    rows: list[dict[str, Any]] = []
    try:
        rows = await client.execute_query_dict(sql, page.params)
    finally:
        # No row (an offset past the end, or a failure): `count` asks the engine itself.
        _settle(where.counted, int(rows[0]["total"]) if counting and rows else None)
    return [_uuid(row["id"]) for row in rows]


def _page_sql(page: Where, counting: bool, limit: int, offset: int) -> str:
    matches = f'FROM "processing_activity"{page.sql()}'
    window = f" LIMIT {page.param(limit)} OFFSET {page.param(offset)}"
    if not counting:
        return f'SELECT "id" {matches} ORDER BY "name", "id"{window}'
    if page.postgres:
        # Materialized: the matches are found as a whole, by the trigram index. Given
        # `count(*) OVER ()` and a LIMIT, PostgreSQL would walk the (name, id) index
        # instead, reading every row of the register (seconds at 1,000,000 activities).
        return (
            f'WITH m AS MATERIALIZED (SELECT "id", "name" {matches})'
            ' SELECT "id", (SELECT count(*) FROM m) AS "total" FROM m'
            f' ORDER BY "name", "id"{window}'
        )
    # SQLite finds the matches from the FTS table, then sorts them.
    return f'SELECT "id", count(*) OVER () AS "total" {matches} ORDER BY "name", "id"{window}'


def _settle(counted: "asyncio.Future[int | None] | None", total: int | None) -> None:
    if counted is not None and not counted.done():
        counted.set_result(total)


# The many-to-many lists an activity answers with, and where each is kept.
LINK_TABLES = {
    "joint_controller_ids": ("activity_joint_controller", "organisation_id"),
    "convention_ids": ("activity_convention", "convention_id"),
    "security_measure_ids": ("activity_measure", "securitymeasure_id"),
}


LINKS_CHUNK = 2000  # ids per query: three times as many parameters, under both engines' cap


async def linked_ids(
    client: BaseDBAsyncClient, activity_ids: list[UUID]
) -> list[tuple[str, UUID, UUID]]:
    """(list, activity id, linked id) for every link of these activities: one query, read
    from the link tables' (activity, other) indexes."""
    found = []
    for start in range(0, len(activity_ids), LINKS_CHUNK):
        where = Where(postgres=client.capabilities.dialect == "postgres")
        parts = []
        for name, (table, column) in LINK_TABLES.items():
            wanted = ", ".join(where.param(i) for i in activity_ids[start : start + LINKS_CHUNK])
            parts.append(
                f"SELECT '{name}' AS field, \"processing_activity_id\" AS activity_id,"
                f' "{column}" AS other_id FROM "{table}"'
                f' WHERE "processing_activity_id" IN ({wanted})'
            )
        rows = await client.execute_query_dict(" UNION ALL ".join(parts), where.params)
        found += [(r["field"], _uuid(r["activity_id"]), _uuid(r["other_id"])) for r in rows]
    return found


def _uuid(value: UUID | str) -> UUID:
    return value if isinstance(value, UUID) else UUID(value)


async def stored_rows(
    client: BaseDBAsyncClient, ids: list[UUID], columns: list[str]
) -> list[dict[str, Any]]:
    """The rows of these ids as the columns hold them, the JSON ones decoded, ids as UUIDs."""
    if not ids:
        return []
    where = Where(postgres=client.capabilities.dialect == "postgres")
    wanted = ", ".join(where.param(i) for i in ids)
    names = ", ".join(f'"{c}"' for c in columns)
    sql = f'SELECT {names} FROM "processing_activity" WHERE "id" IN ({wanted})'
    rows = await client.execute_query_dict(sql, where.params)
    for row in rows:
        row["id"] = _uuid(row["id"])
        for column in JSON_COLUMNS.intersection(row):
            if isinstance(row[column], str):
                row[column] = json.loads(row[column])
    return rows
