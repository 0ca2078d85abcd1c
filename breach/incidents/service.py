"""Incidents: declared by the body whose system was hit, fanned out into breaches."""

from collections import defaultdict
from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import UUID

from tortoise.expressions import F
from tortoise.transactions import in_transaction

from breach.breaches import awareness
from breach.breaches.models import Breach, BreachEvent
from breach.breaches.names import next_ref
from breach.enums import BreachPath, BreachStatus
from breach.fanout import (
    ActivityTouched,
    BreachPlan,
    ConventionTerms,
    clocks_from_detection,
    plan_breaches,
)
from breach.incidents.models import Incident, IncidentChange
from breach.incidents.schemas import IncidentChangeOut, IncidentFactsIn, IncidentIn, IncidentOut
from core.actor import signed_by
from core.audit.trail import journaled, record_created
from core.clock import to_local
from core.config import get_settings
from core.errors import ValidationFailed
from core.paging import Page, paginate
from core.persistence import get_scoped, update_versioned
from core.scope import Scope
from register.activities.models import ProcessingActivity
from register.conventions.models import Convention, ConventionParty
from register.organisations.service import require_organisation
from register.schemas_common import merge_patch, to_columns

LABEL = "incident"
OWN_DETECTION = "détectée par ses propres services"
LINKS = {"activity_ids", "convention_ids"}


async def incident_outs(incidents: list[Incident]) -> list[IncidentOut]:
    """Incidents with what they touch, their breaches and their history, in four queries
    whatever their number."""
    if not incidents:
        return []
    ids = [i.id for i in incidents]
    activities: dict[UUID, list[UUID]] = defaultdict(list)
    conventions: dict[UUID, list[UUID]] = defaultdict(list)
    for links, relation in ((activities, "activities"), (conventions, "conventions")):
        for incident_id, other_id in await Incident.filter(id__in=ids).values_list(
            "id", f"{relation}__id"
        ):
            if other_id is not None:
                links[incident_id].append(other_id)
    breaches: dict[UUID, list[UUID]] = defaultdict(list)
    for incident_id, breach_id in (
        await Breach.filter(incident_id__in=ids)
        .order_by("created_at")
        .values_list("incident_id", "id")
    ):
        breaches[incident_id].append(breach_id)
    history: dict[UUID, list[IncidentChangeOut]] = defaultdict(list)
    for change in await IncidentChange.filter(incident_id__in=ids).order_by("id"):
        history[change.incident_id].append(
            IncidentChangeOut(at=change.at, author=change.author, changes=change.changes)
        )
    return [
        _out(
            i,
            activity_ids=sorted(activities[i.id], key=str),
            convention_ids=sorted(conventions[i.id], key=str),
            breach_ids=breaches[i.id],
            history=history[i.id],
        )
        for i in incidents
    ]


def _out(incident: Incident, **links: list) -> IncidentOut:
    data = {name: getattr(incident, name) for name in IncidentFactsIn.model_fields}
    data |= {
        "organisation_id": incident.organisation_id,
        "declared_by": incident.declared_by,
        "first_detected_at": incident.first_detected_at or incident.detected_at,
        "id": incident.id,
        "version": incident.version,
        "created_at": incident.created_at,
        "updated_at": incident.updated_at,
        **links,
    }
    return IncidentOut.model_validate(data)


async def incident_out(incident: Incident) -> IncidentOut:
    return (await incident_outs([incident]))[0]


async def list_incidents(
    *, scope: Scope, limit: int, offset: int, organisation_id: UUID | None = None
) -> Page[IncidentOut]:
    query = Incident.filter(**Incident.scope_filter(scope))
    if organisation_id:
        query = query.filter(organisation_id=organisation_id)
    query = query.order_by("-detected_at", "id")
    return await paginate(query, limit=limit, offset=offset, shape=incident_outs)


async def get_incident(*, scope: Scope, incident_id: UUID) -> Incident:
    return await get_scoped(Incident, scope=scope, obj_id=incident_id, label=LABEL)


async def _reachable_convention_ids(declaring_id: UUID) -> set[UUID]:
    """The conventions in force the declaring body is party to: the only ones through which
    its incident may reach another controller (a proposed convention binds nobody yet)."""
    return set(
        await ConventionParty.in_force()
        .filter(organisation_id=declaring_id)
        .values_list("convention_id", flat=True)
    )


async def _register_view(data: IncidentIn) -> tuple[list[ActivityTouched], dict]:
    """What the register says about the activities and conventions the incident touches.

    Only what the declaring body may reach is looked up: its own activities, the activities
    held under a convention in force it is party to, and those conventions. Anything else
    answers exactly as an id that does not exist (same message, same place), so a
    declaration neither reaches nor reveals another body's register."""
    reachable = await _reachable_convention_ids(data.organisation_id)
    candidates = await ProcessingActivity.filter(id__in=data.activity_ids)
    linked_by_activity: dict[UUID, tuple[UUID, ...]] = {}
    for activity in candidates:
        linked = await activity.conventions.all().values_list("id", flat=True)
        linked_by_activity[activity.id] = tuple(c for c in linked if c in reachable)
    found = {
        a.id: a
        for a in candidates
        if a.controller_id == data.organisation_id or linked_by_activity[a.id]
    }
    activities = []
    convention_ids = {c for c in data.convention_ids if c in reachable}
    for index, activity_id in enumerate(data.activity_ids):
        if activity_id not in found:
            raise ValidationFailed.one("body", "activity_ids", index, msg="activité inconnue")
        linked = linked_by_activity[activity_id]
        convention_ids.update(linked)
        activities.append(ActivityTouched(activity_id, found[activity_id].controller_id, linked))
    conventions: dict[UUID, ConventionTerms] = {}
    for convention in await Convention.in_force().filter(id__in=list(convention_ids)):
        parties = await ConventionParty.filter(convention_id=convention.id)
        conventions[convention.id] = ConventionTerms(
            convention.id,
            {p.organisation_id: p.role for p in parties},
            convention.breach_notice_hours,
            breach_lead_id=convention.breach_lead_id,
            joint_breach_duty=convention.joint_breach_duty,
        )
    for index, convention_id in enumerate(data.convention_ids):
        if convention_id not in conventions:
            raise ValidationFailed.one("body", "convention_ids", index, msg="convention inconnue")
    return activities, conventions


async def _next_ref(controller_id: UUID, detected_at: datetime) -> str:
    """VIO-BOULOGNE-2025-0003 (breach.breaches.names.next_ref): the body's code, the year of
    detection (Paris calendar), the next number. The (controller, ref) key is unique: two
    declarations racing get a 409, never a shared ref."""
    return await next_ref(controller_id, to_local(detected_at).year)


async def _create_breach(
    incident: Incident, plan: BreachPlan, author: str | None, *, lead_breach_id: UUID | None = None
) -> Breach:
    breach = await Breach.create(
        incident_id=incident.id,
        controller_id=plan.controller_id,
        source_org_id=None
        if plan.controller_id == incident.organisation_id
        else incident.organisation_id,
        convention_id=plan.convention_id,
        path=plan.path,
        ref=await _next_ref(plan.controller_id, incident.detected_at),
        controller_notice_due_at=plan.controller_notice_due_at,
        aware_at=plan.aware_at,
        cnil_due_at=plan.cnil_due_at,
        aware_rationale=OWN_DETECTION if plan.aware_at else None,
        status=BreachStatus.DECLARED,
        joint_duty=plan.joint_duty,
        lead_breach_id=lead_breach_id,
    )
    if plan.activity_ids:
        await breach.activities.add(*await ProcessingActivity.filter(id__in=plan.activity_ids))
    await BreachEvent.create(
        breach_id=breach.id,
        at=incident.created_at,
        from_status=None,
        to_status=BreachStatus.DECLARED,
        action="declare",
        note=f"incident « {incident.title} »",
        author=author,
    )
    await record_created(Breach, breach.id, action="declare")
    return breach


async def declare_incident(*, scope: Scope, data: IncidentIn, now: datetime) -> IncidentOut:
    """Record the incident and fan it out into one breach per affected controller."""
    _refuse_future_facts(data, now)
    await require_organisation(
        scope=scope, organisation_id=data.organisation_id, field="organisation_id"
    )
    activities, conventions = await _register_view(data)
    plans = plan_breaches(
        declaring_id=data.organisation_id,
        detected_at=data.detected_at,
        activities=activities,
        conventions=conventions,
        named_convention_ids=data.convention_ids,
        default_notice_hours=get_settings().default_processor_notice_hours,
    )
    async with in_transaction():
        declared_by = signed_by(data.on_behalf_of)
        incident = await Incident.create(
            **to_columns(data, exclude=LINKS | {"on_behalf_of"}), declared_by=declared_by
        )
        if data.activity_ids:
            await incident.activities.add(
                *await ProcessingActivity.filter(id__in=data.activity_ids)
            )
        if data.convention_ids:
            await incident.conventions.add(*await Convention.filter(id__in=data.convention_ids))
        await record_created(Incident, incident.id, action="declare")
        # A joint controllers' lead first: the others' breaches are created linked to its own.
        created: dict[UUID, Breach] = {}
        for plan in sorted(plans, key=lambda p: p.controller_id != p.lead_id):
            lead = created.get(plan.lead_id) if plan.lead_id != plan.controller_id else None
            created[plan.controller_id] = await _create_breach(
                incident, plan, declared_by, lead_breach_id=lead.id if lead else None
            )
    return await incident_out(incident)


def _facts_json(facts: IncidentFactsIn | IncidentOut) -> dict[str, Any]:
    """The facts as compared and kept in the history: instants in UTC, so the same moment
    written with another offset (09:00+01:00 for 08:00Z) is not recorded as a change."""
    fields = set(IncidentFactsIn.model_fields)
    instants = {
        name: value.astimezone(UTC)
        for name in fields
        if isinstance(value := getattr(facts, name), datetime)
    }
    return facts.model_copy(update=instants).model_dump(mode="json", include=fields)


async def update_incident_facts(
    *,
    scope: Scope,
    incident_id: UUID,
    version: int,
    patch: dict[str, Any],
    on_behalf_of: str | None,
    now: datetime,
) -> IncidentOut:
    """Complete or correct the facts; every change is kept with its before and after, and
    who made it (the signed-in actor)."""
    author = signed_by(on_behalf_of)
    incident = await get_incident(scope=scope, incident_id=incident_id)
    current = await incident_out(incident)
    merged = merge_patch(IncidentFactsIn, current, patch)
    before = _facts_json(current)
    after = _facts_json(merged)
    changes = {k: {"before": before[k], "after": after[k]} for k in after if before[k] != after[k]}
    _refuse_future_facts(merged, now)
    values = to_columns(merged) | _detection_move(incident, merged, patch)
    async with journaled(Incident, incident.id, action="update"):
        await update_versioned(
            Incident, obj_id=incident.id, expected_version=version, values=values
        )
        if changes:
            await IncidentChange.create(
                incident_id=incident.id, at=now, author=author, changes=changes
            )
        if "detected_at" in changes:
            await _follow_detection(
                incident.id, merged.detected_at, now, author, patch.get("detection_later_reasons")
            )
    return await incident_out(await Incident.get(id=incident.id))


def _detection_move(
    incident: Incident, merged: IncidentFactsIn, patch: dict[str, Any]
) -> dict[str, Any]:
    """Detection moved later needs its reasons in the same patch (breach.breaches.awareness);
    the first instant is kept, written once."""
    if merged.detected_at == incident.detected_at:
        return {}
    awareness.require_reasons(
        incident.detected_at,
        merged.detected_at,
        patch.get("detection_later_reasons"),
        field="detection_later_reasons",
        what="détection",
    )
    if incident.first_detected_at is not None:
        return {}
    return {"first_detected_at": incident.detected_at}


FUTURE_TOLERANCE = timedelta(minutes=5)  # clocks of the declaring device may run a bit fast


def _refuse_future_facts(facts: IncidentFactsIn, now: datetime) -> None:
    """A detection in the future would push every deadline back."""
    for field in ("detected_at", "started_at", "ended_at"):
        moment = getattr(facts, field)
        if moment is not None and moment > now + FUTURE_TOLERANCE:
            raise ValidationFailed.one(
                "body", field, msg="ce moment est dans le futur : il ne peut pas être déjà survenu"
            )


async def _follow_detection(
    incident_id: UUID,
    detected_at: datetime,
    now: datetime,
    author: str | None,
    reasons: str | None = None,
) -> None:
    """A corrected detection time moves the clocks that were derived from it, and only those:
    a processor's notice not yet given, an awareness still the detection itself. Clocks that
    moved on (controller informed, awareness recorded with reasons, CNIL notified) stay."""
    default_hours = get_settings().default_processor_notice_hours
    breaches = await Breach.filter(
        incident_id=incident_id, status__in=[BreachStatus.DECLARED, BreachStatus.ASSESSED]
    )
    for breach in breaches:
        told = (BreachPath.PROCESSOR, BreachPath.INDEPENDENT)  # the notice given stays given
        if breach.path in told and breach.controller_informed_at is not None:
            continue
        own_clock = (BreachPath.OWN_SYSTEM, BreachPath.JOINT)
        if breach.path in own_clock and breach.aware_rationale != OWN_DETECTION:
            continue
        hours = None
        if breach.convention_id:
            hours = (
                await Convention.in_force()
                .filter(id=breach.convention_id)
                .values_list("breach_notice_hours", flat=True)
            )
            hours = hours[0] if hours else None
        clocks = clocks_from_detection(
            breach.path,
            detected_at=detected_at,
            convention_hours=hours,
            default_notice_hours=default_hours,
        )
        values = {"controller_notice_due_at": clocks.controller_notice_due_at}
        if breach.path != BreachPath.PROCESSOR and clocks.aware_at is not None:
            # The awareness moves with it, kept as a move (first instant, overdue mark).
            values |= awareness.move_values(
                breach,
                clocks.aware_at,
                now=now,
                reasons=reasons,
                author=author,
                cause=awareness.DETECTION,
            )
        elif breach.path not in told:  # an independent controller's awareness is its own
            values |= {"aware_at": clocks.aware_at, "cnil_due_at": clocks.cnil_due_at}
        async with journaled(Breach, breach.id, action="follow_detection"):
            await Breach.filter(id=breach.id).update(**values, version=F("version") + 1)
            await BreachEvent.create(
                breach_id=breach.id,
                at=now,
                from_status=breach.status,
                to_status=breach.status,
                action="follow_detection",
                note="heure de détection corrigée : échéances recalculées",
                author=author,
            )
