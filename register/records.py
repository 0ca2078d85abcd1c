"""The two art. 30 records, assembled from the register (never typed twice).

- Controller's record, art. 30(1): the body, its DPO, and each of its activities with the
  processors acting on it (read from the conventions linked to the activity) and their
  sub-processor chains.
- Processor's record, art. 30(2): for each convention where the body is processor (or
  sub-processor), each controller it serves, the categories of processing carried out for
  it, the sub-processors, the transfers and the measures.
"""

from datetime import date
from uuid import UUID

from pydantic import BaseModel

from core.clock import today_local
from core.scope import Scope
from register.activities.models import ProcessingActivity
from register.activities.schemas import ActivityOut, Transfer
from register.activities.service import activities_out
from register.conventions.models import Convention, ConventionParty
from register.enums import CONTROLLER_ROLES, ConventionStatus, PartyRole, label
from register.measures.models import SecurityMeasure
from register.measures.schemas import MeasureOut
from register.measures.service import measures_out
from register.organisations.models import Dpo, Organisation
from register.organisations.service import get_organisation
from register.subprocessors.models import SubprocessorEngagement

PROCESSOR_ROLES = frozenset({PartyRole.PROCESSOR, PartyRole.SUB_PROCESSOR})


class PartyCard(BaseModel):
    """Name and contact details of a body and of its DPO, as art. 30 asks."""

    organisation_id: UUID
    legal_name: str
    kind: str
    siren: str | None
    address: str | None
    legal_rep_name: str | None
    legal_rep_email: str | None
    dpo_name: str | None
    dpo_email: str | None
    dpo_phone: str | None
    dpo_cnil_designation_ref: str | None


class SubprocessorLink(BaseModel):
    engagement_id: UUID
    name: str
    services: str
    country: str
    data_locations: list[str]
    authorisation: str
    hired_by: str
    depth: int  # 1: hired by the processor; 2: hired by that sub-processor; ...


class ProcessorLink(BaseModel):
    convention_id: UUID
    convention_title: str
    role: str
    role_label: str
    processor: PartyCard
    breach_notice_hours: int | None
    breach_notice_channels: list[str]
    subprocessors: list[SubprocessorLink]


class ControllerEntry(BaseModel):
    activity: ActivityOut
    joint_controllers: list[PartyCard]
    processors: list[ProcessorLink]
    measures: list[MeasureOut]


class ControllerRecord(BaseModel):
    controller: PartyCard
    generated_on: date
    activities: list[ControllerEntry]


class ServedController(BaseModel):
    convention_id: UUID
    convention_title: str
    role: str
    controller: PartyCard
    processing_categories: list[str]
    activity_ids: list[UUID]
    subprocessors: list[SubprocessorLink]
    transfers: list[Transfer]
    measures: list[MeasureOut]


class ProcessorRecord(BaseModel):
    processor: PartyCard
    generated_on: date
    controllers: list[ServedController]


async def party_card(org: Organisation) -> PartyCard:
    dpo = await Dpo.filter(id=org.dpo_id).first() if org.dpo_id else None
    return PartyCard(
        organisation_id=org.id,
        legal_name=org.legal_name,
        kind=org.kind.value,
        siren=org.siren,
        address=org.address,
        legal_rep_name=org.legal_rep_name,
        legal_rep_email=org.legal_rep_email,
        dpo_name=dpo.name if dpo else None,
        dpo_email=dpo.email if dpo else None,
        dpo_phone=dpo.phone if dpo else None,
        dpo_cnil_designation_ref=org.dpo_cnil_designation_ref,
    )


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
    return links


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
            authorisation=engagement.authorisation.value,
            hired_by=hired_by,
            depth=depth,
        )
    )
    for child in await SubprocessorEngagement.filter(parent_id=engagement.id):
        await _walk(child, engagement.name, depth + 1, links, seen)


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


async def controller_record(*, scope: Scope, organisation_id: UUID) -> ControllerRecord:
    org = await get_organisation(scope=scope, organisation_id=organisation_id)
    activities = await ProcessingActivity.filter(controller_id=org.id).order_by("name", "id")
    entries = []
    for activity in await activities_out(list(activities)):
        joint = [
            await party_card(o)
            for o in await Organisation.filter(id__in=activity.joint_controller_ids)
        ]
        processors = []
        for convention in await Convention.in_force().filter(id__in=activity.convention_ids):
            processors += await processor_links(convention)
        measures = await measures_out(
            list(await SecurityMeasure.filter(id__in=activity.security_measure_ids))
        )
        entries.append(
            ControllerEntry(
                activity=activity, joint_controllers=joint, processors=processors, measures=measures
            )
        )
    return ControllerRecord(
        controller=await party_card(org), generated_on=today_local(), activities=entries
    )


async def processor_record(*, scope: Scope, organisation_id: UUID) -> ProcessorRecord:
    org = await get_organisation(scope=scope, organisation_id=organisation_id)
    served = []
    own_parties = (
        await ConventionParty.in_force()
        .filter(organisation_id=org.id, role__in=list(PROCESSOR_ROLES))
        .prefetch_related("convention")
    )
    for own in own_parties:
        convention = own.convention
        chain = await subprocessor_chain(
            processor_id=org.id, convention_id=convention.id, hired_by=org.legal_name
        )
        controllers = await ConventionParty.filter(
            convention_id=convention.id, role__in=list(CONTROLLER_ROLES)
        ).prefetch_related("organisation")
        for party in controllers:
            activities = await activities_out(
                list(
                    await ProcessingActivity.filter(
                        controller_id=party.organisation_id, conventions__id=convention.id
                    ).order_by("name", "id")
                )
            )
            # The processor's measures for these activities, plus its body-wide ones
            # (linked to no activity): together, the general description of art. 30(2)(d).
            measure_ids = {m for a in activities for m in a.security_measure_ids}
            body_measures = await measures_out(
                list(await SecurityMeasure.filter(organisation_id=org.id))
            )
            measures = [m for m in body_measures if m.id in measure_ids or not m.activity_ids]
            served.append(
                ServedController(
                    convention_id=convention.id,
                    convention_title=convention.title,
                    role=own.role.value,
                    controller=await party_card(party.organisation),
                    processing_categories=[a.name for a in activities],
                    activity_ids=[a.id for a in activities],
                    subprocessors=chain,
                    transfers=[t for a in activities for t in a.transfers],
                    measures=measures,
                )
            )
    return ProcessorRecord(
        processor=await party_card(org), generated_on=today_local(), controllers=served
    )
