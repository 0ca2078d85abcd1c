"""Migration 0011 on a register that already holds activities, as a server upgrades: the
demo's register is written, the schema taken back to 0010 (the search index and the data
categories' table gone), then `rgpd migrate` brings it to head again. Afterwards the data
category filter and the search find what the activities' own columns say. A SQLite file, or
a fresh PostgreSQL database in the PostgreSQL run."""

import json
import os
import subprocess
import sys

import pytest

from tests import test_cli_and_migrations as cli
from tests.cli import ROOT, rgpd

pytestmark = pytest.mark.engine

database_url = cli.database_url  # the fixture: a SQLite file, or a fresh PostgreSQL database

BACK_TO_0010 = """
import asyncio
from tortoise import Tortoise
from tortoise.migrations.api.migrate import migrate
from api.database import tortoise_config

async def main():
    try:
        await migrate(config=tortoise_config(), target="models.0010_signed_actor")
        await Tortoise.init(config=tortoise_config())
        try:  # the premise: 0011's table is gone
            connection = Tortoise.get_connection("default")
            await connection.execute_query("SELECT * FROM activity_data_category")
        except Exception:
            print("absent")
    finally:
        await Tortoise.close_connections()

asyncio.run(main())
"""

# What the index answers against what the columns say, through the service and the models.
COMPARE = """
import asyncio, json
from tortoise import Tortoise
from api.database import tortoise_config
from core.scope import Scope
from register.activities.models import ActivityDataCategory, ProcessingActivity
from register.activities.service import ActivityFilters, list_activities

async def main():
    await Tortoise.init(config=tortoise_config())
    try:
        activities = await ProcessingActivity.all()
        out = {"activities": len(activities), "categories": {}, "search": {}}
        for category in {c for a in activities for c in a.data_categories}:
            page = await list_activities(
                scope=Scope.everything(), filters=ActivityFilters(data_category=category),
                limit=1000)
            expected = sorted(str(a.id) for a in activities if category in a.data_categories)
            out["categories"][category] = [sorted(str(i.id) for i in page.items), expected]
        for q in ["etat civil", "Élections", "cantine", "restauration scolaire", "zz"]:
            page = await list_activities(
                scope=Scope.everything(), filters=ActivityFilters(q=q), limit=1000)
            found = sorted(str(i.id) for i in page.items)
            query = ProcessingActivity.all()
            from core.text import search_terms
            for term in search_terms(q):
                query = query.filter(search_text__contains=term)
            out["search"][q] = [found, sorted(str(a.id) for a in await query)]
        out["rows"] = await ActivityDataCategory.all().count()
        print(json.dumps(out))
    finally:
        await Tortoise.close_connections()

asyncio.run(main())
"""


def python(url: str, script: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "RGPD_DATABASE_URL": url}
    return subprocess.run(
        [sys.executable, "-c", script],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_the_migration_indexes_the_activities_already_there(database_url):
    assert rgpd("migrate", database=database_url).returncode == 0
    demo = rgpd("demo", database=database_url)
    assert demo.returncode == 0, demo.stderr
    back = python(database_url, BACK_TO_0010)
    assert back.returncode == 0, back.stderr
    assert back.stdout.strip().endswith("absent")
    again = rgpd("migrate", database=database_url)
    assert again.returncode == 0, again.stderr

    result = python(database_url, COMPARE)
    assert result.returncode == 0, result.stderr
    seen = json.loads(result.stdout.strip().splitlines()[-1])
    assert seen["activities"] >= 5, "the demo writes a register"
    assert len(seen["categories"]) >= 3
    for category, (found, expected) in seen["categories"].items():
        assert found == expected, category
    assert seen["rows"] == sum(len(expected) for _, expected in seen["categories"].values())
    for q, (found, expected) in seen["search"].items():
        assert found == expected, q
    assert any(expected for _, expected in seen["search"].values()), "the searches find rows"
