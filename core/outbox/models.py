from enum import StrEnum

from tortoise import fields
from tortoise.models import Model

from core.crypto import EncryptedJSONField, EncryptedTextField


class MessageStatus(StrEnum):
    PENDING = "pending"  # waiting for its (next) attempt, last_error says why it was retried
    SENDING = "sending"  # claimed by a sender until claimed_until
    SENT = "sent"
    FAILED = "failed"  # gave up: permanent refusal or attempts spent, last_error says why


MESSAGE_STATUS_LABELS = {
    MessageStatus.PENDING: "En attente d'envoi",
    MessageStatus.SENDING: "En cours d'envoi",
    MessageStatus.SENT: "Envoyé",
    MessageStatus.FAILED: "Échec",
}


class OutboxMessage(Model):
    """One e-mail as it will be (and was) sent: its content never changes after it is written.

    `dedup_key` makes a message that must exist once (a reminder stage, a convention alert)
    a unique claim: two schedulers racing to write it cannot both succeed.
    """

    id = fields.UUIDField(primary_key=True)
    kind = fields.CharField(max_length=64)
    # The body the message is about (scoping, dashboards) and the record that caused it.
    organisation_id = fields.UUIDField(null=True, db_index=True)
    subject_type = fields.CharField(max_length=32, null=True)
    subject_id = fields.UUIDField(null=True, db_index=True)
    dedup_key = fields.CharField(max_length=200, null=True, unique=True)
    # Encrypted (core.crypto): the body and subject carry a breach's facts, and the recipients
    # of a people's communication are the people hit. Never filtered on in the database.
    to_addrs = EncryptedJSONField(default=list)
    cc_addrs = EncryptedJSONField(default=list)
    reply_to = fields.CharField(max_length=254, null=True)
    subject = EncryptedTextField()
    body_text = EncryptedTextField()
    # Fixed when the row is written, so a re-send after a crash carries the same identity.
    message_id = fields.CharField(max_length=255, unique=True)
    status = fields.CharEnumField(MessageStatus, max_length=16, default=MessageStatus.PENDING)
    attempts = fields.IntField(default=0)
    next_attempt_at = fields.DatetimeField()
    claimed_by = fields.CharField(max_length=200, null=True)
    claimed_until = fields.DatetimeField(null=True)
    last_error = EncryptedTextField(null=True)  # an SMTP refusal quotes the refused addresses
    # When the event it reports was due (a reminder's stage): lateness = sent_at - due_at.
    due_at = fields.DatetimeField(null=True)
    sent_at = fields.DatetimeField(null=True)
    created_at = fields.DatetimeField()

    class Meta:
        table = "outbox_message"
        ordering = ["created_at"]
        indexes = (("status", "next_attempt_at"),)
