"""Reading the audit journal: an organisation's events, exports, counts, and the checkpoints
of the chains that moved. The API and the command line read it through these functions."""

from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any
from uuid import UUID

from tortoise.functions import Count, Max

from core.audit.anchor import Anchor, anchor_path, read_anchor
from core.audit.canonical import timestamp
from core.audit.chain import INSTANCE_CHAIN, chain_of, checkpoint
from core.audit.models import AuditCheckpoint, AuditEvent
from core.audit.verify import Problem, verify
from core.french import agree, plural
from core.keys import KeyConfigError
from core.paging import Page, paginate
from core.scope import Scope

EXPORT_BATCH = 1000


@dataclass(frozen=True)
class JournalFilters:
    entity_type: str | None = None
    entity_id: str | None = None
    since: datetime | None = None  # included
    until: datetime | None = None  # excluded


def _query(chain: str, filters: JournalFilters):
    query = AuditEvent.filter(chain=chain)
    if filters.entity_type:
        query = query.filter(entity_type=filters.entity_type)
    if filters.entity_id:
        query = query.filter(entity_id=filters.entity_id)
    if filters.since:
        query = query.filter(at__gte=filters.since)
    if filters.until:
        query = query.filter(at__lt=filters.until)
    return query


async def has_events(organisation_id: UUID | str | None) -> bool:
    return await AuditEvent.exists(chain=chain_of(organisation_id))


async def list_events(
    organisation_id: UUID | str | None,
    *,
    filters: JournalFilters = JournalFilters(),
    limit: int,
    offset: int,
) -> Page[AuditEvent]:
    """One chain's events, newest first."""
    query = _query(chain_of(organisation_id), filters)
    return await paginate(query.order_by("-seq"), limit=limit, offset=offset)


def event_dict(event: AuditEvent) -> dict[str, Any]:
    """An event as exported: every field the hash covers, and the hash, so that an auditor
    can recompute the chain without the database."""
    return {
        "chain": event.chain,
        "seq": event.seq,
        "id": str(event.id),
        "organisation_id": None if event.organisation_id is None else str(event.organisation_id),
        "at": timestamp(event.at),
        "actor": event.actor,
        "action": event.action,
        "entity_type": event.entity_type,
        "entity_id": event.entity_id,
        "before": event.before,
        "after": event.after,
        "prev_hash": event.prev_hash,
        "hash": event.hash,
    }


async def export_events(
    organisation_id: UUID | str | None, *, filters: JournalFilters = JournalFilters()
) -> AsyncIterator[dict[str, Any]]:
    """One chain's events in their order (`seq`), read in batches."""
    query = _query(chain_of(organisation_id), filters)
    after = 0
    while True:
        batch = await query.filter(seq__gt=after).order_by("seq").limit(EXPORT_BATCH)
        for event in batch:
            yield event_dict(event)
        if len(batch) < EXPORT_BATCH:
            return
        after = batch[-1].seq


@dataclass(frozen=True)
class AnchorState:
    """Which anchor the journal was checked against, and a French sentence that says so."""

    path: Path | None
    heads: int
    note: str
    anchor: Anchor | None = None


@dataclass(frozen=True)
class Verification:
    events: int
    chains: int
    problems: list[Problem]
    anchor: AnchorState = AnchorState(None, 0, "")

    @property
    def intact(self) -> bool:
        return not self.problems


async def anchor_state(
    path: Path | None, *, explicit: bool = False, chains: list[str] | None = None
) -> AnchorState:
    """Read the anchor at `path` (the configured one when not `explicit`); its figures count
    `chains` only when given (a scope's: nothing said of the other bodies). A missing explicit
    file, or an unreadable one, raises KeyConfigError with the French reason."""
    if path is None:
        return AnchorState(
            None,
            0,
            "aucune ancre configurée (pas de clé de signature) : vérification sur la base seule",
        )
    if not path.exists() and not explicit:
        marks = (
            AuditCheckpoint.all() if chains is None else AuditCheckpoint.filter(chain__in=chains)
        )
        signed = await marks.count()
        if not signed:
            return AnchorState(
                path, 0, "aucune ancre encore : elle naît au premier point de contrôle signé"
            )
        return AnchorState(
            path,
            0,
            "attention : ancre absente alors que la base compte "
            f"{plural(signed, 'point de contrôle signé', 'points de contrôle signés')} ; "
            "vérification sur la base seule, restaurez l'ancre depuis sa sauvegarde",
        )
    try:
        anchor = read_anchor(path)
    except OSError as exc:
        raise KeyConfigError(f"ancre du journal {path} illisible : {exc.strerror or exc}") from None
    heads = [h for h in anchor.heads if chains is None or h.chain in chains]
    note = (
        f"{plural(len(heads), 'tête signée', 'têtes signées')} de "
        f"{plural(len({h.chain for h in heads}), 'chaîne')} "
        f"{agree(len(heads), 'vérifiée')} contre l'ancre"
    )
    return AnchorState(path, len(heads), note, anchor)


def _scoped_chains(scope: Scope) -> list[str] | None:
    """The chains a scope may verify: every chain when unrestricted (None), else its bodies'."""
    if scope.is_unrestricted:
        return None
    return sorted(chain_of(o) for o in scope.org_ids)


async def verify_journal(
    *,
    scope: Scope = Scope.everything(),
    chain: UUID | str | None = None,
    public_keys=None,
    anchor: Path | None = None,
) -> Verification:
    """Verify one chain (`chain`, "instance" for the instance's), or every chain in scope,
    against the anchor: `anchor` when given (it must exist), else the configured one."""
    names = [chain_of(chain)] if chain is not None else _scoped_chains(scope)
    state = await anchor_state(anchor or anchor_path(), explicit=anchor is not None, chains=names)
    if names is None:
        problems = await verify(public_keys=public_keys, anchor=state.anchor)
        events = await AuditEvent.all().count()
        counted = await AuditEvent.all().distinct().values_list("chain", flat=True)
        marked = await AuditCheckpoint.all().distinct().values_list("chain", flat=True)
        known = state.anchor.chains() if state.anchor else set()
        return Verification(events, len(set(counted) | set(marked) | known), problems, state)
    problems = []
    for name in names:
        problems += await verify(name, public_keys=public_keys, anchor=state.anchor)
    events = await AuditEvent.filter(chain__in=names).count()
    used = await AuditEvent.filter(chain__in=names).distinct().values_list("chain", flat=True)
    return Verification(events, len(set(used)), problems, state)


async def checkpoint_moved(*, now: datetime, key=None) -> list[AuditCheckpoint]:
    """Sign the end of every chain that has grown since its last checkpoint."""
    ends = dict(
        await AuditEvent.annotate(last=Max("seq")).group_by("chain").values_list("chain", "last")
    )
    signed = dict(
        await AuditCheckpoint.annotate(last=Max("seq"))
        .group_by("chain")
        .values_list("chain", "last")
    )
    made = []
    for chain in sorted(ends):
        if ends[chain] > (signed.get(chain) or 0):
            mark = await checkpoint(chain, now=now, key=key)
            if mark is not None:
                made.append(mark)
    return made


async def chain_sizes() -> dict[str, int]:
    """Events per chain, the instance's included."""
    rows = await AuditEvent.annotate(n=Count("id")).group_by("chain").values_list("chain", "n")
    return dict(rows)


__all__ = [
    "INSTANCE_CHAIN",
    "AnchorState",
    "JournalFilters",
    "Verification",
    "chain_sizes",
    "checkpoint_moved",
    "event_dict",
    "export_events",
    "has_events",
    "list_events",
    "verify_journal",
]
