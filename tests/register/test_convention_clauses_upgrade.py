"""Migration 0024's data step on conventions already recorded (their checklist column still
empty, as right after the column is added): each checklist then holds the convention's yes/no
answers, true → present, false → not checked (left out). On both engines."""

import importlib
from types import SimpleNamespace

from tortoise import connections

from register.conventions.models import Convention
from tests.factories import make_convention, make_org

migration = importlib.import_module("migrations.0024_convention_clauses")


async def test_the_migration_fills_the_checklist_from_the_yes_no_answers(client):
    ept = await make_org(client, kind="ept")
    commune = await make_org(client)
    answered = await make_convention(
        client, processor=ept, controller=commune, audit_right=True, staff_confidentiality=True
    )
    silent = await make_convention(client, processor=ept, controller=commune)
    connection = connections.get("default")
    await connection.execute_query('UPDATE "convention" SET "clauses" = NULL')
    assert await Convention.filter(clauses__isnull=True).count() == 2, "the premise"
    dialect = connection.capabilities.dialect

    await migration.fill_checklists(None, SimpleNamespace(client=connection, DIALECT=dialect))

    filled = await Convention.get(id=answered["id"])
    assert filled.clauses == {
        "audits": {"status": "present", "article": None, "note": None},
        "confidentiality": {"status": "present", "article": None, "note": None},
    }
    assert (await Convention.get(id=silent["id"])).clauses == {}
