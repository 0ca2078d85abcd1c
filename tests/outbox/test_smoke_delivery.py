"""The outbox delivers through a real SMTP server, accents intact, and only once."""

from core.clock import utcnow
from core.outbox.delivery import deliver_due
from core.outbox.models import MessageStatus, OutboxMessage
from core.outbox.service import Draft, enqueue


async def test_a_pending_message_is_delivered_once_with_its_accents(db, smtp):
    draft = Draft(
        kind="test",
        to_addrs=("dpd@juvisy-exemple.fr",),
        subject="Violation de données : échéance dépassée",
        body_text="Délai de 72 heures écoulé.\n",
    )
    message = await enqueue(draft, now=utcnow())
    first = await deliver_due(owner="test:1")
    second = await deliver_due(owner="test:2")
    assert (first.sent, second.sent) == (1, 0)
    assert len(smtp.received) == 1
    got = smtp.received[0]
    assert got.rcpt_tos == ["dpd@juvisy-exemple.fr"]
    assert got.subject == "Violation de données : échéance dépassée"
    assert "Délai de 72 heures écoulé." in got.body
    assert got.message_id == message.message_id
    stored = await OutboxMessage.get(id=message.id)
    assert stored.status == MessageStatus.SENT and stored.sent_at is not None
