"""Who may read an engagement: its processor's people, and the controllers it serves.

Art. 28(2): a controller authorises, or is told of and may object to, each sub-processor of
its processor; it reads the engagements serving a convention where it is controller (named,
or, none named, every convention of the processor). Writing stays with the processor
(`SubprocessorEngagement.scope_filter`).
"""

from uuid import UUID

from tortoise.expressions import Q

from core.scope import Scope
from register.conventions.models import ConventionParty
from register.enums import PROCESSOR_ROLES
from register.subprocessors.models import SubprocessorEngagement
from register.subprocessors.states import CONTROLLER_ROLES


async def served_engagement_ids(controller_ids: list[UUID]) -> list[UUID]:
    """The engagements serving a convention in force where one of these bodies is controller."""
    conventions = (
        await ConventionParty.in_force()
        .filter(organisation_id__in=controller_ids, role__in=CONTROLLER_ROLES)
        .values_list("convention_id", flat=True)
    )
    if not conventions:
        return []
    named = await SubprocessorEngagement.filter(conventions__id__in=list(conventions)).values_list(
        "id", flat=True
    )
    processors = await ConventionParty.filter(
        convention_id__in=list(conventions), role__in=PROCESSOR_ROLES
    ).values_list("organisation_id", flat=True)
    rows = await SubprocessorEngagement.filter(processor_id__in=list(processors)).values_list(
        "id", "conventions__id"
    )
    naming = {e for e, c in rows if c is not None}
    implicit = [e for e, _ in rows if e not in naming]
    return list(dict.fromkeys([*named, *implicit]))


async def readable_filter(scope: Scope) -> Q:
    if scope.is_unrestricted:
        return Q()
    org_ids = list(scope.org_ids)
    served = await served_engagement_ids(org_ids)
    return Q(processor_id__in=org_ids) | Q(id__in=served)
