"""Whether the e-mail of a breach's notice to its controller was delivered: read from its
outbox message (core.outbox.state), shown with the notification (JSON, pages, dashboard).

The controller's clock may start when the notice is issued (art. 33(2), EDPB 9/2022 §II.A.4),
but "sent" is said only once the SMTP server accepted the e-mail; until then the sender is
told to phone."""

from collections.abc import Iterable
from dataclasses import dataclass
from uuid import UUID

from breach.breaches.models import Breach
from breach.deadlines import format_local
from core.french import plural
from core.outbox.models import MessageStatus, OutboxMessage
from core.outbox.state import DeliveryOut, DeliveryState, deliveries
from core.scope import Scope

KIND_CONTROLLER_NOTICE = "breach.controller_notice"


async def notice_deliveries(breach_ids: Iterable[UUID]) -> dict[UUID, DeliveryOut]:
    """Each breach's notice e-mail, as delivered or not, in one query."""
    return await deliveries(kind=KIND_CONTROLLER_NOTICE, subject_ids=breach_ids)


def delivery_line(delivery: DeliveryOut) -> str:
    """The notice's e-mail as the page says it (core.outbox.state)."""
    tries = plural(delivery.attempts, "essai")
    if delivery.state == DeliveryState.DELIVERED:
        return f"Courriel remis au serveur de messagerie le {format_local(delivery.delivered_at)}."
    if delivery.state == DeliveryState.QUEUED:
        return (
            "Courriel en file d'attente, pas encore remis au serveur de messagerie "
            f"(envoi prévu le {format_local(delivery.next_attempt_at)})."
        )
    if delivery.state == DeliveryState.FAILING:
        return (
            f"Courriel non remis après {tries} ({delivery.last_error}) ; prochain essai le "
            f"{format_local(delivery.next_attempt_at)}."
        )
    return f"Courriel non remis : envoi abandonné après {tries} ({delivery.last_error})."


@dataclass
class UndeliveredNotice:
    breach_id: UUID
    ref: str
    delivery: DeliveryOut
    line: str


async def undelivered_notices(scope: Scope) -> list[UndeliveredNotice]:
    """The notices issued to a controller whose e-mail the SMTP server has not accepted yet,
    among the breaches `scope` reaches (either side: the sender must phone, the controller
    may be unaware), oldest first: the dashboard shows them at once."""
    pending = (
        await OutboxMessage.filter(kind=KIND_CONTROLLER_NOTICE)
        .exclude(status=MessageStatus.SENT)
        .values_list("subject_id", flat=True)
    )
    if not pending:
        return []
    reached = Breach.filter(**Breach.scope_filter(scope)).filter(id__in=list(set(pending)))
    rows = await reached.values_list("id", "ref")
    found = await notice_deliveries([breach_id for breach_id, _ in rows])
    notices = [
        UndeliveredNotice(breach_id, ref, found[breach_id], delivery_line(found[breach_id]))
        for breach_id, ref in rows
        if breach_id in found and not found[breach_id].accepted
    ]
    return sorted(notices, key=lambda n: (n.delivery.attempts == 0, str(n.breach_id)))
