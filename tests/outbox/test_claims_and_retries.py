"""The outbox's sender side: one claimer per message, backoff, permanent refusals, giving up."""

import asyncio
from datetime import timedelta

from core.clock import utcnow
from core.outbox.delivery import deliver_due
from core.outbox.models import MessageStatus, OutboxMessage
from core.outbox.service import (
    Draft,
    backoff,
    claim_due,
    enqueue,
    mark_failed,
    mark_sent,
    renew_claim,
)
from tests.smtp_server import free_port


def draft(i: int = 0, to: str = "dpd@commune-exemple.fr") -> Draft:
    return Draft(kind="test", to_addrs=(to,), subject=f"Message {i}", body_text="Délai.\n")


async def test_concurrent_claimers_never_get_the_same_message(db, settings_env):
    settings_env(outbox_lease_seconds=300)
    now = utcnow()
    for i in range(200):
        await enqueue(draft(i), now=now)

    async def claimer(n: int) -> list:
        got = []
        while batch := await claim_due(owner=f"test:{n}", now=utcnow(), limit=7):
            got += [m.id for m in batch]
        return got

    # Eight claimers at once (on PostgreSQL: eight connections of the pool, really racing).
    results = await asyncio.gather(*(claimer(n) for n in range(8)))
    claimed = [message_id for batch in results for message_id in batch]
    assert len(claimed) == 200 and len(set(claimed)) == 200, "a message claimed twice"
    owners = dict(await OutboxMessage.all().values_list("id", "claimed_by"))
    for n, batch in enumerate(results):
        assert all(owners[m] == f"test:{n}" for m in batch)


async def test_an_expired_claim_is_taken_over_and_the_late_sender_cannot_mark_it(db, settings_env):
    settings_env(outbox_lease_seconds=60)
    now = utcnow()
    message = await enqueue(draft(), now=now)
    [mine] = await claim_due(owner="scheduler:dead", now=now)
    assert await claim_due(owner="scheduler:other", now=now + timedelta(seconds=30)) == []
    [theirs] = await claim_due(owner="scheduler:other", now=now + timedelta(seconds=61))
    assert theirs.id == message.id and theirs.attempts == 2
    assert not await mark_sent(mine, owner="scheduler:dead", now=utcnow())
    assert await mark_sent(theirs, owner="scheduler:other", now=utcnow())


async def test_a_message_waiting_its_turn_in_a_batch_is_not_sent_once_taken_over(db, settings_env):
    # A batch is claimed at once and sent one by one: before each send the sender renews its
    # lease, and a message another sender took over meanwhile is not its to send.
    settings_env(outbox_lease_seconds=60)
    now = utcnow()
    for i in range(2):
        await enqueue(draft(i), now=now)
    first, second = await claim_due(owner="slow", now=now, limit=2)
    assert await renew_claim(first, owner="slow", now=now + timedelta(seconds=50))
    [taken] = await claim_due(owner="other", now=now + timedelta(seconds=61))
    assert taken.id == second.id
    assert not await renew_claim(second, owner="slow", now=now + timedelta(seconds=62))
    assert await renew_claim(first, owner="slow", now=now + timedelta(seconds=62)), (
        "the renewed lease still holds"
    )


async def test_backoff_doubles_up_to_its_cap(db, settings_env):
    settings_env(outbox_backoff_seconds=10, outbox_backoff_max_seconds=60)
    assert [backoff(n).total_seconds() for n in range(1, 6)] == [10, 20, 40, 60, 60]
    now = utcnow()
    await enqueue(draft(), now=now)
    [message] = await claim_due(owner="test", now=now)
    assert await mark_failed(message, owner="test", now=now, error="421", permanent=False) == (
        MessageStatus.PENDING
    )
    stored = await OutboxMessage.get(id=message.id)
    assert stored.next_attempt_at == now + timedelta(seconds=10)
    assert await claim_due(owner="test", now=now + timedelta(seconds=9)) == []
    [again] = await claim_due(owner="test", now=now + timedelta(seconds=10))
    await mark_failed(again, owner="test", now=now, error="421", permanent=False)
    stored = await OutboxMessage.get(id=message.id)
    assert stored.next_attempt_at == now + timedelta(seconds=20), "the wait grows"


async def test_a_550_is_a_permanent_failure_with_its_reason(db, smtp):
    smtp.handler.refuse.add("parti@commune-exemple.fr")
    message = await enqueue(draft(to="parti@commune-exemple.fr"), now=utcnow())
    report = await deliver_due(owner="test")
    assert (report.sent, report.retried, report.failed) == (0, 0, 1)
    stored = await OutboxMessage.get(id=message.id)
    assert stored.status == MessageStatus.FAILED and stored.attempts == 1
    assert "parti@commune-exemple.fr : 550" in stored.last_error
    assert smtp.received == []


async def test_when_the_attempts_are_spent_the_message_fails_with_the_reason(db, settings_env):
    settings_env(
        smtp_host="127.0.0.1",
        smtp_port=free_port(),  # nothing listens there
        outbox_max_attempts=3,
        outbox_backoff_seconds=0.01,
        outbox_backoff_max_seconds=0.01,
    )
    message = await enqueue(draft(), now=utcnow())
    outcomes = []
    for _ in range(3):
        await asyncio.sleep(0.02)
        report = await deliver_due(owner="test")
        outcomes.append((report.retried, report.failed))
    assert outcomes == [(1, 0), (1, 0), (0, 1)]
    stored = await OutboxMessage.get(id=message.id)
    assert stored.status == MessageStatus.FAILED and stored.attempts == 3
    assert "serveur SMTP injoignable" in stored.last_error
    await asyncio.sleep(0.02)
    assert (await deliver_due(owner="test")).attempted == 0, "a failed message stays failed"


async def test_one_pass_sends_on_one_connection_and_a_refusal_spoils_only_its_message(db, smtp):
    sessions = []

    async def handle_EHLO(server, session, envelope, hostname, responses):
        sessions.append(hostname)
        session.host_name = hostname
        return responses

    smtp.handler.handle_EHLO = handle_EHLO
    smtp.handler.refuse.add("parti@commune-exemple.fr")
    now = utcnow()
    await enqueue(draft(0), now=now)
    await enqueue(draft(1, to="parti@commune-exemple.fr"), now=now + timedelta(microseconds=1))
    for i in range(2, 6):
        await enqueue(draft(i), now=now + timedelta(microseconds=i))
    report = await deliver_due(owner="test")
    assert (report.sent, report.failed) == (5, 1)
    assert sorted(m.subject for m in smtp.received) == [f"Message {i}" for i in (0, 2, 3, 4, 5)]
    # One connection for the messages before the refusal, one fresh after it.
    assert len(sessions) == 2


async def test_an_unreachable_server_puts_the_whole_batch_back_for_its_next_attempt(
    db, settings_env
):
    settings_env(smtp_host="127.0.0.1", smtp_port=free_port(), outbox_backoff_seconds=5)
    now = utcnow()
    for i in range(3):
        await enqueue(draft(i), now=now)
    report = await deliver_due(owner="test")
    assert (report.sent, report.retried, report.failed) == (0, 3, 0)
    rows = await OutboxMessage.all()
    assert all(m.status == MessageStatus.PENDING and m.attempts == 1 for m in rows)
    assert all("injoignable" in m.last_error and m.next_attempt_at > now for m in rows)
