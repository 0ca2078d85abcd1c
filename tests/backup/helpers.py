"""Databases, environments and `rgpd` processes for the backup tests.

Each database is a real one made for the test: a SQLite file (not created: the commands
make it) or, with RGPD_TEST_DB=postgres, an empty PostgreSQL database, dropped afterwards.
"""

import asyncio
import os
import shutil
import sqlite3
import subprocess
import sys
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

import asyncpg
import pytest

from tests.cli import RGPD, ROOT, rgpd
from tests.conftest import IN_CI, POSTGRES_URL, USE_POSTGRES
from tests.smtp_server import free_port

ENGINE = "postgres" if USE_POSTGRES else "sqlite"
TEST_KEY_ID, TEST_KEY = os.environ["RGPD_ENCRYPTION_KEYS"].split(":", 1)
DEMO_ADMIN = "admin@demo.registre-rgpd.fr"


def require_postgres_tools() -> None:
    """pg_dump and pg_restore are needed by the PostgreSQL run: skipped without them
    outside CI (with the reason), failed in CI."""
    if not USE_POSTGRES:
        return
    missing = [tool for tool in ("pg_dump", "pg_restore") if shutil.which(tool) is None]
    if missing:
        reason = f"{', '.join(missing)} absent (paquet postgresql-client)"
        if IN_CI:
            pytest.fail(f"{reason}: required in CI")
        print(reason)
        pytest.skip(reason)


@asynccontextmanager
async def empty_database(tmp_path: Path, name: str) -> AsyncIterator[str]:
    """The URL of an empty database of the engine under test."""
    if not USE_POSTGRES:
        yield f"sqlite://{tmp_path / f'{name}.sqlite3'}"
        return
    db_name = f"rgpd_backup_{name}_{uuid.uuid4().hex[:12]}"
    server = POSTGRES_URL.rsplit("/", 1)[0]
    admin = await asyncpg.connect(f"{server}/postgres")
    try:
        await admin.execute(f'CREATE DATABASE "{db_name}"')
        yield f"{server}/{db_name}"
    finally:
        await admin.execute(f'DROP DATABASE IF EXISTS "{db_name}" WITH (FORCE)')
        await admin.close()


def closed_port() -> int:
    """A loopback port nothing listens on: the SMTP server is unreachable, messages wait."""
    return free_port()


def instance_env(url: str, *, signing_key: Path | None = None, **settings: object) -> dict:
    env = {k: v for k, v in os.environ.items() if not k.startswith("RGPD_")}
    env.update(
        RGPD_DATABASE_URL=url,
        RGPD_ENCRYPTION_KEYS=os.environ["RGPD_ENCRYPTION_KEYS"],
        RGPD_SMTP_HOST="127.0.0.1",
        RGPD_SMTP_PORT=str(closed_port()),
        RGPD_SMTP_SECURITY="none",
        RGPD_SMTP_TIMEOUT_SECONDS="5",
        RGPD_SCHEDULER_POLL_SECONDS="0.5",
        RGPD_SCHEDULER_LEADER_RETRY_SECONDS="0.3",
        # A failed delivery is tried again in an hour: the outbox stands still meanwhile.
        RGPD_OUTBOX_BACKOFF_SECONDS="3600",
        RGPD_OUTBOX_BACKOFF_MAX_SECONDS="3600",
    )
    if signing_key is not None:
        env["RGPD_SIGNING_KEY_FILE"] = str(signing_key)
    env.update({f"RGPD_{k.upper()}": str(v) for k, v in settings.items()})
    return env


def backup(env: dict, *args: str):
    return rgpd("backup", *args, env=env, timeout=180)


def restore(env: dict, *args: str):
    return rgpd("restore", *args, env=env, timeout=180)


async def backup_async(env: dict, *args: str) -> tuple[int, str, str]:
    """`rgpd backup` without blocking the test's event loop (writers keep writing)."""
    proc = await asyncio.create_subprocess_exec(
        *RGPD,
        "backup",
        *args,
        cwd=ROOT,
        env=env,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    out, err = await asyncio.wait_for(proc.communicate(), timeout=300)
    return proc.returncode, out.decode(), err.decode()


async def sql(url: str, query: str, *args: object) -> list[tuple]:
    """A raw query on the database at `url` (the test's own connection)."""
    if url.startswith("sqlite://"):
        conn = sqlite3.connect(url.removeprefix("sqlite://"))
        try:
            rows = conn.execute(query.replace("$1", "?").replace("$2", "?"), args).fetchall()
            conn.commit()
        finally:
            conn.close()
        return rows
    conn = await asyncpg.connect(url)
    try:
        return [tuple(r) for r in await conn.fetch(query, *args)]
    finally:
        await conn.close()


async def tables(url: str) -> list[str]:
    if url.startswith("sqlite://"):
        if not Path(url.removeprefix("sqlite://")).exists():
            return []
        rows = await sql(url, "SELECT name FROM sqlite_master WHERE type = 'table'")
    else:
        rows = await sql(
            url,
            "SELECT tablename FROM pg_tables "
            "WHERE schemaname NOT IN ('pg_catalog', 'information_schema')",
        )
    return sorted(name for (name,) in rows)


async def applied(url: str) -> list[str]:
    rows = await sql(url, 'SELECT "name" FROM tortoise_migrations ORDER BY "name"')
    return [name for (name,) in rows]


async def pretend_newer_version_migrated(url: str, name: str) -> None:
    """What a newer registre-rgpd leaves: one more migration recorded as applied."""
    await sql(
        url,
        'INSERT INTO tortoise_migrations ("app", "name", "applied_at") VALUES ($1, $2, '
        + ("CURRENT_TIMESTAMP" if url.startswith("sqlite://") else "now()")
        + ")",
        "models",
        name,
    )


def migrate_to(env: dict, url: str, name: str) -> None:
    """The schema as an older registre-rgpd left it: migrations applied up to `name`."""
    script = (
        "import asyncio\n"
        "from tortoise import Tortoise\n"
        "from tortoise.migrations.api.migrate import migrate\n"
        "from api.database import tortoise_config\n"
        "async def main():\n"
        "    try:\n"
        f"        await migrate(config=tortoise_config({url!r}), target='models.{name}')\n"
        "    finally:\n"
        "        await Tortoise.close_connections()\n"
        "asyncio.run(main())\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", script],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=180,
    )
    assert result.returncode == 0, result.stderr
