"""One journal event as the journal page shows it: who did what to which object, and each
field's value before and after, in French (a protected value is said to be so)."""

import json
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from api.web.journal_labels import ENTITY_LABELS, FIELD_LABELS, VERB_LABELS
from api.web.render import local_time
from core.audit.models import AuditEvent
from core.audit.trail import DIGEST_KEY, digest_of

# The pages an event's record has (by entity type): the route's name, and its parameter.
ENTITY_PAGES = {
    "activity": ("registre.sheet", "activity_id"),
    "breach": ("violations.breach", "breach_id"),
    "convention": ("conventions.sheet", "convention_id"),
}


def is_digest(value: Any) -> bool:
    return digest_of(value) is not None


INSTANT = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}")


def _instant(value: str) -> str:
    """An ISO instant in Paris time; as stored when it does not parse."""
    try:
        return local_time(datetime.fromisoformat(value))
    except ValueError:
        return value


def shown(value: Any) -> str:
    """A journaled value as text: a protected one is said to be so, with its digest; an
    instant in Paris time."""
    if value is None or value == "" or value == []:
        return "(vide)"
    if is_digest(value):
        kind, digest = digest_of(value)
        keyed = " à clé" if kind == DIGEST_KEY else ""
        return f"valeur protégée (empreinte SHA-256{keyed} {digest[:16]}…)"
    if isinstance(value, bool):
        return "oui" if value else "non"
    if isinstance(value, str) and INSTANT.match(value):
        return _instant(value)
    if isinstance(value, list) and all(isinstance(v, str | int | float) for v in value):
        return ", ".join(str(v) for v in value)
    if isinstance(value, list | dict):
        return json.dumps(value, ensure_ascii=False, sort_keys=True)
    return str(value)


@dataclass(frozen=True)
class Change:
    field: str
    before: str | None  # None: a creation shows the value only
    after: str | None  # None: a deletion shows the value only
    protected: bool


@dataclass(frozen=True)
class EventView:
    seq: int
    at: Any
    actor: str
    action: str
    entity: str
    entity_href: str | None
    changes: list[Change]


def _empty(value: Any) -> bool:
    return value is None or value == "" or value == [] or value == {}


def changes_of(before: Any, after: Any) -> list[Change]:
    """Field by field; a creation or a deletion shows its filled fields only."""
    created, deleted = before is None, after is None
    before = before if isinstance(before, dict) else {}
    after = after if isinstance(after, dict) else {}
    rows = []
    for name in sorted(before.keys() | after.keys(), key=lambda n: FIELD_LABELS.get(n, n)):
        old, new = before.get(name), after.get(name)
        if (created or deleted) and _empty(old) and _empty(new):
            continue
        rows.append(
            Change(
                field=FIELD_LABELS.get(name, name),
                before=None if created else shown(old),
                after=None if deleted else shown(new),
                protected=is_digest(old) or is_digest(new),
            )
        )
    return rows


def action_label(action: str) -> str:
    entity, _, verb = action.partition(".")
    return VERB_LABELS.get(verb or entity, verb or entity)


def entity_label(event: AuditEvent) -> str:
    text = ENTITY_LABELS.get(event.entity_type, event.entity_type)
    for row in (event.after, event.before):
        if isinstance(row, dict):
            name = row.get("name") or row.get("ref") or row.get("legal_name")
            if isinstance(name, str) and name:
                return f"{text} « {name} »"
    return text


def event_view(event: AuditEvent, url_for: Callable[..., str]) -> EventView:
    """`url_for`: a route's path by its name (api.web.render.path_for, for this request)."""
    href = None
    if event.entity_id and event.entity_type in ENTITY_PAGES:
        route, parameter = ENTITY_PAGES[event.entity_type]
        href = url_for(route, **{parameter: event.entity_id})
    return EventView(
        seq=event.seq,
        at=event.at,
        actor=event.actor,
        action=action_label(event.action),
        entity=entity_label(event),
        entity_href=href,
        changes=changes_of(event.before, event.after),
    )
