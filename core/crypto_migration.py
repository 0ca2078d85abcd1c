"""A migration operation for turning a JSON column into an encrypted one (core.crypto).

Tortoise's `AlterField` refuses to change a field's Python type (JSON to text). In a migration,
use `EncryptJSONField("OutboxMessage", "to_addrs", EncryptedJSONField(default=list))` instead:
on PostgreSQL the column becomes TEXT and each value keeps its JSON text, which the encrypted
field reads as it is until `rgpd keys rotate` encrypts it; SQLite enforces no column type and
needs nothing. Going back is refused: an encrypted value is no JSON.
"""

from tortoise.migrations.operations import AlterField
from tortoise.migrations.schema_editor.base import BaseSchemaEditor


class EncryptJSONField(AlterField):
    def describe(self) -> str:
        return f"Encrypt JSON field {self.name} on {self.model_name}"

    async def database_forward(
        self,
        app_label: str,
        old_state,
        new_state,
        state_editor: BaseSchemaEditor | None = None,
    ) -> None:
        if not state_editor or state_editor.DIALECT != "postgres":
            return
        model = new_state.apps.get_model(f"{app_label}.{self.model_name}")
        field = model._meta.fields_map[self.name]
        column = field.source_field or self.name
        await state_editor._run_sql(
            f'ALTER TABLE "{model._meta.db_table}" '
            f'ALTER COLUMN "{column}" TYPE TEXT USING "{column}"::text'
        )

    async def database_backward(
        self,
        app_label: str,
        old_state,
        new_state,
        state_editor: BaseSchemaEditor | None = None,
    ) -> None:
        raise NotImplementedError(
            f"{self.model_name}.{self.name}: an encrypted column cannot go back to JSON"
        )
