"""GET /metrics: what an operator watches, in the Prometheus text exposition format (0.0.4).

Counts and times only: no subject, address, name or reference. Written by hand (the format
is a few lines of text); `render` escapes label values and writes NaN and +Inf as Prometheus
reads them.

- `rgpd_database_up`: 1 when the database answered (0: the other figures are missing);
- `rgpd_open_breaches{status}`: open breaches by status (the caller counts them: breaches
  are not core's business);
- `rgpd_outbox_messages{status}`: messages pending, being sent, failed;
- `rgpd_outbox_oldest_failed_age_seconds`: age of the oldest failed message (0 when none);
- `rgpd_scheduler_leader_present`: 1 when a scheduler ran within three polls;
- `rgpd_scheduler_last_run_age_seconds`: since its last run (+Inf when none ever ran);
- `rgpd_reminder_lateness_seconds`: a summary of how late breach reminders were written over
  the last hour (quantiles 0.5 and 0.99, count, sum; NaN quantiles when none was written).
"""

import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from tortoise.functions import Count, Min

from core.config import get_settings
from core.outbox.models import MessageStatus, OutboxMessage
from core.scheduling import LATENESS_WINDOW_SECONDS, ReminderLateness, SchedulerState

CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8"
QUANTILES = (0.5, 0.99)
OUTBOX_STATUSES = (MessageStatus.PENDING, MessageStatus.SENDING, MessageStatus.FAILED)


@dataclass
class Family:
    """One metric: its samples are (suffix, labels, value)."""

    name: str
    kind: str  # gauge, counter, summary
    help: str
    samples: list[tuple[str, dict[str, str], float]] = field(default_factory=list)

    def add(self, value: float, suffix: str = "", **labels: str) -> "Family":
        self.samples.append((suffix, labels, value))
        return self


def render(families: Iterable[Family]) -> str:
    lines: list[str] = []
    for family in families:
        lines.append(f"# HELP {family.name} {_escape_help(family.help)}")
        lines.append(f"# TYPE {family.name} {family.kind}")
        for suffix, labels, value in family.samples:
            lines.append(f"{family.name}{suffix}{_labels(labels)} {_number(value)}")
    return "\n".join(lines) + "\n"


def _labels(labels: Mapping[str, str]) -> str:
    if not labels:
        return ""
    inner = ",".join(f'{key}="{_escape_label(str(value))}"' for key, value in labels.items())
    return "{" + inner + "}"


def _escape_help(text: str) -> str:
    return text.replace("\\", "\\\\").replace("\n", "\\n")


def _escape_label(text: str) -> str:
    return text.replace("\\", "\\\\").replace("\n", "\\n").replace('"', '\\"')


def _number(value: float) -> str:
    if math.isnan(value):
        return "NaN"
    if math.isinf(value):
        return "+Inf" if value > 0 else "-Inf"
    if float(value).is_integer() and abs(value) < 1e15:
        return str(int(value))
    return repr(float(value))


def quantile(sorted_values: list[float], q: float) -> float:
    """Nearest rank: the smallest value with at least q of the values at or below it."""
    if not sorted_values:
        return math.nan
    rank = max(1, math.ceil(q * len(sorted_values)))
    return sorted_values[rank - 1]


async def core_families(now: datetime) -> list[Family]:
    """The outbox, the scheduler and the reminders' lateness, from the database."""
    return [
        *await _outbox(now),
        *await _scheduler(now),
        await _lateness(now),
    ]


async def exposition(
    now: datetime,
    *,
    open_breaches: Mapping[str, int],
    database_up: bool = True,
) -> str:
    """The whole page. `open_breaches`: every open status with its count (0 included)."""
    up = Family("rgpd_database_up", "gauge", "1 when the database answered this scrape")
    if not database_up:
        return render([up.add(0)])
    breaches = Family("rgpd_open_breaches", "gauge", "Open breaches by status")
    for status, count in open_breaches.items():
        breaches.add(count, status=status)
    return render([up.add(1), breaches, *await core_families(now)])


async def _outbox(now: datetime) -> list[Family]:
    rows = (
        await OutboxMessage.filter(status__in=list(OUTBOX_STATUSES))
        .annotate(n=Count("id"), oldest=Min("created_at"))
        .group_by("status")
        .values("status", "n", "oldest")
    )
    found = {MessageStatus(r["status"]): r for r in rows}
    messages = Family(
        "rgpd_outbox_messages",
        "gauge",
        "Outbox messages not sent yet, by status (failed: given up)",
    )
    for status in OUTBOX_STATUSES:
        messages.add(found[status]["n"] if status in found else 0, status=status.value)
    oldest = found.get(MessageStatus.FAILED, {}).get("oldest")
    age = Family(
        "rgpd_outbox_oldest_failed_age_seconds",
        "gauge",
        "Age of the oldest failed message (0 when none failed)",
    )
    age.add(max(0.0, (now - _aware(oldest)).total_seconds()) if oldest else 0)
    return [messages, age]


async def _scheduler(now: datetime) -> list[Family]:
    state = await SchedulerState.get_or_none(name="scheduler")
    last_run = state.last_run_at if state is not None else None
    stale_after = timedelta(seconds=3 * get_settings().scheduler_poll_seconds)
    present = last_run is not None and now - last_run <= stale_after
    return [
        Family(
            "rgpd_scheduler_leader_present",
            "gauge",
            "1 when a scheduler leads and ran within three polls",
        ).add(1 if present else 0),
        Family(
            "rgpd_scheduler_last_run_age_seconds",
            "gauge",
            "Seconds since the scheduler's last pass (+Inf when none ever ran)",
        ).add(max(0.0, (now - last_run).total_seconds()) if last_run else math.inf),
    ]


async def _lateness(now: datetime) -> Family:
    since = now - timedelta(seconds=LATENESS_WINDOW_SECONDS)
    values = sorted(
        await ReminderLateness.filter(written_at__gte=since).values_list("seconds", flat=True)
    )
    family = Family(
        "rgpd_reminder_lateness_seconds",
        "summary",
        "How late breach reminders were written over the last hour: from the stage's moment "
        "(or the breach's last change, when later) to the writing",
    )
    for q in QUANTILES:
        family.add(quantile(values, q), quantile=str(q))
    family.add(sum(values), "_sum").add(len(values), "_count")
    return family


def _aware(value):
    # An aggregate (Min) may come back as text or naive UTC on SQLite: make it comparable.
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    return value if value.tzinfo else value.replace(tzinfo=UTC)
