"""The two art. 30 records, assembled from the register (never typed twice).

- Controller's record, art. 30(1): the body, its DPO, and each of its activities with the
  processors acting on it (read from the conventions linked to the activity) and their
  sub-processor chains.
- Processor's record, art. 30(2): for each convention where the body is processor (or
  sub-processor), each controller it serves, the categories of processing carried out for
  it, the sub-processors, the transfers and the measures; and the same for each engagement
  where the body is the sub-processor of another body, at any depth of a chain
  (register.chains.upstream), naming the processor it acts for.

Transfers made by sub-processors at any depth reach both records, marked as coming from the
chain; one to a third country without a mechanism is a missing item (register.chains.transfers).
"""

from datetime import date
from uuid import UUID

from pydantic import BaseModel

from core.clock import today_local
from core.scope import Scope
from register.activities.joint import JointArrangement, arrangements, joint_links
from register.activities.models import ProcessingActivity
from register.activities.schemas import ActivityOut, Transfer
from register.activities.service import activities_out
from register.chains.subprocessors import (
    ProcessorLink,
    SubprocessorLink,
    processor_links,
    subprocessor_chain,
)
from register.chains.transfers import ChainTransfer, chain_transfers, missing_items
from register.chains.upstream import Upstream, upstream_of
from register.conventions.ended import ended_note
from register.conventions.life import convention_life, ended_words
from register.conventions.models import Convention, ConventionParty
from register.enums import CONTROLLER_ROLES, PROCESSOR_ROLES, PartyRole
from register.measures.models import SecurityMeasure
from register.measures.schemas import MeasureOut
from register.measures.service import measures_out
from register.organisations.cards import PartyCard, party_card
from register.organisations.models import Organisation
from register.organisations.service import get_organisation


class ControllerEntry(BaseModel):
    activity: ActivityOut
    joint_controllers: list[PartyCard]
    processors: list[ProcessorLink]
    measures: list[MeasureOut]
    # Art. 26(2): the essence of the joint controllers' arrangements in force linked to it.
    arrangements: list[JointArrangement] = []
    # Art. 30(1)(e): the transfers the processors' sub-processors make, at any depth.
    chain_transfers: list[ChainTransfer] = []
    missing_items: list[str] = []
    # The conventions linked to it that have ended (register.conventions.ended): the data
    # are still there, the processor no longer has a contract for new work.
    ended_conventions: list[str] = []


class JointEntry(BaseModel):
    """An activity the body holds jointly (art. 26) and another body keeps in its register
    (register.activities.joint): in the body's record with the other as joint controller."""

    activity: ActivityOut
    holder: PartyCard
    joint_controllers: list[PartyCard]  # every joint controller but the body itself
    arrangements: list[JointArrangement]


class ControllerRecord(BaseModel):
    controller: PartyCard
    generated_on: date
    activities: list[ControllerEntry]
    joint_activities: list[JointEntry] = []


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
    # A sub-processor's entry: the processor it acts for and the services it was hired for.
    acting_for: PartyCard | None = None
    services: str | None = None
    chain_transfers: list[ChainTransfer] = []
    missing_items: list[str] = []
    convention_ended: str | None = None  # « convention échue le … » once it has ended


class ProcessorRecord(BaseModel):
    processor: PartyCard
    generated_on: date
    controllers: list[ServedController]


async def controller_record(*, scope: Scope, organisation_id: UUID) -> ControllerRecord:
    org = await get_organisation(scope=scope, organisation_id=organisation_id)
    activities = await ProcessingActivity.filter(controller_id=org.id).order_by("name", "id")
    entries = []
    own = await activities_out(list(activities))
    essence = await arrangements([a.id for a in own])
    for activity in own:
        joint = [
            await party_card(o)
            for o in await Organisation.filter(id__in=activity.joint_controller_ids)
        ]
        processors, ended = [], []
        for convention in await Convention.in_force().filter(id__in=activity.convention_ids):
            processors += await processor_links(convention)
            ended += filter(None, [ended_note(convention, today_local())])
        measures = await measures_out(
            list(await SecurityMeasure.filter(id__in=activity.security_measure_ids))
        )
        transfers = chain_transfers(
            [s for p in processors for s in p.subprocessors], controller_id=org.id
        )
        entries.append(
            ControllerEntry(
                activity=activity,
                joint_controllers=joint,
                processors=processors,
                measures=measures,
                arrangements=essence.get(activity.id, []),
                chain_transfers=transfers,
                missing_items=missing_items(transfers),
                ended_conventions=ended,
            )
        )
    return ControllerRecord(
        controller=await party_card(org),
        generated_on=today_local(),
        activities=entries,
        joint_activities=await joint_entries(org.id),
    )


async def joint_entries(organisation_id: UUID) -> list[JointEntry]:
    """The activities `organisation_id` holds jointly with the bodies that keep them (a few
    rows: the joint controller link), in (name, id) order."""
    ids = list({link.activity_id for link in await joint_links([organisation_id])})
    if not ids:
        return []
    rows = await ProcessingActivity.filter(id__in=ids).order_by("name", "id")
    essence = await arrangements(ids)
    bodies = {
        o.id: o for o in await Organisation.filter(id__in=list({r.controller_id for r in rows}))
    }
    entries = []
    for activity in await activities_out(list(rows)):
        others = [
            o
            for o in await Organisation.filter(id__in=activity.joint_controller_ids)
            if o.id != organisation_id
        ]
        holder = await party_card(bodies[activity.controller_id])
        entries.append(
            JointEntry(
                activity=activity,
                holder=holder,
                joint_controllers=[holder, *[await party_card(o) for o in others]],
                arrangements=essence.get(activity.id, []),
            )
        )
    return entries


async def processor_record(*, scope: Scope, organisation_id: UUID) -> ProcessorRecord:
    org = await get_organisation(scope=scope, organisation_id=organisation_id)
    served = []
    own_parties = (
        await ConventionParty.in_force()
        .filter(organisation_id=org.id, role__in=list(PROCESSOR_ROLES))
        .prefetch_related("convention")
    )
    for own in own_parties:
        chain = await subprocessor_chain(
            processor_id=org.id, convention_id=own.convention.id, hired_by=org.legal_name
        )
        served += await _served(org, own.convention, own.role.value, chain)
    # What it does as the sub-processor of another body, under conventions it is no party to.
    parties_to = {own.convention_id for own in own_parties}
    for upstream in await upstream_of(org):
        if upstream.convention.id in parties_to:
            continue
        served += await _served(
            org, upstream.convention, PartyRole.SUB_PROCESSOR.value, upstream.links, upstream
        )
    return ProcessorRecord(
        processor=await party_card(org), generated_on=today_local(), controllers=served
    )


async def _served(
    org: Organisation,
    convention: Convention,
    role: str,
    chain: list[SubprocessorLink],
    upstream: Upstream | None = None,
) -> list[ServedController]:
    """One entry per controller of the convention: what `org` processes on its behalf."""
    controllers = await ConventionParty.filter(
        convention_id=convention.id, role__in=list(CONTROLLER_ROLES)
    ).prefetch_related("organisation")
    acting_for = await party_card(upstream.processor) if upstream else None
    served = []
    for party in controllers:
        if upstream and party.organisation_id not in upstream.controller_ids:
            continue  # not yet (or no longer) authorised by it: none of its data
        transfers = chain_transfers(chain, controller_id=party.organisation_id)
        rows = ProcessingActivity.filter(
            controller_id=party.organisation_id, conventions__id=convention.id
        )
        if upstream and upstream.activity_ids:
            rows = rows.filter(id__in=upstream.activity_ids)
        activities = await activities_out(list(await rows.order_by("name", "id")))
        served.append(
            ServedController(
                convention_id=convention.id,
                convention_title=convention.title,
                role=role,
                controller=await party_card(party.organisation),
                processing_categories=[a.name for a in activities],
                activity_ids=[a.id for a in activities],
                subprocessors=chain,
                transfers=[t for a in activities for t in a.transfers],
                measures=await _measures(org, activities),
                acting_for=acting_for,
                services=upstream.services if upstream else None,
                chain_transfers=transfers,
                missing_items=missing_items(transfers),
                convention_ended=ended_words(convention_life(convention, today_local())),
            )
        )
    return served


async def _measures(org: Organisation, activities: list[ActivityOut]) -> list[MeasureOut]:
    """The processor's measures for these activities, plus its body-wide ones (linked to no
    activity): together, the general description of art. 30(2)(d)."""
    measure_ids = {m for a in activities for m in a.security_measure_ids}
    body_measures = await measures_out(list(await SecurityMeasure.filter(organisation_id=org.id)))
    return [m for m in body_measures if m.id in measure_ids or not m.activity_ids]
