"""One body's dates as a calendar feed (iCalendar): its breach clocks, reviews and conventions.

What the feed holds, for the organisation asked:

- the running clocks of its open breaches, by the rule the breach pages show
  (`breach.deadlines.running_clocks`): as controller, the 72 hours to the CNIL (art.
  33(1)), and the complementary notification the initial one promised (art. 33(4)); as the
  body whose system was hit (processor, service-commun host), its notice to
  the controller (art. 33(2)). A clock leaves the feed once its notice is recorded, the
  decision is not to notify, or the breach is closed. An instant, alarms 24 h and 1 h before;
- the next review of each of its processing activities (`next_review`), a whole day;
- the dates of every convention it is party to (`register.conventions.alerts`: last day to
  give notice before a tacit renewal, last possible end, return or destruction of the data),
  whole days, alarms 30 and 7 days before at the alerts' hour (08:00 local time).

A breach is named by its reference and its controller, never by the incident's title or
facts: those may name the people hit (they are stored encrypted), and a subscribed feed is
copied into calendar services outside the register.

UIDs are stable (`breach-<id>-<clock>@registre-rgpd`...), so a client refreshing the feed
updates its events instead of adding new ones, and drops the ones that left it.
"""

from datetime import UTC, date, datetime, time, timedelta
from uuid import UUID

from tortoise.expressions import Q, Subquery

from breach.breaches.awareness import missed_cnil_due
from breach.breaches.models import Breach
from breach.breaches.names import shown_ref
from breach.breaches.service import OPEN
from breach.deadlines import CNIL_FOLLOWUP, format_local
from breach.enums import BreachPath
from breach.reminders import CNIL, CONTROLLER_NOTICE, RunningClock, running_clocks
from core.clock import local_zone
from core.config import get_settings
from core.french import format_day
from core.icalendar import CalendarEvent, render_calendar
from core.links import Page, base_url, page_url
from core.scope import Scope
from register.activities.models import ProcessingActivity
from register.conventions.alerts import (
    REMINDER_TIME,
    EventDate,
    events_of,
    what_to_do,
)
from register.conventions.models import Convention, ConventionParty
from register.enums import PartyRole, label
from register.organisations.models import Organisation
from register.organisations.service import get_organisation
from reports.calendar_nis2 import nis2_events

DOMAIN = "registre-rgpd"
BREACH_ALARMS = [timedelta(hours=24), timedelta(hours=1)]
# Whole days: the alarm rings at the alerts' hour (08:00 local), so many days before.
_AT_REMINDER_TIME = timedelta(hours=REMINDER_TIME.hour, minutes=REMINDER_TIME.minute)
CONVENTION_ALARMS = [timedelta(days=30) - _AT_REMINDER_TIME, timedelta(days=7) - _AT_REMINDER_TIME]
REVIEW_ALARMS = [timedelta(days=7) - _AT_REMINDER_TIME]

_BREACH_COLUMNS = (
    "id",
    "ref",
    "path",
    "status",
    "controller_id",
    "source_org_id",
    "controller_notice_due_at",
    "controller_informed_at",
    "cnil_due_at",
    "overdue_at",  # the first deadline missed (breach.breaches.awareness.missed_cnil_due)
    "notify_cnil",
    # breach.phases: the complementary notification promised, the people to inform.
    "followup_due_at",
    "decided_at",
    "inform_people",
    "art34_exemption",
    "people_informed_at",
)


async def organisation_calendar(*, scope: Scope, organisation_id: UUID, now: datetime) -> str:
    """The body's calendar (text/calendar, CRLF line ends); NotFound outside the scope.

    Breaches are read through the breach scope as well: a scope without `sources` shows the
    clocks of the body as controller only, not the notices it owes other controllers.
    """
    organisation = await get_organisation(scope=scope, organisation_id=organisation_id)
    base = base_url()
    today = now.astimezone(local_zone()).date()
    events = [
        *await _breach_events(scope, organisation.id, now, base),
        *await _review_events(organisation.id, base),
        *await _convention_events(organisation.id, today, base),
        *await nis2_events(scope, organisation.id, now, base),
    ]
    events.sort(key=lambda e: (_start_key(e.start), e.uid))
    return render_calendar(
        f"Échéances RGPD — {organisation.legal_name}",
        events,
        now=now,
        timezone=get_settings().timezone,
    )


def _start_key(start: datetime | date) -> datetime:
    if isinstance(start, datetime):
        return start.astimezone(UTC)
    return datetime.combine(start, time.min, tzinfo=local_zone()).astimezone(UTC)


def _link(base: str, page: Page, record_id: UUID) -> str | None:
    """The record's page (core.links); none without an instance address (an iCalendar URL
    must be absolute)."""
    return page_url(page, record_id, base=base) if base else None


# Breach clocks --------------------------------------------------------------------------------


async def _breach_events(
    scope: Scope, organisation_id: UUID, now: datetime, base: str
) -> list[CalendarEvent]:
    """Two queries: the open breaches it controls or must report, the bodies they name."""
    breaches = (
        await Breach.filter(**Breach.scope_filter(scope), status__in=OPEN)
        .filter(Q(controller_id=organisation_id) | Q(source_org_id=organisation_id))
        .only(*_BREACH_COLUMNS)
    )
    clocks = [
        (breach, clock)
        for breach in breaches
        for clock in running_clocks(breach, now)
        if (clock.kind in (CNIL, CNIL_FOLLOWUP) and breach.controller_id == organisation_id)
        or (clock.kind == CONTROLLER_NOTICE and breach.source_org_id == organisation_id)
    ]
    if not clocks:
        return []
    body_ids = {b.controller_id for b, _ in clocks} | {b.source_org_id for b, _ in clocks}
    names, codes = {}, {}
    for body_id, name, code in await Organisation.filter(
        id__in=[i for i in body_ids if i]
    ).values_list("id", "legal_name", "short_code"):
        names[body_id], codes[body_id] = name, code
    return [_breach_event(breach, clock, names, codes, now, base) for breach, clock in clocks]


def _breach_event(
    breach: Breach,
    clock: RunningClock,
    names: dict[UUID, str],
    codes: dict[UUID, str | None],
    now: datetime,
    base: str,
) -> CalendarEvent:
    controller = names[breach.controller_id]
    ref = shown_ref(breach.ref, codes.get(breach.controller_id))
    url = _link(base, Page.BREACH, breach.id)
    lines = [f"Échéance : {format_local(clock.deadline)}."]
    if clock.kind == CNIL_FOLLOWUP:
        lines.append(
            f"La notification initiale de la violation {ref} à la CNIL annonçait un complément "
            f"pour cette date : {controller}, responsable de traitement, doit transmettre la "
            "notification complémentaire (art. 33.4 du RGPD)."
        )
    elif clock.kind == CNIL:
        lines.append(
            f"{controller}, responsable de traitement, doit notifier la violation {ref} "
            "à la CNIL dans les meilleurs délais et au plus tard 72 heures après en avoir pris "
            "connaissance (art. 33.1 du RGPD)."
        )
    else:
        source = names.get(breach.source_org_id, "L'organisme touché")
        delay = (
            "sans délai (service commun)"
            if breach.path == BreachPath.SERVICE_COMMUN
            else "dans les meilleurs délais (art. 33.2 du RGPD) et au plus tard à l'échéance "
            "ci-dessus (délai fixé par la convention ou, à défaut, délai par défaut du registre)"
        )
        lines.append(
            f"{source} doit informer {controller}, responsable de traitement, de la violation "
            f"{ref} {delay}. Le délai de 72 heures du responsable court à partir de "
            "cette information."
        )
    if clock.deadline < now and not (
        clock.kind == CONTROLLER_NOTICE and breach.path == BreachPath.SERVICE_COMMUN
    ):
        lines.append(
            "Échéance dépassée : la notification devra être accompagnée des raisons du retard."
        )
    elif clock.kind == CNIL and (missed := missed_cnil_due(breach, now)):
        # The one lateness rule: from the first deadline when awareness moved after it.
        lines.append(
            f"Délai dépassé le {format_local(missed)}, avant le report de la prise de "
            "connaissance : la notification devra être accompagnée des raisons du retard."
        )
    if url:
        lines.append(f"Fiche de la violation : {url}")
    return CalendarEvent(
        uid=f"breach-{breach.id}-{clock.kind}@{DOMAIN}",
        summary=f"{clock.label} — {ref} ({controller})",
        description="\n".join(lines),
        start=clock.deadline,
        url=url,
        categories=["RGPD", "Violation de données"],
        alarms=BREACH_ALARMS,
        status="CONFIRMED",
    )


# Reviews of the record ------------------------------------------------------------------------


async def _review_events(organisation_id: UUID, base: str) -> list[CalendarEvent]:
    rows = await ProcessingActivity.filter(
        controller_id=organisation_id, next_review__isnull=False
    ).values_list("id", "ref", "name", "next_review")
    events = []
    for activity_id, ref, name, day in rows:
        url = _link(base, Page.ACTIVITY, activity_id)
        lines = [
            f"Date : {format_day(day)}.",
            f"Revue prévue de la fiche « {name} »{f' ({ref})' if ref else ''} du registre des "
            "activités de traitement (art. 30 du RGPD) : vérifier qu'elle décrit toujours le "
            "traitement tel qu'il est mis en œuvre.",
        ]
        if url:
            lines.append(f"Fiche : {url}")
        events.append(
            CalendarEvent(
                uid=f"review-{activity_id}@{DOMAIN}",
                summary=f"Revue de la fiche « {name} »",
                description="\n".join(lines),
                start=day,
                url=url,
                categories=["RGPD", "Registre des traitements"],
                alarms=REVIEW_ALARMS,
            )
        )
    return events


# Conventions ----------------------------------------------------------------------------------


async def _convention_events(organisation_id: UUID, today: date, base: str) -> list[CalendarEvent]:
    """Two queries: the conventions it is party to, and all their parties."""
    conventions = (
        await Convention.in_force()
        .filter(
            id__in=Subquery(
                ConventionParty.filter(organisation_id=organisation_id).values("convention_id")
            )
        )
        .only(
            "id",
            "title",
            "start_date",
            "duration_months",
            "tacit_renewals",
            "notice_months",
            "end_date",
            "end_of_service",
            "end_of_service_proof",
            # Its life's events (register.conventions.life): they move its end.
            "express_renewals",
            "express_renewal_decisions",
            "terminated_on",
            "notice_effective_on",
        )
    )
    if not conventions:
        return []
    parties: dict[UUID, list[str]] = {}
    for convention_id, name, role in (
        await ConventionParty.filter(convention_id__in=[c.id for c in conventions])
        .order_by("id")
        .values_list("convention_id", "organisation__legal_name", "role")
    ):
        parties.setdefault(convention_id, []).append(f"{name} ({label(PartyRole(role))})")
    events = []
    for convention in conventions:
        for event in events_of(convention, today):
            events.append(_convention_event(convention, event, parties[convention.id], base))
    return events


def _convention_event(
    convention: Convention, event: EventDate, parties: list[str], base: str
) -> CalendarEvent:
    url = _link(base, Page.CONVENTION, convention.id)
    lines = [
        f"Date : {format_day(event.day)}.",
        f"{label(event.event)} « {convention.title} ».",
        what_to_do(convention, event.event),
        f"Parties : {', '.join(parties)}.",
    ]
    if url:
        lines.append(f"Fiche de la convention : {url}")
    return CalendarEvent(
        uid=f"convention-{convention.id}-{event.event.value}-{event.day.isoformat()}@{DOMAIN}",
        summary=f"{label(event.event)} — « {convention.title} »",
        description="\n".join(lines),
        start=event.day,
        url=url,
        categories=["RGPD", "Convention"],
        alarms=CONVENTION_ALARMS,
    )
