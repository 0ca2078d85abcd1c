"""Who owns a document (writes it, journals it) and who may read it, from what it is
attached to: a convention's parties; an engagement's processor owns its documents, and they
are read by exactly who may read the engagement (register.subprocessors.visibility: one rule
for the engagement, its documents and the bundle)."""

from uuid import UUID

from core.scope import Scope
from register.conventions.models import ConventionParty
from register.subprocessors.models import SubprocessorEngagement
from register.subprocessors.visibility import readable_filter


async def _parties(convention_id: UUID) -> set[UUID]:
    return set(
        await ConventionParty.filter(convention_id=convention_id).values_list(
            "organisation_id", flat=True
        )
    )


async def owner_ids(convention_id: UUID | None, engagement_id: UUID | None) -> set[UUID]:
    """The bodies that add the documents of this convention or engagement, in whose chains
    they are journaled."""
    if convention_id is not None:
        return await _parties(convention_id)
    rows = await SubprocessorEngagement.filter(id=engagement_id).values_list(
        "processor_id", flat=True
    )
    return set(rows)


async def readable_engagement_ids(scope: Scope, engagement_ids: list[UUID]) -> set[UUID]:
    """Those of these engagements the scope may read (GET /subprocessors/{id} answers 200)."""
    found = SubprocessorEngagement.filter(await readable_filter(scope), id__in=engagement_ids)
    return set(await found.values_list("id", flat=True))


async def may_read(scope: Scope, convention_id: UUID | None, engagement_id: UUID | None) -> bool:
    """Whether the scope reads the documents of this convention or engagement; False for one
    that does not exist, whoever asks."""
    if convention_id is not None:
        parties = await _parties(convention_id)
        return bool(parties) and scope.allows_any(parties)
    return bool(await readable_engagement_ids(scope, [engagement_id]))
