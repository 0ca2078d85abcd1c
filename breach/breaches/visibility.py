"""What a caller sees of a breach: the one place that decides it.

A caller with a role in the controller body (or an instance administrator, the command line)
sees the whole breach. A caller who reaches it only as the body whose system was hit
(`Scope.sources`: a processor's or a service-commun host's people) sees what they need to
inform the controller (art. 33(2)): the facts (which they may complete, except those the
controller set itself: breach.breaches.source_facts), the notice owed and its delivery, the
controller's "informed" instant, their own clock. Never the controller's awareness and 72 h
clock, the ENISA assessment, the decision and its reasons, the notifications to the CNIL or
to the people, their texts, the closing, nor the state they reveal.

It is an allowlist: a field added to `BreachOut` later is withheld from the source until it
is named here. The JSON routes, the list, the deadlines, the previews and the pages all ask
this module.
"""

from typing import Any
from uuid import UUID

from breach.breaches.models import Breach
from breach.breaches.schemas import BreachOut, BreachViewKind
from breach.breaches.source_facts import INCIDENT_FACTS
from breach.deadlines import CONTROLLER_NOTICE
from breach.enums import NotificationRecipient
from core.errors import NotFound
from core.scope import Scope

# What the source side keeps; every other field of BreachOut is emptied.
SOURCE_FIELDS = frozenset(
    {
        "id",
        "version",
        "ref",
        "incident_id",
        "controller_id",
        "source_org_id",
        "convention_id",
        "activity_ids",
        "path",
        "controller_notice_due_at",
        "controller_informed_at",
        "controller_notice_late_reason",
        # The art. 33(3) facts: the notice the source sends carries them, and the source
        # completes them (breach.breaches.source_facts), except those the controller set;
        # not the controller's answers to the CNIL's form (other authorities, cross-border).
        *INCIDENT_FACTS,
        "controller_facts",
        # Filtered below to the source's own clock, notice, steps and actions.
        "countdowns",
        "notifications",
        "events",
        "allowed_actions",
    }
)
SOURCE_CLOCKS = frozenset({CONTROLLER_NOTICE})
# The controller's side of the facts a page or a message may show: withheld from the source.
CONTROLLER_FACTS = frozenset(
    {
        "aware",
        "aware_rationale",
        "severity",
        "risk_level",
        "inform_people",
        "art34_exemption",
        "decision_reasons",
        "cnil_due",
    }
)
SOURCE_EVENTS = frozenset({"declare", "record_controller_informed", "follow_detection"})
SOURCE_ACTIONS = frozenset({"record_controller_informed", "update_facts"})


def reaches(scope: Scope, controller_id: UUID, source_org_id: UUID | None) -> bool:
    """Whether `scope` reaches a breach at all: the rule of `Breach.scope_filter` on one row."""
    if scope.allows(controller_id):
        return True
    return source_org_id is not None and source_org_id in scope.sources


def sees_whole(scope: Scope, controller_id: UUID) -> bool:
    """Whether `scope` reaches the breach through its controller (not only as its source)."""
    return scope.allows(controller_id)


def _absent(name: str) -> Any:
    annotation = BreachOut.model_fields[name].annotation
    if getattr(annotation, "__origin__", None) is list:
        return []
    return None


def as_source(out: BreachOut) -> BreachOut:
    """The breach as its source sees it (see the module doc)."""
    data = {
        name: getattr(out, name) if name in SOURCE_FIELDS else _absent(name)
        for name in BreachOut.model_fields
    }
    data |= {
        "view": BreachViewKind.SOURCE,
        "countdowns": [c for c in out.countdowns if c.kind in SOURCE_CLOCKS],
        "notifications": [
            n for n in out.notifications if n.recipient == NotificationRecipient.CONTROLLER
        ],
        # The steps the source took or caused, without the states they moved between.
        "events": [
            e.model_copy(update={"from_status": None, "to_status": None})
            for e in out.events
            if e.action in SOURCE_EVENTS
        ],
        "allowed_actions": [a for a in out.allowed_actions if a in SOURCE_ACTIONS],
        "controller_facts": [n for n in out.controller_facts if n in INCIDENT_FACTS],
    }
    return BreachOut.model_validate(data)


def shown(scope: Scope, out: BreachOut) -> BreachOut:
    """`out` as the caller with `scope` may see it."""
    return out if sees_whole(scope, out.controller_id) else as_source(out)


def facts_seen(facts: dict[str, Any], *, whole: bool) -> dict[str, Any]:
    """A breach's facts as a page shows them: without the controller's side to the source."""
    if whole:
        return facts
    return {name: value for name, value in facts.items() if name not in CONTROLLER_FACTS}


def require_whole(scope: Scope, breach: Breach) -> None:
    """What only the controller side reads (CNIL document, people's letter): to the source it
    answers as a breach that does not exist."""
    if not sees_whole(scope, breach.controller_id):
        raise NotFound("violation", breach.id)


def _check_allowlist() -> None:
    # Every withheld field must have an "absent" value: nullable, or a list.
    for name, info in BreachOut.model_fields.items():
        if name in SOURCE_FIELDS or name == "view":
            continue
        if _absent(name) is None and not _nullable(info.annotation):
            raise TypeError(f"BreachOut.{name} is withheld from the source but not nullable")


def _nullable(annotation: Any) -> bool:
    return type(None) in getattr(annotation, "__args__", ())


_check_allowlist()
