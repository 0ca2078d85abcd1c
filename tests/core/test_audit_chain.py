"""The audit journal: hash-chained events per organisation, signed checkpoints, and a check
that says where the journal was altered when someone writes to the database behind its back."""

import asyncio
import base64
import hashlib
import json
import uuid
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest
from tortoise import Tortoise
from tortoise.transactions import in_transaction

from core.audit import chain as journal
from core.audit.chain import INSTANCE_CHAIN, append, checkpoint, event_hash, stored_event_hash
from core.audit.models import AuditCheckpoint, AuditEvent
from core.audit.signing import (
    generate_signing_key_pem,
    load_private_key,
    load_public_key,
    public_key_pem,
    signature_valid,
)
from core.audit.verify import ProblemKind, verify
from tests.conftest import USE_POSTGRES

pytestmark = pytest.mark.engine

ORG = uuid.UUID("5c1e0b4e-1b7a-4f7e-9a55-0a3c6b2f9d01")
OTHER_ORG = uuid.UUID("0b0a8a34-5a8f-4d7b-8e37-2f3d2b1c4e02")
T0 = datetime(2025, 3, 29, 23, 30, tzinfo=UTC)  # the night before the change to summer time


@pytest.fixture
def signing_key(settings_env, tmp_path):
    path = tmp_path / "audit-signing.pem"
    path.write_bytes(generate_signing_key_pem())
    settings_env(signing_key_file=path)
    return load_private_key(path)


async def write(n: int, chain=ORG, start: int = 0) -> list[AuditEvent]:
    events = []
    for i in range(start, start + n):
        events.append(
            await append(
                chain,
                actor="dpo@essey-les-nancy.fr",
                action="activity.update",
                entity_type="activity",
                entity_id=uuid.UUID(int=i + 1),
                before={"name": f"Fiche {i}", "version": i},
                after={"name": f"Fiche {i} — état civil", "version": i + 1},
                now=T0 + timedelta(minutes=i),
            )
        )
    return events


async def sql(query: str, *params) -> None:
    """Raw SQL on the database, `?` placeholders on both engines."""
    if USE_POSTGRES:
        parts = query.split("?")
        query = parts[0] + "".join(f"${n}{part}" for n, part in enumerate(parts[1:], 1))
    await Tortoise.get_connection("default").execute_query(query, list(params))


async def set_seq(event_id: uuid.UUID, seq: int) -> None:
    await sql("UPDATE audit_event SET seq = ? WHERE id = ?", seq, str(event_id))


def found(problems) -> list[tuple[str, int | None]]:
    return [(p.kind.value, p.seq) for p in problems]


# Writing --------------------------------------------------------------------------------------


async def test_events_are_numbered_and_linked_per_chain(db):
    first, second = await write(2)
    (other,) = await write(1, chain=OTHER_ORG)
    (instance,) = await write(1, chain=None)
    assert (first.seq, second.seq, other.seq, instance.seq) == (1, 2, 1, 1)
    assert first.prev_hash == "0" * 64 and second.prev_hash == first.hash
    assert (first.chain, first.organisation_id) == (str(ORG), ORG)
    assert (instance.chain, instance.organisation_id) == (INSTANCE_CHAIN, None)
    assert await verify() == []


async def test_the_hash_read_back_is_the_hash_written_on_either_engine(db):
    rich = {
        "détails": "Fuite de données à l'école Jules-Ferry",
        "at": datetime(2025, 10, 26, 1, 30, 0, 120, tzinfo=UTC),
        "day": date(2025, 10, 26),
        "ids": (uuid.UUID(int=7), uuid.UUID(int=8)),
        "score": 2.0,
        "ratio": 0.25,
        "amount": Decimal("12.50"),
        "nested": {"b": [1, None, True], "a": {}},
    }
    written = await append(
        ORG, actor="rssi", action="incident.create", entity_type="incident",
        entity_id="INC-2025-001", before=None, after=rich, now=T0,
    )  # fmt: skip
    read = await AuditEvent.get(id=written.id)
    assert read.after["at"] == "2025-10-26T01:30:00.000120+00:00"
    assert stored_event_hash(read) == written.hash
    assert await verify(ORG) == []


async def test_the_hash_is_the_sha256_of_the_canonical_json_of_the_event(db):
    """What an auditor re-implements: sorted keys, no spaces, UTF-8, times in UTC."""
    (event,) = await write(1)
    payload = {
        "format": 1, "id": str(event.id), "chain": str(ORG), "seq": 1,
        "organisation_id": str(ORG), "at": "2025-03-29T23:30:00.000000+00:00",
        "actor": event.actor, "action": event.action, "entity_type": "activity",
        "entity_id": str(uuid.UUID(int=1)), "before": {"name": "Fiche 0", "version": 0},
        "after": {"name": "Fiche 0 — état civil", "version": 1}, "prev_hash": "0" * 64,
    }  # fmt: skip
    text = json.dumps(payload, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    assert event.hash == hashlib.sha256(text.encode("utf-8")).hexdigest()


async def test_an_event_written_in_a_rolled_back_transaction_leaves_no_trace(db):
    await write(1)
    with pytest.raises(RuntimeError):
        async with in_transaction():
            await write(1, start=1)
            raise RuntimeError("the write it records failed")
    assert await AuditEvent.filter(chain=str(ORG)).count() == 1
    (event,) = await write(1, start=1)
    assert event.seq == 2
    assert await verify() == []


async def test_concurrent_appends_on_one_chain_keep_one_line(db, monkeypatch):
    await write(1)
    writers = 4  # each holds a connection of PostgreSQL's pool (5) while it waits
    reads: list[str] = []
    if USE_POSTGRES:
        # Every writer reads the same tail before any inserts: the race at its worst.
        barrier, read_tail = asyncio.Barrier(writers), journal._tail
        waited: set[asyncio.Task] = set()

        async def racing_tail(chain):
            reads.append(chain)
            tail = await read_tail(chain)
            if asyncio.current_task() not in waited:
                waited.add(asyncio.current_task())
                await asyncio.wait_for(barrier.wait(), timeout=10)
            return tail

        monkeypatch.setattr(journal, "_tail", racing_tail)

    async def one_write(i):
        async with in_transaction():
            return await append(
                ORG, actor=f"writer-{i}", action="measure.update", entity_type="measure",
                entity_id=None, before=None, after={"i": i}, now=T0 + timedelta(seconds=i),
            )  # fmt: skip

    written = await asyncio.gather(*(one_write(i) for i in range(writers)))
    assert sorted(e.seq for e in written) == list(range(2, writers + 2))
    if USE_POSTGRES:
        assert len(reads) > writers  # the losers did read the tail again
    seqs = await AuditEvent.filter(chain=str(ORG)).order_by("seq").values_list("seq", flat=True)
    assert seqs == list(range(1, writers + 2))
    assert await verify() == []


# Tampering ------------------------------------------------------------------------------------


async def test_an_untouched_journal_with_checkpoints_verifies(db, signing_key):
    await write(3)
    await checkpoint(ORG, now=T0 + timedelta(hours=1))
    await write(2, start=3)
    await checkpoint(ORG, now=T0 + timedelta(hours=2))
    await write(2, chain=None)
    await checkpoint(None, now=T0 + timedelta(hours=2))
    assert await verify() == []


async def test_a_value_changed_in_after_is_reported_at_its_seq(db):
    events = await write(5)
    forged = {**events[2].after, "name": "Fiche effacée"}
    await sql(
        'UPDATE audit_event SET "after" = ? WHERE id = ?', json.dumps(forged), str(events[2].id)
    )
    problems = await verify()
    assert found(problems) == [("modified", 3)]
    assert f"chaîne {ORG}, n° 3 (événement {events[2].id})" in problems[0].message
    assert "modifié" in problems[0].message


async def test_a_changed_actor_or_time_is_reported_too(db):
    events = await write(5)
    await sql(
        "UPDATE audit_event SET actor = ? WHERE id = ?", "quelqu'un d'autre", str(events[0].id)
    )
    await sql("UPDATE audit_event SET entity_id = NULL WHERE id = ?", str(events[4].id))
    assert found(await verify()) == [("modified", 1), ("modified", 5)]


async def test_a_deleted_row_is_reported_where_it_was(db):
    events = await write(5)
    await sql("DELETE FROM audit_event WHERE id = ?", str(events[2].id))
    problems = await verify()
    assert found(problems) == [("deleted", 3)]
    assert "n° 3 : événement supprimé, juste avant l'événement n° 4" in problems[0].message


async def test_deleted_rows_at_the_start_are_reported(db):
    events = await write(5)
    for event in events[:2]:
        await sql("DELETE FROM audit_event WHERE id = ?", str(event.id))
    problems = await verify()
    assert found(problems) == [("deleted", 1)]
    assert "n° 1 à 2" in problems[0].message


async def test_a_deletion_hidden_by_renumbering_is_reported(db):
    events = await write(5)
    await sql("DELETE FROM audit_event WHERE id = ?", str(events[1].id))
    for event in events[2:]:
        await set_seq(event.id, event.seq - 1)
    assert found(await verify()) == [("deleted", 2), ("reordered", 2)]


async def test_two_rows_whose_seq_are_swapped_are_reported_as_reordered(db):
    events = await write(5)
    await set_seq(events[1].id, -1)
    await set_seq(events[2].id, 2)
    await set_seq(events[1].id, 3)
    problems = await verify()
    assert found(problems) == [("reordered", 2), ("reordered", 3)]
    assert "écrit au n° 3" in problems[0].message and "écrit au n° 2" in problems[1].message


async def test_two_rows_whose_contents_are_swapped_are_reported(db):
    events = await write(5)
    a, b = events[1], events[2]
    for target, source in ((a, b), (b, a)):
        await sql(
            'UPDATE audit_event SET "before" = ?, "after" = ?, entity_id = ? WHERE id = ?',
            json.dumps(source.before), json.dumps(source.after), source.entity_id, str(target.id),
        )  # fmt: skip
    assert found(await verify()) == [("modified", 2), ("modified", 3)]


async def test_a_forged_row_inserted_with_a_valid_hash_is_reported(db):
    events = await write(5)
    for event in reversed(events[2:]):  # make room at n° 3
        await set_seq(event.id, event.seq + 1)
    forged = dict(
        id=uuid.uuid4(), chain=str(ORG), seq=3, organisation_id=ORG, at=events[2].at,
        actor="admin", action="breach.close", entity_type="breach", entity_id="B-1",
        before=None, after={"status": "closed"}, prev_hash=events[1].hash,
    )  # fmt: skip
    await sql(
        'INSERT INTO audit_event (id, chain, seq, organisation_id, "at", actor, action, '
        'entity_type, entity_id, "before", "after", prev_hash, hash) '
        'SELECT ?, chain, 3, organisation_id, "at", ?, ?, ?, ?, NULL, ?, ?, ? '
        "FROM audit_event WHERE id = ?",
        str(forged["id"]), "admin", "breach.close", "breach", "B-1", '{"status":"closed"}',
        forged["prev_hash"], event_hash(**forged), str(events[2].id),
    )  # fmt: skip
    problems = await verify()
    assert found(problems) == [("inserted", 3), ("reordered", 4)]
    assert f"n° 3 (événement {forged['id']}) : événement inséré" in problems[0].message
    assert "n° 4 à 6 : événements renumérotés, écrits aux n° 3 à 5" in problems[1].message


async def test_a_rewritten_event_with_a_recomputed_hash_breaks_the_next_link(db, signing_key):
    events = await write(5)
    await checkpoint(ORG, now=T0 + timedelta(hours=1))
    target = await AuditEvent.get(id=events[2].id)
    target.after = {"name": "Fiche réécrite"}
    new_hash = stored_event_hash(target)
    await sql(
        'UPDATE audit_event SET "after" = ?, hash = ? WHERE id = ?',
        json.dumps(target.after), new_hash, str(target.id),
    )  # fmt: skip
    problems = await verify()
    assert found(problems) == [("modified", 3)]
    assert "n° 3 : événement remplacé (empreinte recalculée)" in problems[0].message


async def test_a_chain_rewritten_to_its_end_is_caught_by_the_signed_checkpoint(db, signing_key):
    events = await write(4)
    await checkpoint(ORG, now=T0 + timedelta(hours=1))
    # The attacker rewrites event 2 and recomputes every hash after it: the links agree again.
    prev_hash = events[0].hash
    for event in events[1:]:
        row = await AuditEvent.get(id=event.id)
        if row.seq == 2:
            row.after = {"name": "Fiche réécrite"}
        row.prev_hash = prev_hash
        prev_hash = stored_event_hash(row)
        await sql(
            'UPDATE audit_event SET "after" = ?, prev_hash = ?, hash = ? WHERE id = ?',
            json.dumps(row.after), row.prev_hash, prev_hash, str(row.id),
        )  # fmt: skip
    problems = await verify()
    assert found(problems) == [("checkpoint_mismatch", 4)]
    assert "n'est plus celui qui a été signé" in problems[0].message


async def test_the_last_row_deleted_after_a_checkpoint_is_reported(db, signing_key):
    events = await write(3)
    await checkpoint(ORG, now=T0 + timedelta(hours=1))
    await sql("DELETE FROM audit_event WHERE id = ?", str(events[-1].id))
    problems = await verify()
    assert found(problems) == [("checkpoint_mismatch", 3)]
    assert "journal tronqué" in problems[0].message


# Checkpoints ----------------------------------------------------------------------------------


async def test_a_checkpoint_signs_the_end_of_its_chain(db, signing_key):
    assert await checkpoint(ORG, now=T0) is None  # nothing to sign yet
    events = await write(3)
    mark = await checkpoint(ORG, now=T0 + timedelta(hours=1))
    assert (mark.chain, mark.seq, mark.hash) == (str(ORG), 3, events[-1].hash)
    assert mark.key_id.startswith("ed25519:")
    message = journal.checkpoint_message(
        chain=mark.chain, seq=mark.seq, hash=mark.hash, signed_at=mark.signed_at,
        key_id=mark.key_id,
    )  # fmt: skip
    assert signature_valid(message, mark.signature, load_public_key(public_key_pem()))


async def test_a_checkpoint_with_a_forged_signature_is_reported(db, signing_key):
    await write(3)
    mark = await checkpoint(ORG, now=T0 + timedelta(hours=1))
    forger = load_private_key_from(generate_signing_key_pem())
    forged = forger.sign(b"anything")
    await sql(
        "UPDATE audit_checkpoint SET signature = ? WHERE id = ?",
        base64.b64encode(forged).decode(), str(mark.id),
    )  # fmt: skip
    problems = await verify()
    assert found(problems) == [("checkpoint_signature", 3)]
    assert "signature invalide" in problems[0].message


async def test_a_checkpoint_moved_to_another_seq_is_reported(db, signing_key):
    await write(3)
    mark = await checkpoint(ORG, now=T0 + timedelta(hours=1))
    await sql("UPDATE audit_checkpoint SET seq = 2 WHERE id = ?", str(mark.id))
    kinds = {p.kind for p in await verify()}
    assert kinds == {ProblemKind.CHECKPOINT_SIGNATURE, ProblemKind.CHECKPOINT_MISMATCH}


async def test_checkpoints_need_a_key_to_be_checked(db, signing_key, settings_env, tmp_path):
    await write(2)
    await checkpoint(ORG, now=T0 + timedelta(hours=1))
    public = public_key_pem()
    settings_env(signing_key_file=tmp_path / "absent.pem")
    (problem,) = await verify()
    assert problem.kind == ProblemKind.CHECKPOINT_UNCHECKED
    assert "illisible" in problem.message
    # An auditor given the instance's public key checks them anywhere.
    assert await verify(public_keys=[public]) == []
    other = load_private_key_from(generate_signing_key_pem()).public_key()
    assert found(await verify(public_keys=[other])) == [("checkpoint_unchecked", 2)]


async def test_verify_can_look_at_one_chain(db):
    events = await write(2)
    await write(2, chain=OTHER_ORG)
    await sql("DELETE FROM audit_event WHERE id = ?", str(events[0].id))
    assert await verify(OTHER_ORG) == []
    assert found(await verify(ORG)) == [("deleted", 1)]
    assert await AuditCheckpoint.all().count() == 0


def load_private_key_from(pem: bytes):
    from cryptography.hazmat.primitives.serialization import load_pem_private_key

    return load_pem_private_key(pem, password=None)
