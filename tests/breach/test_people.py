"""Informing the people (art. 34), through the API.

Once the decision is to inform them (now or later), or, under the art. 34(3)(c) exemption, to
make a public communication, a clock « sans délai excessif » runs from the decision: shown
without a deadline, reminded once a day (breach.deadlines.PEOPLE_REMINDER_INTERVAL) until the
communication is recorded, keeping the breach on the dashboard, and refusing its closing. The
public communication is recorded with where, when and its text. Exemptions 34(3)(a) and (b)
need none.
"""

from datetime import datetime, timedelta

import pytest

from breach.breaches.models import Breach
from breach.deadlines import PEOPLE, PEOPLE_REMINDER_INTERVAL, undue_delay_reminders
from breach.reminders import write_due_reminders
from core.clock import utcnow
from core.outbox.models import OutboxMessage
from core.scope import Scope
from reports.dashboard import dashboard
from tests.factories import (
    API,
    ASSESS,
    DECIDE_HIGH,
    ago,
    assert_refused,
    bodies,
    declare_on,
    done,
    iso,
    post,
    with_facts,
)

DECIDE_PUBLIC = {
    "risk_level": "high",
    "notify_cnil": True,
    "inform_people": "no",
    "art34_exemption": "c_disproportionate",
    "reasons": "Fichier des abonnés de la médiathèque sans adresses à jour : communication "
    "publique (art. 34.3.c).",
}
PUBLIC = {
    "recipient": "data_subjects",
    "channel": "public_communication",
    "published_where": "Site de la commune, https://www.vitry-exemple.fr/violation-2026",
    "summary": "Le 3 mars, des données des abonnés de la médiathèque ont été copiées…",
}


@pytest.fixture
async def world(client):
    return await bodies(client)


async def _decided(client, world, decision: dict) -> dict:
    """The commune's own breach, every fact known, assessed and decided; the CNIL notified
    (the CNIL's clock is done: what remains is the people's)."""
    breach = await declare_on(
        client, world["commune"], [world["activity"]["id"]], detected=ago(hours=5)
    )
    breach = await with_facts(client, breach)
    breach = await done(client, breach, "assessment", **ASSESS)
    breach = await done(client, breach, "decision", **decision)
    return await done(
        client, breach, "notifications", recipient="cnil", sent_at=iso(ago(minutes=30))
    )


def _clocks(breach: dict) -> dict[str, dict]:
    return {c["kind"]: c for c in breach["countdowns"]}


async def _decided_at(breach: dict) -> datetime:
    return (await Breach.get(id=breach["id"])).decided_at


async def _people_keys(breach: dict) -> list[str]:
    rows = await OutboxMessage.filter(dedup_key__startswith=f"breach:{breach['id']}:{PEOPLE}:")
    return sorted(m.dedup_key for m in rows)


def test_one_reminder_per_full_interval_from_the_decision():
    since = datetime(2026, 3, 28, 22, 30).astimezone()  # the clocks change that night in Paris
    assert undue_delay_reminders(since, since) == 0
    assert undue_delay_reminders(since, since + PEOPLE_REMINDER_INTERVAL) == 1
    assert undue_delay_reminders(since, since + 2 * PEOPLE_REMINDER_INTERVAL) == 2
    assert (
        undue_delay_reminders(since, since + 2 * PEOPLE_REMINDER_INTERVAL - timedelta(seconds=1))
        == 1
    )


async def test_later_starts_a_clock_without_undue_delay_reminded_daily_until_told(client, world):
    breach = await _decided(client, world, DECIDE_HIGH)
    assert breach["inform_people"] == "later" and breach["status"] == "notified"  # premise

    clock = _clocks(breach)[PEOPLE]
    assert clock["label"] == "Information des personnes concernées"
    assert clock["open_ended"] is True and clock["overdue"] is False
    assert clock["display"].startswith("sans délai excessif depuis le ")
    assert "(heure de Paris" in clock["display"]
    since = await _decided_at(breach)
    assert datetime.fromisoformat(clock["due_at"]) == since

    await write_due_reminders(now=since + PEOPLE_REMINDER_INTERVAL - timedelta(seconds=1))
    assert await _people_keys(breach) == []
    await write_due_reminders(now=since + PEOPLE_REMINDER_INTERVAL)
    assert await _people_keys(breach) == [f"breach:{breach['id']}:{PEOPLE}:day1"]
    (message,) = await OutboxMessage.filter(dedup_key__endswith=f"{PEOPLE}:day1")
    assert message.subject.startswith("[Rappel]")
    assert "Information des personnes concernées" in message.subject
    assert "sans délai excessif depuis le " in message.body_text
    assert "art. 34.1" in message.body_text and "rappel n° 1" in message.body_text
    await write_due_reminders(now=since + 2 * PEOPLE_REMINDER_INTERVAL + timedelta(hours=1))
    assert len(await _people_keys(breach)) == 2

    told = await done(
        client,
        breach,
        "notifications",
        recipient="data_subjects",
        channel="letter",
        sent_at=iso(ago(seconds=5)),
    )

    assert PEOPLE not in _clocks(told)
    assert told["inform_people"] == "yes" and told["people_informed_at"] is not None
    await write_due_reminders(now=since + 5 * PEOPLE_REMINDER_INTERVAL)
    assert len(await _people_keys(breach)) == 2, "no reminder once the people are told"


async def test_the_dashboard_keeps_the_breach_while_people_remain_to_be_informed(client, world):
    breach = await _decided(client, world, DECIDE_HIGH)
    assert "cnil" not in _clocks(breach)  # premise: the CNIL step is done

    def board_clocks(board) -> list[tuple[str, str]]:
        return [(str(d.breach_id), d.kind) for d in board.deadlines]

    none = Scope.of([])
    board = await dashboard(
        breaches_scope=Scope.everything(),
        register_scope=none,
        messages_scope=none,
        now=utcnow(),
    )
    assert board_clocks(board) == [(breach["id"], PEOPLE)]
    assert breach["ref"] in board.breach_titles[board.deadlines[0].breach_id]
    listed = (await client.get(f"{API}/deadlines")).json()
    assert [(d["breach_id"], d["kind"], d["open_ended"]) for d in listed] == [
        (breach["id"], PEOPLE, True)
    ]

    await done(
        client,
        breach,
        "notifications",
        recipient="data_subjects",
        channel="letter",
        sent_at=iso(ago(seconds=5)),
    )

    board = await dashboard(
        breaches_scope=Scope.everything(),
        register_scope=none,
        messages_scope=none,
        now=utcnow(),
    )
    assert board_clocks(board) == []


async def test_under_34_3_c_the_public_communication_is_recorded_reminded_and_closes(client, world):
    breach = await _decided(client, world, DECIDE_PUBLIC)
    assert (breach["inform_people"], breach["art34_exemption"]) == ("no", "c_disproportionate")
    assert "inform_people" in breach["allowed_actions"]
    clock = _clocks(breach)[PEOPLE]
    assert clock["label"] == "Communication publique (art. 34.3.c)"
    since = await _decided_at(breach)
    await write_due_reminders(now=since + PEOPLE_REMINDER_INTERVAL)
    assert await _people_keys(breach) == [f"breach:{breach['id']}:{PEOPLE}:day1"]
    (message,) = await OutboxMessage.filter(dedup_key__endswith=f"{PEOPLE}:day1")
    assert "Communication publique (art. 34.3.c)" in message.subject

    refused = await post(client, breach, "close", reasons="Fin.", incomplete_reasons="En cours.")
    assert refused.status_code == 409, refused.text
    assert "communication publique" in refused.json()["detail"]

    no_where = {k: v for k, v in PUBLIC.items() if k != "published_where"}
    answer = await post(client, breach, "notifications", **no_where, sent_at=iso(ago(minutes=5)))
    assert_refused(answer, ["body", "published_where"], "où la communication publique")
    no_text = {k: v for k, v in PUBLIC.items() if k != "summary"}
    answer = await post(client, breach, "notifications", **no_text, sent_at=iso(ago(minutes=5)))
    assert_refused(answer, ["body", "summary"], "texte de la communication publique")

    published = await done(client, breach, "notifications", **PUBLIC, sent_at=iso(ago(minutes=5)))

    (made,) = [n for n in published["notifications"] if n["recipient"] == "data_subjects"]
    assert made["channel"] == "public_communication"
    assert made["published_where"] == PUBLIC["published_where"]
    assert made["summary"] == PUBLIC["summary"]
    assert published["people_informed_at"] == made["sent_at"]
    # The decision stays: the public communication is what the exemption requires.
    assert (published["inform_people"], published["art34_exemption"]) == (
        "no",
        "c_disproportionate",
    )
    assert PEOPLE not in _clocks(published)
    await write_due_reminders(now=since + 4 * PEOPLE_REMINDER_INTERVAL)
    assert len(await _people_keys(breach)) == 1, "no reminder once it is published"
    closed = await done(
        client, published, "close", reasons="Fin.", incomplete_reasons="Incident en cours."
    )
    assert closed["status"] == "closed"


async def test_the_place_of_publication_goes_only_with_a_public_communication(client, world):
    breach = await _decided(client, world, DECIDE_HIGH)
    answer = await post(
        client,
        breach,
        "notifications",
        recipient="data_subjects",
        channel="letter",
        sent_at=iso(ago(minutes=5)),
        published_where="Site de la commune",
    )
    assert_refused(answer, ["body", "published_where"], "communication publique")


@pytest.mark.parametrize("exemption", ["a_unintelligible", "b_risk_removed"])
async def test_exemptions_a_and_b_need_no_communication(client, world, exemption):
    breach = await _decided(client, world, {**DECIDE_PUBLIC, "art34_exemption": exemption})
    assert PEOPLE not in _clocks(breach)
    assert "inform_people" not in breach["allowed_actions"]
    refused = await post(client, breach, "notifications", **PUBLIC, sent_at=iso(ago(minutes=5)))
    assert refused.status_code == 409
    assert "art. 34.3.c" in refused.json()["detail"]
    closed = await done(
        client, breach, "close", reasons="Fin.", incomplete_reasons="Incident en cours."
    )
    assert closed["status"] == "closed"
