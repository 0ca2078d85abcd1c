"""Processing activities: the entries of a controller's record (art. 30(1))."""

import asyncio
from collections import defaultdict
from dataclasses import dataclass
from datetime import date
from typing import Any
from uuid import UUID

from tortoise.transactions import in_transaction

from core.audit.trail import journaled, record_created
from core.clock import today_local
from core.errors import NotFound, ValidationFailed
from core.paging import Page, Position, decode_cursor, encode_cursor
from core.persistence import delete_versioned, get_scoped, update_versioned
from core.scope import Scope
from core.text import fold
from register.activities import joint, listing
from register.activities.models import ActivityDataCategory, ProcessingActivity
from register.activities.schemas import ActivityIn, ActivityOut
from register.conventions.ended import refuse_new_work
from register.conventions.models import ConventionParty
from register.conventions.partners import partner_org_ids
from register.deletion import refuse_if_referenced
from register.enums import CONTROLLER_ROLES, ConventionStatus
from register.measures.models import SecurityMeasure
from register.organisations.models import Organisation
from register.organisations.service import UNKNOWN_ORG, require_organisation
from register.schemas_common import merge_patch, to_columns

LABEL = "activité de traitement"
CURSOR_AND_OFFSET = "offset ne se combine pas avec cursor : le curseur donne déjà la position"
RELATIONS = {
    "joint_controller_ids": "joint_controllers",
    "convention_ids": "conventions",
    "security_measure_ids": "security_measures",
}


@dataclass
class ActivityFilters:
    controller_id: UUID | None = None
    status: str | None = None
    legal_basis: str | None = None
    convention_id: UUID | None = None
    data_category: str | None = None
    subject_category: str | None = None
    has_sensitive_data: bool | None = None
    review_due_before: date | None = None
    q: str | None = None


def _search_text(data: ActivityIn) -> str:
    parts = [
        data.ref or "",
        data.name,
        data.description or "",
        data.software or "",
        *data.purposes,
        data.legal_basis_detail or "",
    ]
    return fold(" ".join(parts))


async def _related_ids(activity_ids: list[UUID]) -> dict[UUID, dict[str, list[UUID]]]:
    """The three many-to-many lists of several activities in one query, not 3 × N."""
    related: dict[UUID, dict[str, list[UUID]]] = defaultdict(lambda: defaultdict(list))
    client = ProcessingActivity._meta.db
    for field, activity_id, other_id in await listing.linked_ids(client, activity_ids):
        related[activity_id][field].append(other_id)
    return related


def _stored(activity: ProcessingActivity) -> dict[str, Any]:
    data = {
        name: getattr(activity, name)
        for name in ActivityOut.model_fields
        if name not in RELATIONS and hasattr(activity, name)
    }
    data["controller_id"] = activity.controller_id
    return data


def _out(data: dict[str, Any], related: dict[str, list[UUID]], today: date) -> ActivityOut:
    for field in RELATIONS:
        data[field] = sorted(related.get(field, []), key=str)
    return ActivityOut.derive(data, today)


async def activities_out(activities: list[ProcessingActivity]) -> list[ActivityOut]:
    related = await _related_ids([a.id for a in activities]) if activities else {}
    today = today_local()
    return [_out(_stored(a), related.get(a.id, {}), today) for a in activities]


async def _page_out(ids: list[UUID]) -> list[ActivityOut]:
    """A page's activities in the order of `ids`, from their columns as stored: no ORM
    object per row (that cost more than the rest of the page)."""
    client = ProcessingActivity._meta.db
    # The columns an ActivityOut is built from (known once Tortoise has set the models up).
    columns = [n for n in ActivityOut.model_fields if n in ProcessingActivity._meta.db_fields]
    rows = {row["id"]: row for row in await listing.stored_rows(client, ids, columns)}
    related = await _related_ids(ids) if ids else {}
    today = today_local()
    # One deleted since its id was read is left out.
    return [_out(rows[i], related.get(i, {}), today) for i in ids if i in rows]


async def activity_out(activity: ProcessingActivity) -> ActivityOut:
    return (await activities_out([activity]))[0]


async def list_activities(
    *,
    scope: Scope,
    filters: ActivityFilters,
    limit: int,
    offset: int = 0,
    cursor: str | None = None,
) -> Page[ActivityOut]:
    """A page in (name, id) order: after `cursor` (keyset, what deep pages should use) or
    from `offset` (kept for compatibility). `next_cursor` continues after this page."""
    after = decode_cursor(cursor) if cursor else None
    if after is not None and offset:
        raise ValidationFailed.one("query", "offset", msg=CURSOR_AND_OFFSET)
    client = ProcessingActivity._meta.db
    where = await listing.matching(client, scope, filters)
    # The count runs beside the page (PostgreSQL: another pooled connection), not after it.
    counting = asyncio.ensure_future(listing.count(client, where))
    try:
        ids = await listing.page_ids(client, where, limit=limit + 1, offset=offset, after=after)
        more, ids = len(ids) > limit, ids[:limit]
        page = await _page_out(ids)
        total = await counting
    finally:
        counting.cancel()  # a no-op once done; otherwise the page failed: the count is moot
    last = page[-1] if page and more else None
    return Page(
        items=page,
        total=total,
        limit=limit,
        offset=offset,
        next_cursor=encode_cursor(Position(last.name, last.id)) if last else None,
    )


async def get_activity(*, scope: Scope, activity_id: UUID) -> ProcessingActivity:
    return await get_scoped(ProcessingActivity, scope=scope, obj_id=activity_id, label=LABEL)


async def read_activity(*, scope: Scope, activity_id: UUID) -> ProcessingActivity:
    """An activity to read: the scope's own, or one it holds jointly under an art. 26
    arrangement in force (register.activities.joint); writes keep `get_activity`."""
    try:
        return await get_activity(scope=scope, activity_id=activity_id)
    except NotFound:
        if not await joint.readable_jointly(scope, activity_id):
            raise
    return await ProcessingActivity.get(id=activity_id)


UNKNOWN_CONVENTION = "convention inconnue"
UNKNOWN_MEASURE = "mesure de sécurité inconnue"
NOT_IN_FORCE = (
    "la convention n'est pas en vigueur : toutes ses parties ne l'ont pas encore acceptée"
)


def _named_bodies(data: ActivityIn) -> set[UUID]:
    """The other bodies an activity names: joint controllers and recipients' bodies."""
    return {*data.joint_controller_ids, *(r.organisation_id for r in data.recipients)} - {None}


async def _check_references(
    scope: Scope, data: ActivityIn, kept: frozenset[UUID] = frozenset()
) -> None:
    """Every id the activity names, looked up only among what the caller may name: the
    controller among the caller's bodies; joint controllers and recipients' bodies among
    their partners too (partner_org_ids); conventions in force where the controller is a
    controller; measures of the controller or of a party to those conventions. Another
    body's object answers exactly as one that does not exist. `kept`: the bodies the record
    already names (by someone who could), which an edit of other fields leaves as they are.
    The first error raised, in this order: controller, joint controllers, recipients,
    conventions, measures."""
    await require_organisation(
        scope=scope, organisation_id=data.controller_id, field="controller_id"
    )
    await _check_other_bodies(scope, data, kept)
    party_orgs = await _check_conventions(scope, data)
    await _check_measures(scope, data, party_orgs)


async def _check_other_bodies(scope: Scope, data: ActivityIn, kept: frozenset[UUID]) -> None:
    """Joint controllers and recipients' bodies: existing, and partners of the caller or
    already named by the record."""
    partners = await partner_org_ids(scope)
    known_orgs = set(
        await Organisation.filter(
            id__in=[*data.joint_controller_ids, *(r.organisation_id for r in data.recipients)]
        ).values_list("id", flat=True)
    )

    def unknown(org_id: UUID) -> bool:
        named = partners is None or org_id in partners or org_id in kept
        return org_id not in known_orgs or not named

    for index, org_id in enumerate(data.joint_controller_ids):
        if unknown(org_id):
            raise ValidationFailed.one("body", "joint_controller_ids", index, msg=UNKNOWN_ORG)
    for index, recipient in enumerate(data.recipients):
        if recipient.organisation_id is not None and unknown(recipient.organisation_id):
            raise ValidationFailed.one(
                "body", "recipients", index, "organisation_id", msg=UNKNOWN_ORG
            )


async def _check_conventions(scope: Scope, data: ActivityIn) -> dict[UUID, set[UUID]]:
    """Conventions the caller sees, where the controller is a controller, in force. Returns
    the bodies party to each named convention, whose measures the activity may name."""
    parties = await ConventionParty.filter(convention_id__in=data.convention_ids).prefetch_related(
        "convention"
    )
    roles = {(p.convention_id, p.organisation_id): p.role for p in parties}
    in_force = {
        p.convention_id for p in parties if p.convention.status == ConventionStatus.IN_FORCE
    }
    party_orgs: dict[UUID, set[UUID]] = defaultdict(set)
    for p in parties:
        party_orgs[p.convention_id].add(p.organisation_id)
    for index, convention_id in enumerate(data.convention_ids):
        # Seen by the caller only through a party of theirs; otherwise as if absent.
        seen_through = party_orgs.get(convention_id, set())
        if not seen_through or not scope.allows_any(seen_through):
            raise ValidationFailed.one("body", "convention_ids", index, msg=UNKNOWN_CONVENTION)
        if roles.get((convention_id, data.controller_id)) not in CONTROLLER_ROLES:
            raise ValidationFailed.one(
                "body",
                "convention_ids",
                index,
                msg="le responsable de traitement n'est pas responsable dans cette convention",
            )
        if convention_id not in in_force:
            raise ValidationFailed.one("body", "convention_ids", index, msg=NOT_IN_FORCE)
    return party_orgs


async def _check_measures(
    scope: Scope, data: ActivityIn, party_orgs: dict[UUID, set[UUID]]
) -> None:
    """Measures of the controller or of a party to the named conventions. One of the
    caller's other bodies' measures is refused by name; anyone else's as if absent."""
    owners = dict(
        await SecurityMeasure.filter(id__in=data.security_measure_ids).values_list(
            "id", "organisation_id"
        )
    )
    allowed_owners = {data.controller_id} | {
        o for c in data.convention_ids for o in party_orgs.get(c, ())
    }
    for index, measure_id in enumerate(data.security_measure_ids):
        owner = owners.get(measure_id)
        if owner is None or (owner not in allowed_owners and not scope.allows(owner)):
            raise ValidationFailed.one("body", "security_measure_ids", index, msg=UNKNOWN_MEASURE)
        if owner not in allowed_owners:  # one of the caller's bodies, foreign to this record
            raise ValidationFailed.one(
                "body",
                "security_measure_ids",
                index,
                msg="la mesure appartient à un organisme étranger à ce traitement",
            )


async def _write_relations(activity: ProcessingActivity, data: ActivityIn) -> None:
    from register.conventions.models import Convention

    targets = {
        "joint_controllers": await Organisation.filter(id__in=data.joint_controller_ids),
        "conventions": await Convention.filter(id__in=data.convention_ids),
        "security_measures": await SecurityMeasure.filter(id__in=data.security_measure_ids),
    }
    for relation, objects in targets.items():
        manager = getattr(activity, relation)
        await manager.clear()
        if objects:
            await manager.add(*objects)


def data_category_rows(activity_id: UUID, data: ActivityIn) -> list[ActivityDataCategory]:
    """The `data_category` filter's rows of an activity (written beside it, in its
    transaction)."""
    return [
        ActivityDataCategory(activity_id=activity_id, category=category)
        for category in data.data_categories
    ]


async def _write_data_categories(activity_id: UUID, data: ActivityIn) -> None:
    await ActivityDataCategory.filter(activity_id=activity_id).delete()
    await ActivityDataCategory.bulk_create(data_category_rows(activity_id, data))


def _facets(data: ActivityIn) -> str:
    tags = [f"dc:{c.value}" for c in data.data_categories]
    tags += [f"sc:{c.value}" for c in data.special_categories]
    tags += [f"ds:{c.value}" for c in data.data_subject_categories]
    return "|" + "|".join(tags) + "|" if tags else ""


def _columns(data: ActivityIn) -> dict[str, Any]:
    return {
        **to_columns(data, exclude=set(RELATIONS)),
        "search_text": _search_text(data),
        "facets": _facets(data),
        "has_sensitive_data": bool(data.special_categories),
    }


async def create_activity(*, scope: Scope, data: ActivityIn) -> ActivityOut:
    await _check_references(scope, data)
    await refuse_new_work(data.convention_ids, what="activité de traitement")
    async with in_transaction():
        activity = await ProcessingActivity.create(**_columns(data))
        await _write_relations(activity, data)
        await _write_data_categories(activity.id, data)
        await record_created(ProcessingActivity, activity.id)
    return await activity_out(activity)


async def update_activity(
    *, scope: Scope, activity_id: UUID, version: int, patch: dict[str, Any]
) -> ActivityOut:
    activity = await get_activity(scope=scope, activity_id=activity_id)
    current = await activity_out(activity)
    merged = merge_patch(ActivityIn, current, patch)
    await _check_references(scope, merged, kept=frozenset(_named_bodies(current)))
    await refuse_new_work(
        merged.convention_ids, kept=current.convention_ids, what="activité de traitement"
    )
    async with journaled(ProcessingActivity, activity.id, action="update"):
        await update_versioned(
            ProcessingActivity,
            obj_id=activity.id,
            expected_version=version,
            values=_columns(merged),
        )
        await _write_relations(activity, merged)
        await _write_data_categories(activity.id, merged)
    return await activity_out(await ProcessingActivity.get(id=activity.id))


async def delete_activity(*, scope: Scope, activity_id: UUID, version: int | None) -> None:
    activity = await get_activity(scope=scope, activity_id=activity_id)
    await refuse_if_referenced(activity, scope=scope, label="l'activité")
    await delete_versioned(
        ProcessingActivity, obj=activity, expected_version=version, label="l'activité"
    )
