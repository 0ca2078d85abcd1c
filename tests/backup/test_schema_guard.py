"""The schema guard: `rgpd migrate`, `rgpd serve` and `rgpd scheduler` refuse a database that
a newer registre-rgpd migrated (a migration this code does not ship is recorded as applied),
and still start on a current one; `rgpd migrate` still brings an older one to head."""

import json
import urllib.request

import pytest

from core.schema_guard import known_migrations
from tests.backup.helpers import (
    applied,
    empty_database,
    instance_env,
    migrate_to,
    pretend_newer_version_migrated,
)
from tests.cli import rgpd
from tests.scheduler.processes import SchedulerProcess
from tests.smtp_server import free_port

pytestmark = pytest.mark.engine

NEWER = "0999_from_a_newer_version"
REFUSAL = (
    f"la base a été migrée par une version plus récente de registre-rgpd ({NEWER}) : "
    "installez cette version ou restaurez une sauvegarde"
)


async def test_a_database_migrated_by_a_newer_version_stops_migrate_serve_and_scheduler(
    tmp_path,
):
    async with empty_database(tmp_path, "newer") as url:
        env = instance_env(url)
        rgpd("migrate", env=env, check=True, timeout=180)
        await pretend_newer_version_migrated(url, NEWER)
        before = await applied(url)

        migrate = rgpd("migrate", env=env, timeout=180)
        assert migrate.returncode == 1
        assert REFUSAL in migrate.stderr
        assert "schéma à jour" not in migrate.stdout

        # Server commands run to their end: each must stop by itself (120 s, a generous bound).
        serve = rgpd("serve", "--port", str(free_port()), env=env)
        assert serve.returncode == 1, serve.stderr
        assert REFUSAL in serve.stderr
        assert "Uvicorn running" not in serve.stderr

        scheduler = rgpd("scheduler", env=env)
        assert scheduler.returncode == 1, scheduler.stderr
        assert REFUSAL in scheduler.stderr
        assert "leading as" not in scheduler.stderr

        assert await applied(url) == before, "nothing ran against it"


async def test_a_current_database_starts_and_an_older_one_is_migrated_to_head(tmp_path):
    async with empty_database(tmp_path, "older") as url:
        env = instance_env(url)
        # An older registre-rgpd's database: every migration but the last one applied.
        *older, last = known_migrations()
        migrate_to(env, url, older[-1])
        assert await applied(url) == older

        assert "schéma à jour" in rgpd("migrate", env=env, check=True, timeout=180).stdout
        assert await applied(url) == [*older, last]

        port = free_port()
        web = SchedulerProcess(env, tmp_path / "serve.log", "serve", "--port", str(port))
        try:
            await web.wait_for_log("Uvicorn running", timeout=60)
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=10) as r:
                assert r.status == 200
                assert json.loads(r.read())["database"] == "ok"
        finally:
            assert web.stop() in (0, -15), web.log()

        alone = SchedulerProcess(env, tmp_path / "scheduler.log", "scheduler")
        try:
            await alone.wait_for_log("leading as", timeout=60)
        finally:
            assert alone.stop() == 0, alone.log()
        assert "plus récente" not in web.log() + alone.log()
