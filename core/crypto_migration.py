"""Migration operations for turning a column into an encrypted one (core.crypto).

Tortoise's `AlterField` refuses to change a field's type (JSON to text), and on SQLite it
rebuilds the table for any change, which foreign keys pointing at that table refuse. So:

- `EncryptColumnAsText("OutboxMessage", "to_addrs", EncryptedJSONField(default=list))` for a
  JSON or VARCHAR column: on PostgreSQL the column becomes TEXT (an encrypted value is longer
  than its clear one) and each value keeps its text, which the encrypted field reads as it is
  until `rgpd keys rotate` encrypts it; SQLite enforces no column type and needs nothing.
- `EncryptTextColumn(...)` for a TEXT column: the column does not change, only the model
  state does.

Going back is refused once the column holds an encrypted value: it is no longer what the old
column held. A column with none (no row yet, or only clear values) goes back as it is, so an
instance can step back past the migration before any secret was written.
"""

from tortoise.migrations.operations import AlterField
from tortoise.migrations.schema_editor.base import BaseSchemaEditor

from core.migration_ops import table_and_column


class _Encrypt(AlterField):
    async def database_backward(
        self,
        app_label: str,
        old_state,
        new_state,
        state_editor: BaseSchemaEditor | None = None,
    ) -> None:
        if state_editor is None:
            return
        table, column = table_and_column(new_state, app_label, self.model_name, self.name)
        _, rows = await state_editor.client.execute_query(
            f'SELECT 1 FROM "{table}" WHERE "{column}" LIKE \'enc:v%\' LIMIT 1'
        )
        if rows:
            raise NotImplementedError(
                f"{self.model_name}.{self.name}: an encrypted column cannot go back to clear"
            )


class EncryptColumnAsText(_Encrypt):
    def describe(self) -> str:
        return f"Encrypt {self.model_name}.{self.name} (column to TEXT)"

    async def database_forward(
        self,
        app_label: str,
        old_state,
        new_state,
        state_editor: BaseSchemaEditor | None = None,
    ) -> None:
        if not state_editor or state_editor.DIALECT != "postgres":
            return
        table, column = table_and_column(new_state, app_label, self.model_name, self.name)
        await state_editor._run_sql(
            f'ALTER TABLE "{table}" ALTER COLUMN "{column}" TYPE TEXT USING "{column}"::text'
        )


class EncryptTextColumn(_Encrypt):
    def describe(self) -> str:
        return f"Encrypt {self.model_name}.{self.name} (TEXT column unchanged)"

    async def database_forward(
        self,
        app_label: str,
        old_state,
        new_state,
        state_editor: BaseSchemaEditor | None = None,
    ) -> None:
        return None
