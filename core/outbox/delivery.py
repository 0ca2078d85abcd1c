"""One delivery pass: claim what is due, send each, record the outcome."""

import logging
from dataclasses import dataclass, field

from core.clock import utcnow
from core.config import get_settings
from core.outbox.models import MessageStatus, OutboxMessage
from core.outbox.service import claim_due, mark_failed, mark_sent, renew_claim
from core.outbox.smtp import SendFailure, SmtpConnection, build_email

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
    """Send what is due now, batch after batch, on one SMTP connection, until nothing is due
    or the cap is reached (so one pass never starves the reminders on the same scheduler)."""
    report = DeliveryReport()
    connection = SmtpConnection(get_settings())
    try:
        for _ in range(max_batches):
            claimed = await claim_due(owner=owner, now=utcnow(), limit=batch)
            if not claimed:
                break
            unreachable = await _send_batch(claimed, connection, owner, report)
            if unreachable or len(claimed) < batch:
                break
    finally:
        await connection.close()
    return report


async def _send_batch(
    claimed: list[OutboxMessage], connection: SmtpConnection, owner: str, report: DeliveryReport
) -> bool:
    """Send a claimed batch; True when the server could not be reached (the rest of the batch
    is then put back for its next attempt without each one waiting for its own timeout)."""
    settings = get_settings()
    down: SendFailure | None = None
    for message in claimed:
        if down is None and not await renew_claim(message, owner=owner, now=utcnow()):
            log.warning("message %s was taken over by another sender: skipped", message.id)
            continue
        try:
            if down is not None:
                raise down
            await connection.send(build_email(message, settings))
        except SendFailure as failure:
            if failure.unreachable:
                down = failure
            await _record_failure(message, failure, owner, report)
            continue
        if await mark_sent(message, owner=owner, now=utcnow()):
            report.sent += 1
        else:
            log.error("message %s sent but its claim had been taken over", message.id)
    return down is not None


async def _record_failure(
    message: OutboxMessage, failure: SendFailure, owner: str, report: DeliveryReport
) -> None:
    status = await mark_failed(
        message, owner=owner, now=utcnow(), error=failure.reason, permanent=failure.permanent
    )
    if status == MessageStatus.FAILED:
        report.failed += 1
    else:
        report.retried += 1
    report.errors.append(f"{message.id}: {failure.reason}")
    # Id and kind of failure only: a refusal's reason names recipients (the people's
    # addresses, for a communication under art. 34); the reason is kept on the row.
    log.warning(
        "message %s not sent (attempt %d, %s): %s",
        message.id,
        message.attempts,
        status.value,
        "server unreachable"
        if failure.unreachable
        else ("refused" if failure.permanent else "temporary refusal"),
    )
