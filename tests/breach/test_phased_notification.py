"""Phased notification (art. 33(4)) and closing (art. 33(5)), through the API.

An initial notification that says information will follow commits to a date for the rest:
required then (422 on `followup_due_at`), neither before that notification nor past. That date
is a running clock (« Notification complémentaire à la CNIL ») shown with the others, in
/deadlines and the calendar feed, reminded at the usual stages, stopped by the complementary
notification. A breach is closed before that complement, while its incident is ongoing or
while mandatory facts are unknown only with the DPO's reasons (`incomplete_reasons`).
"""

from datetime import datetime, timedelta
from uuid import UUID

import pytest

from breach.deadlines import CNIL_FOLLOWUP
from breach.reminders import write_due_reminders
from core.outbox.models import OutboxMessage
from core.scope import Scope
from reports.calendar import organisation_calendar
from tests.factories import (
    API,
    ASSESS,
    DECIDE_RISK,
    DECIDE_UNLIKELY,
    FACTS,
    ago,
    assert_refused,
    bodies,
    declare_on,
    done,
    iso,
    post,
    read,
    with_facts,
)

FOLLOWUP_LABEL = "Notification complémentaire à la CNIL"


@pytest.fixture
async def world(client):
    return await bodies(client)


async def _own(client, world) -> dict:
    """The commune's breach on its own system (aware at detection), assessed and decided."""
    breach = await declare_on(
        client, world["commune"], [world["activity"]["id"]], detected=ago(hours=5)
    )
    breach = await done(client, breach, "assessment", **ASSESS)
    return await done(client, breach, "decision", **DECIDE_RISK)


def _initial(**extra) -> dict:
    return {"recipient": "cnil", "phase": "initial", "sent_at": iso(ago(minutes=30)), **extra}


def _clocks(breach: dict) -> dict[str, dict]:
    return {c["kind"]: c for c in breach["countdowns"]}


async def _end_incident(client, breach: dict) -> None:
    incident = await read(client, f"/incidents/{breach['incident_id']}")
    response = await client.patch(
        f"{API}/incidents/{incident['id']}",
        json={"version": incident["version"], "ongoing": False, "ended_at": iso(ago(hours=1))},
    )
    assert response.status_code == 200, response.text


async def _reminder_keys(breach: dict, clock: str) -> list[str]:
    keys = await OutboxMessage.filter(dedup_key__startswith=f"breach:{breach['id']}:{clock}:")
    return sorted(m.dedup_key for m in keys)


# The follow-up date ---------------------------------------------------------------------------


async def test_an_initial_notification_with_information_to_follow_needs_its_followup_date(
    client, world
):
    breach = await _own(client, world)
    assert breach["approx_subjects"] is None and breach["measures_taken"] is None  # premise

    refused = await post(client, breach, "notifications", **_initial())

    assert_refused(refused, ["body", "followup_due_at"], "indiquez la date")
    assert "art. 33.4" in refused.json()["detail"][0]["msg"]
    again = await read(client, f"/breaches/{breach['id']}")
    assert (again["status"], again["version"]) == ("assessed", breach["version"])


async def test_data_categories_unknown_so_far_count_as_information_to_follow(client, world):
    breach = await with_facts(
        client, await _own(client, world), **{**FACTS, "data_categories": ["unknown_so_far"]}
    )
    refused = await post(client, breach, "notifications", **_initial())
    assert_refused(refused, ["body", "followup_due_at"], "indiquez la date")


async def test_the_followup_date_is_neither_before_the_initial_notification_nor_past(client, world):
    breach = await _own(client, world)
    sent = ago(hours=2)

    before = await post(
        client,
        breach,
        "notifications",
        **_initial(sent_at=iso(sent), followup_due_at=iso(sent - timedelta(seconds=1))),
    )
    assert_refused(before, ["body", "followup_due_at"], "ne peut pas précéder la notification")
    # After the notification, but already past.
    past = await post(
        client,
        breach,
        "notifications",
        **_initial(sent_at=iso(sent), followup_due_at=iso(ago(minutes=1))),
    )
    assert_refused(past, ["body", "followup_due_at"], "est passée")


async def test_the_followup_date_goes_only_with_an_initial_notification_to_the_cnil(client, world):
    breach = await _own(client, world)
    refused = await post(
        client,
        breach,
        "notifications",
        recipient="data_subjects",
        channel="letter",
        sent_at=iso(ago(minutes=5)),
        followup_due_at=iso(ago(hours=-24)),
    )
    assert_refused(refused, ["body", "followup_due_at"], "notification initiale à la CNIL")


async def test_with_every_fact_known_no_followup_date_is_needed_and_no_clock_runs(client, world):
    breach = await with_facts(client, await _own(client, world))
    notified = await done(client, breach, "notifications", **_initial())
    assert notified["status"] == "notified"
    assert notified["followup_due_at"] is None
    assert CNIL_FOLLOWUP not in _clocks(notified)


# The clock, its reminders, its end ----------------------------------------------------------


async def test_the_followup_clock_runs_from_the_initial_notification_until_the_complementary(
    client, world
):
    breach = await _own(client, world)
    promised = (datetime.now().astimezone() + timedelta(hours=30)).replace(microsecond=0)
    notified = await done(
        client, breach, "notifications", **_initial(followup_due_at=iso(promised))
    )

    assert notified["status"] == "notified"
    assert datetime.fromisoformat(notified["followup_due_at"]) == promised
    clock = _clocks(notified)[CNIL_FOLLOWUP]
    assert clock["label"] == FOLLOWUP_LABEL
    assert datetime.fromisoformat(clock["due_at"]) == promised
    assert clock["overdue"] is False and clock["display"].startswith("reste 29 h")
    assert "cnil" not in _clocks(notified)  # the 72 h stopped with the initial notification
    listed = (await client.get(f"{API}/deadlines")).json()
    assert [(d["breach_id"], d["kind"]) for d in listed] == [(breach["id"], CNIL_FOLLOWUP)]
    feed = await organisation_calendar(
        scope=Scope.everything(),
        organisation_id=UUID(world["commune"]["id"]),
        now=datetime.now().astimezone(),
    )
    assert f"breach-{breach['id']}-{CNIL_FOLLOWUP}@" in feed
    assert FOLLOWUP_LABEL in feed

    complemented = await done(
        client,
        notified,
        "notifications",
        recipient="cnil",
        phase="complementary",
        sent_at=iso(ago(seconds=5)),
    )

    assert complemented["status"] == "complemented"
    assert CNIL_FOLLOWUP not in _clocks(complemented)
    assert (await client.get(f"{API}/deadlines")).json() == []
    feed = await organisation_calendar(
        scope=Scope.everything(),
        organisation_id=UUID(world["commune"]["id"]),
        now=datetime.now().astimezone(),
    )
    assert CNIL_FOLLOWUP not in feed


async def test_the_followup_clock_is_reminded_at_its_stages_and_stops_with_the_complement(
    client, world
):
    breach = await _own(client, world)
    promised = datetime.now().astimezone() + timedelta(hours=30)
    notified = await done(
        client, breach, "notifications", **_initial(followup_due_at=iso(promised))
    )

    await write_due_reminders(now=promised - timedelta(hours=49))  # before the 48 h stage
    assert await _reminder_keys(notified, CNIL_FOLLOWUP) == []
    await write_due_reminders(now=promised - timedelta(hours=48))
    assert await _reminder_keys(notified, CNIL_FOLLOWUP) == [
        f"breach:{breach['id']}:{CNIL_FOLLOWUP}:h48"
    ]
    (message,) = await OutboxMessage.filter(dedup_key__endswith=f"{CNIL_FOLLOWUP}:h48")
    assert FOLLOWUP_LABEL in message.subject
    assert "notification complémentaire" in message.body_text and "art. 33.4" in message.body_text
    assert set(message.to_addrs) >= {"dpd@vitry-exemple.fr"}
    await write_due_reminders(now=promised + timedelta(seconds=1))
    assert f"breach:{breach['id']}:{CNIL_FOLLOWUP}:overdue" in await _reminder_keys(
        notified, CNIL_FOLLOWUP
    )

    await done(
        client,
        notified,
        "notifications",
        recipient="cnil",
        phase="complementary",
        sent_at=iso(ago(seconds=5)),
    )
    before = await _reminder_keys(notified, CNIL_FOLLOWUP)
    later = await write_due_reminders(now=promised + timedelta(days=3))
    assert await _reminder_keys(notified, CNIL_FOLLOWUP) == before
    assert later.written == 0


# Closing ------------------------------------------------------------------------------------


async def test_closing_before_the_promised_complement_needs_the_dpo_reasons(client, world):
    breach = await with_facts(client, await _own(client, world))
    await _end_incident(client, breach)
    promised = iso(ago(hours=-48))
    notified = await done(client, breach, "notifications", **_initial(followup_due_at=promised))
    # premise: only the complement stands in the way
    assert notified["closing_gaps"] == [
        "la notification complémentaire promise à la CNIL (art. 33.4) n'est pas faite"
    ]

    refused = await post(client, notified, "close", reasons="Fin.")

    assert refused.status_code == 409, refused.text
    assert "notification complémentaire promise" in refused.json()["detail"]
    why = "Tous les éléments figuraient finalement dans la notification initiale."
    closed = await done(client, notified, "close", reasons="Fin.", incomplete_reasons=why)
    assert closed["incomplete_reasons"] == why
    assert closed["countdowns"] == []  # the promised date leaves with the closing


async def test_after_the_complement_a_complete_breach_closes_without_reasons(client, world):
    breach = await with_facts(client, await _own(client, world))
    await _end_incident(client, breach)
    notified = await done(
        client, breach, "notifications", **_initial(followup_due_at=iso(ago(hours=-48)))
    )
    complemented = await done(
        client,
        notified,
        "notifications",
        recipient="cnil",
        phase="complementary",
        sent_at=iso(ago(seconds=5)),
    )
    assert complemented["closing_gaps"] == []
    assert (await done(client, complemented, "close", reasons="Fin."))["status"] == "closed"


async def test_closing_with_the_incident_ongoing_and_facts_unknown_needs_the_dpo_reasons(
    client, world
):
    breach = await declare_on(
        client, world["commune"], [world["activity"]["id"]], detected=ago(hours=5)
    )
    breach = await done(client, breach, "assessment", **ASSESS)
    breach = await done(client, breach, "decision", **DECIDE_UNLIKELY)
    assert breach["closing_gaps"][0] == "l'incident est toujours en cours"
    assert "nombre de personnes" in breach["closing_gaps"][1]
    assert "close" in breach["allowed_actions"]  # offered: the form asks for the reasons

    refused = await post(client, breach, "close", reasons="Documentée.")

    assert refused.status_code == 409, refused.text
    detail = refused.json()["detail"]
    assert "l'incident est toujours en cours" in detail
    assert "inconnus : catégories de données, catégories de personnes, nombre de personnes" in (
        detail
    )
    assert "incomplete_reasons" in detail
    assert (await read(client, f"/breaches/{breach['id']}"))["status"] == "assessed"

    why = "Incident clos côté prestataire sans inventaire possible des fichiers copiés."
    closed = await done(client, breach, "close", reasons="Documentée.", incomplete_reasons=why)

    assert closed["status"] == "closed"
    assert closed["incomplete_reasons"] == why
    assert closed["events"][-1]["action"] == "close"


async def test_the_incident_alone_ongoing_still_needs_reasons(client, world):
    breach = await with_facts(client, await _own(client, world))
    breach = await done(client, breach, "notifications", **_initial())
    assert breach["closing_gaps"] == ["l'incident est toujours en cours"]

    refused = await post(client, breach, "close", reasons="Fin.")

    assert refused.status_code == 409
    assert "inconnus" not in refused.json()["detail"]


async def test_a_breach_complete_and_over_closes_without_reasons(client, world):
    breach = await with_facts(client, await _own(client, world))
    await _end_incident(client, breach)
    breach = await done(client, breach, "notifications", **_initial())
    assert breach["closing_gaps"] == []

    closed = await done(client, breach, "close", reasons="Mesures faites, incident terminé.")

    assert closed["status"] == "closed"
    assert closed["incomplete_reasons"] is None
