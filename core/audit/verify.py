"""Checking the journal: walk each chain and say where it was altered.

Two orders describe a chain: the `seq` numbers, and the links (each event names the hash of
the one before it). The links are followed from the start to give each event the number it
was written with. Then, in `seq` order:

- an event whose hash does not match its content was modified, unless it matches with the
  number the links give it: then it was renumbered (swapped, moved, or shifted by an
  insertion or a deletion hidden under a renumbering);
- an event that the links cannot reach, because another event already follows the same
  predecessor, was inserted;
- where the links stop and start again further on, events are missing (deleted), or the one
  before was replaced by a row with a recomputed hash.

A chain rewritten from some point with every hash recomputed is consistent again: only the
signed checkpoints, whose key the database does not hold, show it. And since those are in the
database too, the anchor (`core.audit.anchor`, outside it) is checked as well: a chain that
ends before an anchored head was truncated, a chain the anchor knows and the database lacks was
deleted, an event at an anchored number with another hash was rewritten, and a line whose
signature does not hold was forged or altered. Events after the last anchored head are checked
by their hashes only.
"""

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum
from uuid import UUID

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from core.audit.anchor import Anchor, Head
from core.audit.chain import GENESIS_HASH, chain_of, chains, checkpoint_message, hasher_of
from core.audit.models import AuditCheckpoint, AuditEvent
from core.audit.signing import get_signing_key, key_id, load_public_key, signature_valid
from core.clock import to_local
from core.french import agree, plural
from core.keys import KeyConfigError

# How far a segment's first event is searched for the number it was written with.
MAX_SHIFT_SEARCH = 100_000  # about 0.1 s of hashing, spent only on a modified event


class ProblemKind(StrEnum):
    MODIFIED = "modified"
    DELETED = "deleted"
    INSERTED = "inserted"
    REORDERED = "reordered"
    CHECKPOINT_SIGNATURE = "checkpoint_signature"
    CHECKPOINT_MISMATCH = "checkpoint_mismatch"
    CHECKPOINT_UNCHECKED = "checkpoint_unchecked"
    ANCHOR_TRUNCATED = "anchor_truncated"
    ANCHOR_CHAIN_DELETED = "anchor_chain_deleted"
    ANCHOR_MISMATCH = "anchor_mismatch"
    ANCHOR_SIGNATURE = "anchor_signature"
    ANCHOR_UNCHECKED = "anchor_unchecked"
    ANCHOR_UNREADABLE = "anchor_unreadable"


@dataclass(frozen=True)
class Problem:
    chain: str
    seq: int | None
    kind: ProblemKind
    message: str
    event_id: UUID | None = None

    def __str__(self) -> str:
        return self.message


async def verify(
    chain: UUID | str | None = None,
    *,
    public_keys: Iterable[Ed25519PublicKey | str] | None = None,
    anchor: Anchor | None = None,
) -> list[Problem]:
    """Problems of one chain, or of every chain; an empty list means an intact journal.

    Checkpoint signatures are checked with `public_keys` (keys or PEM), by default the
    instance's own key. A checkpoint no key can check is reported too. With an `anchor`, the
    chains are also checked against its heads, and every chain it knows is verified.
    """
    keys, why_no_key = _public_keys(public_keys)
    heads: dict[str, list[Head]] = defaultdict(list)
    for head in anchor.heads if anchor else ():
        heads[head.chain].append(head)
    every = None if chain is not None else sorted(set(await chains()) | set(heads))
    names = every if every is not None else [chain_of(chain)]
    problems: list[Problem] = []
    for name in names:
        events = await AuditEvent.filter(chain=name).order_by("seq", "id")
        marks = await AuditCheckpoint.filter(chain=name).order_by("seq", "signed_at")
        problems += _check_events(name, events)
        problems += _check_checkpoints(name, events, marks, keys, why_no_key)
        problems += _check_heads(name, events, heads.get(name, []), keys, why_no_key)
    if anchor is not None and chain is None:
        problems += [
            Problem(
                "ancre",
                None,
                ProblemKind.ANCHOR_UNREADABLE,
                f"ancre {anchor.path}, ligne {line} : ligne illisible, l'ancre a été modifiée "
                "(ou une écriture y a été interrompue)",
            )
            for line in anchor.unreadable
        ]
    return problems


def _public_keys(
    given: Iterable[Ed25519PublicKey | str] | None,
) -> tuple[dict[str, Ed25519PublicKey], str]:
    if given is not None:
        keys = [k if isinstance(k, Ed25519PublicKey) else load_public_key(k) for k in given]
        return {key_id(k): k for k in keys}, "clé publique non fournie"
    try:
        public = get_signing_key().public_key()
    except KeyConfigError as exc:
        return {}, str(exc)
    return {key_id(public): public}, "ce n'est pas la clé de signature de l'instance"


def _where(chain: str, event: AuditEvent) -> str:
    return f"chaîne {chain}, n° {event.seq} (événement {event.id})"


def _link_positions(events: list[AuditEvent]) -> tuple[dict[UUID, int], dict[UUID, int]]:
    """The number each reachable event was written with, following the links; and, for the
    first event of each segment after a break, the number of the last event before it."""
    hashes = {e.hash for e in events}
    children: dict[str, list[AuditEvent]] = defaultdict(list)
    for e in events:
        children[e.prev_hash].append(e)
    position: dict[UUID, int] = {}
    breaks: dict[UUID, int] = {}

    def walk(from_hash: str, pos: int) -> int:
        while True:
            nxt = [c for c in children.get(from_hash, ()) if c.id not in position]
            if not nxt:
                return pos
            # A fork: the original is the event the chain goes on from (then the lowest seq).
            event = min(nxt, key=lambda c: (not children.get(c.hash), c.seq))
            pos += 1
            position[event.id] = pos
            from_hash = event.hash

    last = walk(GENESIS_HASH, 0)
    while True:
        heads = [
            e
            for e in events
            if e.id not in position and e.prev_hash not in hashes and e.prev_hash != GENESIS_HASH
        ]
        if not heads:
            return position, breaks
        head = min(heads, key=lambda e: e.seq)
        breaks[head.id] = last
        position[head.id] = _written_seq(head, after=last)
        last = walk(head.hash, position[head.id])


def _written_seq(event: AuditEvent, *, after: int) -> int:
    """The number that makes the event's hash match: its own, or one further on (events were
    deleted and the rest renumbered). Its own number if none does (it was modified too)."""
    hash_at = hasher_of(event)
    if hash_at(event.seq) == event.hash:
        return event.seq
    for seq in range(after + 1, after + 1 + MAX_SHIFT_SEARCH):
        if hash_at(seq) == event.hash:
            return seq
    return event.seq


def _check_events(chain: str, events: list[AuditEvent]) -> list[Problem]:
    position, breaks = _link_positions(events)
    problems: list[Problem] = []
    moved: list[tuple[AuditEvent, int]] = []
    for event in events:
        here = _where(chain, event)
        pos = position.get(event.id)
        if pos is None:
            problems.append(
                Problem(
                    chain,
                    event.seq,
                    ProblemKind.INSERTED,
                    f"{here} : événement inséré, hors de la chaîne d'origine "
                    "(un autre événement suit déjà le même prédécesseur)",
                    event.id,
                )
            )
            continue
        hash_at = hasher_of(event)
        own = hash_at(event.seq) == event.hash
        intact = own if pos == event.seq else hash_at(pos) == event.hash
        if event.id in breaks and (intact or pos > breaks[event.id] + 1):
            # (A modified event that starts a segment is reported once, as modified.)
            problems.append(_break(chain, event, before=breaks[event.id], pos=pos))
        if own:
            continue
        if pos != event.seq and intact:
            moved.append((event, pos))
        else:
            problems.append(
                Problem(
                    chain,
                    event.seq,
                    ProblemKind.MODIFIED,
                    f"{here} : événement modifié, son contenu ne correspond plus à son empreinte",
                    event.id,
                )
            )
    problems += _renumbered(chain, moved)
    return sorted(problems, key=lambda p: (p.seq or 0, p.kind))


def _break(chain: str, event: AuditEvent, *, before: int, pos: int) -> Problem:
    if pos > before + 1:
        missing = f"n° {before + 1}" if pos == before + 2 else f"n° {before + 1} à {pos - 1}"
        return Problem(
            chain,
            before + 1,
            ProblemKind.DELETED,
            f"chaîne {chain}, {missing} : "
            f"{agree(pos - before - 1, 'événement supprimé', 'événements supprimés')}, "
            "juste avant l'événement "
            f"n° {event.seq} ({event.id})",
            event.id,
        )
    # Nothing is missing by the numbers: the event before was replaced by another whose hash
    # was recomputed, so this one no longer follows it.
    replaced = f"n° {before} : événement remplacé" if before else "début de chaîne remplacé"
    return Problem(
        chain,
        before or None,
        ProblemKind.MODIFIED,
        f"chaîne {chain}, {replaced} (empreinte recalculée), l'événement suivant "
        f"n° {event.seq} ({event.id}) ne s'y rattache plus",
        event.id,
    )


def _renumbered(chain: str, moved: list[tuple[AuditEvent, int]]) -> list[Problem]:
    """One problem per run of consecutive events shifted by the same amount."""
    runs: list[list[tuple[AuditEvent, int]]] = []
    for event, pos in moved:
        run = runs[-1] if runs else None
        if (
            run
            and event.seq == run[-1][0].seq + 1
            and event.seq - pos == run[-1][0].seq - run[-1][1]
        ):
            run.append((event, pos))
        else:
            runs.append([(event, pos)])
    problems = []
    for run in runs:
        (first, first_pos), (last, last_pos) = run[0], run[-1]
        if len(run) == 1:
            message = (
                f"{_where(chain, first)} : événement déplacé, écrit au n° {first_pos}, "
                "l'ordre du journal a été modifié"
            )
        else:
            message = (
                f"chaîne {chain}, n° {first.seq} à {last.seq} : événements renumérotés, écrits "
                f"aux n° {first_pos} à {last_pos} (des événements ont été insérés, supprimés "
                "ou déplacés)"
            )
        problems.append(Problem(chain, first.seq, ProblemKind.REORDERED, message, first.id))
    return problems


def _check_checkpoints(
    chain: str,
    events: list[AuditEvent],
    marks: list[AuditCheckpoint],
    keys: dict[str, Ed25519PublicKey],
    why_no_key: str,
) -> list[Problem]:
    by_seq = {e.seq: e for e in events}
    by_hash = {e.hash: e for e in events}
    problems = []
    for mark in marks:
        here = f"chaîne {chain}, point de contrôle au n° {mark.seq} ({mark.id})"
        key = keys.get(mark.key_id)
        message = checkpoint_message(
            chain=mark.chain,
            seq=mark.seq,
            hash=mark.hash,
            signed_at=mark.signed_at,
            key_id=mark.key_id,
        )
        if key is None:
            problems.append(
                Problem(
                    chain,
                    mark.seq,
                    ProblemKind.CHECKPOINT_UNCHECKED,
                    f"{here} : signature non vérifiée, clé {mark.key_id} inconnue ({why_no_key})",
                )
            )
        elif not signature_valid(message, mark.signature, key):
            problems.append(
                Problem(
                    chain,
                    mark.seq,
                    ProblemKind.CHECKPOINT_SIGNATURE,
                    f"{here} : signature invalide, le point de contrôle a été modifié ou forgé",
                )
            )
        event = by_seq.get(mark.seq)
        if event is not None and event.hash == mark.hash:
            continue
        signed = by_hash.get(mark.hash)
        if signed is not None:
            detail = f"l'événement signé ({signed.id}) porte maintenant le n° {signed.seq}"
        elif event is None:
            detail = "l'événement signé est absent : journal tronqué ou événement supprimé"
        else:
            detail = f"l'événement n° {event.seq} ({event.id}) n'est plus celui qui a été signé"
        problems.append(
            Problem(
                chain,
                mark.seq,
                ProblemKind.CHECKPOINT_MISMATCH,
                f"{here} : {detail}, la chaîne a été réécrite jusqu'à ce point",
                event.id if event else None,
            )
        )
    return problems


def _signed_on(head: Head) -> str:
    return to_local(head.signed_at).strftime("signée le %d/%m/%Y à %H:%M:%S, heure de Paris")


def _head_signatures(
    chain: str, heads: list[Head], keys: dict[str, Ed25519PublicKey], why_no_key: str
) -> tuple[list[Head], list[Problem]]:
    """The heads whose signature holds, and a problem for each of the others."""
    valid: list[Head] = []
    problems: list[Problem] = []
    for head in heads:
        here = f"chaîne {chain}, tête ancrée au n° {head.seq} (ligne {head.line} de l'ancre)"
        key = keys.get(head.key_id)
        message = checkpoint_message(
            chain=head.chain,
            seq=head.seq,
            hash=head.hash,
            signed_at=head.signed_at,
            key_id=head.key_id,
        )
        if key is None:
            kind = ProblemKind.ANCHOR_UNCHECKED
            text = f"{here} : signature non vérifiée, clé {head.key_id} inconnue ({why_no_key})"
        elif not signature_valid(message, head.signature, key):
            kind = ProblemKind.ANCHOR_SIGNATURE
            text = f"{here} : signature invalide, la ligne de l'ancre a été modifiée ou forgée"
        else:
            valid.append(head)
            continue
        problems.append(Problem(chain, head.seq, kind, text))
    return valid, problems


def _check_heads(
    chain: str,
    events: list[AuditEvent],
    heads: list[Head],
    keys: dict[str, Ed25519PublicKey],
    why_no_key: str,
) -> list[Problem]:
    """The chain against the heads the anchor holds for it (their signatures first)."""
    valid, problems = _head_signatures(chain, heads, keys, why_no_key)
    if not valid:
        return problems
    top = max(valid, key=lambda h: h.seq)
    if not events:
        problems.append(
            Problem(
                chain,
                None,
                ProblemKind.ANCHOR_CHAIN_DELETED,
                f"chaîne {chain} : chaîne entière supprimée de la base, alors que l'ancre "
                f"atteste {plural(top.seq, 'événement')} (tête n° {top.seq} {_signed_on(top)})",
            )
        )
        return problems
    last = events[-1].seq
    if top.seq > last:
        problems.append(
            Problem(
                chain,
                last + 1,
                ProblemKind.ANCHOR_TRUNCATED,
                f"chaîne {chain} : journal tronqué, l'ancre atteste l'événement n° {top.seq} "
                f"(tête {_signed_on(top)}) mais la base s'arrête au n° {last} : "
                f"{plural(top.seq - last, 'événement')} au moins "
                f"{agree(top.seq - last, 'supprimé')}",
            )
        )
    by_seq = {e.seq: e for e in events}
    for head in sorted(valid, key=lambda h: h.seq):
        event = by_seq.get(head.seq)
        if head.seq <= last and (event is None or event.hash != head.hash):
            problems.append(
                Problem(
                    chain,
                    head.seq,
                    ProblemKind.ANCHOR_MISMATCH,
                    f"chaîne {chain}, n° {head.seq} : l'événement ne porte plus l'empreinte "
                    f"ancrée (tête {_signed_on(head)}), la chaîne a été réécrite jusqu'à ce point",
                    event.id if event else None,
                )
            )
            break  # the first one tells where; the later heads follow from it
    return problems
