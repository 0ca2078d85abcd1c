"""A small iCalendar writer (RFC 5545): a published calendar of events, each with its alarms.

Only what a feed of deadlines needs, and nothing read back:

- an instant (an aware datetime) is written in UTC, `DTSTART:20250306T080000Z`, so no
  VTIMEZONE is needed and every client shows it in its own zone; seconds are kept,
  microseconds dropped (the time shown is never later than the real one);
- a whole day (a date) is written `DTSTART;VALUE=DATE:20250306`, ending the next day;
- TEXT values are escaped (backslash, `;`, `,`, newline as `\\n`; other control characters
  dropped), lines end in CRLF and are folded at 75 octets, never inside a UTF-8 character.

Every event is transparent (TRANSP): a deadline does not make anyone busy.
"""

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta

PRODID = "-//registre-rgpd//FR"
LINE_OCTETS = 75  # RFC 5545 §3.1, CRLF excluded
INSTANT_LENGTH = timedelta(minutes=15)  # DTEND of an instant given no end (must be later)
STATUSES = frozenset({"TENTATIVE", "CONFIRMED", "CANCELLED"})


@dataclass(frozen=True)
class CalendarEvent:
    uid: str
    summary: str
    description: str
    start: datetime | date  # an aware datetime (an instant) or a date (a whole day)
    end: datetime | date | None = None  # default: 15 minutes after an instant, the next day
    url: str | None = None
    categories: list[str] = field(default_factory=list)
    alarms: list[timedelta] = field(default_factory=list)  # how long before the start
    status: str | None = None  # TENTATIVE, CONFIRMED or CANCELLED


def render_calendar(
    name: str,
    events: Iterable[CalendarEvent],
    *,
    now: datetime,
    timezone: str = "Europe/Paris",
    refresh: timedelta | None = timedelta(hours=1),
) -> str:
    """The whole VCALENDAR, CRLF line ends included. `now` is every event's DTSTAMP;
    `refresh` asks subscribed clients to fetch the feed again that often."""
    lines = [
        "BEGIN:VCALENDAR",
        "VERSION:2.0",
        f"PRODID:{PRODID}",
        "CALSCALE:GREGORIAN",
        "METHOD:PUBLISH",
        f"X-WR-CALNAME:{escape_text(name)}",
        f"X-WR-TIMEZONE:{escape_text(timezone)}",
    ]
    if refresh is not None:
        lines += [
            f"REFRESH-INTERVAL;VALUE=DURATION:{format_duration(refresh, days=False)}",
            f"X-PUBLISHED-TTL:{format_duration(refresh, days=False)}",
        ]
    stamp = format_instant(now)
    for event in events:
        lines += _event_lines(event, stamp)
    lines.append("END:VCALENDAR")
    return "".join(fold_line(line) + "\r\n" for line in lines)


def _event_lines(event: CalendarEvent, stamp: str) -> list[str]:
    instant = _is_instant(event.start)
    end = _end(event)
    lines = [
        "BEGIN:VEVENT",
        f"UID:{escape_text(event.uid)}",
        f"DTSTAMP:{stamp}",
        _moment("DTSTART", event.start),
        _moment("DTEND", end),
        f"SUMMARY:{escape_text(event.summary)}",
    ]
    if event.description:
        lines.append(f"DESCRIPTION:{escape_text(event.description)}")
    if event.url:
        lines.append(f"URL:{_uri(event.url)}")
    if event.categories:
        lines.append("CATEGORIES:" + ",".join(escape_text(c) for c in event.categories))
    if event.status is not None:
        if event.status not in STATUSES:
            raise ValueError(f"statut d'événement inconnu : {event.status!r}")
        lines.append(f"STATUS:{event.status}")
    lines.append("TRANSP:TRANSPARENT")
    for before in event.alarms:
        lines += [
            "BEGIN:VALARM",
            "ACTION:DISPLAY",
            f"TRIGGER:{format_duration(-before, days=not instant)}",
            f"DESCRIPTION:{escape_text(event.summary)}",
            "END:VALARM",
        ]
    lines.append("END:VEVENT")
    return lines


# Values ---------------------------------------------------------------------------------------


def _is_instant(moment: datetime | date) -> bool:
    if isinstance(moment, datetime):
        if moment.tzinfo is None or moment.utcoffset() is None:
            raise ValueError("date et heure sans fuseau horaire : un instant doit être situé")
        return True
    if isinstance(moment, date):
        return False
    raise TypeError(f"une date ou une date et heure est attendue, pas {type(moment).__name__}")


def _end(event: CalendarEvent) -> datetime | date:
    instant = _is_instant(event.start)
    if event.end is None:
        return event.start + (INSTANT_LENGTH if instant else timedelta(days=1))
    if _is_instant(event.end) != instant:
        raise ValueError("début et fin d'un événement : deux instants ou deux jours")
    if event.end <= event.start:
        raise ValueError("la fin d'un événement doit suivre son début (RFC 5545 §3.8.2.2)")
    return event.end


def _moment(name: str, moment: datetime | date) -> str:
    if _is_instant(moment):
        return f"{name}:{format_instant(moment)}"
    return f"{name};VALUE=DATE:{moment:%Y%m%d}"


def format_instant(moment: datetime) -> str:
    """An aware datetime as UTC date-time, `20250306T080000Z` (microseconds dropped)."""
    _is_instant(moment)
    return f"{moment.astimezone(UTC):%Y%m%dT%H%M%SZ}"


def format_duration(delta: timedelta, *, days: bool) -> str:
    """RFC 5545 §3.3.6: `-PT24H`, `-P29DT16H`, `PT0S`. With `days`, whole days are nominal
    (`P1D`: the same time the next day, across a change of time); without, every part is
    real time in hours (`PT24H`). Sub-second parts are dropped."""
    sign = "-" if delta < timedelta(0) else ""
    seconds = int(abs(delta).total_seconds())
    day_count, seconds = divmod(seconds, 86400) if days else (0, seconds)
    hours, seconds = divmod(seconds, 3600)
    minutes, seconds = divmod(seconds, 60)
    units = [(hours, "H"), (minutes, "M"), (seconds, "S")]
    used = [i for i, (count, _) in enumerate(units) if count]
    # dur-time: hour [minute [second]], so a zero between two parts is written out.
    time = "".join(f"{c}{u}" for c, u in units[used[0] : used[-1] + 1]) if used else ""
    if not day_count and not time:
        return "PT0S"
    return f"{sign}P" + (f"{day_count}D" if day_count else "") + (f"T{time}" if time else "")


def escape_text(value: str) -> str:
    """A TEXT value (RFC 5545 §3.3.11): `\\` `;` `,` escaped, any line break written `\\n`,
    other control characters (which TEXT may not hold) dropped; a tab is kept."""
    value = value.replace("\r\n", "\n").replace("\r", "\n")
    value = "".join(c for c in value if c in "\t\n" or not (c < " " or c == "\x7f"))
    return value.replace("\\", "\\\\").replace(";", "\\;").replace(",", "\\,").replace("\n", "\\n")


def _uri(value: str) -> str:
    if any(c <= " " or c == "\x7f" for c in value):
        raise ValueError(f"adresse invalide dans un calendrier (espace ou contrôle) : {value!r}")
    return value


def fold_line(line: str) -> str:
    """RFC 5545 §3.1: lines of at most 75 octets, each continuation starting with a space
    (counted in its 75), cut between characters, never inside a UTF-8 sequence."""
    data = line.encode("utf-8")
    if len(data) <= LINE_OCTETS:
        return line
    pieces = []
    start, room = 0, LINE_OCTETS
    while start < len(data):
        end = min(start + room, len(data))
        while end < len(data) and data[end] & 0xC0 == 0x80:  # a continuation byte
            end -= 1
        pieces.append(data[start:end].decode("utf-8"))
        start, room = end, LINE_OCTETS - 1
    return "\r\n ".join(pieces)
