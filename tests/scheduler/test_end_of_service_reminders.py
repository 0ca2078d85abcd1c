"""The data's fate at the end of a convention, reminded before its due day and after it while
a step is not done (1, 7, 30 days, then monthly), once per stage; nothing once done."""

from datetime import UTC, date, datetime

from core.outbox.models import OutboxMessage
from register.conventions.alerts import (
    next_overdue_at,
    overdue_due,
    step_alert_due,
    write_due_convention_alerts,
)
from tests.factories import API, GOSB_DPO, JUVISY_DPO, gosb_juvisy

DUE = date(2021, 7, 31)  # GOSB–Juvisy's last day (seed 003 art. 6: six months from 1 February)


def test_after_the_due_day_at_eight_in_paris_then_monthly():
    assert overdue_due(DUE, datetime(2021, 8, 1, 5, 59, tzinfo=UTC)) is None  # 07:59 in Paris
    assert overdue_due(DUE, datetime(2021, 8, 1, 6, 0, tzinfo=UTC))[0] == "a1"
    assert overdue_due(DUE, datetime(2021, 8, 29, tzinfo=UTC))[0] == "a7"
    assert overdue_due(DUE, datetime(2021, 8, 30, 6, 0, tzinfo=UTC))[0] == "a30"
    # Monthly from the second month, on the due day's date (the 30th in September).
    assert overdue_due(DUE, datetime(2021, 9, 30, 5, 59, tzinfo=UTC))[0] == "a30"
    assert overdue_due(DUE, datetime(2021, 9, 30, 6, 0, tzinfo=UTC))[0] == "m2"
    assert next_overdue_at(DUE, datetime(2021, 9, 30, 6, 0, tzinfo=UTC)) == datetime(
        2021, 10, 31, 7, 0, tzinfo=UTC
    )  # winter time
    # On the day itself, the stage before the due day.
    assert step_alert_due(DUE, datetime(2021, 7, 31, 12, 0, tzinfo=UTC))[0] == "d0"


async def _messages() -> list[OutboxMessage]:
    return list(await OutboxMessage.filter(kind="convention_reminder").order_by("created_at"))


async def test_gosb_juvisy_reminded_after_the_due_day_until_the_proof(client):
    world = await gosb_juvisy(client)
    convention_id = world["convention"]["id"]
    url = f"{API}/conventions/{convention_id}/end-of-service"

    first = await write_due_convention_alerts(now=datetime(2021, 8, 1, 7, 0, tzinfo=UTC))
    again = await write_due_convention_alerts(now=datetime(2021, 8, 1, 9, 0, tzinfo=UTC))
    assert (first.written, again.written) == (1, 0)
    (message,) = await _messages()
    assert message.dedup_key == f"convention:{convention_id}:data_fate:2021-07-31:a1"
    assert sorted(message.to_addrs) == sorted([GOSB_DPO, JUVISY_DPO])
    assert "en retard de 1 jour (échéance du samedi 31 juillet 2021)" in message.subject
    assert "Données de la Commune de Juvisy-sur-Orge" in message.body_text
    for step in ("Restitution des données", "Destruction des données", "Preuve écrite"):
        assert step in message.body_text

    returned = {"step": "returned", "done_on": "2021-08-10", "how": "Export des bases"}
    assert (await client.post(url, json=returned)).status_code == 201
    assert (await write_due_convention_alerts(now=datetime(2021, 8, 30, 7, tzinfo=UTC))).written
    a30 = (await _messages())[-1]
    assert a30.dedup_key.endswith(":a30")
    assert "Restitution des données" not in a30.body_text
    assert "Destruction des données" in a30.body_text

    destroyed = {"step": "destroyed", "done_on": "2021-09-01", "done_by": "Mission numérique"}
    proof = {"step": "proof_received", "done_on": "2021-09-03", "reference": "PV 2021-118"}
    for step in (destroyed, proof):
        assert (await client.post(url, json=step)).status_code == 201
    later = await write_due_convention_alerts(now=datetime(2021, 9, 30, 7, tzinfo=UTC))
    assert later.written == 0 and later.upcoming == set()
    assert len(await _messages()) == 2


async def test_installed_years_after_the_end_only_the_latest_stage_is_sent(client):
    world = await gosb_juvisy(client)
    now = datetime(2026, 12, 7, 9, 0, tzinfo=UTC)
    assert (await write_due_convention_alerts(now=now)).written == 1
    (message,) = await _messages()
    # 64 months after 31 July 2021 is 30 November 2026; the next stage is 31 December.
    assert message.dedup_key == f"convention:{world['convention']['id']}:data_fate:2021-07-31:m64"
    assert (await write_due_convention_alerts(now=now)).written == 0


async def test_the_archives_outcome_stops_the_reminders(client):
    world = await gosb_juvisy(client)
    url = f"{API}/conventions/{world['convention']['id']}/end-of-service"
    kept = {
        "step": "archived",
        "done_on": "2021-07-31",
        "legal_ground": "Code du patrimoine, art. L212-2 ; tri selon le tableau de gestion",
    }
    assert (await client.post(url, json=kept)).status_code == 201
    assert (await write_due_convention_alerts(now=datetime(2021, 8, 1, 7, tzinfo=UTC))).written == 0
