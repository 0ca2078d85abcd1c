"""What a body does as the sub-processor of another body, at any depth of a chain: the part of
its art. 30(2) record that no convention of its own gives (SIIM94 hired by the EPT for the
GOSB–Juvisy convention is no party to it, yet processes Juvisy's data)."""

from dataclasses import dataclass
from uuid import UUID

from register.chains.subprocessors import SubprocessorLink, links_below
from register.chains.transfers import served_conventions, working_controllers
from register.conventions.models import Convention
from register.organisations.models import Organisation
from register.subprocessors.models import SubprocessorEngagement


@dataclass
class Upstream:
    engagement_id: UUID
    processor: Organisation  # the body that hires it (art. 30(2)(a): "on behalf of which")
    convention: Convention
    services: str
    activity_ids: list[UUID]  # empty: every activity of the convention's controllers
    links: list[SubprocessorLink]  # its own sub-processors for this engagement
    # The convention's controllers it works for (register.subprocessors.working): never one
    # whose authorisation is awaited or whose objection stands.
    controller_ids: set[UUID]


async def _activity_ids(engagement: SubprocessorEngagement) -> list[UUID]:
    """The activities the engagement names, or those its nearest link above names: a
    sub-sub-processor serves what its hirer was hired for."""
    cursor, seen = engagement, set()
    while cursor is not None and cursor.id not in seen:
        seen.add(cursor.id)
        ids = list(await cursor.activities.all().values_list("id", flat=True))
        if ids:
            return ids
        parent_id = cursor.parent_id
        cursor = await SubprocessorEngagement.get_or_none(id=parent_id) if parent_id else None
    return []


async def upstream_of(org: Organisation) -> list[Upstream]:
    """Each (engagement naming `org` as sub-processor, convention in force it serves) where
    it works for at least one controller: until then it learns nothing of them, not even the
    convention's title."""
    engagements = (
        await SubprocessorEngagement.filter(subprocessor_org_id=org.id)
        .prefetch_related("processor")
        .order_by("name", "id")
    )
    found = []
    for engagement in engagements:
        links = await links_below(engagement, hired_by=org.legal_name)
        activity_ids = await _activity_ids(engagement)
        for convention in await served_conventions(engagement):
            controller_ids = await working_controllers(engagement, convention)
            if not controller_ids:
                continue
            found.append(
                Upstream(
                    engagement_id=engagement.id,
                    processor=engagement.processor,
                    convention=convention,
                    services=engagement.services,
                    activity_ids=activity_ids,
                    links=links,
                    controller_ids=controller_ids,
                )
            )
    return found
