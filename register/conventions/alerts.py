"""Convention reminders: the dates a party must not miss, told to every party's DPO.

Three events, derived from the convention's terms (`convention_terms`) at the moment asked:

- the last day to give notice before the next tacit renewal (when renewals are left and a
  notice period is set);
- the last possible end date (every renewal taken, or the fixed or early end date);
- the return or destruction of the data due at that end (art. 28(3)(g)), when the
  convention says what becomes of them (`end_of_service`).

Each is reminded 90, 30 and 7 days before, and on the day, at 08:00 local time. As for the
breach reminders, a pass writes only the most urgent stage reached, once (dedup key per
convention, event, date and stage), and nothing once the day has gone by.
"""

from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from enum import StrEnum
from uuid import UUID

from core.clock import local_zone, utcnow
from core.french import format_day
from core.links import Page, page_url
from core.outbox.models import OutboxMessage
from core.outbox.service import Draft, enqueue
from core.templating import render_message
from register.conventions.models import Convention
from register.conventions.terms import convention_terms
from register.enums import CONTROLLER_ROLES, EndOfService, label, labelled
from register.organisations.addresses import body_addresses

KIND = "convention_reminder"
TEMPLATE = "mail/convention_reminder.txt.j2"
REMINDER_TIME = time(8, 0)  # local time of day at which a stage is reached


@labelled(
    {
        "notice_deadline": "Dernier jour pour dénoncer la convention avant sa reconduction tacite",
        "last_end": "Date de fin au plus tard de la convention",
        "data_fate": "Restitution ou destruction des données à la fin de la convention",
    }
)
class ConventionEvent(StrEnum):
    NOTICE_DEADLINE = "notice_deadline"
    LAST_END = "last_end"
    DATA_FATE = "data_fate"


@labelled(
    {"d90": "90 jours avant", "d30": "30 jours avant", "d7": "7 jours avant", "d0": "le jour même"}
)
class AlertStage(StrEnum):
    D90 = "d90"
    D30 = "d30"
    D7 = "d7"
    D0 = "d0"


STAGE_DAYS = {AlertStage.D90: 90, AlertStage.D30: 30, AlertStage.D7: 7, AlertStage.D0: 0}


@dataclass(frozen=True)
class EventDate:
    event: ConventionEvent
    day: date


def convention_events(
    *,
    start: date,
    duration_months: int | None,
    tacit_renewals: int,
    notice_months: int | None,
    end_date: date | None,
    end_of_service: EndOfService | None,
    today: date,
) -> list[EventDate]:
    """The events still to come (or today) for a convention, from its terms as of `today`."""
    terms = convention_terms(
        start=start,
        duration_months=duration_months,
        tacit_renewals=tacit_renewals,
        notice_months=notice_months,
        end_date=end_date,
        today=today,
    )
    events = []
    if terms.next_notice_deadline is not None:
        events.append(EventDate(ConventionEvent.NOTICE_DEADLINE, terms.next_notice_deadline))
    if terms.last_possible_end is not None:
        events.append(EventDate(ConventionEvent.LAST_END, terms.last_possible_end))
        if end_of_service is not None:
            events.append(EventDate(ConventionEvent.DATA_FATE, terms.last_possible_end))
    return [e for e in events if e.day >= today]


def events_of(convention: Convention, today: date) -> list[EventDate]:
    """The events still to come of a stored convention (alerts, calendar, dashboard, pages)."""
    return convention_events(
        start=convention.start_date,
        duration_months=convention.duration_months,
        tacit_renewals=convention.tacit_renewals,
        notice_months=convention.notice_months,
        end_date=convention.end_date,
        end_of_service=convention.end_of_service,
        today=today,
    )


def stage_moment(day: date, stage: AlertStage) -> datetime:
    """08:00 local time, that many days before the event's day, as an aware UTC datetime."""
    wall = datetime.combine(day - timedelta(days=STAGE_DAYS[stage]), REMINDER_TIME)
    return wall.replace(tzinfo=local_zone()).astimezone(UTC)


def _day_over(day: date, now: datetime) -> bool:
    return now.astimezone(local_zone()).date() > day


def alert_due(day: date, now: datetime) -> tuple[AlertStage, datetime] | None:
    """The most urgent stage reached at `now` for an event on `day`, with its moment; None
    before the first stage and once the day has gone by."""
    if _day_over(day, now):
        return None
    reached = [s for s in AlertStage if stage_moment(day, s) <= now]
    return (reached[-1], stage_moment(day, reached[-1])) if reached else None


def next_alert_at(day: date, now: datetime) -> datetime | None:
    if _day_over(day, now):
        return None
    return next((m for s in AlertStage if (m := stage_moment(day, s)) > now), None)


def dedup_key(convention_id: UUID, event: EventDate, stage: AlertStage) -> str:
    return f"convention:{convention_id}:{event.event.value}:{event.day.isoformat()}:{stage.value}"


# Writing them --------------------------------------------------------------------------------


@dataclass
class AlertPass:
    considered: int = 0
    written: int = 0
    upcoming: set[datetime] = field(default_factory=set)


async def write_due_convention_alerts(*, now: datetime | None = None) -> AlertPass:
    """Write the convention reminders due now, once each; say when the next ones fall due."""
    now = now or utcnow()
    today = now.astimezone(local_zone()).date()
    result = AlertPass()
    due: list[tuple[Convention, EventDate, AlertStage, datetime]] = []
    conventions = await Convention.in_force().prefetch_related("parties")
    for convention in conventions:
        for event in events_of(convention, today):
            result.considered += 1
            moment = next_alert_at(event.day, now)
            if moment is not None:
                result.upcoming.add(moment)
            reached = alert_due(event.day, now)
            if reached is not None:
                due.append((convention, event, *reached))
    keys = [dedup_key(c.id, e, s) for c, e, s, _ in due]
    taken = set(await OutboxMessage.filter(dedup_key__in=keys).values_list("dedup_key", flat=True))
    todo = [d for d, key in zip(due, keys, strict=True) if key not in taken]
    if not todo:
        return result
    party_ids = {p.organisation_id for c, *_ in todo for p in c.parties}
    addresses = await body_addresses(party_ids)
    for convention, event, stage, moment in todo:
        draft = _draft(convention, event, stage, moment, addresses, now=now)
        if await enqueue(draft, now=utcnow(), dedup_key=dedup_key(convention.id, event, stage)):
            result.written += 1
    return result


_WHAT_TO_DO = {
    ConventionEvent.NOTICE_DEADLINE: (
        "Si la convention ne doit pas être reconduite, la dénonciation doit être notifiée aux "
        "autres parties au plus tard ce jour-là (préavis de {notice_months} mois). Sans "
        "dénonciation, elle est reconduite tacitement."
    ),
    ConventionEvent.LAST_END: (
        "La convention prend fin au plus tard à cette date. Préparez la suite : nouvelle "
        "convention, reprise du service ou démutualisation, et mettez à jour le registre des "
        "traitements (sous-traitants, destinataires)."
    ),
    ConventionEvent.DATA_FATE: (
        "À la fin de la prestation, le sous-traitant doit {fate} (art. 28.3.g du RGPD), "
        "selon le choix prévu par la convention.{proof}"
    ),
}
_FATE = {
    EndOfService.RETURN: "restituer toutes les données à caractère personnel",
    EndOfService.DELETE: "détruire toutes les données à caractère personnel et leurs copies",
    EndOfService.RETURN_THEN_DELETE: (
        "restituer toutes les données à caractère personnel, puis détruire les copies existantes"
    ),
}


def what_to_do(convention: Convention, event: ConventionEvent) -> str:
    """The advice a reminder of `event` gives (the e-mails here, the calendar feed)."""
    fate = _FATE.get(convention.end_of_service) if convention.end_of_service else None
    proof = (
        " La convention prévoit une preuve écrite de la destruction : demandez-la."
        if convention.end_of_service_proof
        else ""
    )
    return _WHAT_TO_DO[event].format(notice_months=convention.notice_months, fate=fate, proof=proof)


def _draft(
    convention: Convention,
    event: EventDate,
    stage: AlertStage,
    moment: datetime,
    addresses: dict,
    *,
    now: datetime,
) -> Draft:
    parties = [p.organisation_id for p in sorted(convention.parties, key=lambda p: p.id)]
    to = list(dict.fromkeys(a for org_id in parties for a in addresses[org_id].dpo))
    # The message is filed under the controller (the body whose register it concerns).
    concerned = next(
        (p.organisation_id for p in convention.parties if p.role in CONTROLLER_ROLES),
        parties[0] if parties else None,
    )
    rendered = render_message(
        TEMPLATE,
        {
            "title": convention.title,
            "event_label": label(event.event),
            "event_day": format_day(event.day),
            "stage": stage.value,
            "on_the_day": stage == AlertStage.D0,
            "days_left": (event.day - now.astimezone(local_zone()).date()).days,
            "parties": [addresses[org_id].legal_name for org_id in parties],
            "what_to_do": what_to_do(convention, event.event),
            "link": page_url(Page.CONVENTION, convention.id),
        },
    )
    return Draft(
        kind=KIND,
        to_addrs=tuple(to),
        subject=rendered.subject,
        body_text=rendered.body,
        organisation_id=concerned,
        subject_type="convention",
        subject_id=convention.id,
        due_at=moment,
    )
