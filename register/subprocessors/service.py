"""Sub-processor engagements: a processor's own processors, forming chains."""

from collections import defaultdict
from datetime import datetime
from typing import Any
from uuid import UUID

from tortoise.transactions import in_transaction

from core.audit.trail import journaled, record_created
from core.clock import to_local, today_local, utcnow
from core.errors import NotFound, ValidationFailed
from core.outbox.service import enqueue
from core.paging import Page, paginate
from core.persistence import delete_versioned, get_scoped, update_versioned
from core.scope import Scope
from core.text import fold
from register.activities.models import ProcessingActivity
from register.activities.service import NOT_IN_FORCE
from register.conventions.ended import refuse_new_work
from register.conventions.models import Convention, ConventionParty
from register.conventions.partners import partner_org_ids, require_partner
from register.deletion import refuse_if_referenced
from register.enums import ConventionStatus, PartyRole, label
from register.organisations.models import Organisation
from register.organisations.service import require_organisation
from register.schemas_common import merge_patch, to_columns
from register.subprocessors.enforcement import ChangePlan, plan_change, refuse_silent_start
from register.subprocessors.models import SubprocessorEngagement
from register.subprocessors.notice import change_notices
from register.subprocessors.schemas import EngagementIn, EngagementOut, StandingOut
from register.subprocessors.states import EngagementStanding, standings, state_reasons
from register.subprocessors.visibility import readable_filter

LABEL = "sous-traitant ultérieur"
RELATIONS = {"convention_ids": "conventions", "activity_ids": "activities"}


async def engagement_outs(
    engagements: list[SubprocessorEngagement], scope: Scope | None = None
) -> list[EngagementOut]:
    """Engagements with the conventions and activities they serve, in two queries whatever
    their number."""
    if not engagements:
        return []
    ids = [e.id for e in engagements]
    related: dict[UUID, dict[str, list[UUID]]] = defaultdict(lambda: defaultdict(list))
    for field, relation in RELATIONS.items():
        rows = await SubprocessorEngagement.filter(id__in=ids).values_list("id", f"{relation}__id")
        for engagement_id, other_id in rows:
            if other_id is not None:
                related[engagement_id][field].append(other_id)
    named = {e.id: related[e.id]["convention_ids"] for e in engagements}
    standing = await standings(engagements, named, today=today_local())
    scope = scope or Scope.everything()
    return [
        _out(e, related[e.id], standing[e.id].seen_by(scope, e.processor_id)) for e in engagements
    ]


def _out(
    engagement: SubprocessorEngagement,
    related: dict[str, list[UUID]],
    standing: EngagementStanding,
) -> EngagementOut:
    data = {
        name: getattr(engagement, name)
        for name in EngagementIn.model_fields
        if hasattr(engagement, name) and name not in RELATIONS
    }
    data |= {
        "processor_id": engagement.processor_id,
        "subprocessor_org_id": engagement.subprocessor_org_id,
        "parent_id": engagement.parent_id,
        "id": engagement.id,
        "version": engagement.version,
        "created_at": engagement.created_at,
        "updated_at": engagement.updated_at,
        **{field: sorted(related[field], key=str) for field in RELATIONS},
        "state": standing.state,
        "state_label": label(standing.state),
        "state_reasons": state_reasons(engagement, standing),
        "standing": [StandingOut.model_validate(p, from_attributes=True) for p in standing.parties],
    }
    return EngagementOut.model_validate(data)


async def state_labels(engagement_ids: list[UUID]) -> dict[UUID, str]:
    """Where each engagement stands (register.subprocessors.states), in French, for a list."""
    engagements = await SubprocessorEngagement.filter(id__in=engagement_ids)
    named: dict[UUID, list[UUID]] = defaultdict(list)
    for engagement_id, convention_id in await SubprocessorEngagement.filter(
        id__in=engagement_ids
    ).values_list("id", "conventions__id"):
        if convention_id is not None:
            named[engagement_id].append(convention_id)
    standing = await standings(engagements, named, today=today_local())
    return {e.id: label(standing[e.id].state) for e in engagements}


async def engagement_out(
    engagement: SubprocessorEngagement, scope: Scope | None = None
) -> EngagementOut:
    return (await engagement_outs([engagement], scope))[0]


async def list_engagements(
    *, scope: Scope, limit: int, offset: int, processor_id: UUID | None = None
) -> Page[EngagementOut]:
    query = SubprocessorEngagement.filter(await readable_filter(scope))
    if processor_id:
        query = query.filter(processor_id=processor_id)
    query = query.order_by("name", "id")
    return await paginate(
        query, limit=limit, offset=offset, shape=lambda rows: engagement_outs(rows, scope)
    )


async def get_engagement(*, scope: Scope, engagement_id: UUID) -> SubprocessorEngagement:
    """An engagement of the caller's processors: the one they may change."""
    return await get_scoped(SubprocessorEngagement, scope=scope, obj_id=engagement_id, label=LABEL)


async def processor_name(engagement: SubprocessorEngagement) -> str:
    return await Organisation.get(id=engagement.processor_id).values_list("legal_name", flat=True)


async def read_engagement(*, scope: Scope, engagement_id: UUID) -> SubprocessorEngagement:
    """An engagement the caller may read: its processor's, or one serving a convention where
    one of the caller's bodies is controller (art. 28(2): the controller knows its
    sub-processors). Any other answers as absent."""
    found = await SubprocessorEngagement.filter(await readable_filter(scope), id=engagement_id)
    if not found:
        raise NotFound(LABEL, engagement_id)
    return found[0]


async def _check_references(scope: Scope, data: EngagementIn, own_id: UUID | None) -> None:
    """Every id the engagement names, looked up only among what the caller may name: the
    processor among their bodies; the sub-processor body, the parent link's processor and
    the activities' controllers among their partners too (partner_org_ids); conventions in
    force where the processor is processor. Another body's object answers exactly as one
    that does not exist. The first error raised, in this order: processor, sub-processor,
    parent link, links hanging from this one, conventions, activities."""
    await require_organisation(scope=scope, organisation_id=data.processor_id, field="processor_id")
    partners = await partner_org_ids(scope)
    if data.subprocessor_org_id:
        await require_partner(scope, data.subprocessor_org_id, "subprocessor_org_id")
    if data.parent_id:
        await _check_parent(data, own_id, partners)
    if own_id is not None:
        await _check_children(data, own_id)
    await _check_conventions(data)
    linked = Convention.filter(subprocessor_engagements__id=own_id)
    kept = await linked.values_list("id", flat=True) if own_id else []
    await refuse_new_work(data.convention_ids, kept=kept, what="sous-traitance ultérieure")
    await _check_activities(data, partners)


def _named(partners: frozenset[UUID] | None, org_id: UUID | None) -> bool:
    """A body the caller may name: any for an unrestricted scope (partners None)."""
    return partners is None or org_id in partners


async def _check_parent(
    data: EngagementIn, own_id: UUID | None, partners: frozenset[UUID] | None
) -> None:
    """The parent link: one the caller may see, whose sub-processor is the processor here."""
    parent = await SubprocessorEngagement.filter(id=data.parent_id).first()
    if parent is None or not _named(partners, parent.processor_id):
        raise ValidationFailed.one("body", "parent_id", msg="engagement inconnu")
    if parent.subprocessor_org_id != data.processor_id:
        raise ValidationFailed.one(
            "body",
            "parent_id",
            msg="le maillon parent doit avoir pour sous-traitant l'organisme qui recrute ici",
        )
    await _check_no_cycle(parent, own_id)


async def _check_no_cycle(parent: SubprocessorEngagement, own_id: UUID | None) -> None:
    """Walk up the chain: a cycle would make the chain endless."""
    seen = {own_id} if own_id else set()
    cursor: SubprocessorEngagement | None = parent
    while cursor is not None:
        if cursor.id in seen:
            raise ValidationFailed.one("body", "parent_id", msg="la chaîne boucle sur elle-même")
        seen.add(cursor.id)
        cursor = (
            await SubprocessorEngagement.filter(id=cursor.parent_id).first()
            if cursor.parent_id
            else None
        )


async def _check_children(data: EngagementIn, own_id: UUID) -> None:
    """The parent rule seen from the parent: its links stay hired by its sub-processor."""
    stranded = SubprocessorEngagement.filter(parent_id=own_id)
    if data.subprocessor_org_id:
        stranded = stranded.exclude(processor_id=data.subprocessor_org_id)
    if await stranded.exists():
        raise ValidationFailed.one(
            "body",
            "subprocessor_org_id",
            msg="des maillons de la chaîne sont recrutés par le sous-traitant actuel : "
            "modifiez-les d'abord",
        )


async def _check_conventions(data: EngagementIn) -> None:
    """Conventions in force where the processor is processor (or sub-processor)."""
    processor_roles = {PartyRole.PROCESSOR, PartyRole.SUB_PROCESSOR}
    for index, convention_id in enumerate(data.convention_ids):
        # The same answer for a convention that does not exist or binds others only.
        party = (
            await ConventionParty.filter(
                convention_id=convention_id, organisation_id=data.processor_id
            )
            .prefetch_related("convention")
            .first()
        )
        if party is None or party.role not in processor_roles:
            raise ValidationFailed.one(
                "body",
                "convention_ids",
                index,
                msg="l'organisme n'est pas sous-traitant dans cette convention",
            )
        if party.convention.status != ConventionStatus.IN_FORCE:
            raise ValidationFailed.one("body", "convention_ids", index, msg=NOT_IN_FORCE)


async def _check_activities(data: EngagementIn, partners: frozenset[UUID] | None) -> None:
    """Activities whose controller the caller may name; any other as if absent."""
    controllers = dict(
        await ProcessingActivity.filter(id__in=data.activity_ids).values_list("id", "controller_id")
    )
    for index, activity_id in enumerate(data.activity_ids):
        if activity_id not in controllers or not _named(partners, controllers[activity_id]):
            raise ValidationFailed.one("body", "activity_ids", index, msg="activité inconnue")


async def _write_relations(engagement: SubprocessorEngagement, data: EngagementIn) -> None:
    await engagement.conventions.clear()
    await engagement.activities.clear()
    conventions = await Convention.filter(id__in=data.convention_ids)
    activities = await ProcessingActivity.filter(id__in=data.activity_ids)
    if conventions:
        await engagement.conventions.add(*conventions)
    if activities:
        await engagement.activities.add(*activities)


async def _notify_controllers(
    engagement: SubprocessorEngagement,
    data: EngagementIn,
    plan: ChangePlan,
    *,
    now: datetime,
    previous_name: str | None = None,
) -> None:
    """Inside the caller's transaction: the art. 28(2) messages (a general authorisation's
    notices before the start, a specific one's requests) and the objection deadline."""
    drafts = await change_notices(
        engagement,
        conventions=plan.general,
        deadlines=plan.deadlines,
        asking=plan.asking,
        activity_ids=data.activity_ids,
        previous_name=previous_name,
    )
    for draft, key in drafts:
        await enqueue(draft, now=now, dedup_key=key)
    changed = {"change_notified_at": now} if drafts else {}
    if plan.deadline:
        changed["objection_deadline"] = plan.deadline
    if changed:
        await SubprocessorEngagement.filter(id=engagement.id).update(**changed)


async def create_engagement(
    *, scope: Scope, data: EngagementIn, now: datetime | None = None, notify: bool = True
) -> EngagementOut:
    """Record an engagement as the conventions it serves allow (register.subprocessors.regime);
    under a general authorisation each controller is told (art. 28(2)) in the same
    transaction, before the start. `notify=False` records a past engagement (the demo's)."""
    await _check_references(scope, data, None)
    now = now or utcnow()
    plan = await plan_change(
        data, today=to_local(now).date(), notify=notify, set_deadline=data.objection_deadline
    )
    async with in_transaction():
        engagement = await SubprocessorEngagement.create(**to_columns(data, exclude=set(RELATIONS)))
        await _write_relations(engagement, data)
        await _notify_controllers(engagement, data, plan, now=now)
        await record_created(SubprocessorEngagement, engagement.id)
    return await engagement_out(await SubprocessorEngagement.get(id=engagement.id))


def _replaced(engagement: SubprocessorEngagement, merged: EngagementIn) -> bool:
    """Another sub-processor takes the place: another body, or another name when unlinked."""
    if engagement.subprocessor_org_id or merged.subprocessor_org_id:
        return engagement.subprocessor_org_id != merged.subprocessor_org_id
    return fold(engagement.name).strip() != fold(merged.name).strip()


async def update_engagement(
    *,
    scope: Scope,
    engagement_id: UUID,
    version: int,
    patch: dict[str, Any],
    now: datetime | None = None,
) -> EngagementOut:
    engagement = await get_engagement(scope=scope, engagement_id=engagement_id)
    merged = merge_patch(EngagementIn, await engagement_out(engagement), patch)
    await _check_references(scope, merged, engagement.id)
    replaced = _replaced(engagement, merged)
    now = now or utcnow()
    today = to_local(now).date()
    # A replacement is a new change: a new period to object, unless the patch sets one.
    plan = await plan_change(
        merged,
        today=today,
        notify=replaced,
        set_deadline=merged.objection_deadline if "objection_deadline" in patch else None,
    )
    if not replaced:
        await refuse_silent_start(engagement, merged, today=today)
    async with journaled(SubprocessorEngagement, engagement.id, action="update"):
        await update_versioned(
            SubprocessorEngagement,
            obj_id=engagement.id,
            expected_version=version,
            values=to_columns(merged, exclude=set(RELATIONS)),
        )
        await _write_relations(engagement, merged)
        if replaced:
            updated = await SubprocessorEngagement.get(id=engagement.id)
            await _notify_controllers(updated, merged, plan, now=now, previous_name=engagement.name)
    return await engagement_out(await SubprocessorEngagement.get(id=engagement.id))


async def delete_engagement(*, scope: Scope, engagement_id: UUID, version: int | None) -> None:
    engagement = await get_engagement(scope=scope, engagement_id=engagement_id)
    await refuse_if_referenced(engagement, scope=scope, label="l'engagement")
    await delete_versioned(
        SubprocessorEngagement, obj=engagement, expected_version=version, label="l'engagement"
    )
