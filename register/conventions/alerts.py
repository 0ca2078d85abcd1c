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

The data's fate is reminded from its steps (register.conventions.end_of_service): before
their due day as above, then, while a step the convention asks for is not done, 1, 7 and 30
days after it and monthly from the second month on; nothing once every step is done (or the
data kept for the archives). Each message names the steps left per controller and goes to
those controllers' DPOs and the processor's.
"""

import logging
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from enum import StrEnum
from uuid import UUID

from core.articles import of
from core.clock import local_zone, utcnow
from core.french import format_day
from core.links import Page, page_url
from core.outbox.models import OutboxMessage
from core.outbox.service import Draft, enqueue
from core.templating import render_message
from core.validators import day_problem
from register.conventions.end_of_service import due_day
from register.conventions.end_of_service_records import end_of_service_outs, steps_left
from register.conventions.end_of_service_schemas import EndOfServiceOut
from register.conventions.life import counted_events, events_of_convention
from register.conventions.models import Convention
from register.conventions.terms import add_days, add_months, convention_terms
from register.enums import CONTROLLER_ROLES, PROCESSOR_ROLES, EndOfService, label, labelled
from register.organisations.addresses import body_addresses

log = logging.getLogger(__name__)
KIND = "convention_reminder"
TEMPLATE = "mail/convention_reminder.txt.j2"
STEPS_TEMPLATE = "mail/end_of_service_reminder.txt.j2"
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
    # A row stored before the years were bounded may fall past them (or at the calendar's
    # end, clamped): no reminder, feed or list can place such a day.
    return [e for e in events if e.day >= today and day_problem(e.day) is None]


def events_of(convention: Convention, today: date) -> list[EventDate]:
    """The events still to come of a stored convention (alerts, calendar, dashboard, pages),
    its life's events counted (a renewal decided, a termination, a notice)."""
    renewals, end = counted_events(
        tacit_renewals=convention.tacit_renewals,
        end_date=convention.end_date,
        events=events_of_convention(convention),
    )
    return convention_events(
        start=convention.start_date,
        duration_months=convention.duration_months,
        tacit_renewals=renewals,
        notice_months=convention.notice_months,
        end_date=end,
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


def dedup_key(convention_id: UUID, event: EventDate, stage: AlertStage | str) -> str:
    stage = stage.value if isinstance(stage, AlertStage) else stage
    return f"convention:{convention_id}:{event.event.value}:{event.day.isoformat()}:{stage}"


# After a due day, while not done ----------------------------------------------------------

OVERDUE_DAYS = (1, 7, 30)  # then monthly, from the second month after the due day


def _at_eight(day: date) -> datetime:
    return datetime.combine(day, REMINDER_TIME).replace(tzinfo=local_zone()).astimezone(UTC)


def overdue_moments(day: date):
    """The stages after a due day, endless: ("a1", moment), ("a7", …), ("a30", …), ("m2", …)."""
    for days in OVERDUE_DAYS:
        yield f"a{days}", _at_eight(add_days(day, days))
    months = 2
    while True:
        yield f"m{months}", _at_eight(add_months(day, months))
        months += 1


def overdue_due(day: date, now: datetime) -> tuple[str, datetime] | None:
    """The latest stage after `day` reached at `now`, with its moment; None before the first."""
    reached = None
    for stage, moment in overdue_moments(day):
        if moment > now:
            return reached
        reached = (stage, moment)
    return None  # not reached: the stages never end


def next_overdue_at(day: date, now: datetime) -> datetime:
    return next(m for _, m in overdue_moments(day) if m > now)


def step_alert_due(day: date, now: datetime) -> tuple[str, datetime] | None:
    """The stage of a step's reminder at `now`: before its due day or after it."""
    before = alert_due(day, now)
    return (before[0].value, before[1]) if before else overdue_due(day, now)


def next_step_alert_at(day: date, now: datetime) -> datetime:
    return next_alert_at(day, now) or next_overdue_at(day, now)


# Writing them --------------------------------------------------------------------------------


@dataclass
class AlertPass:
    considered: int = 0
    written: int = 0
    upcoming: set[datetime] = field(default_factory=set)


async def write_due_convention_alerts(*, now: datetime | None = None) -> AlertPass:
    """Write the convention reminders due now, once each; say when the next ones fall due."""
    now = now or utcnow()
    result = AlertPass()
    conventions = _readable(await Convention.in_force().prefetch_related("parties"), now)
    due = _due_dates(conventions, now, result)
    steps = await _due_steps(conventions, now, result)
    todo, steps_todo = await _not_yet_written(due), await _not_yet_written(steps)
    if not todo and not steps_todo:
        return result
    party_ids = {p.organisation_id for c, *_ in [*todo, *steps_todo] for p in c.parties}
    addresses = await body_addresses(party_ids)
    for convention, event, stage, moment in todo:
        draft = _draft(convention, event, stage, moment, addresses, now=now)
        if await enqueue(draft, now=utcnow(), dedup_key=dedup_key(convention.id, event, stage)):
            result.written += 1
    for convention, state, event, stage, moment in steps_todo:
        draft = _steps_draft(convention, state, event, moment, addresses, now=now)
        if await enqueue(draft, now=utcnow(), dedup_key=dedup_key(convention.id, event, stage)):
            result.written += 1
    return result


DatesDue = tuple[Convention, EventDate, AlertStage, datetime]


def _due_dates(conventions: list[Convention], now: datetime, result: AlertPass) -> list[DatesDue]:
    """The conventions' own dates (notice deadline, last end) whose reminder stage is reached;
    the data's fate is reminded from its steps (`_due_steps`)."""
    today = now.astimezone(local_zone()).date()
    due: list[DatesDue] = []
    for convention in conventions:
        for event in events_of(convention, today):
            if event.event == ConventionEvent.DATA_FATE:
                continue
            result.considered += 1
            moment = next_alert_at(event.day, now)
            if moment is not None:
                result.upcoming.add(moment)
            reached = alert_due(event.day, now)
            if reached is not None:
                due.append((convention, event, *reached))
    return due


async def _not_yet_written(found: list[tuple]) -> list[tuple]:
    """Those whose message (its dedup key: convention, event, stage) is not in the outbox yet."""
    keys = [dedup_key(item[0].id, item[-3], item[-2]) for item in found]
    taken = set(await OutboxMessage.filter(dedup_key__in=keys).values_list("dedup_key", flat=True))
    return [item for item, key in zip(found, keys, strict=True) if key not in taken]


def _readable(conventions: list[Convention], now: datetime) -> list[Convention]:
    """The conventions whose dates the pass can count: one body's row that cannot be read
    (a date out of the calendar) is logged and left out, never stopping others' reminders."""
    today = now.astimezone(local_zone()).date()
    readable = []
    for convention in conventions:
        try:
            for event in events_of(convention, today):
                stage_moment(event.day, AlertStage.D90)
            due = due_day(convention, today)
            if due is not None:
                step_alert_due(due, now)
        except (ArithmeticError, ValueError):
            log.exception("convention %s left out of the reminders: bad dates", convention.id)
            continue
        readable.append(convention)
    return readable


StepsDue = tuple[Convention, EndOfServiceOut, EventDate, str, datetime]


async def _due_steps(conventions: list[Convention], now: datetime, result: AlertPass) -> list:
    """The data's fate still to be settled: one reminder stage per convention reached now."""
    today = now.astimezone(local_zone()).date()
    found: list[StepsDue] = []
    for convention, state in zip(
        conventions, await end_of_service_outs(conventions, today), strict=True
    ):
        if state.due_on is None or not _left(state):
            continue
        result.considered += 1
        event = EventDate(ConventionEvent.DATA_FATE, state.due_on)
        result.upcoming.add(next_step_alert_at(state.due_on, now))
        reached = step_alert_due(state.due_on, now)
        if reached is not None:
            found.append((convention, state, event, *reached))
    return found


def _left(state: EndOfServiceOut) -> dict[UUID, list[str]]:
    return {c: [label(step) for step in steps] for c, steps in steps_left(state).items()}


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
    EndOfService.KEEP_FOR_ARCHIVES: (
        "conserver ou trier les données pour les archives, selon le fondement retenu (Code du "
        "patrimoine, tableau de gestion), et cesser tout autre traitement"
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


def _steps_draft(
    convention: Convention,
    state: EndOfServiceOut,
    event: EventDate,
    moment: datetime,
    addresses: dict,
    *,
    now: datetime,
) -> Draft:
    """To the DPOs of the controllers with steps left and of the processors."""
    left = _left(state)
    processors = [p.organisation_id for p in convention.parties if p.role in PROCESSOR_ROLES]
    bodies = [*left, *processors]
    to = list(dict.fromkeys(a for org_id in bodies for a in addresses[org_id].dpo))
    days = (event.day - now.astimezone(local_zone()).date()).days
    rendered = render_message(
        STEPS_TEMPLATE,
        {
            "title": convention.title,
            "due_day": format_day(event.day),
            "days_left": days,
            "days_late": -days,
            "left": [(of(addresses[c].legal_name), steps) for c, steps in left.items()],
            "processors": [addresses[p].legal_name for p in processors],
            "what_to_do": what_to_do(convention, ConventionEvent.DATA_FATE),
            "link": page_url(Page.CONVENTION, convention.id),
        },
    )
    return _convention_draft(convention, to, rendered, next(iter(left)), moment)


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
    return _convention_draft(convention, to, rendered, concerned, moment)


def _convention_draft(
    convention: Convention, to: list[str], rendered, filed_under: UUID | None, moment: datetime
) -> Draft:
    """A reminder about `convention`, filed under the body whose register it concerns."""
    return Draft(
        kind=KIND,
        to_addrs=tuple(to),
        subject=rendered.subject,
        body_text=rendered.body,
        organisation_id=filed_under,
        subject_type="convention",
        subject_id=convention.id,
        due_at=moment,
    )
