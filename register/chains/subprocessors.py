"""The processors party to a convention and the sub-processors serving it, depth first: the
chains both records (register.records), an activity's sheet (register.chains.activity) and a
convention's drawing (register.chains.convention) show."""

from uuid import UUID

from pydantic import BaseModel

from core.clock import today_local
from register.conventions.models import Convention, ConventionParty
from register.enums import PROCESSOR_ROLES, ConventionStatus, TransferMechanism, label
from register.organisations.cards import PartyCard, party_card
from register.subprocessors.models import SubprocessorEngagement
from register.subprocessors.working import blocked, controllers_of


class SubprocessorLink(BaseModel):
    engagement_id: UUID
    name: str
    services: str
    country: str
    data_locations: list[str]
    transfer_mechanism: TransferMechanism | None = None
    authorisation: str
    hired_by: str
    depth: int  # 1: hired by the processor; 2: hired by that sub-processor; ...
    # The convention's controllers it may work for (register.subprocessors.working): not one
    # whose authorisation is awaited or whose objection stands. None: not asked (a chain
    # read below a sub-processor, outside any convention).
    working_for: list[UUID] | None = None

    def works_for(self, controller_id: UUID) -> bool:
        return self.working_for is None or controller_id in self.working_for


class ProcessorLink(BaseModel):
    convention_id: UUID
    convention_title: str
    role: str
    role_label: str
    processor: PartyCard
    breach_notice_hours: int | None
    breach_notice_channels: list[str]
    subprocessors: list[SubprocessorLink]


async def subprocessor_chain(
    *, processor_id: UUID, convention_id: UUID, hired_by: str
) -> list[SubprocessorLink]:
    """Sub-processors serving this convention, then the ones they hire, depth first.

    An engagement linked to no convention serves every convention of its processor.
    """
    links: list[SubprocessorLink] = []
    top = await SubprocessorEngagement.filter(processor_id=processor_id, parent_id=None)
    for engagement in top:
        conventions = await engagement.conventions.all().values_list("id", flat=True)
        if conventions and convention_id not in conventions:
            continue
        await _walk(engagement, hired_by, 1, links, seen=set())
    await _mark_working(links, convention_id)
    return links


async def _mark_working(links: list[SubprocessorLink], convention_id: UUID) -> None:
    """Each link works for the controllers every link above it (and itself) may work for."""
    if not links:
        return
    engagements = await SubprocessorEngagement.filter(id__in=[s.engagement_id for s in links])
    refused = await blocked(list(engagements), convention_id, today=today_local())
    # above[d - 1]: what the link at depth d inherits from the links above it.
    above: list[set[UUID]] = [await controllers_of(convention_id)]
    for link in links:
        del above[link.depth :]
        mine = above[-1] - refused.get(link.engagement_id, set())
        link.working_for = sorted(mine, key=str)
        above.append(mine)


async def _walk(engagement, hired_by: str, depth: int, links: list, seen: set) -> None:
    if engagement.id in seen:
        return
    seen.add(engagement.id)
    links.append(
        SubprocessorLink(
            engagement_id=engagement.id,
            name=engagement.name,
            services=engagement.services,
            country=engagement.country,
            data_locations=engagement.data_locations,
            transfer_mechanism=engagement.transfer_mechanism,
            authorisation=engagement.authorisation.value,
            hired_by=hired_by,
            depth=depth,
        )
    )
    for child in await SubprocessorEngagement.filter(parent_id=engagement.id):
        await _walk(child, engagement.name, depth + 1, links, seen)


async def links_below(
    engagement: SubprocessorEngagement, *, hired_by: str
) -> list[SubprocessorLink]:
    """The links the sub-processor of `engagement` hires in turn, depth first, depth 1 under
    it: that sub-processor's own chain (its art. 30(2) record)."""
    links: list[SubprocessorLink] = []
    seen = {engagement.id}
    for child in await SubprocessorEngagement.filter(parent_id=engagement.id):
        await _walk(child, hired_by, 1, links, seen)
    return links


async def processor_links(convention: Convention) -> list[ProcessorLink]:
    """The processors (and sub-processors) party to a convention, each with its own chain;
    none for a convention not in force (it gives nobody a role)."""
    if convention.status != ConventionStatus.IN_FORCE:
        return []
    parties = (
        await ConventionParty.filter(convention_id=convention.id, role__in=list(PROCESSOR_ROLES))
        .order_by("id")
        .prefetch_related("organisation")
    )
    return [
        ProcessorLink(
            convention_id=convention.id,
            convention_title=convention.title,
            role=party.role.value,
            role_label=label(party.role),
            processor=await party_card(party.organisation),
            breach_notice_hours=convention.breach_notice_hours,
            breach_notice_channels=convention.breach_notice_channels,
            subprocessors=await subprocessor_chain(
                processor_id=party.organisation_id,
                convention_id=convention.id,
                hired_by=party.organisation.legal_name,
            ),
        )
        for party in parties
    ]


async def engaged_org_ids(engagement_ids: list[UUID]) -> set[UUID]:
    """The bodies registered as the sub-processors of these engagements (those that name one)."""
    if not engagement_ids:
        return set()
    return set(
        await SubprocessorEngagement.filter(
            id__in=engagement_ids, subprocessor_org_id__not_isnull=True
        ).values_list("subprocessor_org_id", flat=True)
    )
