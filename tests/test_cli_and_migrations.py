"""The `rgpd` command line on a migrated database, as an administrator runs it."""

import json
import subprocess
import sys
import uuid

import asyncpg
import pytest

from tests.cli import ROOT, rgpd
from tests.conftest import POSTGRES_URL, USE_POSTGRES

pytestmark = pytest.mark.engine


@pytest.fixture
async def database_url(tmp_path):
    if not USE_POSTGRES:
        yield f"sqlite://{tmp_path / 'rgpd.sqlite3'}"
        return
    name = f"rgpd_cli_{uuid.uuid4().hex}"
    server = POSTGRES_URL.rsplit("/", 1)[0]
    admin = await asyncpg.connect(f"{server}/postgres")
    await admin.execute(f'CREATE DATABASE "{name}"')
    try:
        yield f"{server}/{name}"
    finally:
        await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        await admin.close()


def test_the_models_and_the_migrations_agree():
    """A model change without its migration would break `rgpd migrate` on a real server."""
    script = (
        "import asyncio\n"
        "from tortoise.context import TortoiseContext\n"
        "from tortoise.migrations.autodetector import MigrationAutodetector\n"
        "from api.database import tortoise_config\n"
        "async def main():\n"
        "    config = tortoise_config('sqlite://:memory:')\n"
        "    async with TortoiseContext() as ctx:\n"
        "        await ctx.init(config=config)\n"
        "        changes = await MigrationAutodetector(ctx.apps, config['apps']).changes()\n"
        "        print(len(changes))\n"
        "asyncio.run(main())\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", script], cwd=ROOT, capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip().splitlines()[-1] == "0", "run `tortoise makemigrations`"


def test_migrate_demo_and_records_from_the_command_line(database_url):
    assert rgpd("migrate", database=database_url).returncode == 0
    assert rgpd("migrate", database=database_url).returncode == 0, "migrate must be idempotent"
    first = rgpd("demo", database=database_url)
    assert first.returncode == 0, first.stderr
    assert rgpd("demo", database=database_url).returncode == 0

    listing = rgpd("organisations", database=database_url)
    assert "Commune de Juvisy-sur-Orge" in listing.stdout
    assert listing.stdout.strip().endswith("9 organismes"), "demo loaded twice?"

    record = rgpd("record", "controller", "Juvisy", database=database_url)
    assert record.returncode == 0, record.stderr
    activities = json.loads(record.stdout)["activities"]
    processors = {p["processor"]["legal_name"] for a in activities for p in a["processors"]}
    assert any("Grand-Orly Seine Bièvre" in name for name in processors)

    breaches = rgpd("breaches", database=database_url)
    assert breaches.returncode == 0, breaches.stderr
    assert "Commune de Juvisy-sur-Orge" in breaches.stdout
    assert "Information du responsable de traitement : reste 61 h" in breaches.stdout
    assert breaches.stdout.strip().endswith("1 violation"), "demo incident declared twice?"

    processor = json.loads(rgpd("record", "processor", "200058014", database=database_url).stdout)
    served = {c["controller"]["legal_name"] for c in processor["controllers"]}
    assert "Commune de Juvisy-sur-Orge" in served


def test_a_record_created_from_the_command_line_obeys_the_rules(database_url):
    assert rgpd("migrate", database=database_url).returncode == 0
    bad = rgpd(
        "create",
        "organisation",
        "-f",
        "-",
        database=database_url,
        input='{"legal_name": "Commune test", "kind": "commune", "siren": "123456789"}',
    )
    assert bad.returncode == 2
    assert "siren" in bad.stderr and "Luhn" in bad.stderr

    good = rgpd(
        "create",
        "organisation",
        "-f",
        "-",
        database=database_url,
        input='{"legal_name": "Commune d\'Évry", "kind": "commune"}',
    )
    assert good.returncode == 0, good.stderr
    created = json.loads(good.stdout)

    stale = rgpd(
        "update",
        "organisation",
        created["id"],
        "--version",
        "7",
        "-f",
        "-",
        database=database_url,
        input='{"population": 10}',
    )
    assert stale.returncode == 1
    assert "modifiée entre-temps" in stale.stderr
    assert "Commune d'Évry" in rgpd("organisations", "--q", "evry", database=database_url).stdout


def test_a_failed_migration_exits_with_its_error_instead_of_hanging(tmp_path):
    # A table in the way: the first migration cannot create it.
    import sqlite3

    path = tmp_path / "occupied.sqlite3"
    with sqlite3.connect(path) as conn:
        conn.execute("CREATE TABLE organisation (id INTEGER)")
    result = rgpd("migrate", database=f"sqlite://{path}")
    assert result.returncode == 1
    assert "migration interrompue" in result.stderr and "organisation" in result.stderr
