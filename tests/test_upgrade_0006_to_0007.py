"""An upgrade from migration 0006 on a database holding clear rows, as a server runs it: the
schema is migrated to 0006 only, rows are written in clear as that version wrote them, then
the current `rgpd migrate` applies 0007 (columns turned encrypted), the clear values still read
as they were, and `rgpd keys rotate` encrypts them in place. A SQLite file, or a fresh
PostgreSQL database in the PostgreSQL run (`RGPD_TEST_DB=postgres`)."""

import json
import os
import re
import sqlite3
import subprocess
import sys
import uuid
from contextlib import closing
from datetime import UTC, datetime, timedelta

import asyncpg
import pytest

from tests import test_cli_and_migrations as cli
from tests.cli import ROOT, rgpd
from tests.conftest import USE_POSTGRES

pytestmark = pytest.mark.engine

database_url = cli.database_url  # the fixture: a SQLite file, or a fresh PostgreSQL database

ORGANISATION = "Commune de Viry-Châtillon"
TITLE = "Rançongiciel sur le serveur de fichiers"
DESCRIPTION = "Les registres de l'état civil sont chiffrés ; données des naissances exposées."
CHANGES = {"title": {"before": "Serveur de fichiers inaccessible", "after": TITLE}}
ASSESSMENT = {
    "inputs": {"adjustments": [{"delta": "0.5", "justification": "Données d'enfants exposées"}]},
    "band": "élevée",
}
DECISION_REASONS = "Données d'état civil : risque élevé, notifier la CNIL et informer les familles."
SUBJECT = "Information sur vos données d'état civil"
TO_ADDRS = ["helene.lefevre@familles-exemple.fr"]
BODY_TEXT = "Madame, vos données d'état civil figuraient sur le serveur touché par le rançongiciel."

# Every clear value the upgrade must keep: (table, column) -> the value the models read.
CLEAR = {
    ("incident", "title"): TITLE,
    ("incident", "description"): DESCRIPTION,
    ("incident_change", "changes"): CHANGES,
    ("breach", "assessment"): ASSESSMENT,
    ("breach", "decision_reasons"): DECISION_REASONS,
    ("outbox_message", "subject"): SUBJECT,
    ("outbox_message", "to_addrs"): TO_ADDRS,
    ("outbox_message", "body_text"): BODY_TEXT,
}

MIGRATE_TO_0006 = """
import asyncio
from tortoise import Tortoise
from tortoise.migrations.api.migrate import migrate
from api.database import tortoise_config

async def main():
    try:
        await migrate(config=tortoise_config(), target="models.0006_audit_journal")
    finally:
        await Tortoise.close_connections()

asyncio.run(main())
"""

# Reads the rows through the current models, in a process of its own (no Tortoise state here).
READ_WITH_MODELS = """
import asyncio, json
from tortoise import Tortoise
from api.database import tortoise_config
from breach.breaches.models import Breach
from breach.incidents.models import Incident, IncidentChange
from core.outbox.models import OutboxMessage

async def main():
    await Tortoise.init(config=tortoise_config())
    try:
        incident = await Incident.get()
        change = await IncidentChange.get()
        breach = await Breach.get()
        message = await OutboxMessage.get()
        print(json.dumps([
            ["incident", "title", incident.title],
            ["incident", "description", incident.description],
            ["incident_change", "changes", change.changes],
            ["breach", "assessment", breach.assessment],
            ["breach", "decision_reasons", breach.decision_reasons],
            ["outbox_message", "subject", message.subject],
            ["outbox_message", "to_addrs", message.to_addrs],
            ["outbox_message", "body_text", message.body_text],
        ]))
    finally:
        await Tortoise.close_connections()

asyncio.run(main())
"""


def python(url: str, script: str) -> subprocess.CompletedProcess:
    # As `rgpd` runs: RGPD_DATABASE_URL, and the suite's RGPD_ENCRYPTION_KEYS (tests/conftest).
    env = {**os.environ, "RGPD_DATABASE_URL": url}
    return subprocess.run(
        [sys.executable, "-c", script],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def read_with_models(url: str) -> dict:
    result = python(url, READ_WITH_MODELS)
    assert result.returncode == 0, result.stderr
    rows = json.loads(result.stdout.strip().splitlines()[-1])
    return {(table, column): value for table, column, value in rows}


def as_json(value) -> str:
    return json.dumps(value, ensure_ascii=False)


def rows_at_0006(now: datetime) -> list[tuple[str, dict]]:
    """The fewest rows a breach and its message need, in clear, with the columns of 0006."""
    org, incident, breach = uuid.uuid4(), uuid.uuid4(), uuid.uuid4()
    aware = now - timedelta(hours=10)
    stamps = {"version": 1, "created_at": now, "updated_at": now}
    return [
        (
            "organisation",
            {
                "id": org,
                **stamps,
                "legal_name": ORGANISATION,
                "name_folded": "commune de viry-chatillon",
                "kind": "commune",
                "nis2_status": "unknown",
                "competent_sa": "CNIL",
            },
        ),
        (
            "incident",
            {
                "id": incident,
                **stamps,
                "title": TITLE,
                "description": DESCRIPTION,
                "start_is_estimate": False,
                "detected_at": aware,
                "ongoing": True,
                "nature": as_json(["confidentiality", "availability"]),
                "organisation_id": org,
            },
        ),
        (
            "incident_change",
            {"at": now, "author": "DPO", "changes": as_json(CHANGES), "incident_id": incident},
        ),
        (
            "breach",
            {
                "id": breach,
                **stamps,
                "ref": "VIO-2025-0042",
                "path": "own_system",
                "status": "assessed",
                "aware_at": aware,
                "cnil_due_at": aware + timedelta(hours=72),
                "data_categories": as_json(["civil_status"]),
                "subject_categories": as_json(["minors"]),
                "subjects_is_estimate": True,
                "consequences": as_json([]),
                "assessment": as_json(ASSESSMENT),
                "assessed_at": now,
                "risk_level": "high",
                "notify_cnil": True,
                "inform_people": "yes",
                "decision_reasons": DECISION_REASONS,
                "decided_at": now,
                "controller_id": org,
                "incident_id": incident,
            },
        ),
        (
            "outbox_message",
            {
                "id": uuid.uuid4(),
                "kind": "breach.people_communication",
                "organisation_id": org,
                "subject_type": "breach",
                "subject_id": breach,
                "to_addrs": as_json(TO_ADDRS),
                "cc_addrs": as_json([]),
                "subject": SUBJECT,
                "body_text": BODY_TEXT,
                "message_id": f"<{uuid.uuid4()}@registre-rgpd.test>",
                "status": "pending",
                "attempts": 0,
                "next_attempt_at": now,
                "created_at": now,
            },
        ),
    ]


async def insert_raw(url: str, rows: list[tuple[str, dict]]) -> None:
    if USE_POSTGRES:
        conn = await asyncpg.connect(url)
        try:
            async with conn.transaction():
                for table, values in rows:
                    columns = ", ".join(f'"{c}"' for c in values)
                    marks = ", ".join(f"${i}" for i in range(1, len(values) + 1))
                    await conn.execute(
                        f'INSERT INTO "{table}" ({columns}) VALUES ({marks})', *values.values()
                    )
        finally:
            await conn.close()
        return
    # SQLite as Tortoise writes it: UUIDs as text, timestamps as `2025-01-01 10:00:00+00:00`.
    with closing(sqlite3.connect(url.removeprefix("sqlite://"))) as conn, conn:
        for table, values in rows:
            columns = ", ".join(f'"{c}"' for c in values)
            marks = ", ".join("?" for _ in values)
            params = [str(v) if isinstance(v, uuid.UUID | datetime) else v for v in values.values()]
            conn.execute(f'INSERT INTO "{table}" ({columns}) VALUES ({marks})', params)


async def query_raw(url: str, sql: str) -> list[tuple]:
    if USE_POSTGRES:
        conn = await asyncpg.connect(url)
        try:
            return [tuple(row) for row in await conn.fetch(sql)]
        finally:
            await conn.close()
    with closing(sqlite3.connect(url.removeprefix("sqlite://"))) as conn:
        return conn.execute(sql).fetchall()


async def raw_values(url: str) -> dict:
    found = {}
    for table, column in CLEAR:
        rows = await query_raw(url, f'SELECT "{column}" FROM "{table}"')
        assert len(rows) == 1, f"{table}: {len(rows)} rows"
        found[table, column] = rows[0][0]
    return found


def words(value) -> set[str]:
    text = value if isinstance(value, str) else as_json(value)
    return set(re.findall(r"\w{5,}", text))


async def test_clear_rows_left_by_0006_read_after_0007_and_are_encrypted_by_rotate(database_url):
    migrated = python(database_url, MIGRATE_TO_0006)
    assert migrated.returncode == 0, migrated.stderr
    applied = await query_raw(database_url, "SELECT name FROM tortoise_migrations ORDER BY name")
    assert applied[-1] == ("0006_audit_journal",), applied

    await insert_raw(database_url, rows_at_0006(datetime.now(UTC)))

    upgrade = rgpd("migrate", database=database_url)
    assert upgrade.returncode == 0, upgrade.stderr
    applied = await query_raw(database_url, "SELECT name FROM tortoise_migrations ORDER BY name")
    assert ("0007_accounts_and_encryption",) in applied, applied  # and any later ones: head

    # Still clear in the columns (0007 changed their type only), and read as they were.
    before = await raw_values(database_url)
    for (table, column), value in CLEAR.items():
        raw = before[table, column]
        assert (raw if isinstance(value, str) else json.loads(raw)) == value, (table, column)
    assert read_with_models(database_url) == CLEAR

    breaches = rgpd("breaches", database=database_url)
    assert breaches.returncode == 0, breaches.stderr
    assert f"VIO-VIRY-2025-0042  assessed     {ORGANISATION}" in breaches.stdout
    assert "Notification à la CNIL (72 h) : reste 6" in breaches.stdout
    assert breaches.stdout.strip().endswith("1 violation")

    rotated = rgpd("keys", "rotate", database=database_url)
    assert rotated.returncode == 0, rotated.stderr
    for table, column in CLEAR:
        assert f"{table}.{column} : 1 valeur rechiffrée" in rotated.stdout, rotated.stdout

    after = await raw_values(database_url)
    for (table, column), value in CLEAR.items():
        raw = after[table, column]
        assert raw.startswith("enc:v2:"), (table, column, raw)
        left = {word for word in words(value) if word in raw}
        assert not left, f"{table}.{column} keeps {left} in clear"
    assert read_with_models(database_url) == CLEAR

    again = rgpd("keys", "rotate", database=database_url)
    assert again.returncode == 0, again.stderr
    assert "0 valeur rechiffrée avec la clé" in again.stdout
