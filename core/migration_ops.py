"""Migration operations Tortoise's own do not do safely on both engines.

On SQLite Tortoise's `AlterField` rebuilds the table for any change, which the foreign keys
pointing at a table with rows refuse (`FOREIGN KEY constraint failed`), although SQLite
enforces no VARCHAR length at all. `WidenColumn` changes the model state on both engines and
the column on PostgreSQL only.
"""

import contextlib

from tortoise import connections
from tortoise.exceptions import OperationalError
from tortoise.migrations.operations import AddField, AlterField
from tortoise.migrations.schema_editor.base import BaseSchemaEditor


def table_and_column(state, app_label: str, model_name: str, name: str) -> tuple[str, str]:
    """The table and column of a model's field in a migration state."""
    model = state.apps.get_model(f"{app_label}.{model_name}")
    projection = model._meta.fields_db_projection
    if name not in projection and f"{name}_id" in projection:  # a foreign key: its id column
        return model._meta.db_table, projection[f"{name}_id"]
    field = model._meta.fields_map[name]
    return model._meta.db_table, field.source_field or name


class WidenColumn(AlterField):
    """A longer VARCHAR: `WidenColumn("Breach", "decided_by", fields.CharField(max_length=400))`."""

    def describe(self) -> str:
        return f"Widen {self.model_name}.{self.name} to {self.field.max_length} characters"

    async def _resize(self, app_label: str, state, state_editor: BaseSchemaEditor | None) -> None:
        if not state_editor or state_editor.DIALECT != "postgres":
            return  # SQLite: VARCHAR(n) is TEXT, nothing to change
        table, column = table_and_column(state, app_label, self.model_name, self.name)
        await state_editor._run_sql(
            f'ALTER TABLE "{table}" ALTER COLUMN "{column}" TYPE VARCHAR({self.field.max_length})'
        )

    async def database_forward(self, app_label, old_state, new_state, state_editor=None) -> None:
        await self._resize(app_label, new_state, state_editor)

    async def database_backward(self, app_label, old_state, new_state, state_editor=None) -> None:
        return None  # a wider column holds whatever the narrower one did: left as it is


class AddColumn(AddField):
    """`AddField` that SQLite can take back on a table other tables point at.

    Taking a column back on SQLite makes Tortoise rebuild the table, which the foreign keys
    pointing at a table with rows refuse. Backward, SQLite drops the column in place
    (`ALTER TABLE … DROP COLUMN`), or, where SQLite cannot (a unique or foreign-key column),
    leaves it: nullable, the older code never reads it. Forward, a column left so is kept.
    PostgreSQL does exactly what `AddField` does.
    """

    async def database_forward(self, app_label, old_state, new_state, state_editor=None) -> None:
        if state_editor and state_editor.DIALECT == "sqlite":
            table, column = table_and_column(new_state, app_label, self.model_name, self.name)
            if column in await _sqlite_columns(state_editor, table):
                return
        await super().database_forward(app_label, old_state, new_state, state_editor)

    async def database_backward(self, app_label, old_state, new_state, state_editor=None) -> None:
        if not state_editor or state_editor.DIALECT != "sqlite":
            await super().database_backward(app_label, old_state, new_state, state_editor)
            return
        table, column = table_and_column(old_state, app_label, self.model_name, self.name)
        with contextlib.suppress(OperationalError):  # unique or foreign key: kept (class doc)
            await _client(state_editor).execute_script(
                f'ALTER TABLE "{table}" DROP COLUMN "{column}"'
            )


def _client(state_editor: BaseSchemaEditor):
    """The connection of the migration's transaction when one is open (the editor's own
    client would wait on that transaction's lock on SQLite)."""
    return connections.get(state_editor.client.connection_name)


async def _sqlite_columns(state_editor: BaseSchemaEditor, table: str) -> set[str]:
    _, rows = await _client(state_editor).execute_query(f'PRAGMA table_info("{table}")')
    return {row["name"] for row in rows}


class EnumValues(AlterField):
    """New values of a `CharEnumField` (its description lists them): `EnumValues("Convention",
    "end_of_service", fields.CharEnumField(...))`. The column is a VARCHAR long enough either
    way, so only the model state changes, on both engines: Tortoise's `AlterField` would
    rebuild the table on SQLite, which the foreign keys pointing at a table with rows refuse."""

    def describe(self) -> str:
        return f"New values of {self.model_name}.{self.name}"

    async def database_forward(self, app_label, old_state, new_state, state_editor=None) -> None:
        return None

    async def database_backward(self, app_label, old_state, new_state, state_editor=None) -> None:
        return None
