"""One leading scheduler per database.

PostgreSQL: a session advisory lock held on a connection of its own; the server frees it when
that connection dies, so a killed leader is replaced as soon as a stand-by asks again.
SQLite: an exclusive lock (flock) on a file beside the database, freed by the kernel when the
process dies. An in-memory SQLite database lives in one process: that process leads.
"""

import asyncio
import fcntl
import logging
import os
import zlib
from pathlib import Path

log = logging.getLogger("rgpd.leader")

# Constant, so every process of one instance asks for the same lock.
ADVISORY_LOCK_KEY = zlib.crc32(b"registre-rgpd scheduler")


class Leadership:
    """`await acquire()` tries once (non-blocking); `await still_held()` checks it is ours."""

    async def acquire(self) -> bool:
        raise NotImplementedError

    async def still_held(self) -> bool:
        raise NotImplementedError

    async def release(self) -> None:
        raise NotImplementedError


class PostgresLeadership(Leadership):
    def __init__(self, dsn: str):
        self.dsn = dsn
        self.conn = None

    async def acquire(self) -> bool:
        import asyncpg

        if self.conn is None or self.conn.is_closed():
            self.conn = await asyncpg.connect(_asyncpg_dsn(self.dsn), timeout=10)
        held = await self.conn.fetchval("SELECT pg_try_advisory_lock($1)", ADVISORY_LOCK_KEY)
        if not held:
            await self.conn.close()
            self.conn = None
        return bool(held)

    async def still_held(self) -> bool:
        if self.conn is None or self.conn.is_closed():
            return False
        try:
            # A session lock lasts as long as its session: a live connection still holds it.
            await asyncio.wait_for(self.conn.fetchval("SELECT 1"), timeout=10)
            return True
        except Exception as exc:  # whatever broke the connection, the lock went with it
            log.warning("leadership check failed: %s", type(exc).__name__)
            return False

    async def release(self) -> None:
        if self.conn is not None and not self.conn.is_closed():
            try:
                await self.conn.execute("SELECT pg_advisory_unlock($1)", ADVISORY_LOCK_KEY)
            finally:
                await self.conn.close()
        self.conn = None


class FileLeadership(Leadership):
    def __init__(self, lock_path: Path):
        self.lock_path = lock_path
        self.fd: int | None = None

    async def acquire(self) -> bool:
        if self.fd is not None:
            return True
        self.lock_path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(self.lock_path, os.O_RDWR | os.O_CREAT, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(fd)
            return False
        os.ftruncate(fd, 0)
        os.write(fd, f"{os.getpid()}\n".encode())
        self.fd = fd
        return True

    async def still_held(self) -> bool:
        return self.fd is not None

    async def release(self) -> None:
        if self.fd is not None:
            fcntl.flock(self.fd, fcntl.LOCK_UN)
            os.close(self.fd)
            self.fd = None


class SoleProcessLeadership(Leadership):
    async def acquire(self) -> bool:
        return True

    async def still_held(self) -> bool:
        return True

    async def release(self) -> None:
        return None


def leadership_for(database_url: str) -> Leadership:
    if database_url.startswith(("postgres://", "postgresql://", "asyncpg://")):
        return PostgresLeadership(database_url)
    if database_url.startswith("sqlite://"):
        path = database_url.removeprefix("sqlite://").split("?", 1)[0]
        if path in ("", ":memory:"):
            return SoleProcessLeadership()
        return FileLeadership(Path(path).with_suffix(Path(path).suffix + ".scheduler.lock"))
    raise ValueError(f"database_url : moteur non pris en charge ({database_url.split(':')[0]})")


def _asyncpg_dsn(url: str) -> str:
    # Tortoise accepts postgres:// and asyncpg://; asyncpg wants postgresql:// (or postgres://).
    return "postgresql://" + url.split("://", 1)[1].split("?", 1)[0]
