"""The breach clocks: when each notice is due, how long is left, which reminders are due.

Pure arithmetic: every function takes the moments it needs (aware datetimes) and reads no
clock and no database. Results are aware UTC datetimes; `countdown` adds the local view.

Counting (docs/regulatory.md §3.3): periods in hours run in real hours, holidays, Saturdays and
Sundays included (Reg. 1182/71 art. 3(3)); the art. 3(4) roll-over to the next working day
applies only to periods "expressed otherwise than in hours". Adding hours to a datetime whose
tzinfo is a zone adds wall-clock hours in Python, so every sum below is done in UTC: a period
that crosses a change of time in Europe/Paris still lasts exactly its number of real hours.
"""

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from enum import StrEnum
from typing import Any
from zoneinfo import ZoneInfo

from breach import phases
from core.clock import local_zone, to_local
from core.french import format_day
from register.conventions.terms import add_months
from register.enums import labelled

CNIL_NOTICE_PERIOD = timedelta(hours=72)  # art. 33(1)
NIS2_EARLY_WARNING_PERIOD = timedelta(hours=24)  # NIS2 art. 23(4)(a)
NIS2_INCIDENT_NOTIFICATION_PERIOD = timedelta(hours=72)  # NIS2 art. 23(4)(b)


# Which clocks run ------------------------------------------------------------------------

CONTROLLER_NOTICE = "controller_notice"
CNIL = "cnil"
CNIL_FOLLOWUP = "cnil_followup"  # the complementary notification promised (art. 33(4))
PEOPLE = "people"  # the communication to the people (art. 34), « sans délai excessif »
CNIL_PENDING = ("declared", "assessed")  # the CNIL not yet notified
# How often the people's clock, which has no deadline, is reminded: the one setting of it
# (docs/regulatory.md §3.2; docs/pages.md, « Information des personnes »).
PEOPLE_REMINDER_INTERVAL = timedelta(days=1)


@dataclass(frozen=True)
class Clock:
    kind: str  # CONTROLLER_NOTICE, CNIL, CNIL_FOLLOWUP or PEOPLE
    label: str
    deadline: datetime  # for an open-ended clock: when the duty started
    open_ended: bool = False  # no deadline: « sans délai excessif » (art. 34(1))


def running_clocks(breach: Any) -> list[Clock]:
    """The clocks of a breach still running, read from its stored moments and state (any
    object with a Breach's attributes). Overdue clocks still run: only these stop them.

    - the processor's (or host's) notice to the controller: runs from detection while the
      controller is not informed (art. 33(2), the convention's delay);
    - the controller's 72 h to the CNIL: runs from awareness (art. 33(1)) until the CNIL is
      notified, unless the decision is not to notify (risk unlikely), or the breach is closed;
    - the complementary notification the initial one promised (art. 33(4)): until the date
      the DPO committed to, stopped by the complementary notification (breach.phases);
    - the communication to the people (art. 34(1), or the public one of 34(3)(c)): no
      deadline, « sans délai excessif » from the decision, until one is recorded.
    """
    clocks = []
    if breach.controller_notice_due_at and breach.controller_informed_at is None:
        clocks.append(
            Clock(
                CONTROLLER_NOTICE,
                "Information du responsable de traitement",
                breach.controller_notice_due_at,
            )
        )
    if (
        breach.cnil_due_at
        and breach.status in CNIL_PENDING
        and breach.notify_cnil is not False
        and not follows_joint_lead(breach)
    ):
        clocks.append(Clock(CNIL, "Notification à la CNIL (72 h)", breach.cnil_due_at))
    if phases.followup_pending(breach):
        clocks.append(
            Clock(CNIL_FOLLOWUP, "Notification complémentaire à la CNIL", breach.followup_due_at)
        )
    if phases.people_pending(breach) and breach.decided_at and breach.status != "closed":
        label = (
            "Communication publique (art. 34.3.c)"
            if breach.inform_people not in phases.PEOPLE_TO_INFORM
            else "Information des personnes concernées"
        )
        clocks.append(Clock(PEOPLE, label, breach.decided_at, open_ended=True))
    return clocks


def follows_joint_lead(breach: Any) -> bool:
    """A joint controller's breach whose lead notifies the CNIL for all (art. 26, the
    arrangement's `lead_notifies`): it runs no CNIL clock of its own (breach.breaches.joint)."""
    return (
        getattr(breach, "path", None) == "joint"
        and getattr(breach, "joint_duty", None) == "lead_notifies"
        and getattr(breach, "lead_breach_id", None) is not None
    )


def _utc(moment: datetime, name: str) -> datetime:
    if not isinstance(moment, datetime):
        raise TypeError(f"{name} : une date et heure est attendue, pas {type(moment).__name__}")
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError(
            f"{name} : date et heure sans fuseau horaire, refusée "
            "(indiquer le fuseau, par exemple UTC ou Europe/Paris)"
        )
    return moment.astimezone(UTC)


def _hours(value: int, name: str) -> timedelta:
    if isinstance(value, bool) or not isinstance(value, int):
        raise TypeError(f"{name} : un nombre entier d'heures est attendu")
    if value < 0:
        raise ValueError(f"{name} : le délai ne peut pas être négatif ({value} h)")
    return timedelta(hours=value)


# Deadlines ---------------------------------------------------------------------------------


def cnil_deadline(aware_at: datetime) -> datetime:
    """The controller's notification to the CNIL: exactly 72 real hours after awareness.

    Art. 33(1) GDPR, docs/regulatory.md §3.3: "72 hours, not working days"; Reg. 1182/71 art. 3(3)
    counts holidays, Saturdays and Sundays, and no roll-over applies to a period in hours.
    Conservative: the starting hour is counted (art. 3(1) would exclude it).
    """
    return _utc(aware_at, "aware_at") + CNIL_NOTICE_PERIOD


def processor_notice_deadline(
    processor_aware_at: datetime, *, convention_hours: int | None, default_hours: int
) -> datetime:
    """The processor's notice to the controller (art. 33(2), docs/regulatory.md §3.1 and §3.3).

    The GDPR says only "without undue delay", so the tool tracks the convention's figure
    (`breach_notice_sla_hours`) when it sets one, else the configured default. Zero hours is a
    figure ("immediately"), not a missing one. Counted in real hours (Reg. 1182/71 art. 3(3)).
    The controller's own 72-hour clock starts when the processor has informed it.
    """
    start = _utc(processor_aware_at, "processor_aware_at")
    if convention_hours is not None:
        return start + _hours(convention_hours, "convention_hours")
    return start + _hours(default_hours, "default_hours")


def service_commun_deadline(detected_at: datetime) -> datetime:
    """The host of a service commun tells each affected member at once (docs/regulatory.md §6).

    The host acts as processor for the members' competences (art. 33(2)); each member stays
    controller and starts its own 72-hour clock (§3.3) when told, so the notice is due at
    detection itself.
    """
    return _utc(detected_at, "detected_at")


@dataclass(frozen=True)
class Nis2Deadlines:
    early_warning: datetime  # within 24 h of awareness
    incident_notification: datetime  # within 72 h of awareness


def nis2_deadlines(aware_at: datetime) -> Nis2Deadlines:
    """NIS2 art. 23(4)(a) and (b) (docs/regulatory.md §7): early warning to ANSSI/CERT-FR within
    24 h, incident notification within 72 h, both from awareness, in real hours as in §3.3
    (Reg. 1182/71 art. 3(3)).
    """
    start = _utc(aware_at, "aware_at")
    return Nis2Deadlines(
        early_warning=start + NIS2_EARLY_WARNING_PERIOD,
        incident_notification=start + NIS2_INCIDENT_NOTIFICATION_PERIOD,
    )


def nis2_final_due(incident_notified_at: datetime) -> datetime:
    """NIS2 art. 23(4)(d) (docs/regulatory.md §7): the final report one calendar month after the
    incident notification.

    The same date the next month, at the same local time, clamped to the month's last day
    (31 January → 28 or 29 February). The calendar is the French one (the configured zone),
    not UTC's. Conservative under Reg. 1182/71 (§3.3): art. 3(2)(c) would run to the end of
    that day and art. 3(4) would roll a Saturday, Sunday or holiday to the next working day;
    neither is applied. A local time that does not exist or occurs twice that day (change of
    time) becomes the earliest matching instant.
    """
    local = to_local(_utc(incident_notified_at, "incident_notified_at"))
    day = add_months(local.date(), 1)
    return _earliest_instant(datetime.combine(day, local.time()), local_zone())


def _earliest_instant(wall: datetime, zone: ZoneInfo) -> datetime:
    return min(wall.replace(tzinfo=zone, fold=fold).astimezone(UTC) for fold in (0, 1))


# Countdown ---------------------------------------------------------------------------------


def remaining(deadline: datetime, now: datetime) -> timedelta:
    """Real time left before the deadline; negative once it has passed.

    Both moments are taken to UTC first: Python subtracts two datetimes sharing one zone
    as wall-clock times, which would be an hour off across a change of time.
    """
    return _utc(deadline, "deadline") - _utc(now, "now")


def _overdue(deadline: datetime, now: datetime) -> bool:
    # "Not later than 72 hours": the deadline instant itself is still on time.
    return remaining(deadline, now) < timedelta(0)


_ZONE_NAMES = {
    "Europe/Paris": "heure de Paris",
    "America/Guadeloupe": "heure de la Guadeloupe",
    "America/Martinique": "heure de la Martinique",
    "America/Cayenne": "heure de la Guyane",
    "Indian/Reunion": "heure de La Réunion",
    "Indian/Mayotte": "heure de Mayotte",
    "America/Miquelon": "heure de Saint-Pierre-et-Miquelon",
    "Pacific/Noumea": "heure de Nouméa",
    "Pacific/Tahiti": "heure de Tahiti",
    "Pacific/Wallis": "heure de Wallis-et-Futuna",
}
_DAYS_FROM = timedelta(hours=96)  # from four days on, "j" and "h" read better than hours


def format_local(moment: datetime) -> str:
    """'lundi 27 octobre 2025 à 09:00 (heure de Paris)', without the system locale.

    When the local time occurs twice (the night the clocks go back), it says which one.
    """
    local = to_local(moment)
    zone = getattr(local.tzinfo, "key", None)
    zone_name = _ZONE_NAMES.get(zone, f"heure locale, {zone}" if zone else "heure locale")
    other = local.replace(fold=1 - local.fold)
    if other.utcoffset() != local.utcoffset():
        zone_name += ", heure d'été" if local.dst() else ", heure d'hiver"
    return f"{format_day(local.date())} à {local:%H:%M} ({zone_name})"


def format_remaining(left: timedelta) -> str:
    """'reste 23 h 15 min' or 'dépassé de 2 h 05 min'.

    Rounded towards urgency: time left is rounded down, time overdue up, so the display never
    says there is more time than there is.
    """
    late = left < timedelta(0)
    span = -left if late else left
    unit = timedelta(hours=1) if span >= _DAYS_FROM else timedelta(minutes=1)
    count = -(-span // unit) if late else span // unit
    if unit == timedelta(hours=1):
        days, hours = divmod(count, 24)
        text = f"{days} j {hours} h"
    else:
        hours, minutes = divmod(count, 60)
        text = f"{hours} h {minutes:02d} min" if hours else f"{minutes} min"
    return f"dépassé de {text}" if late else f"reste {text}"


@dataclass(frozen=True)
class Countdown:
    deadline_utc: datetime
    deadline_local: datetime
    remaining: timedelta  # negative once overdue
    overdue: bool
    display: str  # "reste 23 h 15 min" / "dépassé de 2 h 05 min"
    deadline_display: str  # "lundi 27 octobre 2025 à 09:00 (heure de Paris)"


def countdown(deadline: datetime, now: datetime) -> Countdown:
    """Everything a page or a reminder shows about one deadline at the moment `now`."""
    deadline_utc = _utc(deadline, "deadline")
    left = remaining(deadline_utc, now)
    return Countdown(
        deadline_utc=deadline_utc,
        deadline_local=to_local(deadline_utc),
        remaining=left,
        overdue=_overdue(deadline_utc, now),
        display=format_remaining(left),
        deadline_display=format_local(deadline_utc),
    )


# Reminders ---------------------------------------------------------------------------------


@labelled(
    {
        "h48": "48 heures avant l'échéance",
        "h24": "24 heures avant l'échéance",
        "h6": "6 heures avant l'échéance",
        "h1": "1 heure avant l'échéance",
        "overdue": "Échéance dépassée",
    }
)
class ReminderStage(StrEnum):
    H48 = "h48"
    H24 = "h24"
    H6 = "h6"
    H1 = "h1"
    OVERDUE = "overdue"


_BEFORE = {
    ReminderStage.H48: timedelta(hours=48),
    ReminderStage.H24: timedelta(hours=24),
    ReminderStage.H6: timedelta(hours=6),
    ReminderStage.H1: timedelta(hours=1),
}


def reminder_stages(deadline: datetime, now: datetime) -> list[ReminderStage]:
    """The reminder stages reached at `now`, earliest first (the last one is the most urgent).

    A stage is reached once `now` is at or after that many real hours before the deadline;
    `OVERDUE` once the deadline has passed. The scheduler claims each stage once; for a clock
    shorter than 48 h (NIS2 early warning, a processor's notice) several stages are reached
    from the start, and it is for the scheduler to send only the last.
    """
    left = remaining(deadline, now)
    stages = [stage for stage, before in _BEFORE.items() if left <= before]
    if _overdue(deadline, now):
        stages.append(ReminderStage.OVERDUE)
    return stages


def reminder_stage_at(deadline: datetime, stage: ReminderStage) -> datetime:
    """When a stage is due: that many real hours before the deadline, the deadline itself for
    `OVERDUE` (reached at the first instant after it)."""
    deadline_utc = _utc(deadline, "deadline")
    if stage == ReminderStage.OVERDUE:
        return deadline_utc
    return deadline_utc - _BEFORE[stage]


def undue_delay_reminders(since: datetime, now: datetime) -> int:
    """How many reminders an open-ended clock started at `since` has reached at `now`: one
    per `PEOPLE_REMINDER_INTERVAL` fully elapsed (none during the first)."""
    elapsed = remaining(now, since)
    return max(0, elapsed // PEOPLE_REMINDER_INTERVAL)


def undue_delay_reminder_at(since: datetime, number: int) -> datetime:
    """When the open-ended clock's reminder `number` (from 1) falls due."""
    return _utc(since, "since") + number * PEOPLE_REMINDER_INTERVAL


def format_undue_delay(since: datetime) -> str:
    """« sans délai excessif depuis le lundi 27 octobre 2025 à 09:00 (heure de Paris) »."""
    return f"sans délai excessif depuis le {format_local(since)}"


def next_reminder_at(deadline: datetime, now: datetime) -> datetime | None:
    """The first instant after `now` at which `reminder_stages` reaches one more stage, or None
    once the deadline has passed (nothing comes after overdue)."""
    now_utc = _utc(now, "now")
    deadline_utc = _utc(deadline, "deadline")
    for before in _BEFORE.values():
        if deadline_utc - before > now_utc:
            return deadline_utc - before
    if not _overdue(deadline_utc, now_utc):
        return deadline_utc + timedelta(microseconds=1)
    return None
