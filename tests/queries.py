"""Counting the SQL statements a block sends, to show a page costs a constant number of them.

The queries are counted at the database client (`tortoise.connections`): each statement goes
through `execute_query`, `execute_query_dict`, `execute_insert` or `execute_many` of the
connection, wrapped for the block's duration and restored afterwards.
"""

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from tortoise import connections

EXECUTORS = ("execute_query", "execute_query_dict", "execute_insert", "execute_many")


@asynccontextmanager
async def counted_queries() -> AsyncIterator[list[str]]:
    """The SQL statements sent while the block runs, in order."""
    connection = connections.get("default")
    statements: list[str] = []

    def counting(execute):
        async def run(query: str, *args, **kwargs):
            statements.append(query)
            return await execute(query, *args, **kwargs)

        return run

    for name in EXECUTORS:
        setattr(connection, name, counting(getattr(connection, name)))
    try:
        yield statements
    finally:
        for name in EXECUTORS:
            delattr(connection, name)  # the class's method shows through again
