"""Transfers outside the EU/EEA made along a chain of sub-processors (art. 28(4), 44 to 49).

A sub-processor established in a third country (`country`) or keeping the data there
(`data_locations`) transfers them, whatever its depth in the chain: the controller's record
(art. 30(1)(e)) and the record of every processor above it (art. 30(2)(c)) list that
transfer with its mechanism, marked as coming from the chain.

An adequacy decision is a mechanism like the others: the engagement states `adequacy_45`.
No list of adequate countries is kept here (the Commission's list changes, and some
decisions cover only certified organisations, as the EU-US framework does), so a third
country with no mechanism stated is always a missing item (art. 44: no transfer without one).
"""

from uuid import UUID

from pydantic import BaseModel

from core import articles
from core.clock import today_local
from register.activities.models import ProcessingActivity
from register.activities.schemas import EEA
from register.chains.subprocessors import ProcessorLink, SubprocessorLink
from register.conventions.models import Convention, ConventionParty
from register.enums import PROCESSOR_ROLES, TransferMechanism, label
from register.subprocessors.models import SubprocessorEngagement
from register.subprocessors.working import blocked, controllers_of


class ChainTransfer(BaseModel):
    engagement_id: UUID
    country: str
    recipient: str  # the sub-processor that receives the data in that country
    hired_by: str
    depth: int
    mechanism: TransferMechanism | None
    mechanism_label: str | None  # the article that gives the safeguards (art. 45 to 49)
    via: str  # « via le sous-traitant ultérieur X de Y »
    missing_mechanism: bool
    from_chain: bool = True


def third_countries(country: str | None, data_locations: list[str]) -> list[str]:
    """The countries outside the EU/EEA where a sub-processor is established or keeps the
    data, in that order, each once."""
    codes = [c for c in (country, *data_locations) if c]
    return [c for c in dict.fromkeys(codes) if c not in EEA]


def via(link: SubprocessorLink) -> str:
    return f"via le sous-traitant ultérieur {link.name} {articles.of(link.hired_by)}"


def chain_transfers(
    links: list[SubprocessorLink], *, controller_id: UUID | None
) -> list[ChainTransfer]:
    """The transfers the links make for that controller, one per third country, in the
    chain's order: a sub-processor still awaiting its authorisation, or objected to, works
    for nobody yet (register.subprocessors.working). None: every link's."""
    return [
        ChainTransfer(
            engagement_id=link.engagement_id,
            country=country,
            recipient=link.name,
            hired_by=link.hired_by,
            depth=link.depth,
            mechanism=link.transfer_mechanism,
            mechanism_label=label(link.transfer_mechanism) if link.transfer_mechanism else None,
            via=via(link),
            missing_mechanism=link.transfer_mechanism is None,
        )
        for link in links
        if controller_id is None or link.works_for(controller_id)
        for country in third_countries(link.country, link.data_locations)
    ]


def transfers_of(processors: list[ProcessorLink], controller_id: UUID) -> list[ChainTransfer]:
    """The transfers the chains of an activity's processors make (its art. 30(1)(e) share)."""
    return chain_transfers(
        [s for p in processors for s in p.subprocessors], controller_id=controller_id
    )


def missing_items(transfers: list[ChainTransfer]) -> list[str]:
    """The missing mandatory items the chain's transfers leave in a record, in French."""
    return [
        f"Transfert hors de l'Union vers {t.country} sans mécanisme des articles 45 à 49 ({t.via})"
        for t in transfers
        if t.missing_mechanism
    ]


async def ancestry(engagement: SubprocessorEngagement) -> list[SubprocessorEngagement]:
    """The engagement, then the one that hires its processor, up to the first link."""
    chain, seen = [engagement], {engagement.id}
    while chain[-1].parent_id and chain[-1].parent_id not in seen:
        seen.add(chain[-1].parent_id)
        chain.append(await SubprocessorEngagement.get(id=chain[-1].parent_id))
    return chain


async def served_conventions(engagement: SubprocessorEngagement) -> list[Convention]:
    """The conventions in force an engagement serves, at any depth: those of the first link
    of its chain (the one a party to the convention signed), or, when that link names none,
    every convention where its processor acts as such."""
    root = (await ancestry(engagement))[-1]
    ids = list(await root.conventions.all().values_list("id", flat=True))
    if not ids:
        ids = list(
            await ConventionParty.in_force()
            .filter(organisation_id=root.processor_id, role__in=list(PROCESSOR_ROLES))
            .values_list("convention_id", flat=True)
        )
    return list(await Convention.in_force().filter(id__in=ids).order_by("title", "id"))


async def working_controllers(
    engagement: SubprocessorEngagement, convention: Convention
) -> set[UUID]:
    """The controllers of the convention an engagement, at any depth, works for: those every
    link from the first one down to it may work for (register.subprocessors.working)."""
    chain = await ancestry(engagement)
    refused = await blocked(chain, convention.id, today=today_local())
    return (await controllers_of(convention.id)).difference(*refused.values())


async def activities_with_transfer_gaps(controller_ids: list[UUID]) -> set[UUID]:
    """The activities of these controllers whose sub-processor chain transfers data outside
    the EU/EEA with no mechanism: the same chains their records show (few engagements lack
    a mechanism, so they are read first)."""
    gaps = [
        e
        for e in await SubprocessorEngagement.filter(transfer_mechanism__isnull=True)
        if third_countries(e.country, e.data_locations)
    ]
    found: set[UUID] = set()
    for e in gaps if controller_ids else []:
        for convention in await served_conventions(e):
            mine = set(controller_ids) & await working_controllers(e, convention)
            if mine:
                found |= set(
                    await ProcessingActivity.filter(
                        controller_id__in=list(mine), conventions__id=convention.id
                    ).values_list("id", flat=True)
                )
    return found
