"""An import writes every activity or none: a database error on the last row, or a rule that
refuses a row at write time, leaves the register and the journal as they were."""

import pytest
from tortoise.exceptions import IntegrityError

from core.audit.models import AuditEvent
from core.errors import ValidationFailed
from register.activities.models import ProcessingActivity
from register.imports import service
from tests.factories import make_activity, make_org, read
from tests.imports.helpers import FORMATS, run_import, table, write

ROWS = [
    {"ref": f"R-{n}", "name": f"Traitement {n}", "purposes": f"Finalité {n}"} for n in range(1, 6)
]


@pytest.fixture
async def juvisy(client):
    org = await make_org(client, legal_name="Commune de Juvisy-sur-Orge")
    await make_activity(client, controller=org, ref="AVANT", name="Déjà au registre")
    return org


async def state(client, org: dict) -> tuple[list[str], int, bool]:
    """What must not move: the body's activities, the journal's events, its integrity."""
    page = await read(client, f"/activities?controller_id={org['id']}")
    verified = await read(client, "/journal/verify")
    return [a["ref"] for a in page["items"]], await AuditEvent.all().count(), verified["intact"]


def failing_on(monkeypatch, nth: int, failure) -> list[int]:
    """Make the nth creation of the import fail after writing its row, as a database would."""
    real = service.create_activity
    calls: list[int] = []

    async def create(*, scope, data):
        calls.append(len(calls) + 1)
        created = await real(scope=scope, data=data)
        if len(calls) == nth:
            await failure(created)
        return created

    monkeypatch.setattr(service, "create_activity", create)
    return calls


async def duplicate_key(created) -> None:
    # The same primary key again: a real constraint violation, raised by the database.
    row = await ProcessingActivity.get(id=created.id)
    await ProcessingActivity.create(id=row.id, controller_id=row.controller_id, name="Doublon")


@pytest.mark.parametrize(("fmt", "separator"), [FORMATS[0], FORMATS[2]], ids=["csv", "xlsx"])
async def test_a_database_error_on_the_last_row_leaves_nothing(
    client, juvisy, monkeypatch, fmt, separator
):
    data = await write(table(["ref", "name", "purposes"], ROWS), fmt, separator)
    before = await state(client, juvisy)
    calls = failing_on(monkeypatch, len(ROWS), duplicate_key)

    with pytest.raises(IntegrityError):
        await run_import(juvisy["id"], data, fmt)

    assert calls == [1, 2, 3, 4, 5]  # four activities were written, then rolled back
    assert await state(client, juvisy) == before
    assert before[0] == ["AVANT"] and before[2] is True


async def test_any_error_in_the_middle_leaves_nothing(client, juvisy, monkeypatch):
    data = await write(table(["ref", "name", "purposes"], ROWS), *FORMATS[1])
    before = await state(client, juvisy)

    async def crash(created) -> None:
        raise RuntimeError("le disque est plein")

    failing_on(monkeypatch, 3, crash)

    with pytest.raises(RuntimeError, match="disque"):
        await run_import(juvisy["id"], data, FORMATS[1][0])

    assert await state(client, juvisy) == before


async def test_a_row_refused_at_write_time_is_reported_and_nothing_is_kept(
    client, juvisy, monkeypatch
):
    """A rule of create_activity the import's checks do not know (or a convention deleted
    meanwhile): the row is reported like any other problem."""
    data = await write(table(["ref", "name", "purposes"], ROWS), *FORMATS[0])
    before = await state(client, juvisy)

    async def refuse(created) -> None:
        raise ValidationFailed.one("body", "convention_ids", 0, msg="convention inconnue")

    failing_on(monkeypatch, 4, refuse)

    report = await run_import(juvisy["id"], data, FORMATS[0][0])

    assert [(p.row, p.field, p.message) for p in report.problems] == [
        (5, "convention_ids", "convention inconnue")
    ]
    assert report.created == 0
    assert await state(client, juvisy) == before


async def test_a_dry_run_writes_nothing(client, juvisy):
    data = await write(table(["ref", "name", "purposes"], ROWS), *FORMATS[3])
    before = await state(client, juvisy)

    report = await run_import(juvisy["id"], data, FORMATS[3][0], dry_run=True)

    assert report.problems == []
    assert report.rows_read == 5
    assert report.created == 0
    assert await state(client, juvisy) == before
