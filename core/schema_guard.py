"""The schema guard: never run against a database that a newer registre-rgpd migrated.

`rgpd migrate` applies the migrations of `migrations/` through Tortoise, which records each
applied one in the table `tortoise_migrations` (columns id, app, name, applied_at; app is the
Tortoise app label, "models" here). A name in that table that this code does not ship means a
newer version migrated the database: its tables may hold columns and meanings this code does
not know, and writing to them could corrupt them. `rgpd migrate`, `rgpd serve` and `rgpd
scheduler` refuse to start then (and `rgpd restore` refuses such a backup). An older database
(migrations missing from the table) is fine: `rgpd migrate` brings it to head.
"""

import pkgutil
from collections.abc import Sequence
from dataclasses import dataclass
from importlib import import_module

from tortoise.backends.base.client import BaseDBAsyncClient
from tortoise.context import TortoiseContext

from core.errors import DomainError

MIGRATIONS_PACKAGE = "migrations"
MIGRATION_TABLE = "tortoise_migrations"  # tortoise.migrations.recorder.MigrationRecorder
APP_LABEL = "models"  # the app label in api.database.tortoise_config


class NewerSchema(DomainError):
    """The database carries migrations this code does not have."""

    def __init__(self, unknown: Sequence[str]):
        self.unknown = list(unknown)
        super().__init__(newer_schema_message(self.unknown))


def newer_schema_message(unknown: Sequence[str]) -> str:
    return (
        "la base a été migrée par une version plus récente de registre-rgpd "
        f"({', '.join(unknown)}) : installez cette version ou restaurez une sauvegarde"
    )


def known_migrations() -> list[str]:
    """The migrations this code ships, in order (their names start with their number)."""
    package = import_module(MIGRATIONS_PACKAGE)
    return sorted(
        name
        for _, name, is_package in pkgutil.iter_modules(package.__path__)
        if not is_package and name[0] not in "_~"
    )


def unknown_migrations(applied: Sequence[str]) -> list[str]:
    known = set(known_migrations())
    return [name for name in applied if name not in known]


@dataclass(frozen=True)
class SchemaState:
    applied: list[str]  # recorded in the database, in the order they were applied
    unknown: list[str]  # applied but not shipped with this code: a newer version's
    pending: list[str]  # shipped but not applied: `rgpd migrate` applies them

    @property
    def version(self) -> str | None:
        """The latest applied migration, by name (names are numbered)."""
        return max(self.applied) if self.applied else None


def schema_state(applied: Sequence[str]) -> SchemaState:
    known = known_migrations()
    done = set(applied)
    return SchemaState(
        applied=list(applied),
        unknown=unknown_migrations(applied),
        pending=[name for name in known if name not in done],
    )


async def applied_migrations(connection: BaseDBAsyncClient) -> list[str]:
    """The migrations recorded in the database; none when the table does not exist yet."""
    dialect = connection.capabilities.dialect
    if dialect == "sqlite":
        exists_sql = "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?"
    else:
        exists_sql = "SELECT 1 FROM pg_catalog.pg_tables WHERE tablename = $1"
    _, found = await connection.execute_query(exists_sql, [MIGRATION_TABLE])
    if not found:
        return []
    mark = "?" if dialect == "sqlite" else "$1"
    _, rows = await connection.execute_query(
        f'SELECT "name" FROM "{MIGRATION_TABLE}" WHERE "app" = {mark} '  # constants, no input
        'ORDER BY "applied_at", "name"',
        [APP_LABEL],
    )
    return [row["name"] for row in rows]


async def read_schema_state(connection: BaseDBAsyncClient) -> SchemaState:
    return schema_state(await applied_migrations(connection))


async def ensure_known_schema(connection: BaseDBAsyncClient) -> SchemaState:
    """The database's schema state; `NewerSchema` when a newer version migrated it."""
    state = await read_schema_state(connection)
    if state.unknown:
        raise NewerSchema(state.unknown)
    return state


async def check_database(config: dict) -> SchemaState:
    """`ensure_known_schema` on its own short-lived connection (before a server starts);
    `config` is the Tortoise configuration (api.database.tortoise_config)."""
    async with TortoiseContext() as ctx:
        await ctx.init(config=config)
        return await ensure_known_schema(ctx.db())
