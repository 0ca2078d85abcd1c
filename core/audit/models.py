"""Audit journal tables: rows are only ever inserted, never updated nor deleted by the code."""

from tortoise import fields
from tortoise.models import Model


class AuditEvent(Model):
    """One write, chained to the event before it in its chain.

    `chain` is the organisation id, or 'instance' for instance-wide events, and `seq` counts
    from 1 in each chain. `hash` is the SHA-256 of every other field, `prev_hash` included, so
    an edited, removed, inserted or reordered event breaks the chain where it happened.
    """

    id = fields.UUIDField(primary_key=True)
    chain = fields.CharField(max_length=40)
    seq = fields.BigIntField()
    organisation_id = fields.UUIDField(null=True, db_index=True)
    at = fields.DatetimeField()
    actor = fields.CharField(max_length=200, description="Account, token or process that wrote")
    action = fields.CharField(max_length=64, description="What was done, e.g. activity.update")
    entity_type = fields.CharField(max_length=64)
    entity_id = fields.CharField(max_length=64, null=True)
    before = fields.JSONField(null=True)
    after = fields.JSONField(null=True)
    prev_hash = fields.CharField(max_length=64)
    hash = fields.CharField(max_length=64)

    class Meta:
        table = "audit_event"
        unique_together = (("chain", "seq"),)
        indexes = (("entity_type", "entity_id"),)


class AuditCheckpoint(Model):
    """The instance's signature over the end of one chain (chain, seq, hash) at a moment.

    An attacker able to rewrite the whole chain with valid hashes still cannot forge this
    signature, whose key is kept outside the database. Able to delete these rows with the
    events, they are still caught by the anchor (`core.audit.anchor`), which holds the same
    signed heads outside the database.
    """

    id = fields.UUIDField(primary_key=True)
    chain = fields.CharField(max_length=40)
    seq = fields.BigIntField()
    hash = fields.CharField(max_length=64)
    signed_at = fields.DatetimeField()
    key_id = fields.CharField(max_length=64, description="Fingerprint of the signing key")
    signature = fields.TextField(description="Ed25519 signature, base64")

    class Meta:
        table = "audit_checkpoint"
        indexes = (("chain", "seq"),)
