"""A body's activities as stored, BATCH at a time, in ONE SQL statement per batch.

The statement reads the columns a row of the record shows and, per activity, its three links
(joint controllers with their names, conventions, security measures with their titles) as
JSON arrays built by correlated subqueries: no query per activity and none per link. Rows
come back as the database gives them (JSON as text, ids and instants as the engine returns
them); `activity_cells` turns them into cell text without building models.

Batches follow the list's order, (name, id), by keyset: no deep OFFSET on a large register.
"""

from collections.abc import AsyncIterator, Sequence
from typing import Any
from uuid import UUID

from tortoise import connections

from register.activities.models import ProcessingActivity

BATCH = 500

# The stored columns, in the order `activity_cells.ActivityCells.row` unpacks them.
COLUMNS = (
    "id",
    "created_at",
    "updated_at",
    "ref",
    "name",
    "status",
    "description",
    "purposes",
    "legal_basis",
    "legal_basis_detail",
    "performed_in_public_tasks",
    "special_categories",
    "art9_condition",
    "art10_basis",
    "data_subject_categories",
    "data_subject_details",
    "data_categories",
    "data_category_details",
    "retention",
    "recipients",
    "transfers",
    "software",
    "collection_method",
    "dpia_criteria",
    "dpia_ref",
    "representative",
    "next_review",
)
# Then three link columns: JSON arrays of [id, name] pairs, of ids, and of [id, title] pairs.
LINKS = (
    ("joint_controllers", "legal_name"),
    ("conventions", None),
    ("security_measures", "title"),
)


def _link_sql(postgres: bool, relation: str, shown: str | None) -> str:
    field = ProcessingActivity._meta.fields_map[relation]
    link = f'"{field.through}" t'
    where = f't."{field.backward_key}" = a."id"'
    target = f't."{field.forward_key}"'
    if shown:
        table = field.related_model._meta.db_table
        link += f' JOIN "{table}" o ON o."id" = {target}'
        item = (
            f'json_build_array(o."id", o."{shown}")'
            if postgres
            else f'json_array(o."id", o."{shown}")'
        )
    else:
        item = target
    # json_agg gives NULL for no link, json_group_array "[]": both read as no link.
    aggregate = f"json_agg({item})::text" if postgres else f"json_group_array({item})"
    return f"(SELECT {aggregate} FROM {link} WHERE {where})"


def batch_sql(postgres: bool, *, first: bool) -> str:
    columns = ", ".join(f'a."{c}"' for c in COLUMNS)
    links = ", ".join(_link_sql(postgres, relation, shown) for relation, shown in LINKS)
    marks = [f"${n}" for n in range(1, 5)] if postgres else ["?"] * 4
    where = f'a."controller_id" = {marks[0]}'
    if not first:
        where += f' AND (a."name" > {marks[1]} OR (a."name" = {marks[2]} AND a."id" > {marks[3]}))'
    table = ProcessingActivity._meta.db_table
    # The batch is chosen first, then its links are read: a planner that evaluated the
    # subqueries before the ORDER BY ... LIMIT would read the links of the whole body.
    page = (
        f'SELECT {columns} FROM "{table}" a WHERE {where} ORDER BY a."name", a."id" LIMIT {BATCH}'
    )
    return f'SELECT a.*, {links} FROM ({page}) a ORDER BY a."name", a."id"'


async def activity_batches(controller_id: UUID) -> AsyncIterator[Sequence[Sequence[Any]]]:
    """The body's activities in (name, id) order, one statement per batch of BATCH."""
    connection = connections.get(ProcessingActivity._meta.default_connection)
    postgres = connection.capabilities.dialect == "postgres"
    # SQLite stores ids as text; asyncpg takes the UUID itself.
    controller = controller_id if postgres else str(controller_id)
    first_sql, next_sql = batch_sql(postgres, first=True), batch_sql(postgres, first=False)
    after: tuple[Any, Any] | None = None
    while True:
        if after is None:
            _, rows = await connection.execute_query(first_sql, [controller])
        else:
            name, last_id = after
            _, rows = await connection.execute_query(next_sql, [controller, name, name, last_id])
        if not rows:
            return
        yield rows
        if len(rows) < BATCH:
            return
        last = rows[-1]
        after = (last[4], last[0])  # (name, id): where the next batch starts
