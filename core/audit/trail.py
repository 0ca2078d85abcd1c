"""Journaling the writes: who, when, what, and the values before and after, in the chain of
every organisation concerned.

Each journaled model is declared once, beside its definition (`journaled_model`): its entity
type, whose record it is (the owner, read from the row), the links kept in other tables that
belong to its state (an activity's conventions, a convention's parties), and the fields whose
clear text must not be copied. The writes then go through three helpers, all in the caller's
transaction:

- `journaled(model, id, action=...)`: reads the row before, runs the block, reads it after,
  and records the fields that changed. `core.persistence.update_versioned` and
  `delete_versioned` use it, so every versioned update and delete is journaled;
- `record_created(model, id)`: the full row of a new record, once its links are written;
- `record_event(...)`: an event built by the caller (an outbox message: its kind and how many
  recipients, never its body).

A write already journaled by an enclosing `journaled` block of the same record is not
journaled twice: a service that also writes links wraps the whole step in one block.

Fields encrypted at rest (`core.crypto.EncryptedTextField`) and the fields a model names in
`digest` are journaled as a keyed digest of their text (HMAC-SHA-256, `core.audit.digest`),
never in clear: the journal shows that they changed, and the instance can check a given text
against it, but whoever reads the journal without the key cannot confirm a guess. Journals
written before keep their plain SHA-256 digests (`{"sha256": …}`), which still read.
"""

import inspect
from collections import defaultdict
from collections.abc import AsyncIterator, Awaitable, Callable, Iterable, Mapping
from contextlib import asynccontextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Any
from uuid import UUID

from tortoise.models import Model
from tortoise.transactions import in_transaction

from core.actor import current_actor
from core.audit.canonical import canonical_json, normalise
from core.audit.chain import append, append_many, chain_of
from core.audit.digest import keyed_digest
from core.audit.models import AuditEvent
from core.clock import utcnow
from core.crypto import EncryptedTextField

# Not journaled: the event's own time says when the row was last written.
ALWAYS_IGNORED = frozenset({"updated_at"})
DIGEST_KEY = "hmac-sha256"  # a digest's marker: {"hmac-sha256": hex}
LEGACY_DIGEST_KEY = "sha256"  # unkeyed digests of journals written before
DIGEST_KEYS = (DIGEST_KEY, LEGACY_DIGEST_KEY)

Row = dict[str, Any]
Owners = Callable[[Row], Iterable[Any] | Awaitable[Iterable[Any]]]
Link = str | Callable[[Any], Awaitable[Any]]


@dataclass(frozen=True)
class Journaled:
    entity_type: str
    owners: Owners
    links: Mapping[str, Link]
    ignore: frozenset[str]
    digest: frozenset[str]


_models: dict[type[Model], Journaled] = {}
# The records whose write an enclosing `journaled` block records (model, id).
_covered: ContextVar[frozenset[tuple[type[Model], str]]] = ContextVar(
    "rgpd_journal_covered", default=frozenset()
)


def journaled_model(
    model: type[Model],
    entity_type: str,
    *,
    owner: str | Owners,
    links: Mapping[str, Link] | None = None,
    ignore: Iterable[str] = (),
    digest: Iterable[str] = (),
) -> None:
    """Declare how a model is journaled.

    `owner`: the field holding the owning organisation's id, or a function of the row
    (journaled values: ids as strings) returning the owners' ids, or an awaitable of them;
    no owner puts the event in the instance's chain. `links`: extra state, by name: a
    many-to-many relation name (its ids), or an async function of the model instance.
    `ignore`: derived columns (search copies). `digest`: fields journaled as a digest.
    """
    owners = (lambda row: [row.get(owner)]) if isinstance(owner, str) else owner
    _models[model] = Journaled(
        entity_type=entity_type,
        owners=owners,
        links=dict(links or {}),
        ignore=frozenset(ignore) | ALWAYS_IGNORED,
        digest=frozenset(digest),
    )


def spec_of(model: type[Model]) -> Journaled:
    try:
        return _models[model]
    except KeyError:
        raise LookupError(
            f"{model.__name__} is not declared to the audit journal (journaled_model)"
        ) from None


def digest_marker(value: Any) -> dict[str, str] | None:
    """What the journal keeps of a protected text: its keyed digest, never the text."""
    if value is None:
        return None
    data = value.encode("utf-8") if isinstance(value, str) else canonical_json(value)
    return {DIGEST_KEY: keyed_digest(data)}


def digest_of(value: Any) -> tuple[str, str] | None:
    """(kind, hex) of a journaled digest, the old unkeyed ones included; None for any other
    value. The kind is DIGEST_KEY (keyed) or LEGACY_DIGEST_KEY."""
    if isinstance(value, dict) and len(value) == 1:
        ((kind, digest),) = value.items()
        if kind in DIGEST_KEYS and isinstance(digest, str):
            return kind, digest
    return None


def _protected(model: type[Model], spec: Journaled) -> set[str]:
    return {
        name
        for name, field in model._meta.fields_map.items()
        if isinstance(field, EncryptedTextField) or name in spec.digest
    }


async def row_of(model: type[Model], obj: Model) -> Row:
    """The record as journaled: its columns (relations by id), then its links; JSON-safe."""
    spec = spec_of(model)
    protected = _protected(model, spec)
    row: Row = {}
    for name in model._meta.fields_map:
        if name in model._meta.fetch_fields or name in spec.ignore:
            continue
        value = getattr(obj, name)
        row[name] = digest_marker(value) if name in protected else value
    for name, link in spec.links.items():
        if callable(link):
            row[name] = await link(obj)
        else:
            ids = await getattr(obj, link).all().values_list("id", flat=True)
            row[name] = sorted(str(i) for i in ids)
    return normalise(row)


async def snapshot(model: type[Model], obj_id: Any) -> Row | None:
    """The record as it is now in the database (in the caller's transaction), or None."""
    obj = await model.filter(id=obj_id).first()
    return None if obj is None else await row_of(model, obj)


def changed(before: Row, after: Row) -> tuple[Row, Row]:
    """Only the fields that differ, on each side."""
    keys = sorted(k for k in before.keys() | after.keys() if before.get(k) != after.get(k))
    return {k: before.get(k) for k in keys}, {k: after.get(k) for k in keys}


async def chains_of(model: type[Model], *rows: Row | None) -> list[str]:
    """The chains of the record's owners, before and after (a record that changes owner is
    journaled in both); the instance's chain when it has none."""
    spec = spec_of(model)
    found: set[str] = set()
    for row in rows:
        if row is None:
            continue
        owners = spec.owners(row)
        if inspect.isawaitable(owners):
            owners = await owners
        found |= {chain_of(o) for o in owners if o is not None}
    # One order for every writer: two transactions appending to the same chains take them
    # in the same order, and cannot wait for each other in a circle.
    return sorted(found) or [chain_of(None)]


async def record_event(
    chains: Iterable[UUID | str | None],
    *,
    action: str,
    entity_type: str,
    entity_id: Any,
    before: Any,
    after: Any,
) -> list[AuditEvent]:
    """One event, appended to each chain given, by whoever acts now."""
    now = utcnow()
    actor = current_actor()
    return [
        await append(
            chain,
            actor=actor,
            action=action,
            entity_type=entity_type,
            entity_id=entity_id,
            before=before,
            after=after,
            now=now,
        )
        for chain in sorted({chain_of(c) for c in chains})
    ]


async def record_events(events: Iterable[tuple[UUID | str | None, dict]]) -> None:
    """Several events, each in one chain (`record_event`'s fields as a dict), by whoever acts
    now: one insert per chain, the chains taken in one order for every writer."""
    now = utcnow()
    actor = current_actor()
    by_chain: dict[str, list[dict]] = defaultdict(list)
    for chain, fields in events:
        by_chain[chain_of(chain)].append(fields)
    for chain in sorted(by_chain):
        await append_many(chain, by_chain[chain], actor=actor, now=now)


async def record_change(
    model: type[Model], obj_id: Any, *, action: str, before: Row | None, after: Row | None
) -> list[AuditEvent]:
    """Journal a write from the full rows before and after it: the changed fields of an
    update, the whole row of a creation or a deletion. Nothing when nothing changed."""
    if before is None and after is None:
        return []
    chains = await chains_of(model, before, after)
    if before is not None and after is not None:
        before, after = changed(before, after)
        if not before and not after:
            return []
    spec = spec_of(model)
    return await record_event(
        chains,
        action=f"{spec.entity_type}.{action}",
        entity_type=spec.entity_type,
        entity_id=obj_id,
        before=before,
        after=after,
    )


async def record_created(model: type[Model], obj_id: Any, *, action: str = "create") -> None:
    """Journal a new record, in the transaction that wrote it and its links."""
    if _is_covered(model, obj_id):
        return
    await record_change(
        model, obj_id, action=action, before=None, after=await snapshot(model, obj_id)
    )


def _is_covered(model: type[Model], obj_id: Any) -> bool:
    return (model, str(obj_id)) in _covered.get()


@asynccontextmanager
async def journaled(model: type[Model], obj_id: Any, *, action: str) -> AsyncIterator[None]:
    """Journal what the block writes to one record, as one event, in one transaction.

    The rows before and after are read in the block's transaction; a block that raises
    writes nothing, its event included. Inside, the helpers leave this record to the block.
    """
    if _is_covered(model, obj_id):
        yield
        return
    async with in_transaction():
        before = await snapshot(model, obj_id)
        token = _covered.set(_covered.get() | {(model, str(obj_id))})
        try:
            yield
        finally:
            _covered.reset(token)
        after = await snapshot(model, obj_id)
        await record_change(model, obj_id, action=action, before=before, after=after)
