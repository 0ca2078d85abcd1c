"""Login rate limit: counters in the database, each attempt counted by one atomic statement.

An attempt is counted *before* its password is checked: `INSERT … ON CONFLICT DO UPDATE …
RETURNING failures` gives each attempt its own number, even when eighty arrive at once in
several workers (PostgreSQL takes the row lock of the key; SQLite has one writer at a time).
The attempt proceeds only if its number is within the limit; a success then takes its count
back. A window is fixed: it starts at the first failure and lasts WINDOW, whatever comes after.

Three counters, checked in this order, so that nobody can lock an account out indefinitely
(docs/access.md, "Login limit"):

- per address (every account): MAX_FAILURES_PER_IP;
- per account and address: MAX_FAILURES_PER_PAIR. Someone guessing from their own address
  blocks only themselves;
- per account, from addresses that have not signed in to it during TRUSTED_FOR:
  MAX_FAILURES_PER_ACCOUNT, higher. It stops a guess spread over many addresses, and leaves
  the account's owner free to sign in from an address they used lately.

The keys are hashes: the table keeps no e-mail and no address.
"""

import hashlib
from dataclasses import dataclass
from datetime import datetime, timedelta

from tortoise import connections

from core.accounts.models import LoginAttempt, LoginCounter

WINDOW = timedelta(minutes=15)
MAX_FAILURES_PER_IP = 20
MAX_FAILURES_PER_PAIR = 5
MAX_FAILURES_PER_ACCOUNT = 50
TRUSTED_FOR = timedelta(days=30)
_KEEP = timedelta(days=1)
_TABLE = LoginCounter._meta.db_table

_COUNT = {
    "sqlite": (
        f'INSERT INTO "{_TABLE}" ("key", "window_start", "failures") VALUES (?, ?, 1) '
        'ON CONFLICT ("key") DO UPDATE SET '
        '"failures" = CASE WHEN "window_start" <= ? THEN 1 ELSE "failures" + 1 END, '
        '"window_start" = CASE WHEN "window_start" <= ? THEN ? ELSE "window_start" END '
        'RETURNING "failures", "window_start"'
    ),
    "postgres": (
        f'INSERT INTO "{_TABLE}" AS c ("key", "window_start", "failures") VALUES ($1, $2, 1) '
        'ON CONFLICT ("key") DO UPDATE SET '
        '"failures" = CASE WHEN c."window_start" <= $3 THEN 1 ELSE c."failures" + 1 END, '
        '"window_start" = CASE WHEN c."window_start" <= $3 THEN $2 ELSE c."window_start" END '
        'RETURNING "failures", "window_start"'
    ),
}


@dataclass(frozen=True)
class Verdict:
    allowed: bool
    retry_after_seconds: int = 0
    # Which limit refused, and whether this attempt is the one that reached it (the lockout
    # is journaled once per window, not at every refused attempt).
    limit: str | None = None
    first_refusal: bool = False
    counted: tuple[str, ...] = ()  # the counters this attempt went into


def _key(kind: str, *parts: str) -> str:
    digest = hashlib.sha256("\x1f".join(parts).encode("utf-8")).hexdigest()
    return f"{kind}:{digest}"


def _keys(email: str, ip: str) -> dict[str, str]:
    return {
        "ip": _key("ip", ip),
        "pair": _key("pair", email, ip),
        "account": _key("account", email),
        "ok": _key("ok", email, ip),
    }


def _connection():
    return connections.get(LoginCounter._meta.default_connection)


def _seconds(moment: datetime) -> int:
    return int(moment.timestamp())


async def _count(key: str, now: datetime) -> tuple[int, int]:
    """Count one attempt on `key`, atomically: (its number in the window, window start)."""
    conn = _connection()
    dialect = "postgres" if conn.capabilities.dialect == "postgres" else "sqlite"
    start, expired = _seconds(now), _seconds(now - WINDOW)
    params = [key, start, expired] if dialect == "postgres" else [key, start, expired, expired]
    if dialect == "sqlite":
        params.append(start)
    # execute_query_dict fetches the rows whatever the statement (execute_query would not
    # read an INSERT's RETURNING on PostgreSQL).
    row = (await conn.execute_query_dict(_COUNT[dialect], params))[0]
    return int(row["failures"]), int(row["window_start"])


async def _trusted(keys: dict[str, str], now: datetime) -> bool:
    """Did the account sign in from this address within TRUSTED_FOR?"""
    since = _seconds(now - TRUSTED_FOR)
    return await LoginCounter.exists(key=keys["ok"], window_start__gte=since)


async def begin(*, email: str, ip: str, now: datetime) -> Verdict:
    """Count this attempt on each counter in turn; refuse at the first one over its limit."""
    keys = _keys(email, ip)
    limits = [("ip", MAX_FAILURES_PER_IP), ("pair", MAX_FAILURES_PER_PAIR)]
    if not await _trusted(keys, now):
        limits.append(("account", MAX_FAILURES_PER_ACCOUNT))
    counted: list[str] = []
    for name, limit in limits:
        number, window_start = await _count(keys[name], now)
        counted.append(name)
        if number > limit:
            wait = max(1, window_start + int(WINDOW.total_seconds()) - _seconds(now))
            return Verdict(
                allowed=False,
                retry_after_seconds=wait,
                limit=name,
                first_refusal=number == limit + 1,
                counted=tuple(counted),
            )
    return Verdict(allowed=True, counted=tuple(counted))


async def succeeded(*, email: str, ip: str, verdict: Verdict, now: datetime) -> None:
    """A right password (and code): this address's failures on the account are forgotten, the
    attempt's own count is taken back, and the address is trusted for the account."""
    keys = _keys(email, ip)
    await LoginCounter.filter(key=keys["pair"]).delete()
    for name in verdict.counted:
        if name != "pair":
            await _uncount(keys[name])
    conn = _connection()
    mark = ("$1", "$2") if conn.capabilities.dialect == "postgres" else ("?", "?")
    await conn.execute_query(
        f'INSERT INTO "{_TABLE}" ("key", "window_start", "failures") VALUES ({mark[0]}, '
        f'{mark[1]}, 0) ON CONFLICT ("key") DO UPDATE SET "window_start" = excluded."window_start"',
        [keys["ok"], _seconds(now)],
    )


async def _uncount(key: str) -> None:
    conn = _connection()
    mark = "$1" if conn.capabilities.dialect == "postgres" else "?"
    await conn.execute_query(
        f'UPDATE "{_TABLE}" SET "failures" = "failures" - 1 '
        f'WHERE "key" = {mark} AND "failures" > 0',
        [key],
    )


async def record(*, email: str, ip: str, ok: bool, now: datetime) -> None:
    """Keep the attempt a day (the address it came from, for the operator), and clear out
    what no longer counts."""
    await LoginAttempt.filter(at__lt=now - _KEEP).delete()
    await LoginCounter.filter(
        window_start__lt=_seconds(now - TRUSTED_FOR),
    ).delete()
    await LoginAttempt.create(email=email, ip=ip, at=now, ok=ok)
