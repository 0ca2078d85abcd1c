"""Migration operations Tortoise's own do not do safely on both engines.

On SQLite Tortoise's `AlterField` rebuilds the table for any change, which the foreign keys
pointing at a table with rows refuse (`FOREIGN KEY constraint failed`), although SQLite
enforces no VARCHAR length at all. `WidenColumn` changes the model state on both engines and
the column on PostgreSQL only.
"""

from tortoise.migrations.operations import AlterField
from tortoise.migrations.schema_editor.base import BaseSchemaEditor


def table_and_column(state, app_label: str, model_name: str, name: str) -> tuple[str, str]:
    """The table and column of a model's field in a migration state."""
    model = state.apps.get_model(f"{app_label}.{model_name}")
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
