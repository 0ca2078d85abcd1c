"""Register-wide search answered by an index, with the substring semantics of `core.text`.

An activity matches when each folded term (`core.text.search_terms`) is a substring of its
folded `search_text`: the same rows as `search_text LIKE '%term%'` for every term.

- SQLite: an FTS5 table with the `trigram` tokenizer (SQLite ≥ 3.34), which answers
  `LIKE '%term%'` from its index. Its rows are numbered by `activity_search_key`, whose
  INTEGER PRIMARY KEY survives a VACUUM (an activity's own rowid may not). Triggers keep
  both in step with every write of `processing_activity`, whoever writes it.
- PostgreSQL: a `pg_trgm` GIN index on `search_text`, which `LIKE '%term%'` uses as it is.

The migration 0011 installs them (`install`). A database whose schema Tortoise generated
(the tests) has no FTS table: SQLite then scans, with the same rows (`has_index`).
Trigrams need three characters: a shorter term is checked on every row, still right.
"""

import weakref

from tortoise.backends.base.client import BaseDBAsyncClient

FTS_TABLE = "activity_search"

SQLITE_INSTALL = [
    "CREATE TABLE IF NOT EXISTS activity_search_key ("
    " search_id INTEGER PRIMARY KEY,"
    " activity_id CHAR(36) NOT NULL UNIQUE)",
    f"CREATE VIRTUAL TABLE IF NOT EXISTS {FTS_TABLE} USING fts5(search_text, tokenize='trigram')",
    "CREATE TRIGGER IF NOT EXISTS activity_search_insert AFTER INSERT ON processing_activity"
    " BEGIN"
    " INSERT INTO activity_search_key (activity_id) VALUES (new.id);"
    f" INSERT INTO {FTS_TABLE} (rowid, search_text) VALUES ("
    "  (SELECT search_id FROM activity_search_key WHERE activity_id = new.id),"
    "  new.search_text);"
    " END",
    "CREATE TRIGGER IF NOT EXISTS activity_search_update"
    " AFTER UPDATE OF search_text ON processing_activity"
    " BEGIN"
    f" UPDATE {FTS_TABLE} SET search_text = new.search_text WHERE rowid ="
    "  (SELECT search_id FROM activity_search_key WHERE activity_id = old.id);"
    " END",
    "CREATE TRIGGER IF NOT EXISTS activity_search_delete AFTER DELETE ON processing_activity"
    " BEGIN"
    f" DELETE FROM {FTS_TABLE} WHERE rowid ="
    "  (SELECT search_id FROM activity_search_key WHERE activity_id = old.id);"
    " DELETE FROM activity_search_key WHERE activity_id = old.id;"
    " END",
    # The rows written before the triggers existed.
    "INSERT INTO activity_search_key (activity_id) SELECT id FROM processing_activity"
    " WHERE id NOT IN (SELECT activity_id FROM activity_search_key)",
    f"INSERT INTO {FTS_TABLE} (rowid, search_text)"
    " SELECT k.search_id, a.search_text FROM activity_search_key k"
    " JOIN processing_activity a ON a.id = k.activity_id"
    f" WHERE k.search_id NOT IN (SELECT rowid FROM {FTS_TABLE})",
]

POSTGRES_INSTALL = [
    # A trusted extension (PostgreSQL ≥ 13): the database's owner may create it.
    "CREATE EXTENSION IF NOT EXISTS pg_trgm",
    "CREATE INDEX IF NOT EXISTS processing_activity_search_trgm"
    " ON processing_activity USING gin (search_text gin_trgm_ops)",
]

SQLITE_REMOVE = [
    "DROP TRIGGER IF EXISTS activity_search_insert",
    "DROP TRIGGER IF EXISTS activity_search_update",
    "DROP TRIGGER IF EXISTS activity_search_delete",
    f"DROP TABLE IF EXISTS {FTS_TABLE}",
    "DROP TABLE IF EXISTS activity_search_key",
]
POSTGRES_REMOVE = ["DROP INDEX IF EXISTS processing_activity_search_trgm"]


async def install(client: BaseDBAsyncClient) -> None:
    """Create the search index of this engine and fill it with the rows already there."""
    statements = POSTGRES_INSTALL if _dialect(client) == "postgres" else SQLITE_INSTALL
    for statement in statements:
        await client.execute_script(statement)


async def remove(client: BaseDBAsyncClient) -> None:
    statements = POSTGRES_REMOVE if _dialect(client) == "postgres" else SQLITE_REMOVE
    for statement in statements:
        await client.execute_script(statement)


# Clients known to have the FTS table; only a positive answer is kept (an index is never
# dropped under a running server, but one may be installed after its first search).
_indexed: "weakref.WeakSet[BaseDBAsyncClient]" = weakref.WeakSet()


async def has_index(client: BaseDBAsyncClient) -> bool:
    """SQLite: whether the FTS table exists. PostgreSQL always answers by LIKE (the GIN
    index serves it when present)."""
    if _dialect(client) == "postgres" or client in _indexed:
        return True
    rows = await client.execute_query_dict(
        "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?", [FTS_TABLE]
    )
    if rows:
        _indexed.add(client)
    return bool(rows)


def _dialect(client: BaseDBAsyncClient) -> str:
    return client.capabilities.dialect
