"""What /healthz says beyond the database: is a scheduler leading and running, and is mail
leaving. Counts and times only: no subject, address or content."""

from datetime import datetime, timedelta
from typing import Any

from tortoise.functions import Count, Min

from core.config import get_settings
from core.outbox.models import MessageStatus, OutboxMessage
from core.scheduling import SchedulerState


async def scheduler_report(now: datetime) -> dict[str, Any]:
    """A leader is 'present' when it ran within three polls (it runs at least once a poll)."""
    state = await SchedulerState.get_or_none(name="scheduler")
    if state is None or state.last_run_at is None:
        return {"leader": "absent", "last_run_at": None, "last_error": None}
    stale_after = timedelta(seconds=3 * get_settings().scheduler_poll_seconds)
    present = now - state.last_run_at <= stale_after
    return {
        "leader": "present" if present else "absent",
        "leader_since": state.leader_since.isoformat(),
        "last_run_at": state.last_run_at.isoformat(),
        "last_error": state.last_error,
    }


async def outbox_report() -> dict[str, Any]:
    rows = (
        await OutboxMessage.filter(status__in=[MessageStatus.PENDING, MessageStatus.FAILED])
        .annotate(n=Count("id"), oldest=Min("created_at"))
        .group_by("status")
        .values("status", "n", "oldest")
    )
    by_status = {MessageStatus(r["status"]): r for r in rows}
    failed = by_status.get(MessageStatus.FAILED)
    return {
        "pending": by_status[MessageStatus.PENDING]["n"]
        if MessageStatus.PENDING in by_status
        else 0,
        "failed": failed["n"] if failed else 0,
        "oldest_failed_at": _iso(failed["oldest"]) if failed else None,
    }


def _iso(value) -> str | None:
    if value is None:
        return None
    return value.isoformat() if hasattr(value, "isoformat") else str(value)
