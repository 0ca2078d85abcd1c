"""Writing the journal: append an event to its chain, sign a checkpoint at a chain's end."""

import hashlib
import uuid
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import Any
from uuid import UUID

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from tortoise.exceptions import IntegrityError
from tortoise.transactions import in_transaction

from core.audit.anchor import Head, anchor_path, append_head
from core.audit.canonical import canonical_json, normalise, timestamp
from core.audit.models import AuditCheckpoint, AuditEvent
from core.audit.signing import get_signing_key, key_id, sign
from core.errors import Conflict

INSTANCE_CHAIN = "instance"
GENESIS_HASH = "0" * 64  # the prev_hash of each chain's first event
HASH_FORMAT = 1  # hashed with the event: a later format can be told from this one
MAX_APPEND_ATTEMPTS = 20


def chain_of(organisation_id: UUID | str | None) -> str:
    """The chain of one organisation, or the instance's when there is none."""
    if organisation_id is None or organisation_id == INSTANCE_CHAIN:
        return INSTANCE_CHAIN
    return str(UUID(str(organisation_id)))


def event_hasher(
    *,
    id: UUID | str,
    chain: str,
    organisation_id: UUID | str | None,
    at: datetime,
    actor: str,
    action: str,
    entity_type: str,
    entity_id: str | None,
    before: Any,
    after: Any,
    prev_hash: str,
) -> Callable[[int], str]:
    """The event's hash as a function of its `seq`: SHA-256 of the canonical JSON of every
    field. "seq" sorts after every other key, so the JSON ends with it: the rest is written
    once, and finding the number a moved event was written with costs one hash per guess."""
    payload = {
        "format": HASH_FORMAT,
        "id": str(id),
        "chain": chain,
        "organisation_id": None if organisation_id is None else str(organisation_id),
        "at": timestamp(at),
        "actor": actor,
        "action": action,
        "entity_type": entity_type,
        "entity_id": entity_id,
        "before": before,
        "after": after,
        "prev_hash": prev_hash,
    }
    head = canonical_json(payload)[:-1] + b',"seq":'
    return lambda seq: hashlib.sha256(b"%s%d}" % (head, seq)).hexdigest()


def event_hash(*, seq: int, **fields: Any) -> str:
    return event_hasher(**fields)(seq)


def hasher_of(event: AuditEvent) -> Callable[[int], str]:
    return event_hasher(
        id=event.id,
        chain=event.chain,
        organisation_id=event.organisation_id,
        at=event.at,
        actor=event.actor,
        action=event.action,
        entity_type=event.entity_type,
        entity_id=event.entity_id,
        before=event.before,
        after=event.after,
        prev_hash=event.prev_hash,
    )


def stored_event_hash(event: AuditEvent, *, seq: int | None = None) -> str:
    """The hash an event's row should carry (with another `seq`, to find where it was)."""
    return hasher_of(event)(event.seq if seq is None else seq)


async def _tail(chain: str) -> tuple[int, str]:
    """(seq, hash) of the chain's last event, (0, genesis) for an empty chain."""
    last = await AuditEvent.filter(chain=chain).order_by("-seq").first().values("seq", "hash")
    return (last["seq"], last["hash"]) if last else (0, GENESIS_HASH)


async def append(
    chain: UUID | str | None,
    *,
    actor: str,
    action: str,
    entity_type: str,
    entity_id: UUID | str | None,
    before: Any,
    after: Any,
    now: datetime,
) -> AuditEvent:
    """Record one event at the end of its chain; call it in the transaction of the write.

    Two writers may read the same tail and both try `seq + 1`: the unique (chain, seq) lets
    one insert win. The other's insert waits for the winner's transaction (PostgreSQL holds
    the unique index entry) and then fails, so it re-reads the tail and retries after it.
    The insert runs in a savepoint, which keeps the caller's transaction usable after the
    failure. SQLite has one writer at a time, so there the race cannot happen. The chain
    never forks; the cost of a conflict is one retry. From its insert to the commit the new
    event holds the chain's next number, so other writers of that chain wait: append last.
    """
    chain = chain_of(chain)
    organisation_id = None if chain == INSTANCE_CHAIN else UUID(chain)
    fields = dict(
        id=uuid.uuid4(),
        chain=chain,
        organisation_id=organisation_id,
        at=now,
        actor=actor,
        action=action,
        entity_type=entity_type,
        entity_id=None if entity_id is None else str(entity_id),
        before=normalise(before),
        after=normalise(after),
    )
    for _ in range(MAX_APPEND_ATTEMPTS):
        seq, prev_hash = await _tail(chain)
        values = {**fields, "seq": seq + 1, "prev_hash": prev_hash}
        values["hash"] = event_hash(**values)
        try:
            async with in_transaction():
                return await AuditEvent.create(**values)
        except IntegrityError:
            continue
    raise Conflict(
        f"journal d'audit : trop d'écritures simultanées sur la chaîne {chain}, réessayez"
    )


async def append_many(
    chain: UUID | str | None, entries: list[dict], *, actor: str, now: datetime
) -> list[AuditEvent]:
    """`append` for a batch of events of one chain (each entry: action, entity_type,
    entity_id, before, after), in one insert: the same numbers and hashes as one `append`
    after another, and the same retry when another writer took the next number first."""
    chain = chain_of(chain)
    organisation_id = None if chain == INSTANCE_CHAIN else UUID(chain)
    fields = [
        dict(
            id=uuid.uuid4(),
            chain=chain,
            organisation_id=organisation_id,
            at=now,
            actor=actor,
            action=entry["action"],
            entity_type=entry["entity_type"],
            entity_id=None if entry["entity_id"] is None else str(entry["entity_id"]),
            before=normalise(entry["before"]),
            after=normalise(entry["after"]),
        )
        for entry in entries
    ]
    for _ in range(MAX_APPEND_ATTEMPTS):
        seq, prev_hash = await _tail(chain)
        events = []
        for values in fields:
            seq += 1
            values = {**values, "seq": seq, "prev_hash": prev_hash}
            values["hash"] = prev_hash = event_hash(**values)
            events.append(AuditEvent(**values))
        try:
            async with in_transaction():
                await AuditEvent.bulk_create(events)
            return events
        except IntegrityError:
            continue
    raise Conflict(
        f"journal d'audit : trop d'écritures simultanées sur la chaîne {chain}, réessayez"
    )


def checkpoint_message(
    *, chain: str, seq: int, hash: str, signed_at: datetime, key_id: str
) -> bytes:
    """The bytes the instance signs: what a checkpoint asserts, and nothing else."""
    return canonical_json(
        {
            "purpose": "registre-rgpd audit checkpoint",
            "format": HASH_FORMAT,
            "chain": chain,
            "seq": seq,
            "hash": hash,
            "signed_at": signed_at,
            "key_id": key_id,
        }
    )


async def checkpoint(
    chain: UUID | str | None,
    *,
    now: datetime,
    key: Ed25519PrivateKey | None = None,
    anchor: Path | None = None,
) -> AuditCheckpoint | None:
    """Sign the chain's current end; None for an empty chain. `key` defaults to the
    instance's (RGPD_SIGNING_KEY_FILE), `anchor` to the anchor file beside it: the signed
    head is appended there first (outside the database), then stored as a checkpoint row."""
    chain = chain_of(chain)
    seq, last_hash = await _tail(chain)
    if seq == 0:
        return None
    key = key or get_signing_key()
    kid = key_id(key.public_key())
    message = checkpoint_message(chain=chain, seq=seq, hash=last_hash, signed_at=now, key_id=kid)
    _, signature = sign(message, key)
    anchor = anchor or anchor_path()
    if anchor is not None:
        append_head(
            anchor,
            Head(
                chain=chain,
                seq=seq,
                hash=last_hash,
                signed_at=now,
                key_id=kid,
                signature=signature,
            ),
        )
    return await AuditCheckpoint.create(
        id=uuid.uuid4(),
        chain=chain,
        seq=seq,
        hash=last_hash,
        signed_at=now,
        key_id=kid,
        signature=signature,
    )


async def chains() -> list[str]:
    """Every chain that has events or checkpoints."""
    names = set(await AuditEvent.all().distinct().values_list("chain", flat=True))
    names |= set(await AuditCheckpoint.all().distinct().values_list("chain", flat=True))
    return sorted(names)
