"""NIS2 beside the GDPR: which incidents have NIS2 clocks, which of the body's thresholds the
facts reach, which steps may be taken, and the record as the API and the pages read it.

Directive (EU) 2022/2555 art. 23 (docs/regulatory.md §7, docs/nis2.md): an essential or
important entity reports a *significant* incident of its own (not the controller's breach) to
the CSIRT (ANSSI/CERT-FR in France): an early warning within 24 hours of becoming aware of it,
an incident notification within 72 hours, an intermediate report on request, and a final
report one month after the notification. Significance (art. 23(3)) is a person's decision with
reasons; the body's thresholds (register.organisations: `nis2_threshold_*`) only help it.
Pure rules: the writes are in breach.nis2_service.
"""

from datetime import datetime
from typing import Any

from breach.deadlines import Clock, countdown, nis2_deadlines, nis2_final_due
from breach.nis2_models import Nis2Channel, Nis2Phase
from breach.nis2_schemas import (
    Nis2ClockOut,
    Nis2FactsIn,
    Nis2Out,
    Nis2ReportOut,
    Nis2ThresholdOut,
)
from core.errors import InvalidTransition
from core.french import plural
from register.enums import Nis2Status, label

APPLIES = frozenset({Nis2Status.ESSENTIAL, Nis2Status.IMPORTANT})
PHASES = tuple(Nis2Phase)
CLOCK_PREFIX = "nis2_"

STEPS = ("decide", "awareness", "facts", "send", "intermediate")
NOT_AN_ENTITY = (
    "NIS 2 ne s'applique pas : l'organisme n'est pas enregistré comme entité essentielle ou "
    "importante (statut NIS 2 à renseigner dans sa fiche)"
)
NOT_DECIDED = "NIS 2 : décidez d'abord si l'incident est significatif"
NOT_SIGNIFICANT = (
    "NIS 2 : l'incident n'a pas été jugé significatif ; aucun rapport n'est dû "
    "(modifiez la décision, motifs à l'appui, si les faits ont changé)"
)


def applies(status: Nis2Status | str | None) -> bool:
    return status in APPLIES


def clock_kind(phase: Nis2Phase) -> str:
    return f"{CLOCK_PREFIX}{phase.value}"


def clock_label(phase: Nis2Phase) -> str:
    return f"NIS 2 — {label(phase)}"


# Thresholds ----------------------------------------------------------------------------------

_NUMERIC = (
    # code, the body's setting, the fact, how the threshold reads
    (
        "unavailability",
        "nis2_threshold_unavailability_hours",
        "unavailability_hours",
        lambda n: f"Indisponibilité du service d'au moins {plural(n, 'heure')}",
    ),
    (
        "people",
        "nis2_threshold_people",
        "people_affected",
        lambda n: f"Au moins {plural(n, 'personne touchée', 'personnes touchées')}",
    ),
    (
        "financial_loss",
        "nis2_threshold_financial_loss_eur",
        "financial_loss_eur",
        lambda n: f"Perte financière d'au moins {euros(n)}",
    ),
)
DAMAGE_TO_OTHERS = "Dommages matériels, corporels ou moraux considérables causés à des tiers"


def euros(amount: int) -> str:
    return f"{amount:,}".replace(",", "\u202f") + "\u00a0€"


def thresholds(org: Any, facts: Nis2FactsIn | Any) -> list[Nis2ThresholdOut]:
    """Each threshold the body set, and whether the facts reach it (None: fact unknown); the
    damage to others (art. 23(3)(b)) is always asked, being no figure."""
    result = []
    for code, setting, fact, wording in _NUMERIC:
        limit = getattr(org, setting, None)
        if limit is None:
            continue
        value = getattr(facts, fact, None)
        result.append(
            Nis2ThresholdOut(
                code=code, label=wording(limit), met=None if value is None else value >= limit
            )
        )
    damage = getattr(facts, "damage_to_others", None)
    result.append(Nis2ThresholdOut(code="damage_to_others", label=DAMAGE_TO_OTHERS, met=damage))
    return result


def thresholds_met(org: Any, facts: Nis2FactsIn | Any) -> list[str]:
    return [t.code for t in thresholds(org, facts) if t.met]


# Clocks -------------------------------------------------------------------------------------


def due_from_awareness(aware_at: datetime) -> dict[str, datetime]:
    """The early warning's and the notification's due instants (art. 23(4)(a), (b))."""
    due = nis2_deadlines(aware_at)
    return {
        "early_warning_due_at": due.early_warning,
        "notification_due_at": due.incident_notification,
    }


def due_after_move(row: Any, aware_at: datetime, now: datetime) -> dict[str, datetime]:
    """The due instants after awareness moved to `aware_at` at `now`. Moving later does not
    excuse a deadline already missed: a clock overdue at the move and still running keeps
    its first due date (so it stays « dépassé »), as the GDPR clocks do
    (breach.breaches.awareness); the others run from the new instant."""
    values = due_from_awareness(aware_at)
    if row.aware_at is None or aware_at <= row.aware_at:
        return values
    for phase in (Nis2Phase.EARLY_WARNING, Nis2Phase.NOTIFICATION):
        column = f"{phase.value}_due_at"
        due = getattr(row, column)
        if due is not None and due < now and not _stopped(row, phase):
            values[column] = due
    return values


def due_after_sending(phase: Nis2Phase, sent_at: datetime) -> dict[str, datetime]:
    """The final report falls due one month after the incident notification (art. 23(4)(d))."""
    if phase == Nis2Phase.NOTIFICATION:
        return {"final_due_at": nis2_final_due(sent_at)}
    return {}


def _stopped(row: Any, phase: Nis2Phase) -> bool:
    if getattr(row, f"{phase.value}_sent_at") is not None:
        return True
    # The notification updates the early warning (art. 23(4)(b)): once sent, the early
    # warning is no longer owed on its own.
    return phase == Nis2Phase.EARLY_WARNING and row.notification_sent_at is not None


def running_clocks(row: Any) -> list[Clock]:
    """The NIS2 clocks still running for a record (any object with its attributes): none
    unless the incident was decided significant; each stops when its report is recorded."""
    if row is None or not row.significant or row.aware_at is None:
        return []
    clocks = []
    for phase in PHASES:
        due = getattr(row, f"{phase.value}_due_at")
        if due is not None and not _stopped(row, phase):
            clocks.append(Clock(clock_kind(phase), clock_label(phase), due))
    return clocks


def phase_of(kind: str) -> Nis2Phase:
    return Nis2Phase(kind.removeprefix(CLOCK_PREFIX))


def clock_out(clock: Clock, now: datetime) -> Nis2ClockOut:
    shown = countdown(clock.deadline, now)
    return Nis2ClockOut(
        phase=phase_of(clock.kind),
        label=clock.label,
        due_at=shown.deadline_utc,
        remaining=shown.display,
        overdue=shown.overdue,
        due_display=shown.deadline_display,
    )


# Steps --------------------------------------------------------------------------------------


def refusal(step: str, status: Any, row: Any, phase: Nis2Phase | None = None) -> str | None:
    """Why the step may not be taken now (None: it may)."""
    if not applies(status):
        return NOT_AN_ENTITY
    if step == "decide":
        return None
    if row is None:
        return NOT_DECIDED
    if step == "facts":
        return None
    if not row.significant:
        return NOT_SIGNIFICANT
    if step == "send" and phase is not None:
        return _send_refusal(row, phase)
    return None


def _send_refusal(row: Any, phase: Nis2Phase) -> str | None:
    if getattr(row, f"{phase.value}_sent_at") is not None:
        return f"NIS 2 : {label(phase).lower()} déjà enregistré comme envoyé"
    if phase == Nis2Phase.INTERMEDIATE and row.intermediate_due_at is None:
        return (
            "NIS 2 : aucun rapport intermédiaire n'a été demandé ; enregistrez d'abord la "
            "demande du CSIRT et sa date"
        )
    if phase == Nis2Phase.FINAL and row.notification_sent_at is None:
        return "NIS 2 : le rapport final suit la notification d'incident, à enregistrer d'abord"
    return None


def require(step: str, status: Any, row: Any, phase: Nis2Phase | None = None) -> None:
    reason = refusal(step, status, row, phase)
    if reason:
        raise InvalidTransition(reason)


def allowed_actions(status: Any, row: Any) -> list[str]:
    return [step for step in STEPS if refusal(step, status, row) is None]


# The record as read -------------------------------------------------------------------------

FACT_FIELDS = tuple(Nis2FactsIn.model_fields)


def facts_of(row: Any) -> Nis2FactsIn:
    return Nis2FactsIn(**{name: getattr(row, name) for name in FACT_FIELDS})


def _reports(row: Any) -> list[Nis2ReportOut]:
    reports = []
    for phase in PHASES:
        channel = getattr(row, f"{phase.value}_channel")
        reports.append(
            Nis2ReportOut(
                phase=phase,
                label=label(phase),
                due_at=getattr(row, f"{phase.value}_due_at"),
                sent_at=getattr(row, f"{phase.value}_sent_at"),
                channel=Nis2Channel(channel) if channel else None,
                reference=getattr(row, f"{phase.value}_ref"),
            )
        )
    return reports


def nis2_view(incident: Any, org: Any, row: Any, now: datetime) -> Nis2Out:
    """What the API and the pages show of an incident's NIS2 record (or of its absence)."""
    base = {
        "incident_id": incident.id,
        "organisation_id": incident.organisation_id,
        "nis2_status": Nis2Status(org.nis2_status),
        "applies": applies(org.nis2_status),
        "allowed_actions": allowed_actions(org.nis2_status, row),
    }
    if row is None:
        return Nis2Out(**base, decided=False, thresholds=thresholds(org, Nis2FactsIn()))
    facts = facts_of(row)
    return Nis2Out(
        **base,
        decided=True,
        id=row.id,
        version=row.version,
        significant=row.significant,
        decided_at=row.decided_at,
        decided_by=row.decided_by,
        reasons=row.reasons,
        facts=facts,
        thresholds=thresholds(org, facts),
        aware_at=row.aware_at,
        first_aware_at=row.first_aware_at,
        aware_reasons=row.aware_reasons,
        clocks=[clock_out(c, now) for c in running_clocks(row)] if base["applies"] else [],
        reports=_reports(row),
    )
