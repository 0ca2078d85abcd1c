"""Real `rgpd scheduler` processes on a real database (a SQLite file or a PostgreSQL database
made for the test), and a way for the test to read and write that database meanwhile."""

import asyncio
import os
import signal
import subprocess
import time
import uuid
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from pathlib import Path

import asyncpg
from tortoise.context import TortoiseContext

from api.database import tortoise_config
from tests.cli import RGPD, ROOT
from tests.conftest import POSTGRES_URL

MAIL_FROM = "registre-rgpd <rgpd@registre-rgpd.fr>"


@asynccontextmanager
async def fresh_database(tmp_path: Path, engine: str) -> AsyncIterator[str]:
    """The URL of an empty database with the schema built from the models; dropped after."""
    if engine == "sqlite":
        url = f"sqlite://{tmp_path / 'rgpd.sqlite3'}"
        await _build_schema(url)
        yield url
        return
    name = f"rgpd_sched_{uuid.uuid4().hex}"
    server = POSTGRES_URL.rsplit("/", 1)[0]
    admin = await asyncpg.connect(f"{server}/postgres")
    try:
        await admin.execute(f'CREATE DATABASE "{name}"')
        url = f"{server}/{name}"
        await _build_schema(url)
        yield url
    finally:
        await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        await admin.close()


async def _build_schema(url: str) -> None:
    async with orm(url) as ctx:
        await ctx.generate_schemas()


@asynccontextmanager
async def orm(url: str) -> AsyncIterator[TortoiseContext]:
    """The models on that database, for the test process, while schedulers run on it."""
    async with TortoiseContext() as ctx:
        await ctx.init(config=tortoise_config(url))
        yield ctx


def scheduler_env(url: str, smtp_port: int, **settings: object) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("RGPD_")}
    env.update(
        # The test's key: the schedulers read what the test process wrote, and the other way.
        RGPD_ENCRYPTION_KEYS=os.environ["RGPD_ENCRYPTION_KEYS"],
        RGPD_DATABASE_URL=url,
        RGPD_SMTP_HOST="127.0.0.1",
        RGPD_SMTP_PORT=str(smtp_port),
        RGPD_SMTP_SECURITY="none",
        RGPD_SMTP_TIMEOUT_SECONDS="5",
        RGPD_MAIL_FROM=MAIL_FROM,
        RGPD_BASE_URL="https://rgpd.exemple.fr",
        # Small figures, so that a test sees in seconds what takes minutes in production.
        RGPD_SCHEDULER_POLL_SECONDS="0.5",
        RGPD_SCHEDULER_LEADER_RETRY_SECONDS="0.3",
        RGPD_OUTBOX_BACKOFF_SECONDS="0.2",
        RGPD_OUTBOX_BACKOFF_MAX_SECONDS="1",
        RGPD_OUTBOX_MAX_ATTEMPTS="100",
        # Long: a crashed sender's claims come back because the next leader releases them,
        # not because their lease ran out.
        RGPD_OUTBOX_LEASE_SECONDS="300",
    )
    env.update({f"RGPD_{k.upper()}": str(v) for k, v in settings.items()})
    return env


class SchedulerProcess:
    """`python -m api.cli <command>` in its own process, its log (stderr) kept in a file."""

    def __init__(self, env: dict[str, str], log_path: Path, *command: str):
        self.log_path = log_path
        self.log_file = open(log_path, "ab")  # noqa: SIM115 (closed in stop/kill)
        self.proc = subprocess.Popen(
            [*RGPD, *(command or ("scheduler",))],
            cwd=ROOT,
            env=env,
            stdout=self.log_file,
            stderr=subprocess.STDOUT,
        )

    @property
    def pid(self) -> int:
        return self.proc.pid

    def log(self) -> str:
        return self.log_path.read_text(encoding="utf-8", errors="replace")

    async def wait_for_log(self, text: str, timeout: float = 20, count: int = 1) -> None:
        await wait_until(
            lambda: self.log().count(text) >= count or self.proc.poll() is not None,
            timeout,
            f"{text!r} in the log of process {self.pid}",
        )
        assert self.log().count(text) >= count, f"process {self.pid} exited:\n{self.log()}"

    def kill(self) -> None:
        """SIGKILL: no handler, no cleanup, as in a crash."""
        self.proc.send_signal(signal.SIGKILL)
        self.proc.wait(timeout=10)
        self.log_file.close()

    def stop(self, timeout: float = 15) -> int:
        """SIGTERM, and the exit code of a clean stop."""
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
        try:
            code = self.proc.wait(timeout=timeout)
        finally:
            if self.proc.poll() is None:
                self.proc.kill()
            self.log_file.close()
        return code


async def wait_until(
    condition: Callable[[], object], timeout: float, what: str, every: float = 0.05
) -> None:
    """Poll `condition` (sync or async) until true; fail saying what never happened."""
    deadline = time.monotonic() + timeout
    while True:
        value = condition()
        if asyncio.iscoroutine(value):
            value = await value
        if value:
            return
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout} s waiting for {what}")
        await asyncio.sleep(every)
