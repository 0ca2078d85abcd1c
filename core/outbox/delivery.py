"""One delivery pass: claim what is due, send each, record the outcome."""

import logging
from dataclasses import dataclass, field

from core.clock import utcnow
from core.config import get_settings
from core.outbox.models import MessageStatus
from core.outbox.service import claim_due, mark_failed, mark_sent, renew_claim
from core.outbox.smtp import SendFailure, build_email, send_email

log = logging.getLogger("rgpd.outbox")


@dataclass
class DeliveryReport:
    sent: int = 0
    retried: int = 0
    failed: int = 0
    errors: list[str] = field(default_factory=list)

    @property
    def attempted(self) -> int:
        return self.sent + self.retried + self.failed


async def deliver_due(*, owner: str, batch: int = 50, max_batches: int = 20) -> DeliveryReport:
    """Send what is due now, batch after batch, until nothing is due or the cap is reached
    (so one pass never starves the reminders that run on the same scheduler)."""
    settings = get_settings()
    report = DeliveryReport()
    for _ in range(max_batches):
        claimed = await claim_due(owner=owner, now=utcnow(), limit=batch)
        if not claimed:
            break
        for message in claimed:
            if not await renew_claim(message, owner=owner, now=utcnow()):
                log.warning("message %s was taken over by another sender: skipped", message.id)
                continue
            try:
                await send_email(build_email(message, settings), settings)
            except SendFailure as failure:
                status = await mark_failed(
                    message,
                    owner=owner,
                    now=utcnow(),
                    error=failure.reason,
                    permanent=failure.permanent,
                )
                if status == MessageStatus.FAILED:
                    report.failed += 1
                else:
                    report.retried += 1
                # Ids and reasons only: subjects and addresses may name people.
                report.errors.append(f"{message.id}: {failure.reason}")
                log.warning(
                    "message %s not sent (attempt %d, %s): %s",
                    message.id,
                    message.attempts,
                    status.value,
                    failure.reason,
                )
                continue
            if await mark_sent(message, owner=owner, now=utcnow()):
                report.sent += 1
            else:
                log.error("message %s sent but its claim had been taken over", message.id)
        if len(claimed) < batch:
            break
    return report
