"""The NIS2 clocks as a clock source of the reminders (breach.reminders): which records have
clocks, which clocks run (breach.nis2.running_clocks), and the message for a stage reached.

breach.reminders does the rest as for a breach: the stages (48 h, 24 h, 6 h, 1 h before, then
overdue), the most urgent only, each written once under its dedup key, the scheduler's planning.
A clock stops with its report recorded as sent, or when the body is no longer an essential or
important entity, or when the incident is no longer held significant.
"""

from datetime import datetime
from typing import Any
from uuid import UUID

from breach import nis2
from breach.deadlines import Clock, ReminderStage, countdown
from breach.nis2_models import Nis2Incident
from core.links import Page, page_url
from core.outbox.service import Draft
from core.templating import render_message
from register.enums import label
from register.organisations.addresses import body_addresses
from register.organisations.models import Organisation

KIND = "nis2_reminder"
TEMPLATE = "mail/nis2_reminder.txt.j2"

_WHAT_TO_DO = {
    "early_warning": (
        "Adressez l'alerte précoce au CSIRT (ANSSI / CERT-FR) par le portail de l'ANSSI, dans "
        "les 24 heures suivant la prise de connaissance de l'incident important (art. 23.4.a "
        "de NIS 2) : acte malveillant suspecté ou non, impact transfrontière possible ou non."
    ),
    "notification": (
        "Adressez la notification d'incident au CSIRT (ANSSI / CERT-FR) dans les 72 heures "
        "suivant la prise de connaissance (art. 23.4.b de NIS 2) : mise à jour de l'alerte "
        "précoce, évaluation initiale, gravité, impact, indicateurs de compromission."
    ),
    "intermediate": (
        "Adressez au CSIRT le rapport intermédiaire qu'il a demandé (art. 23.4.c de NIS 2)."
    ),
    "final": (
        "Adressez le rapport final au CSIRT au plus tard un mois après la notification "
        "d'incident (art. 23.4.d de NIS 2) : description détaillée, gravité et impact, type de "
        "menace ou cause première, mesures d'atténuation, impact transfrontière ; ou un "
        "rapport d'avancement si l'incident est toujours en cours."
    ),
}


async def rows(ids: list[UUID] | None) -> list[Nis2Incident]:
    """The significant incidents of essential or important entities (or those of `ids`)."""
    query = Nis2Incident.filter(significant=True, organisation__nis2_status__in=list(nis2.APPLIES))
    if ids is not None:
        query = query.filter(id__in=ids)
    return list(await query.prefetch_related("incident"))


def clocks(row: Nis2Incident) -> list[Clock]:
    return nis2.running_clocks(row)


async def drafts(todo: list[tuple[Nis2Incident, Any]], now: datetime) -> list[Draft]:
    """One message per (record, stage due): to the body's RSSI and DPO, its legal
    representative copied once overdue."""
    org_ids = {row.organisation_id for row, _ in todo}
    addresses = await body_addresses(org_ids)
    reps = dict(
        await Organisation.filter(id__in=list(org_ids)).values_list("id", "legal_rep_email")
    )
    return [_draft(row, due, addresses.get(row.organisation_id), reps, now) for row, due in todo]


def _draft(row: Nis2Incident, due: Any, body: Any, reps: dict, now: datetime) -> Draft:
    overdue = due.stage == ReminderStage.OVERDUE
    to = list(dict.fromkeys([*body.rssi, *body.dpo])) if body else []
    cc = [reps[row.organisation_id]] if overdue and reps.get(row.organisation_id) else []
    cc = [a for a in cc if a not in to]
    if not to and cc:
        to, cc = cc, []
    shown = countdown(due.clock.deadline, now)
    phase = nis2.phase_of(due.clock.kind)
    rendered = render_message(
        TEMPLATE,
        {
            "title": row.incident.title,
            "org_name": body.legal_name if body else "?",
            "clock_label": due.clock.label,
            "stage_label": label(due.stage),
            "overdue": overdue,
            "due_local": shown.deadline_display,
            "remaining": shown.display,
            "what_to_do": _WHAT_TO_DO[phase.value],
            "link": page_url(Page.INCIDENT, row.incident_id),
        },
    )
    return Draft(
        kind=KIND,
        to_addrs=tuple(to),
        cc_addrs=tuple(cc),
        subject=rendered.subject,
        body_text=rendered.body,
        organisation_id=row.organisation_id,
        subject_type="incident",
        subject_id=row.incident_id,
        due_at=due.due_at,
    )
