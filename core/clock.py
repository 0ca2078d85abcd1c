"""Time: stored in UTC, shown in the configured zone (Europe/Paris)."""

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

from core.config import get_settings


def utcnow() -> datetime:
    return datetime.now(UTC)


def today_local() -> date:
    return utcnow().astimezone(local_zone()).date()


def local_zone() -> ZoneInfo:
    return ZoneInfo(get_settings().timezone)


def to_local(moment: datetime) -> datetime:
    if moment.tzinfo is None:
        raise ValueError("naive datetime: times must be timezone-aware")
    return moment.astimezone(local_zone())
