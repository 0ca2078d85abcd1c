"""Counting the SQL statements a block sends, to show a page costs a constant number of them.

The queries are counted at the database client (`tortoise.connections`): each statement goes
through `execute_query`, `execute_query_dict`, `execute_insert` or `execute_many`. They are
wrapped on the connection's class, not on the connection, so that the statements sent inside
`in_transaction()` count too: a transaction's client is an instance of a subclass of it.
Restored afterwards.
"""

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from tortoise import connections

EXECUTORS = ("execute_query", "execute_query_dict", "execute_insert", "execute_many")


@asynccontextmanager
async def counted_queries() -> AsyncIterator[list[str]]:
    """The SQL statements sent while the block runs, in order."""
    client_class = type(connections.get("default"))
    statements: list[str] = []
    own = {name: client_class.__dict__.get(name) for name in EXECUTORS}

    def counting(execute):
        async def run(self, query: str, *args, **kwargs):
            statements.append(query)
            return await execute(self, query, *args, **kwargs)

        return run

    for name in EXECUTORS:
        setattr(client_class, name, counting(getattr(client_class, name)))
    try:
        yield statements
    finally:
        for name, method in own.items():
            if method is None:
                delattr(client_class, name)  # the base class's method shows through again
            else:
                setattr(client_class, name, method)
