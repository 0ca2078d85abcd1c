"""A body's NIS2 clocks in its calendar feed (reports.calendar): the reports to the CSIRT of
its significant incidents still due (breach.nis2.running_clocks), an instant each, alarms
24 h and 1 h before, like the breach clocks.

An incident is named by its detection date and its body, never by its title or facts (they
may name people; a subscribed feed leaves the register). UIDs are stable
(`nis2-<record id>-<clock>@registre-rgpd`), so a refreshed feed updates its events.
"""

from datetime import datetime, timedelta
from uuid import UUID

from breach import nis2
from breach.deadlines import format_local
from breach.nis2_models import Nis2Incident
from core.clock import to_local
from core.french import format_day
from core.icalendar import CalendarEvent
from core.links import Page, page_url
from core.scope import Scope

DOMAIN = "registre-rgpd"
ALARMS = [timedelta(hours=24), timedelta(hours=1)]
_WHAT = {
    "early_warning": "l'alerte précoce au CSIRT (ANSSI / CERT-FR), dans les 24 heures suivant "
    "la prise de connaissance de l'incident important (art. 23.4.a de NIS 2)",
    "notification": "la notification d'incident au CSIRT, dans les 72 heures suivant la prise "
    "de connaissance (art. 23.4.b de NIS 2)",
    "intermediate": "le rapport intermédiaire demandé par le CSIRT (art. 23.4.c de NIS 2)",
    "final": "le rapport final au CSIRT, un mois après la notification d'incident "
    "(art. 23.4.d de NIS 2)",
}


async def nis2_events(
    scope: Scope, organisation_id: UUID, now: datetime, base: str
) -> list[CalendarEvent]:
    """One query: the body's significant incidents, if it is an essential or important
    entity."""
    rows = await Nis2Incident.filter(
        **Nis2Incident.scope_filter(scope),
        organisation_id=organisation_id,
        significant=True,
        organisation__nis2_status__in=list(nis2.APPLIES),
    ).prefetch_related("incident", "organisation")
    return [_event(row, clock, now, base) for row in rows for clock in nis2.running_clocks(row)]


def _event(row: Nis2Incident, clock, now: datetime, base: str) -> CalendarEvent:
    body = row.organisation.legal_name
    detected = format_day(to_local(row.incident.detected_at).date())
    url = page_url(Page.INCIDENT, row.incident_id, base=base) if base else None
    lines = [
        f"Échéance : {format_local(clock.deadline)}.",
        f"{body}, entité soumise à NIS 2, doit adresser {_WHAT[nis2.phase_of(clock.kind)]}, "
        f"pour l'incident détecté le {detected}.",
    ]
    if clock.deadline < now:
        lines.append("Échéance dépassée : le rapport reste à adresser au plus vite.")
    if url:
        lines.append(f"Page de l'incident : {url}")
    return CalendarEvent(
        uid=f"nis2-{row.id}-{clock.kind}@{DOMAIN}",
        summary=f"{clock.label} — incident du {detected} ({body})",
        description="\n".join(lines),
        start=clock.deadline,
        url=url,
        categories=["NIS 2", "Incident de sécurité"],
        alarms=ALARMS,
        status="CONFIRMED",
    )
