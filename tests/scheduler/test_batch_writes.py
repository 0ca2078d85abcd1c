"""The reminders are written a batch at a time (one insert for the messages, one per chain for
their journal events): the same messages and the same intact journal as one at a time."""

from datetime import timedelta

from tortoise.transactions import in_transaction

from breach.reminders import KIND, write_due_reminders
from core.audit.chain import chain_of
from core.audit.models import AuditEvent
from core.audit.verify import verify
from core.clock import utcnow
from core.outbox.models import MessageStatus, OutboxMessage
from core.outbox.service import Draft, enqueue, enqueue_many
from tests.scheduler.seed import make_body, make_breach, make_many_breaches


async def test_a_batch_of_reminders_is_journaled_in_each_body_s_chain_which_stays_intact(db):
    juvisy = await make_body("Commune de Juvisy-sur-Orge", dpo="dpd@juvisy-exemple.fr")
    savigny = await make_body("Commune de Savigny-sur-Orge", dpo="dpd@savigny-exemple.fr")
    deadline = utcnow() + timedelta(minutes=30)
    ids = await make_many_breaches(juvisy, [deadline] * 30)
    other = await make_breach(savigny, cnil_due_at=deadline)
    before = {chain: await AuditEvent.filter(chain=chain).count() for chain in _chains(juvisy)}

    assert (await write_due_reminders()).written == 31
    messages = await OutboxMessage.filter(kind=KIND)
    assert sorted(m.subject_id for m in messages) == sorted([*ids, other.id])
    events = await AuditEvent.filter(action="message.create").order_by("chain", "seq")
    assert sorted(e.entity_id for e in events) == sorted(str(m.id) for m in messages)
    juvisy_seqs = [e.seq for e in events if e.chain == chain_of(juvisy.id)]
    start = before[chain_of(juvisy.id)]
    assert juvisy_seqs == list(range(start + 1, start + 31)), "one run of numbers"
    assert await verify() == []


def _chains(*bodies) -> list[str]:
    return [chain_of(body.id) for body in bodies]


async def test_a_key_taken_during_the_batch_leaves_the_others_written_once(db):
    body = await make_body("Commune de Juvisy-sur-Orge", dpo="dpd@juvisy-exemple.fr")
    now = utcnow()

    def draft(n: int) -> Draft:
        return Draft(
            kind=KIND,
            to_addrs=("dpd@juvisy-exemple.fr",),
            subject=f"Rappel {n}",
            body_text="…",
            organisation_id=body.id,
        )

    # The same key twice in one insert stands for another writer taking it meanwhile: the
    # insert fails, and the batch is written again a message at a time.
    async with in_transaction():
        written = await enqueue_many(
            [(draft(1), "k1"), (draft(2), "k2"), (draft(3), "k2")], now=now
        )
    assert written == ["k1", "k2"]
    rows = await OutboxMessage.all().order_by("dedup_key").values_list("dedup_key", "subject")
    assert rows == [("k1", "Rappel 1"), ("k2", "Rappel 2")]
    assert await AuditEvent.filter(action="message.create").count() == 2
    assert await verify() == []

    async with in_transaction():  # a key written earlier is skipped, not an error
        assert await enqueue_many([(draft(4), "k1"), (draft(5), "k5")], now=now) == ["k5"]
    assert await enqueue(draft(6), now=now, dedup_key="k5") is None


async def test_a_batch_message_without_a_valid_address_is_written_as_failed(db):
    nobody = Draft(kind=KIND, to_addrs=(), subject="a", body_text="b")
    mistyped = Draft(kind=KIND, to_addrs=("pas-une-adresse",), subject="a", body_text="b")
    async with in_transaction():
        await enqueue_many([(nobody, "none"), (mistyped, "bad")], now=utcnow())
    bad, none = await OutboxMessage.all().order_by("dedup_key")
    assert (bad.status, none.status) == (MessageStatus.FAILED, MessageStatus.FAILED)
    assert bad.last_error.startswith("adresse invalide : pas-une-adresse")
    assert none.last_error == "aucun destinataire : renseignez une adresse"
