"""Login rate limit, counted in the database so it holds across several workers and hosts."""

from dataclasses import dataclass
from datetime import datetime, timedelta

from core.accounts.models import LoginAttempt

WINDOW = timedelta(minutes=15)
MAX_FAILURES_PER_EMAIL = 5
MAX_FAILURES_PER_IP = 20
_KEEP = timedelta(days=1)


@dataclass(frozen=True)
class Verdict:
    allowed: bool
    retry_after_seconds: int = 0


async def _wait(query, limit: int, now: datetime) -> int:
    """Seconds until the failures counted by `query` fall under `limit`; 0 when already under."""
    failures = await query.order_by("-at").limit(limit).values_list("at", flat=True)
    if len(failures) < limit:
        return 0
    oldest_counted = failures[-1]
    return max(1, int((oldest_counted + WINDOW - now).total_seconds()) + 1)


async def check(*, email: str, ip: str, now: datetime) -> Verdict:
    since = now - WINDOW
    last_ok = (
        await LoginAttempt.filter(email=email, ok=True, at__gt=since)
        .order_by("-at")
        .values_list("at", flat=True)
    )
    by_email = LoginAttempt.filter(email=email, ok=False, at__gt=last_ok[0] if last_ok else since)
    by_ip = LoginAttempt.filter(ip=ip, ok=False, at__gt=since)
    wait = max(
        await _wait(by_email, MAX_FAILURES_PER_EMAIL, now),
        await _wait(by_ip, MAX_FAILURES_PER_IP, now),
    )
    return Verdict(allowed=wait == 0, retry_after_seconds=wait)


async def record(*, email: str, ip: str, ok: bool, now: datetime) -> None:
    await LoginAttempt.filter(at__lt=now - _KEEP).delete()  # housekeeping
    await LoginAttempt.create(email=email, ip=ip, at=now, ok=ok)
