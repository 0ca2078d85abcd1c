"""Breach reminders and escalations, derived from the database at each pass and written once.

For every running clock of an open breach (the processor's notice to the controller, art.
33(2), and the controller's 72 hours to the CNIL, art. 33(1)), the stages are 48 h, 24 h, 6 h
and 1 h before the deadline, then overdue (`breach.deadlines.reminder_stages`). A pass writes,
per clock, only the most urgent stage reached, under a dedup key per breach, clock and stage:

- each stage is written once ever (the key is a unique claim in the outbox);
- a clock shorter than 48 h does not start with a burst of four messages;
- stages missed while no scheduler ran come as one message, the most urgent, at start.

A clock runs under the same rule as the breach pages (`breach.deadlines.running_clocks`): it
stops as soon as the notice is recorded, and its reminders stop with it. Nothing here is kept
in memory between passes: the scheduler only asks again, at the moments `upcoming` says
something changes.
"""

import logging
from collections import defaultdict
from collections.abc import AsyncIterator
from dataclasses import dataclass, field, fields
from datetime import datetime
from uuid import UUID

from tortoise.transactions import in_transaction

from breach import deadlines, nis2_reminders
from breach.breaches.models import Breach
from breach.breaches.names import shown_ref
from breach.breaches.service import OPEN
from breach.deadlines import (
    CNIL,
    CNIL_FOLLOWUP,
    CONTROLLER_NOTICE,
    PEOPLE,
    ReminderStage,
    countdown,
    format_undue_delay,
    next_reminder_at,
    reminder_stage_at,
    reminder_stages,
    undue_delay_reminder_at,
    undue_delay_reminders,
)
from core.clock import utcnow
from core.links import Page, page_url
from core.outbox.models import OutboxMessage
from core.outbox.service import Draft, enqueue_many
from core.scheduling import ReminderLateness
from core.templating import render_message
from register.enums import label
from register.organisations.addresses import body_addresses
from register.organisations.models import Organisation

log = logging.getLogger("rgpd.reminders")

KIND = "breach_reminder"
TEMPLATE = "mail/breach_reminder.txt.j2"
_CHUNK = 500  # rows per query with an IN list, and messages per transaction
_READ_CHUNK = 2000  # open breaches per read of them all


@dataclass(frozen=True, slots=True)
class OpenClocks:
    """What an open breach's clocks are read from (`breach.deadlines.running_clocks`): plain
    rows, not model instances, since start-up reads every open breach."""

    id: UUID
    status: str
    controller_notice_due_at: datetime | None
    controller_informed_at: datetime | None
    cnil_due_at: datetime | None
    notify_cnil: bool | None
    # The complementary notification promised, and the people to inform (breach.phases).
    followup_due_at: datetime | None
    decided_at: datetime | None
    inform_people: str | None
    art34_exemption: str | None
    people_informed_at: datetime | None


@dataclass(frozen=True, slots=True)
class OpenBreach(OpenClocks):
    """And what its reminders are written from."""

    ref: str
    controller_id: UUID
    source_org_id: UUID | None
    updated_at: datetime | None


def _columns(row_type: type) -> tuple[str, ...]:
    return tuple(column.name for column in fields(row_type))


@dataclass(frozen=True)
class RunningClock:
    breach_id: UUID
    kind: str  # CONTROLLER_NOTICE, CNIL, CNIL_FOLLOWUP or PEOPLE
    label: str
    deadline: datetime  # for an open-ended clock: when the duty started
    open_ended: bool = False


@dataclass(frozen=True)
class DayStage:
    """The reminder `number` of an open-ended clock (« sans délai excessif »): one per
    `breach.deadlines.PEOPLE_REMINDER_INTERVAL` elapsed."""

    number: int

    @property
    def value(self) -> str:
        return f"day{self.number}"


@dataclass(frozen=True)
class StageDue:
    clock: RunningClock
    stage: ReminderStage | DayStage
    due_at: datetime  # when the stage was reached (the deadline itself for overdue)

    @property
    def dedup_key(self) -> str:
        return dedup_key(self.clock.breach_id, self.clock.kind, self.stage)


def dedup_key(breach_id: UUID, clock: str, stage: ReminderStage | DayStage) -> str:
    return f"breach:{breach_id}:{clock}:{stage.value}"


def running_clocks(breach: Breach | OpenClocks, now: datetime) -> list[RunningClock]:
    """The breach's clocks still running (breach.deadlines.running_clocks), with its id."""
    return [
        RunningClock(breach.id, clock.kind, clock.label, clock.deadline, clock.open_ended)
        for clock in deadlines.running_clocks(breach)
    ]


def stage_due(clock: RunningClock, now: datetime) -> StageDue | None:
    """The most urgent stage reached at `now`, the only one a pass may write (for an
    open-ended clock: the latest interval elapsed)."""
    if clock.open_ended:
        number = undue_delay_reminders(clock.deadline, now)
        if not number:
            return None
        return StageDue(clock, DayStage(number), undue_delay_reminder_at(clock.deadline, number))
    stages = reminder_stages(clock.deadline, now)
    if not stages:
        return None
    return StageDue(clock, stages[-1], reminder_stage_at(clock.deadline, stages[-1]))


@dataclass
class ReminderPass:
    considered: int = 0  # running clocks looked at
    written: int = 0  # messages written by this pass
    # The next moments at which a stage is reached, with the breaches to look at then.
    upcoming: dict[datetime, set[UUID]] = field(default_factory=lambda: defaultdict(set))
    # The breaches with a stage reached and no reminder for it yet (find_due_reminders).
    due: list[UUID] = field(default_factory=list)

    def next_moments(self, until: datetime) -> dict[datetime, set[UUID]]:
        return {moment: ids for moment, ids in self.upcoming.items() if moment <= until}


def _scan(breaches: list[OpenClocks], now: datetime, result: ReminderPass) -> list[tuple]:
    """Counts the running clocks and their next reminder moments into `result`; returns
    each (breach, stage) whose reminder is due now."""
    candidates: list[tuple[OpenClocks, StageDue]] = []
    for breach in breaches:
        for clock in running_clocks(breach, now):
            result.considered += 1
            moment = _next_moment(clock, now)
            if moment is not None:
                result.upcoming[moment].add(breach.id)
            due = stage_due(clock, now)
            if due is not None:
                candidates.append((breach, due))
    return candidates


def _next_moment(clock: RunningClock, now: datetime) -> datetime | None:
    if clock.open_ended:
        following = undue_delay_reminders(clock.deadline, now) + 1
        return undue_delay_reminder_at(clock.deadline, following)
    return next_reminder_at(clock.deadline, now)


async def _write(
    todo: list[tuple[OpenBreach, StageDue]],
    now: datetime,
    result: ReminderPass,
    record_lateness: bool,
) -> None:
    """Enqueue the reminders, a chunk per transaction and per insert; one writer wins each
    dedup key."""
    addresses = await body_addresses(
        {b.controller_id for b, _ in todo} | {b.source_org_id for b, _ in todo if b.source_org_id}
    )
    legal_reps = await _legal_rep_emails(
        {b.controller_id for b, d in todo if d.stage == ReminderStage.OVERDUE}
    )
    for start in range(0, len(todo), _CHUNK):
        chunk = todo[start : start + _CHUNK]
        drafts = [
            (reminder_draft(breach, due, addresses, legal_reps, now=now), due.dedup_key)
            for breach, due in chunk
        ]
        written_at = utcnow()
        async with in_transaction():
            written = set(await enqueue_many(drafts, now=written_at))
        result.written += len(written)
        if record_lateness and written:
            await _keep_lateness(
                [
                    ReminderLateness(
                        written_at=written_at, seconds=lateness(due, breach, written_at)
                    )
                    for breach, due in chunk
                    if due.dedup_key in written
                ]
            )


async def _unwritten(
    now: datetime, breach_ids: list[UUID] | None, result: ReminderPass, row_type: type
) -> list[tuple[OpenClocks, StageDue]]:
    """The open breaches' clocks, read in one query (counted and planned into `result`),
    and each stage reached whose reminder is not written yet; `row_type` says which columns
    are read (OpenClocks to plan, OpenBreach to write)."""
    candidates = []
    async for rows in _open_rows(row_type, breach_ids):
        candidates += _scan(rows, now, result)
    if not candidates:
        return []
    taken = await _existing_keys([due.dedup_key for _, due in candidates])
    return [(breach, due) for breach, due in candidates if due.dedup_key not in taken]


async def _open_rows(row_type: type, breach_ids: list[UUID] | None) -> AsyncIterator[list]:
    """The open breaches (or those given) as rows of `row_type`; every open breach is read
    `_READ_CHUNK` at a time, in id order, so that turning rows into values does not keep the
    scheduler's loop from a stage falling due for more than a chunk's worth."""
    query = Breach.filter(status__in=OPEN)
    columns = _columns(row_type)
    if breach_ids is not None:
        yield [
            row_type(*row) for row in await query.filter(id__in=breach_ids).values_list(*columns)
        ]
        return
    after = None
    while True:
        page = query.filter(id__gt=after) if after is not None else query
        rows = await page.order_by("id").limit(_READ_CHUNK).values_list(*columns)
        yield [row_type(*row) for row in rows]
        if len(rows) < _READ_CHUNK:
            return
        after = rows[-1][0]


async def find_due_reminders(*, now: datetime | None = None) -> ReminderPass:
    """What a pass would write, without writing it: the running clocks, the moments their
    next stages fall due, and in `due` the breaches with a stage reached and not reminded.

    A query per `_READ_CHUNK` open breaches and per `_CHUNK` keys to check: the scheduler
    plans its jobs from it at start, then writes `due` in batches (write_due_reminders).
    """
    result = ReminderPass()
    now = now or utcnow()
    todo = await _unwritten(now, None, result, OpenClocks)
    todo += await _other_sources_unwritten(now, None, result)
    result.due = list(dict.fromkeys(breach.id for breach, _ in todo))
    return result


async def write_due_reminders(
    *,
    now: datetime | None = None,
    breach_ids: list[UUID] | None = None,
    record_lateness: bool = False,
) -> ReminderPass:
    """Write the reminders due now for every open breach (or those given), once each.

    Safe to run at any time and from several places: the dedup key lets one writer win.
    `record_lateness` (the scheduler) keeps how late each reminder was written (`lateness`).
    """
    now = now or utcnow()
    result = ReminderPass()
    todo = await _unwritten(now, breach_ids, result, OpenBreach)
    if todo:
        await _write(todo, now, result, record_lateness)
    await _write_other_sources(now, breach_ids, result, record_lateness)
    return result


# Other clock sources ----------------------------------------------------------------------
# Records other than breaches whose clocks are reminded the same way (the same stages, the
# most urgent only, once each, planned by the same scheduler): a module giving `rows(ids)`
# (records with `id` and `updated_at`; all of them for None), `clocks(row)` (its running
# breach.deadlines.Clock) and `drafts(todo, now)` (one Draft per (row, StageDue)). Their ids
# travel in the passes with the breaches' (`due`, `upcoming`, `breach_ids`): a uuid is one
# record's. The NIS2 clocks of an incident: breach.nis2_reminders.
CLOCK_SOURCES = (nis2_reminders,)


async def _source_unwritten(
    source, now: datetime, ids: list[UUID] | None, result: ReminderPass
) -> list[tuple]:
    candidates = []
    for row in await source.rows(ids):
        for clock in source.clocks(row):
            result.considered += 1
            moment = next_reminder_at(clock.deadline, now)
            if moment is not None:
                result.upcoming[moment].add(row.id)
            due = stage_due(RunningClock(row.id, clock.kind, clock.label, clock.deadline), now)
            if due is not None:
                candidates.append((row, due))
    if not candidates:
        return []
    taken = await _existing_keys([due.dedup_key for _, due in candidates])
    return [(row, due) for row, due in candidates if due.dedup_key not in taken]


async def _other_sources_unwritten(
    now: datetime, ids: list[UUID] | None, result: ReminderPass
) -> list[tuple]:
    todo = []
    for source in CLOCK_SOURCES:
        todo += await _source_unwritten(source, now, ids, result)
    return todo


async def _write_other_sources(
    now: datetime, ids: list[UUID] | None, result: ReminderPass, record_lateness: bool
) -> None:
    for source in CLOCK_SOURCES:
        todo = await _source_unwritten(source, now, ids, result)
        for start in range(0, len(todo), _CHUNK):
            chunk = todo[start : start + _CHUNK]
            drafts = await source.drafts(chunk, now)
            written_at = utcnow()
            async with in_transaction():
                written = set(
                    await enqueue_many(
                        [(d, due.dedup_key) for d, (_, due) in zip(drafts, chunk, strict=True)],
                        now=written_at,
                    )
                )
            result.written += len(written)
            if record_lateness and written:
                await _keep_lateness(
                    [
                        ReminderLateness(
                            written_at=written_at, seconds=lateness(due, row, written_at)
                        )
                        for row, due in chunk
                        if due.dedup_key in written
                    ]
                )


async def _keep_lateness(late: list[ReminderLateness]) -> None:
    # Informative (for /metrics): written after the reminders' commit, and never a reason
    # for a reminder not to be written.
    try:
        await ReminderLateness.bulk_create(late)
    except Exception as exc:
        log.warning("reminder lateness not kept: %s: %s", type(exc).__name__, exc)


def lateness(due: StageDue, breach: Breach | OpenBreach, written_at: datetime) -> float:
    """Seconds between the moment the reminder could first be written and its writing.

    That moment is the stage's, or the breach's last change when later: a breach declared
    with a detection three days back, or a clock started by a late entry, has stages that
    were reached before anyone could know; its reminder is as late as the scheduler took to
    see the breach, not the days before it existed.
    """
    known = max(due.due_at, breach.updated_at) if breach.updated_at else due.due_at
    return max(0.0, (written_at - known).total_seconds())


async def _existing_keys(keys: list[str]) -> set[str]:
    found: set[str] = set()
    for start in range(0, len(keys), _CHUNK):
        found.update(
            await OutboxMessage.filter(dedup_key__in=keys[start : start + _CHUNK]).values_list(
                "dedup_key", flat=True
            )
        )
    return found


async def _legal_rep_emails(org_ids: set[UUID]) -> dict[UUID, str]:
    if not org_ids:
        return {}
    rows = await Organisation.filter(id__in=list(org_ids)).values_list("id", "legal_rep_email")
    return {org_id: email for org_id, email in rows if email}


_WHAT_TO_DO = {
    CONTROLLER_NOTICE: (
        "Informez le responsable de traitement ({controller}) de la violation, sans retard "
        "injustifié (art. 33.2 du RGPD), par les canaux que prévoit la convention (courriel, "
        "et téléphone lorsqu'elle le demande), avec les éléments connus de l'art. 33.3 : "
        "nature de la violation, catégories et nombre approximatif de personnes et "
        "d'enregistrements, contact du DPO, conséquences probables, mesures prises ou "
        "envisagées. L'information peut être donnée par étapes. Enregistrez-la ensuite dans "
        "le dossier de la violation : les rappels cessent dès qu'elle y figure."
    ),
    CNIL: (
        "Notifiez la violation à la CNIL (téléservice de notification des violations), au "
        "plus tard 72 heures après en avoir pris connaissance (art. 33.1 du RGPD), au besoin "
        "par une notification initiale complétée ensuite ; ou, si la violation n'est pas "
        "susceptible d'engendrer un risque, enregistrez la décision motivée de ne pas "
        "notifier (art. 33.5). Une notification faite après le délai doit en donner les "
        "motifs. Les rappels cessent dès que la notification ou la décision est enregistrée."
    ),
    CNIL_FOLLOWUP: (
        "La notification initiale à la CNIL annonçait un complément pour cette date (art. 33.4 "
        "du RGPD) : transmettez à la CNIL les éléments manquants (catégories et nombre de "
        "personnes et d'enregistrements, conséquences probables, mesures prises) par une "
        "notification complémentaire sur le téléservice, puis enregistrez-la dans le dossier "
        "de la violation : les rappels cessent dès qu'elle y figure."
    ),
    PEOPLE: (
        "La décision enregistrée prévoit d'informer les personnes concernées sans délai "
        "excessif (art. 34.1 du RGPD), ou, si cela exigeait des efforts disproportionnés, une "
        "communication publique aussi efficace (art. 34.3.c). Faites-la, puis enregistrez-la "
        "dans le dossier de la violation (canal, date, texte ; pour une communication "
        "publique, où elle est parue) : ce rappel revient chaque jour jusque-là."
    ),
}


def _addressees(kind: str, controller, source) -> tuple[list[str], list[str]]:
    """Who a clock's reminder goes to, and who gets a copy (bodies' addresses, or None)."""
    if kind == CONTROLLER_NOTICE:
        # The body whose system was hit owes the notice; the controller's DPO is kept informed.
        owner = source or controller
        to = [*owner.dpo, *owner.rssi] if owner else []
        cc = list(controller.dpo) if controller and owner is not controller else []
        return to, cc
    return ([*controller.dpo, *controller.rssi] if controller else []), []


def _recipients(
    breach: OpenBreach, due: StageDue, controller, source, legal_reps: dict[UUID, str]
) -> tuple[list[str], list[str]]:
    """The addressees, with the controller's legal representative copied once overdue; each
    address once, and never both in to and in copy."""
    to, cc = _addressees(due.clock.kind, controller, source)
    if due.stage == ReminderStage.OVERDUE and breach.controller_id in legal_reps:
        cc.append(legal_reps[breach.controller_id])
    to = list(dict.fromkeys(to))
    cc = [a for a in dict.fromkeys(cc) if a not in to]
    if not to and cc:  # someone must be told: the copy becomes the recipient
        to, cc = cc, []
    return to, cc


def _timing(due: StageDue, now: datetime) -> dict[str, str | bool]:
    """The stage and the time as the message says them; an open-ended clock has no
    deadline: « sans délai excessif depuis le … », reminder n° N."""
    if isinstance(due.stage, DayStage):
        return {
            "open_ended": True,
            "stage_label": f"rappel n° {due.stage.number}",
            "due_local": "aucune date fixe : sans délai excessif",
            "remaining": format_undue_delay(due.clock.deadline),
        }
    clock = countdown(due.clock.deadline, now)
    return {
        "open_ended": False,
        "stage_label": label(due.stage),
        "due_local": clock.deadline_display,
        "remaining": clock.display,
    }


def reminder_draft(
    breach: Breach | OpenBreach,
    due: StageDue,
    addresses: dict,
    legal_reps: dict[UUID, str],
    *,
    now: datetime,
) -> Draft:
    """The message for one stage of one clock (see the template for the wording)."""
    controller = addresses.get(breach.controller_id)
    source = addresses.get(breach.source_org_id) if breach.source_org_id else None
    to, cc = _recipients(breach, due, controller, source, legal_reps)
    concerned = breach.controller_id
    if due.clock.kind == CONTROLLER_NOTICE:
        concerned = breach.source_org_id or breach.controller_id
    controller_name = controller.legal_name if controller else "?"
    rendered = render_message(
        TEMPLATE,
        {
            "ref": shown_ref(breach.ref, controller.short_code if controller else None),
            "clock_label": due.clock.label,
            "stage": due.stage.value,
            **_timing(due, now),
            "overdue": due.stage == ReminderStage.OVERDUE,
            "controller_name": controller_name,
            "source_name": source.legal_name if source else None,
            "what_to_do": _WHAT_TO_DO[due.clock.kind].format(controller=controller_name),
            "link": page_url(Page.BREACH, breach.id),
        },
    )
    return Draft(
        kind=KIND,
        to_addrs=tuple(to),
        cc_addrs=tuple(cc),
        subject=rendered.subject,
        body_text=rendered.body,
        organisation_id=concerned,
        subject_type="breach",
        subject_id=breach.id,
        due_at=due.due_at,
    )
