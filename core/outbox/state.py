"""Where a message stands, as a person must be told: delivered (the SMTP server accepted it),
queued (waiting for its first attempt, or being sent now), failing (refused or unreachable,
tried again at its next attempt) or failed (given up). "Sent" is said only of the first.

Read side only: the sender (core.outbox.delivery) writes the states."""

from collections.abc import Iterable
from datetime import datetime
from enum import StrEnum
from uuid import UUID

from pydantic import BaseModel, Field

from core.outbox.models import MessageStatus, OutboxMessage


class DeliveryState(StrEnum):
    DELIVERED = "delivered"
    QUEUED = "queued"
    FAILING = "failing"
    FAILED = "failed"


# « Courriel … »: what became of the e-mail.
DELIVERY_LABELS = {
    DeliveryState.DELIVERED: "remis au serveur de messagerie",
    DeliveryState.QUEUED: "en file d'attente",
    DeliveryState.FAILING: "non remis, nouvel essai prévu",
    DeliveryState.FAILED: "non remis, envoi abandonné",
}


class DeliveryOut(BaseModel):
    """The delivery of the e-mail a notification caused (its outbox message)."""

    message_id: UUID
    state: DeliveryState = Field(
        description="delivered: accepted by the SMTP server; queued: not tried yet (or being "
        "sent); failing: tried and refused or unreachable, tried again at next_attempt_at; "
        "failed: given up"
    )
    label: str
    attempts: int
    next_attempt_at: datetime | None = Field(description="Queued or failing: the next attempt")
    last_error: str | None = Field(description="Failing or failed: why")
    delivered_at: datetime | None

    @property
    def accepted(self) -> bool:
        return self.state == DeliveryState.DELIVERED


def delivery_state(message: OutboxMessage) -> DeliveryState:
    if message.status == MessageStatus.SENT:
        return DeliveryState.DELIVERED
    if message.status == MessageStatus.FAILED:
        return DeliveryState.FAILED
    if message.attempts and message.last_error:
        # Pending after a refusal, or being tried again: not accepted yet, and it failed before.
        return DeliveryState.FAILING
    return DeliveryState.QUEUED


def delivery_of(message: OutboxMessage) -> DeliveryOut:
    state = delivery_state(message)
    waiting = state in (DeliveryState.QUEUED, DeliveryState.FAILING)
    return DeliveryOut(
        message_id=message.id,
        state=state,
        label=DELIVERY_LABELS[state],
        attempts=message.attempts,
        next_attempt_at=message.next_attempt_at if waiting else None,
        last_error=message.last_error if state != DeliveryState.DELIVERED else None,
        delivered_at=message.sent_at if state == DeliveryState.DELIVERED else None,
    )


async def deliveries(*, kind: str, subject_ids: Iterable[UUID]) -> dict[UUID, DeliveryOut]:
    """The delivery of the latest message of `kind` about each subject, in one query. The
    caller has already scoped the subjects (this reads no one's messages by itself)."""
    ids = list(subject_ids)
    if not ids:
        return {}
    found: dict[UUID, DeliveryOut] = {}
    rows = await OutboxMessage.filter(kind=kind, subject_id__in=ids).order_by("created_at", "id")
    for message in rows:
        found[message.subject_id] = delivery_of(message)  # the latest wins
    return found
