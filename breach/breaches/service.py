"""The breach workflow: explicit states, guarded transitions, every step logged.

declared → assessed → notified → complemented → closed; a breach judged unlikely to result
in a risk goes assessed → closed with its reasoning (art. 33(1), 33(5)).
"""

from collections import defaultdict
from collections.abc import Awaitable, Callable
from dataclasses import replace
from datetime import datetime
from typing import Any, Protocol, TypeVar
from uuid import UUID

from tortoise.expressions import Q
from tortoise.transactions import in_transaction

from breach.assessment import (
    MISUSE_UNANSWERED,
    DpcAdjustment,
    IntegrityCircumstance,
    category_scores,
    enisa_score,
)
from breach.breaches import assessments, awareness, joint, source_facts, visibility, workflow
from breach.breaches.delivery import notice_deliveries
from breach.breaches.models import Breach, BreachEvent, BreachNotification
from breach.breaches.names import shown_refs
from breach.breaches.schemas import (
    AssessmentIn,
    AwarenessIn,
    BreachFactsIn,
    BreachOut,
    CloseIn,
    ControllerInformedIn,
    CountdownOut,
    DecisionIn,
    EventOut,
    NotificationIn,
    NotificationOut,
    NotificationRefIn,
)
from breach.breaches.workflow import BreachState
from breach.cnil_facts import missing_for_complete
from breach.deadlines import (
    Clock,
    cnil_deadline,
    countdown,
    format_undue_delay,
    running_clocks,
)
from breach.enums import (
    SENSITIVE_BREACH_DATA,
    BreachPath,
    BreachStatus,
    InformPeople,
    NotificationPhase,
    NotificationRecipient,
    RiskLevel,
)
from breach.phases import closing_gaps, followup_values
from core.actor import signed_by
from core.audit.trail import journaled, record_created
from core.errors import FieldProblem, InvalidTransition, NotFound, ValidationFailed
from core.paging import Page, paginate
from core.persistence import get_scoped, update_versioned
from core.scope import Scope
from core.templating import Rendered
from register.enums import label
from register.schemas_common import merge_patch

LABEL = "violation"
UNDUE_DELAY = "sans délai excessif (art. 34.1)"
OPEN = [
    BreachStatus.DECLARED,
    BreachStatus.ASSESSED,
    BreachStatus.NOTIFIED,
    BreachStatus.COMPLEMENTED,
]


# Reading ------------------------------------------------------------------------------------


def _countdowns(breach: Breach, now: datetime) -> list[CountdownOut]:
    """The running clocks (breach.deadlines.running_clocks), each with its time left."""
    result = []
    for clock in running_clocks(breach):
        if clock.open_ended:
            result.append(_open_ended(clock))
            continue
        c = countdown(clock.deadline, now)
        result.append(
            CountdownOut(
                kind=clock.kind,
                label=clock.label,
                due_at=c.deadline_utc,
                due_local=c.deadline_display,
                remaining_seconds=int(c.remaining.total_seconds()),
                overdue=c.overdue,
                display=c.display,
            )
        )
    return result


def _open_ended(clock: Clock) -> CountdownOut:
    # « Sans délai excessif » (art. 34(1)): no deadline to count down to; reminded daily.
    return CountdownOut(
        kind=clock.kind,
        label=clock.label,
        due_at=clock.deadline,
        due_local=UNDUE_DELAY,
        remaining_seconds=0,
        overdue=False,
        display=format_undue_delay(clock.deadline),
        open_ended=True,
    )


async def breaches_out(breaches: list[Breach], *, now: datetime) -> list[BreachOut]:
    """Several breaches with their notifications, events and activities in three queries."""
    ids = [b.id for b in breaches]
    delivered = await notice_deliveries(ids)  # the notice's e-mail, delivered or not
    notifications: dict[UUID, list[BreachNotification]] = defaultdict(list)
    for n in await BreachNotification.filter(breach_id__in=ids).order_by("sent_at", "id"):
        if n.recipient == NotificationRecipient.CONTROLLER:
            n.delivery = delivered.get(n.breach_id)  # read by NotificationOut
        notifications[n.breach_id].append(n)
    events: dict[UUID, list[BreachEvent]] = defaultdict(list)
    for e in await BreachEvent.filter(breach_id__in=ids).order_by("id"):
        events[e.breach_id].append(e)
    activities: dict[UUID, list[UUID]] = defaultdict(list)
    ongoing: dict[UUID, bool] = {}  # the incident's flag (breach.phases.closing_gaps)
    for breach_id, activity_id, incident_ongoing in await Breach.filter(id__in=ids).values_list(
        "id", "activities__id", "incident__ongoing"
    ):
        ongoing[breach_id] = bool(incident_ongoing)
        if activity_id is not None:
            activities[breach_id].append(activity_id)
    history = await assessments.histories(breaches)
    refs = await shown_refs((b.id, b.ref, b.controller_id) for b in breaches)
    leads = await joint.lead_facts(breaches)
    return [
        _out(
            b,
            now,
            notifications[b.id],
            events[b.id],
            sorted(activities[b.id], key=str),
            incident_ongoing=ongoing.get(b.id, False),
            lead=leads.get(b.id),
        ).model_copy(
            update={
                "assessments": history[b.id],
                "ref": refs[b.id],
                "joint": joint.lead_out(b, leads.get(b.id)),
            }
        )
        for b in breaches
    ]


async def breach_out(breach: Breach, *, now: datetime) -> BreachOut:
    return (await breaches_out([breach], now=now))[0]


async def breaches_seen(breaches: list[Breach], *, scope: Scope, now: datetime) -> list[BreachOut]:
    """The breaches as the caller with `scope` may see them (breach.breaches.visibility)."""
    return [visibility.shown(scope, out) for out in await breaches_out(breaches, now=now)]


async def breach_seen(breach: Breach, *, scope: Scope, now: datetime) -> BreachOut:
    return (await breaches_seen([breach], scope=scope, now=now))[0]


def _out(
    breach: Breach,
    now: datetime,
    notifications: list[BreachNotification],
    events: list[BreachEvent],
    activity_ids: list[UUID],
    *,
    incident_ongoing: bool = False,
    lead: joint.LeadFacts | None = None,
) -> BreachOut:
    data: dict[str, Any] = {
        name: getattr(breach, name)
        for name in BreachOut.model_fields
        if hasattr(breach, name) and name not in ("notifications", "events")
    }
    data |= {
        "incident_id": breach.incident_id,
        "controller_id": breach.controller_id,
        "source_org_id": breach.source_org_id,
        "convention_id": breach.convention_id,
        "activity_ids": activity_ids,
        # breach.breaches.awareness: the first instant is aware_at until it moved.
        "first_aware_at": breach.first_aware_at or breach.aware_at,
        "aware_moves": breach.aware_moves or [],
        "band_risk_level": assessments.band_risk(breach.assessment),
        "countdowns": _countdowns(breach, now),
        "notifications": [NotificationOut.model_validate(n) for n in notifications],
        "events": [EventOut.model_validate(e) for e in events],
        "closing_gaps": closing_gaps(breach, incident_ongoing=incident_ongoing),
        "allowed_actions": workflow.allowed_actions(
            BreachState.of(
                breach,
                (n.recipient for n in notifications),
                incident_ongoing=incident_ongoing,
                lead=lead,
            )
        ),
    }
    return BreachOut.model_validate(data)


async def list_breaches(
    *,
    scope: Scope,
    limit: int,
    offset: int,
    now: datetime,
    controller_id: UUID | None = None,
    status: str | None = None,
    open_only: bool = False,
) -> Page[BreachOut]:
    query = Breach.filter(**Breach.scope_filter(scope))
    if controller_id:
        query = query.filter(controller_id=controller_id)
    if status or open_only:
        wanted = Q(status=status) if status else Q(status__in=OPEN)
        if open_only and status:
            wanted &= Q(status__in=OPEN)
        if not scope.is_unrestricted:
            # The status is withheld from the source side (breach.breaches.visibility), so
            # a filter on it must not tell it: it applies to the caller's controller rows
            # only; the open list keeps every source-side row, a status filter none.
            mine = Q(controller_id__in=list(scope.org_ids))
            wanted = mine & wanted if status else (mine & wanted) | ~mine
        query = query.filter(wanted)
    return await paginate(
        query.order_by("-created_at", "id"),
        limit=limit,
        offset=offset,
        shape=lambda rows: breaches_seen(rows, scope=scope, now=now),
    )


async def get_breach(*, scope: Scope, breach_id: UUID) -> Breach:
    return await get_scoped(Breach, scope=scope, obj_id=breach_id, label=LABEL)


async def readable_breaches(*, scope: Scope, breach_ids: list[UUID]) -> list[Breach]:
    """The breaches among `breach_ids` the scope may read, in the order given, in one query;
    the others (another controller's) are left out as if absent."""
    query = Breach.filter(**Breach.scope_filter(scope)).filter(id__in=breach_ids)
    found = {b.id: b for b in await query}
    return [found[i] for i in breach_ids if i in found]


# Writing ------------------------------------------------------------------------------------


async def _require(step: str, breach: Breach, *, incomplete_reasons: bool | None = None) -> None:
    """Refuse `step` unless the workflow table allows it on the breach as stored now
    (`incomplete_reasons`: whether a closing request says why it closes incomplete)."""
    recipients = await BreachNotification.filter(breach_id=breach.id).values_list(
        "recipient", flat=True
    )
    (ongoing,) = await Breach.filter(id=breach.id).values_list("incident__ongoing", flat=True)
    lead = (await joint.lead_facts([breach])).get(breach.id)
    state = BreachState.of(breach, recipients, incident_ongoing=bool(ongoing), lead=lead)
    if incomplete_reasons is not None:
        state = replace(state, incomplete_reasons=incomplete_reasons)
    workflow.require(step, state)


def _refuse_future(moment: datetime, now: datetime, field: str) -> None:
    # A clock cannot start in the future: that would push its deadline back.
    if moment > now:
        raise ValidationFailed.one(
            "body", field, msg="un fait à venir ne peut pas être enregistré comme survenu"
        )


async def _refuse_before_detection(
    breach: Breach, moment: datetime, now: datetime, field: str
) -> None:
    # Through the breach's own link: the incident's fields are read here, never written.
    (detected_at,) = await Breach.filter(id=breach.id).values_list(
        "incident__detected_at", flat=True
    )
    if moment < detected_at:
        raise ValidationFailed.one(
            "body",
            field,
            msg="ce moment est avant la détection de l'incident "
            f"({countdown(detected_at, now).deadline_display})",
        )


async def _apply(
    breach: Breach,
    *,
    version: int,
    values: dict[str, Any] | None = None,
    action: str,
    now: datetime,
    note: str | None = None,
    on_behalf_of: str | None = None,
    to_status: BreachStatus | None = None,
    notification: dict[str, Any] | None = None,
    then: Callable[[], Awaitable[Any]] | None = None,
) -> Breach:
    """One step: the row (version-checked), its event, its notification and whatever `then`
    writes (the outbox messages the step causes), or nothing. The audit journal records the
    step (`breach.<action>`, the fields it changed), then the notification and the messages."""
    target = to_status or breach.status
    async with in_transaction():
        async with journaled(Breach, breach.id, action=action):
            await update_versioned(
                Breach,
                obj_id=breach.id,
                expected_version=version,
                values={**(values or {}), "status": target},
            )
            await BreachEvent.create(
                breach_id=breach.id,
                at=now,
                from_status=breach.status,
                to_status=target,
                action=action,
                note=note,
                author=signed_by(on_behalf_of),
            )
        if notification:
            made = await BreachNotification.create(breach_id=breach.id, **notification)
            await record_created(BreachNotification, made.id)
        if then is not None:
            await then()
    return await Breach.get(id=breach.id)


async def update_facts(
    *,
    scope: Scope,
    breach_id: UUID,
    version: int,
    patch: dict[str, Any],
    now: datetime,
    keep_controller_facts: bool = False,
) -> Breach:
    """The controller, or the body whose system was hit, completes the facts; what the latter
    may change of the former's: breach.breaches.source_facts."""
    breach = await get_breach(scope=scope, breach_id=breach_id)
    await _require("update_facts", breach)
    whole = visibility.sees_whole(scope, breach.controller_id)
    if not whole:  # the controller's CNIL answers are its own (source_facts)
        source_facts.refuse_controller_answers(patch)
    current = await breach_out(breach, now=now)
    merged = merge_patch(BreachFactsIn, current, patch)
    values, changed, kept = source_facts.facts_columns(
        breach,
        current=current,
        merged=merged,
        whole=whole,
        keep_controller_facts=keep_controller_facts,
    )
    return await _apply(
        breach,
        version=version,
        values=values,
        action="update_facts",
        now=now,
        note=source_facts.history_note(changed, kept),
    )


async def record_controller_informed(
    *,
    scope: Scope,
    breach_id: UUID,
    data: ControllerInformedIn,
    now: datetime,
    message: Rendered | None = None,
    then: Callable[[], Awaitable[Any]] | None = None,
) -> Breach:
    """The processor (or service-commun host) informed the controller: its 72 h start now.

    `message` is the notice as sent (kept with the notification); `then` writes, in the same
    transaction, what sending it causes (breach.messages enqueues the e-mails there).
    """
    breach = await get_breach(scope=scope, breach_id=breach_id)
    values, notification = await controller_informed_step(breach, data, now)
    if message is not None:
        notification |= {"message_subject": message.subject, "message_body": message.body}
    return await _apply(
        breach,
        version=data.version,
        values=values,
        action="record_controller_informed",
        now=now,
        notification=notification,
        then=then,
    )


async def controller_informed_step(
    breach: Breach, data: ControllerInformedIn, now: datetime
) -> tuple[dict[str, Any], dict[str, Any]]:
    """The checks of informing the controller, and the columns it writes (breach, notice)."""
    await _require("record_controller_informed", breach)
    _refuse_future(data.informed_at, now, "informed_at")
    await _refuse_before_detection(breach, data.informed_at, now, "informed_at")
    due = breach.controller_notice_due_at
    late = bool(due and data.informed_at > due)
    # A service-commun member's clock already runs from detection, an independent
    # controller's from its own awareness (record_awareness): informing it late shifts
    # nothing, so only a processor's late notice (art. 33(2), the convention) needs reasons.
    if late and breach.path == BreachPath.PROCESSOR and not data.late_reason:
        raise ValidationFailed.one(
            "body",
            "late_reason",
            msg=f"information donnée après l'échéance de la convention "
            f"({countdown(due, data.informed_at).deadline_display}) : les raisons du "
            "retard sont obligatoires",
        )
    values: dict[str, Any] = {
        "controller_informed_at": data.informed_at,
        "controller_notice_late_reason": data.late_reason,
    }
    if breach.path == BreachPath.PROCESSOR:
        # EDPB 9/2022 §II.A.4: the controller is aware once its processor has informed it.
        values |= {
            "aware_at": data.informed_at,
            "cnil_due_at": cnil_deadline(data.informed_at),
            "aware_rationale": "informé par son sous-traitant (art. 33.2)",
        }
    notification = {
        "recipient": NotificationRecipient.CONTROLLER,
        "phase": NotificationPhase.INITIAL,
        "channel": data.channel,
        "sent_at": data.informed_at,
        # "At once" (service commun) is not a delay one can miss by minutes.
        "due_at": due if breach.path == BreachPath.PROCESSOR else None,
        "late_reason": data.late_reason,
        "summary": data.summary,
    }
    return values, notification


async def record_awareness(
    *, scope: Scope, breach_id: UUID, data: AwarenessIn, now: datetime
) -> Breach:
    """When the controller became reasonably certain that personal data were compromised
    (WP250rev.01 §II.A.2); the 72 h run from then."""
    breach = await get_breach(scope=scope, breach_id=breach_id)
    await _require("record_awareness", breach)
    _refuse_future(data.aware_at, now, "aware_at")
    await _refuse_before_detection(breach, data.aware_at, now, "aware_at")
    # Later than recorded: a documented investigation (breach.breaches.awareness).
    awareness.require_reasons(
        breach.aware_at,
        data.aware_at,
        data.later_reasons,
        field="later_reasons",
        what="prise de connaissance",
    )
    moved = awareness.move_values(
        breach, data.aware_at, now=now, reasons=data.later_reasons, author=signed_by()
    )
    note = data.rationale
    if data.later_reasons:
        note = f"{note}\nMotifs du report : {data.later_reasons}"
    return await _apply(
        breach,
        version=data.version,
        now=now,
        action="record_awareness",
        note=note,
        values={**moved, "aware_rationale": data.rationale},
    )


async def assess(
    *,
    scope: Scope,
    breach_id: UUID,
    data: AssessmentIn,
    now: datetime,
    special_categories: bool = False,
) -> Breach:
    breach = await get_breach(scope=scope, breach_id=breach_id)
    await _require("assess", breach)
    if data.integrity != IntegrityCircumstance.NONE and data.integrity_possibly_misused is None:
        raise ValidationFailed.one("body", "integrity_possibly_misused", msg=MISUSE_UNANSWERED)
    try:  # whole points, one per data category, on the method's scale (breach.assessment)
        adjustments = [
            DpcAdjustment(a.delta, a.justification, a.category) for a in data.adjustments
        ]
        category_scores(data.context, adjustments)
    except ValueError as exc:
        raise ValidationFailed.one("body", "adjustments", msg=str(exc)) from None
    # Art. 9/10 data and the NIR: damage "should be considered likely" (EDPB 9/2022 §102).
    sensitive = special_categories or bool(SENSITIVE_BREACH_DATA & set(breach.data_categories))
    score = enisa_score(
        context=data.context,
        identification=data.identification,
        confidentiality=data.confidentiality,
        integrity=data.integrity,
        integrity_possibly_misused=data.integrity_possibly_misused,
        availability=data.availability,
        malicious=data.malicious,
        unintelligible=data.unintelligible,
        adjustments=adjustments,
        special_categories=sensitive,
    )
    stored = {
        "inputs": data.model_dump(mode="json", exclude={"version"}),
        "dpc_base": str(score.dpc_base),
        "dpc_final": str(score.dpc_final),
        "ei": str(score.ei),
        "cb": str(score.cb),
        "se": str(score.se),
        "band": score.band.value,
        "band_label": label(score.band),
        "recommendation": score.recommendation.value,
        "recommendation_label": label(score.recommendation),
        "explanation": list(score.explanation),
        "notice": score.notice,
    }
    to_status = BreachStatus.ASSESSED if breach.status == BreachStatus.DECLARED else None
    author = signed_by()

    async def keep() -> None:  # every assessment, the earlier ones too (assessments.py)
        await assessments.record(breach.id, stored, at=now, author=author)

    return await _apply(
        breach,
        version=data.version,
        now=now,
        action="assess",
        to_status=to_status,
        note=f"SE = {score.se} ({label(score.band)})",
        values={"assessment": stored, "severity_band": score.band.value, "assessed_at": now},
        then=keep,
    )


def _decision_problems(data: DecisionIn, assessment: dict | None) -> list[tuple[str, str]]:
    # Notifying an unlikely risk anyway is allowed: prudence never breaches art. 33.
    problems = []
    expected = assessments.below_band(data.risk_level, assessment)
    if expected is not None and not (data.below_band_justification or "").strip():
        problems.append(
            (
                "below_band_justification",
                f"le niveau de risque retenu ({label(data.risk_level).lower()}) est en deçà "
                f"de l'évaluation ENISA ({(assessment or {}).get('band_label', '')} : "
                f"{label(expected).lower()}) : la justification de cet écart est obligatoire",
            )
        )
    if data.risk_level != RiskLevel.UNLIKELY and not data.notify_cnil:
        problems.append(
            (
                "notify_cnil",
                "une violation susceptible d'engendrer un risque doit "
                "être notifiée à la CNIL (art. 33.1)",
            )
        )
    if (
        data.risk_level == RiskLevel.HIGH
        and data.inform_people == InformPeople.NO
        and data.art34_exemption is None
    ):
        problems.append(
            (
                "art34_exemption",
                "risque élevé : informer les personnes (art. 34.1) "
                "ou justifier d'une exception de l'art. 34.3",
            )
        )
    if data.art34_exemption and data.risk_level != RiskLevel.HIGH:
        problems.append(
            (
                "art34_exemption",
                "les exceptions de l'art. 34.3 ne concernent que les violations à risque élevé",
            )
        )
    return problems


async def decide(*, scope: Scope, breach_id: UUID, data: DecisionIn, now: datetime) -> Breach:
    breach = await get_breach(scope=scope, breach_id=breach_id)
    await _require("decide", breach)
    if breach.status != BreachStatus.ASSESSED and not data.notify_cnil:
        raise InvalidTransition(
            "la CNIL a déjà été notifiée : la décision ne peut plus être de ne pas notifier"
        )
    problems = _decision_problems(data, breach.assessment)
    if problems:
        raise ValidationFailed(
            [FieldProblem(("body", field), message) for field, message in problems]
        )
    below = assessments.below_band(data.risk_level, breach.assessment)
    justification = data.below_band_justification if below else None
    note = data.reasons
    if justification:
        note = f"{note}\nEn deçà de l'évaluation ENISA : {justification}"
    return await _apply(
        breach,
        version=data.version,
        now=now,
        action="decide",
        on_behalf_of=data.on_behalf_of,
        note=note,
        values={
            "below_band_justification": justification,
            "risk_level": data.risk_level,
            "notify_cnil": data.notify_cnil,
            "inform_people": data.inform_people,
            "art34_exemption": data.art34_exemption,
            "decision_reasons": data.reasons,
            "decided_at": now,
            "decided_by": signed_by(data.on_behalf_of),
        },
    )


class MessageText(Protocol):
    """The text of a notification as made (a breach.messages.compose.Composed)."""

    subject: str
    body: str


Text = TypeVar("Text", bound=MessageText)


async def record_notification(
    *,
    scope: Scope,
    breach_id: UUID,
    data: NotificationIn,
    now: datetime,
    text: Callable[[Breach], Awaitable[Text]],
    then: Callable[[Text], Awaitable[Any]] | None = None,
) -> Breach:
    """A notification to the CNIL (initial, then complementary) or to the people, kept with
    its text as made: `text` renders, from the facts now, the CNIL document or the
    communication (breach.messages composes them; called once the step is allowed).
    `then` receives that text and writes, in the same transaction, the messages it causes."""
    breach = await get_breach(scope=scope, breach_id=breach_id)
    if data.sent_at > now:
        raise ValidationFailed.one(
            "body",
            "sent_at",
            msg="une notification à venir ne peut pas être enregistrée comme faite",
        )
    if breach.aware_at and data.sent_at < breach.aware_at:
        raise ValidationFailed.one(
            "body", "sent_at", msg="une notification ne peut pas précéder la prise de connaissance"
        )
    if data.recipient == NotificationRecipient.CONTROLLER:
        raise ValidationFailed.one(
            "body",
            "recipient",
            msg="l'information du responsable s'enregistre par record_controller_informed",
        )
    if data.recipient == NotificationRecipient.DATA_SUBJECTS:
        await _require("inform_people", breach)
        return await _inform_people(breach, data, now, text, then)
    # A complete notification is an initial one with nothing to follow (breach.cnil_facts).
    first = data.phase != NotificationPhase.COMPLEMENTARY
    await _require("notify_cnil_initial" if first else "notify_cnil_complementary", breach)
    if data.phase == NotificationPhase.COMPLETE and (missing := missing_for_complete(breach)):
        raise ValidationFailed.one(
            "body",
            "phase",
            msg="une notification complète donne tous les éléments en une fois ; inconnus à "
            f"ce stade : {', '.join(missing)}. Faites une notification initiale, complétée "
            "ensuite (art. 33.4), ou complétez d'abord les faits",
        )
    to_status = BreachStatus.NOTIFIED if first else BreachStatus.COMPLEMENTED
    # From the first deadline when awareness moved after it (breach.breaches.awareness).
    due = awareness.first_cnil_due(breach) if first else None
    if first and awareness.missed_cnil_due(breach, data.sent_at) and not data.late_reason:
        raise ValidationFailed.one(
            "body",
            "late_reason",
            msg=f"notification faite après l'échéance des 72 h "
            f"({countdown(due, data.sent_at).deadline_display}) : les raisons du retard "
            "sont obligatoires (art. 33.1)",
        )
    followup: dict[str, Any] = {}
    if data.phase == NotificationPhase.INITIAL:
        followup = followup_values(
            breach, followup_due_at=data.followup_due_at, sent_at=data.sent_at, now=now
        )
    document = await text(breach)
    return await _apply(
        breach,
        version=data.version,
        now=now,
        to_status=to_status,
        action=f"notify_cnil_{data.phase.value}",
        on_behalf_of=data.on_behalf_of,
        note=data.external_ref,
        values=followup,
        notification={**_notification_columns(data), **_content(document), "due_at": due},
        then=(lambda: then(document)) if then else None,
    )


def _content(composed: MessageText) -> dict[str, str]:
    return {"message_subject": composed.subject, "message_body": composed.body}


def _notification_columns(data: NotificationIn) -> dict[str, Any]:
    return {
        "recipient": data.recipient,
        "phase": data.phase,
        "channel": data.channel,
        "sent_at": data.sent_at,
        "external_ref": data.external_ref,
        "late_reason": data.late_reason,
        "summary": data.summary,
        "published_where": data.published_where,
        "recorded_by": signed_by(data.on_behalf_of),
    }


async def _inform_people(
    breach: Breach,
    data: NotificationIn,
    now: datetime,
    text: Callable[[Breach], Awaitable[Text]],
    then: Callable[[Text], Awaitable[Any]] | None,
) -> Breach:
    communication = await text(breach)
    values: dict[str, Any] = {"people_informed_at": breach.people_informed_at or data.sent_at}
    if breach.inform_people == InformPeople.LATER:
        values["inform_people"] = InformPeople.YES
    # Under the 34(3)(c) exemption the decision stays: the public communication fulfils it.
    return await _apply(
        breach,
        version=data.version,
        now=now,
        action="inform_people",
        on_behalf_of=data.on_behalf_of,
        values=values,
        notification={**_notification_columns(data), **_content(communication)},
        then=(lambda: then(communication)) if then else None,
    )


async def record_cnil_reference(
    *, scope: Scope, breach_id: UUID, notification_id: UUID, data: NotificationRefIn, now: datetime
) -> Breach:
    """The CNIL's file number, received after the notification (its acknowledgement)."""
    breach = await get_breach(scope=scope, breach_id=breach_id)
    notification = await BreachNotification.filter(id=notification_id, breach_id=breach.id).first()
    if notification is None:
        raise NotFound("notification", notification_id)
    if notification.recipient != NotificationRecipient.CNIL:
        raise ValidationFailed.one(
            "body",
            "external_ref",
            msg="seule une notification à la CNIL porte un numéro de dossier CNIL",
        )

    async def write_ref() -> None:
        async with journaled(BreachNotification, notification.id, action="record_cnil_reference"):
            await BreachNotification.filter(id=notification.id).update(
                external_ref=data.external_ref
            )

    # Documentation, not a transition: allowed on a closed breach too (the number may come late).
    await _require("record_cnil_reference", breach)
    return await _apply(
        breach,
        version=data.version,
        now=now,
        action="record_cnil_reference",
        on_behalf_of=data.on_behalf_of,
        note=data.external_ref,
        then=write_ref,
    )


async def close(*, scope: Scope, breach_id: UUID, data: CloseIn, now: datetime) -> Breach:
    """Closing: refused while the incident is ongoing or mandatory facts are unknown unless
    `incomplete_reasons` says why (breach.phases.closing_gaps), kept in the register."""
    breach = await get_breach(scope=scope, breach_id=breach_id)
    await _require("close", breach, incomplete_reasons=bool(data.incomplete_reasons))
    return await _apply(
        breach,
        version=data.version,
        now=now,
        action="close",
        to_status=BreachStatus.CLOSED,
        note=data.reasons,
        values={
            "closed_at": now,
            "closing_reasons": data.reasons,
            "incomplete_reasons": data.incomplete_reasons,
        },
    )


class DeadlineOut(CountdownOut):
    breach_id: UUID
    breach_ref: str
    controller_id: UUID


async def open_deadlines(
    *, scope: Scope, now: datetime, controller_id: UUID | None = None
) -> list[DeadlineOut]:
    """Every running clock of the open breaches in scope, soonest (or most overdue) first."""
    query = Breach.filter(**Breach.scope_filter(scope), status__in=OPEN)
    if controller_id:
        query = query.filter(controller_id=controller_id)
    breaches = await query
    refs = await shown_refs((b.id, b.ref, b.controller_id) for b in breaches)
    deadlines = [
        DeadlineOut(
            **clock.model_dump(),
            breach_id=breach.id,
            breach_ref=refs[breach.id],
            controller_id=breach.controller_id,
        )
        for breach in breaches
        for clock in _countdowns(breach, now)
        # The source side runs only its own clock (breach.breaches.visibility).
        if visibility.sees_whole(scope, breach.controller_id)
        or clock.kind in visibility.SOURCE_CLOCKS
    ]
    # Open-ended clocks (« sans délai excessif », art. 34) after those with a deadline.
    return sorted(deadlines, key=lambda d: (d.open_ended, d.due_at))
