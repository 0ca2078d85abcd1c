"""Who owns a document (writes it, journals it) and who may read it, from what it is
attached to: a convention's parties; an engagement's processor, the processors up its chain
and the controllers it serves (art. 28(2), (4): they answer for their sub-processors)."""

from uuid import UUID

from register.conventions.models import ConventionParty
from register.enums import CONTROLLER_ROLES, PROCESSOR_ROLES
from register.subprocessors.models import SubprocessorEngagement

MAX_DEPTH = 50  # a chain longer than this is a loop


async def _parties(convention_id: UUID) -> set[UUID]:
    return set(
        await ConventionParty.filter(convention_id=convention_id).values_list(
            "organisation_id", flat=True
        )
    )


async def owner_ids(convention_id: UUID | None, engagement_id: UUID | None) -> set[UUID]:
    """The bodies that add and delete the documents of this convention or engagement."""
    if convention_id is not None:
        return await _parties(convention_id)
    rows = await SubprocessorEngagement.filter(id=engagement_id).values_list(
        "processor_id", flat=True
    )
    return set(rows)


async def _chain_up(engagement_id: UUID) -> list[SubprocessorEngagement]:
    """The engagement, then the one that hired its processor, up to the top."""
    chain: list[SubprocessorEngagement] = []
    next_id: UUID | None = engagement_id
    while next_id is not None and len(chain) < MAX_DEPTH:
        found = await SubprocessorEngagement.filter(id=next_id).first()
        if found is None or any(e.id == found.id for e in chain):
            break
        chain.append(found)
        next_id = found.parent_id
    return chain


async def _served_controllers(top: SubprocessorEngagement) -> set[UUID]:
    """The controllers of the conventions the top engagement serves: the ones it names, or
    every convention in force where its processor acts as one."""
    conventions = list(await top.conventions.all().values_list("id", flat=True))
    if not conventions:
        conventions = list(
            await ConventionParty.in_force()
            .filter(organisation_id=top.processor_id, role__in=list(PROCESSOR_ROLES))
            .values_list("convention_id", flat=True)
        )
    if not conventions:
        return set()
    return set(
        await ConventionParty.filter(
            convention_id__in=conventions, role__in=list(CONTROLLER_ROLES)
        ).values_list("organisation_id", flat=True)
    )


async def engagement_readers(engagement_id: UUID) -> set[UUID]:
    chain = await _chain_up(engagement_id)
    if not chain:
        return set()
    return {e.processor_id for e in chain} | await _served_controllers(chain[-1])


async def reader_ids(convention_id: UUID | None, engagement_id: UUID | None) -> set[UUID]:
    """The bodies that may read the documents of this convention or engagement."""
    if convention_id is not None:
        return await _parties(convention_id)
    return await engagement_readers(engagement_id)
