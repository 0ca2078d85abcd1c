"""May an engagement work for this controller under this convention? The one rule every view
of a controller's data through a sub-processor applies: its art. 30(2) record, the chain
transfers counted in the controller's record, the exports and the evidence bundle.

Under a specific authorisation (or a regime the convention leaves unsaid), only once the
controller has authorised it; under a general one, while no objection of that controller
stands (notified, or accepted); never under a convention that forbids sub-processing. A
requested or objected sub-processor does not process the controller's data (art. 28(2)).
"""

from uuid import UUID

from register.conventions.models import ConventionParty
from register.enums import CONTROLLER_ROLES, SubprocessorAuthorisation
from register.subprocessors.enums import AnswerKind
from register.subprocessors.models import SubprocessorEngagement
from register.subprocessors.regime import ASKS_AUTHORISATION
from register.subprocessors.states import Standing, standings


def may_work(party: Standing) -> bool:
    if party.regime in ASKS_AUTHORISATION:
        return party.answer == AnswerKind.AUTHORISE
    if party.regime == SubprocessorAuthorisation.GENERAL:
        return party.answer != AnswerKind.OBJECT
    return False  # the convention forbids sub-processing


async def blocked(
    engagements: list[SubprocessorEngagement], convention_id: UUID, *, today
) -> dict[UUID, set[UUID]]:
    """For each engagement, the controllers of the convention it may not work for (an
    engagement the convention's controllers never answer about, such as a link below a
    sub-processor, blocks none by itself: the links above it decide)."""
    if not engagements:
        return {}
    ids = [e.id for e in engagements]
    named: dict[UUID, list[UUID]] = {i: [] for i in ids}
    rows = await SubprocessorEngagement.filter(id__in=ids).values_list("id", "conventions__id")
    for engagement_id, named_id in rows:
        if named_id is not None:
            named[engagement_id].append(named_id)
    found = await standings(engagements, named, today=today)
    return {
        e.id: {
            p.controller_id
            for p in found[e.id].parties
            if p.convention_id == convention_id and not may_work(p)
        }
        for e in engagements
    }


async def controllers_of(convention_id: UUID) -> set[UUID]:
    """Every body the convention's sub-processors could work for: its controllers."""
    rows = await ConventionParty.filter(
        convention_id=convention_id, role__in=list(CONTROLLER_ROLES)
    ).values_list("organisation_id", flat=True)
    return set(rows)
