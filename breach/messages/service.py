"""Previews and sends of the breach messages; each send is one transaction with the step of
the workflow it reports (the outbox row exists exactly when the step was committed)."""

from dataclasses import dataclass, field
from datetime import datetime
from uuid import UUID

from breach.breaches import service as breaches
from breach.breaches import visibility
from breach.breaches.delivery import delivery_line
from breach.breaches.models import Breach
from breach.breaches.schemas import BreachOut, ControllerInformedIn, NotificationIn
from breach.enums import NotificationChannel, NotificationPhase, NotificationRecipient
from breach.messages.compose import (
    Composed,
    cnil_document,
    controller_notice,
    controller_phone_lines,
    people_communication,
)
from breach.messages.context import breach_view
from breach.messages.schemas import ControllerNoticeIn, PreviewOut
from core.errors import ValidationFailed
from core.outbox.service import enqueue
from core.outbox.state import DeliveryOut
from core.scope import Scope
from core.templating import Rendered


def _preview(composed: Composed, also: list[Composed] = ()) -> PreviewOut:
    return PreviewOut(
        kind=composed.kind,
        subject=composed.subject,
        body=composed.body,
        to_addrs=composed.to_addrs,
        warnings=composed.warnings,
        also=[_preview(c) for c in also],
    )


async def preview_controller_notice(*, scope: Scope, breach_id: UUID, now: datetime) -> PreviewOut:
    breach = await breaches.get_breach(scope=scope, breach_id=breach_id)
    composed = await controller_notice(await breach_view(breach), informed_at=now, late_reason=None)
    also = [composed.phone_reminder] if composed.phone_reminder else []
    return _preview(composed.notice, also)


async def preview_cnil(
    *, scope: Scope, breach_id: UUID, phase: NotificationPhase, now: datetime
) -> PreviewOut:
    breach = await breaches.get_breach(scope=scope, breach_id=breach_id)
    visibility.require_whole(scope, breach)  # the source side: as if absent
    return _preview(
        await cnil_document(await breach_view(breach), phase=phase, at=now, late_reason=None)
    )


async def preview_people(*, scope: Scope, breach_id: UUID, now: datetime) -> PreviewOut:
    breach = await breaches.get_breach(scope=scope, breach_id=breach_id)
    visibility.require_whole(scope, breach)  # the source side: as if absent
    return _preview(await people_communication(await breach_view(breach)))


async def send_controller_notice(
    *, scope: Scope, breach_id: UUID, data: ControllerNoticeIn, now: datetime
) -> Breach:
    """E-mail the notice to the controller's DPO and RSSI and record the controller as informed
    now, in one transaction; plus a reminder to the sender to phone when the convention asks."""
    breach = await breaches.get_breach(scope=scope, breach_id=breach_id)
    composed = await controller_notice(
        await breach_view(breach), informed_at=now, late_reason=data.late_reason
    )
    notice = composed.notice
    to_addrs = list(data.to_addrs) if data.to_addrs else notice.to_addrs
    if not to_addrs:
        # Recording an information nobody received would start the controller's clock falsely.
        raise ValidationFailed.one(
            "body",
            "to_addrs",
            msg=f"{'; '.join(notice.warnings)} : indiquez les destinataires (to_addrs)",
        )

    async def enqueue_messages() -> None:
        await enqueue(notice.draft(to_addrs), now=now)
        if composed.phone_reminder is not None:
            await enqueue(composed.phone_reminder.draft(), now=now)

    # The breach row, its event, the notice kept as sent and the messages: one transaction.
    return await breaches.record_controller_informed(
        scope=scope,
        breach_id=breach.id,
        data=ControllerInformedIn(
            version=data.version,
            informed_at=now,
            channel=NotificationChannel.EMAIL,
            late_reason=data.late_reason,
            summary=data.summary,
        ),
        now=now,
        message=Rendered(notice.subject, notice.body),
        then=enqueue_messages,
    )


async def record_notification(
    *, scope: Scope, breach_id: UUID, data: NotificationIn, now: datetime
) -> Breach:
    """Record a notification (CNIL or people) with its text; a communication to the people by
    e-mail with their addresses sends one message to each, in the same transaction."""

    async def text(breach: Breach) -> Composed:
        view = await breach_view(breach)
        if data.recipient == NotificationRecipient.DATA_SUBJECTS:
            return await people_communication(view)
        return await cnil_document(
            view,
            phase=data.phase,
            at=data.sent_at,
            late_reason=data.late_reason,
            followup_due_at=data.followup_due_at,
        )

    async def enqueue_people(communication: Composed) -> None:
        for address in data.addresses or []:
            await enqueue(communication.draft([address]), now=now)

    return await breaches.record_notification(
        scope=scope,
        breach_id=breach_id,
        data=data,
        now=now,
        text=text,
        then=enqueue_people if data.addresses else None,
    )


# Whether the notice reached the controller, and when to phone -------------------------------


@dataclass
class NoticeCall:
    """The notice to the controller as issued: its e-mail's delivery, and whether (and whom)
    its sender must phone: while the e-mail is not accepted, or when the convention asks."""

    delivery: DeliveryOut | None
    line: str | None
    reasons: list[str] = field(default_factory=list)
    phones: list[str] = field(default_factory=list)

    @property
    def call(self) -> bool:
        return bool(self.reasons)


async def notice_call(breach: Breach, out: BreachOut) -> NoticeCall | None:
    """`out`: the breach as its reader sees it; None before the controller is informed."""
    notice = next(
        (n for n in out.notifications if n.recipient == NotificationRecipient.CONTROLLER), None
    )
    if notice is None:
        return None
    delivery = notice.delivery
    view = await breach_view(breach)
    reasons = []
    if delivery is not None and not delivery.accepted:
        reasons.append("le courriel n'a pas encore été remis au serveur de messagerie")
    if view.phone_required:
        reasons.append("la convention demande aussi un appel téléphonique")
    return NoticeCall(
        delivery=delivery,
        line=delivery_line(delivery) if delivery else None,
        reasons=reasons,
        phones=await controller_phone_lines(view) if reasons else [],
    )
