"""Test fixtures: a clean database per test (SQLite in memory, or PostgreSQL), an API client.

`RGPD_TEST_DB=postgres` runs on PostgreSQL the tests that reach the engine (`make test` does
both runs; see `reaches_the_engine`). In CI
(`CI=true`) an unreachable PostgreSQL fails the run; elsewhere that run is skipped, with
the reason printed.
"""

import asyncio
import os
from dataclasses import dataclass

# Every test runs with encryption on (a fixed test key, never used anywhere else).
os.environ.setdefault("RGPD_ENCRYPTION_KEYS", "test:4c5Hyj5gTT4IG9/+3ONzVOPLruS66ZZ3ER9qmd4GPdk=")
import uuid

import httpx
import pytest
from tortoise.backends.base.config_generator import generate_config
from tortoise.context import TortoiseContext, tortoise_test_context

from api.app import create_app
from api.database import MODEL_MODULES

POSTGRES_URL = os.environ.get(
    "RGPD_TEST_POSTGRES_URL", "postgres://postgres@127.0.0.1:5432/rgpd_test_{}"
)
USE_POSTGRES = os.environ.get("RGPD_TEST_DB") == "postgres"
IN_CI = os.environ.get("CI", "").lower() == "true"


async def _postgres_reachable() -> str | None:
    import asyncpg

    try:
        conn = await asyncpg.connect(
            POSTGRES_URL.replace("{}", "x").rsplit("/", 1)[0] + "/postgres", timeout=5
        )
    except Exception as exc:  # the reason is printed, whatever it is
        return f"{type(exc).__name__}: {exc}"
    await conn.close()
    return None


def pytest_configure(config: pytest.Config) -> None:
    if not USE_POSTGRES:
        return
    problem = asyncio.run(_postgres_reachable())
    if problem is None:
        return
    if IN_CI:
        pytest.exit(f"PostgreSQL is required in CI and unreachable: {problem}", returncode=1)
    config._rgpd_skip_reason = f"PostgreSQL unreachable, PostgreSQL run skipped ({problem})"
    print(config._rgpd_skip_reason)


def reaches_the_engine(item: pytest.Item) -> bool:
    """The test uses a database (the `db` fixture), or is marked `engine`: it reaches the
    suite's engine another way (its own database, `rgpd` processes, backups...)."""
    return "db" in getattr(item, "fixturenames", ()) or item.get_closest_marker("engine")


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    reason = getattr(config, "_rgpd_skip_reason", None)
    if reason:
        for item in items:
            item.add_marker(pytest.mark.skip(reason=reason))
    if USE_POSTGRES:
        # The PostgreSQL run repeats only what depends on the engine; the rest (parsers,
        # writers, arithmetic, pages without data) ran once already, in the SQLite run.
        independent = [item for item in items if not reaches_the_engine(item)]
        if independent:
            config.hook.pytest_deselected(items=independent)
            items[:] = [item for item in items if reaches_the_engine(item)]


def pytest_report_header(config: pytest.Config) -> str:
    return f"registre-rgpd database: {'PostgreSQL' if USE_POSTGRES else 'SQLite (memory)'}"


@pytest.fixture
async def db(postgres_database):
    if not USE_POSTGRES:
        async with tortoise_test_context(MODEL_MODULES, db_url="sqlite://:memory:") as context:
            yield context
        return
    # The worker's database, emptied before each test: the same clean schema as a new
    # database, in milliseconds instead of the second a CREATE and a DROP DATABASE cost.
    context = TortoiseContext()
    async with context:
        config = generate_config(
            postgres_database.url, app_modules={"models": MODEL_MODULES}, testing=True
        )
        await context.init(config=config, _create_db=False, use_tz=True, timezone="UTC")
        await context.connections.get("default").execute_script(postgres_database.reset_sql)
        yield context


@dataclass(frozen=True)
class PostgresDatabase:
    url: str
    reset_sql: str  # empties every table and restarts every sequence


@pytest.fixture(scope="session")
def postgres_database():
    """One PostgreSQL database per test process (each xdist worker has its own), its schema
    generated once; dropped when the session ends. None on SQLite."""
    if not USE_POSTGRES:
        yield None
        return
    worker = os.environ.get("PYTEST_XDIST_WORKER", "main")
    url = POSTGRES_URL.format(f"{worker}_{uuid.uuid4().hex}")
    database = asyncio.run(_create_postgres_database(url))
    try:
        yield database
    finally:
        asyncio.run(_drop_postgres_database(url))


async def _create_postgres_database(url: str) -> PostgresDatabase:
    import asyncpg

    async with tortoise_test_context(MODEL_MODULES, db_url=url):
        pass  # creates the database and its schema, and leaves them
    conn = await asyncpg.connect(url)
    try:
        tables = await conn.fetch("SELECT tablename FROM pg_tables WHERE schemaname = 'public'")
        sequences = await conn.fetch(
            "SELECT sequencename FROM pg_sequences WHERE schemaname = 'public'"
        )
    finally:
        await conn.close()
    # Foreign keys are not checked while the replication role is `replica` (a superuser may
    # set it, as the default URL's `postgres` is): the tables can be emptied in any order.
    statements = [
        "BEGIN",
        "SET LOCAL session_replication_role = replica",
        *(f'DELETE FROM "{row["tablename"]}"' for row in tables),
        *(f'ALTER SEQUENCE "{row["sequencename"]}" RESTART' for row in sequences),
        "COMMIT",
    ]
    return PostgresDatabase(url=url, reset_sql=";\n".join(statements) + ";")


async def _drop_postgres_database(url: str) -> None:
    import asyncpg

    server, name = url.rsplit("/", 1)
    admin = await asyncpg.connect(f"{server}/postgres")
    try:
        await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    finally:
        await admin.close()


@pytest.fixture
async def client(db):
    """The API as an instance administrator calling with a bearer token."""
    from core.accounts.service import create_user
    from core.accounts.tokens import issue_token
    from core.clock import utcnow

    admin = await create_user(
        email="admin-tests@registre-rgpd.test",
        name="Admin des tests",
        password=None,
        is_instance_admin=True,
    )
    issued = await issue_token(user=admin, name="tests", days=1, now=utcnow())
    app = create_app(manage_database=False)
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(
        transport=transport,
        base_url="http://test",
        headers={"Authorization": f"Bearer {issued.secret}"},
    ) as http:
        yield http


@pytest.fixture
def settings_env(monkeypatch):
    """Set RGPD_* settings for one test: `settings_env(smtp_port=2525)`; restored after."""
    from core.config import get_settings

    def apply(**values):
        for name, value in values.items():
            monkeypatch.setenv(f"RGPD_{name.upper()}", str(value))
        get_settings.cache_clear()
        return get_settings()

    yield apply
    monkeypatch.undo()
    get_settings.cache_clear()


@pytest.fixture
def smtp(settings_env):
    """A real SMTP server on loopback, with the settings pointing at it; `smtp.received`."""
    from tests.smtp_server import SmtpServer

    server = SmtpServer().start()
    settings_env(
        smtp_host="127.0.0.1",
        smtp_port=server.port,
        smtp_security="none",
        mail_from="registre-rgpd <rgpd@registre-rgpd.fr>",
        outbox_backoff_seconds=1,
    )
    yield server
    server.stop()
