"""What the incident form offers: the bodies a person may declare for, and what an incident on
one body's systems can touch (the activities and conventions `declare_incident` accepts).

An incident declared by a body reaches its own activities and, through a convention in force
it is a party to (a proposed one binds nobody yet), the activities its co-parties hold under
that convention (`declare_incident` answers the rest as unknown). The form lists exactly
those, grouped by the controller that will get a breach.
"""

from dataclasses import dataclass, field
from uuid import UUID

from core.scope import Scope
from register.activities.models import ProcessingActivity
from register.conventions.models import Convention, ConventionParty
from register.organisations.models import Organisation


@dataclass(frozen=True)
class Choice:
    value: str
    label: str


@dataclass
class ControllerActivities:
    controller_id: UUID
    controller_name: str
    own: bool  # the declaring body itself
    activities: list[Choice] = field(default_factory=list)


async def declarable_bodies(scope: Scope) -> list[Choice]:
    """The bodies in `scope` (the caller's DECLARE_INCIDENT scope), by name."""
    if scope.is_empty:
        return []
    rows = await Organisation.filter(**Organisation.scope_filter(scope)).order_by(
        "name_folded", "id"
    )
    return [Choice(str(o.id), o.legal_name) for o in rows]


def _activity_label(ref: str | None, name: str) -> str:
    return f"{ref} — {name}" if ref else name


async def touchable_activities(
    *, scope: Scope, organisation_id: UUID
) -> list[ControllerActivities]:
    """The activities an incident on `organisation_id`'s systems may touch, by controller (the
    declaring body first); nothing when the body is outside the caller's scope."""
    if not scope.allows(organisation_id):
        return []
    convention_ids = (
        await ConventionParty.in_force()
        .filter(organisation_id=organisation_id)
        .values_list("convention_id", flat=True)
    )
    own = await ProcessingActivity.filter(controller_id=organisation_id).order_by("ref", "name")
    linked = []
    if convention_ids:
        linked = (
            await ProcessingActivity.filter(conventions__id__in=list(convention_ids))
            .exclude(controller_id=organisation_id)
            .distinct()
            .order_by("ref", "name")
        )
    controller_ids = {organisation_id} | {a.controller_id for a in linked}
    names = dict(
        await Organisation.filter(id__in=list(controller_ids)).values_list("id", "legal_name")
    )
    groups: dict[UUID, ControllerActivities] = {}
    for activity in [*own, *linked]:
        group = groups.setdefault(
            activity.controller_id,
            ControllerActivities(
                activity.controller_id,
                names.get(activity.controller_id, ""),
                activity.controller_id == organisation_id,
            ),
        )
        group.activities.append(
            Choice(str(activity.id), _activity_label(activity.ref, activity.name))
        )
    return sorted(groups.values(), key=lambda g: (not g.own, g.controller_name.casefold()))


async def body_conventions(*, scope: Scope, organisation_id: UUID) -> list[Choice]:
    """The conventions the body is a party to (an incident may name one when the activities it
    touches are not known yet: every controller party to it gets a breach)."""
    if not scope.allows(organisation_id):
        return []
    rows = await Convention.in_force().filter(parties__organisation_id=organisation_id).distinct()
    return sorted((Choice(str(c.id), c.title) for c in rows), key=lambda c: c.label.casefold())
