"""Base of every editable table: UUID key, timestamps (UTC) and a version for optimistic locking."""

from tortoise import fields
from tortoise.models import Model


class VersionedModel(Model):
    id = fields.UUIDField(primary_key=True)
    version = fields.IntField(default=1)
    created_at = fields.DatetimeField(auto_now_add=True)
    updated_at = fields.DatetimeField(auto_now=True)

    class Meta:
        abstract = True
