"""Breach reminders derived from the database: the stage to write, once, and when they stop."""

from datetime import UTC, datetime, timedelta

import pytest

from breach.breaches.models import Breach
from breach.deadlines import ReminderStage, next_reminder_at
from breach.enums import BreachStatus
from breach.reminders import CNIL, CONTROLLER_NOTICE, RunningClock, stage_due, write_due_reminders
from core.outbox.models import OutboxMessage
from tests.scheduler.seed import make_body, make_breach

NOW = datetime(
    2025, 10, 25, 8, 0, tzinfo=UTC
)  # the clocks go back in Paris at 01:00 UTC on the 26th


def clock(hours_left: float) -> RunningClock:
    return RunningClock(
        breach_id=None, kind=CNIL, label="x", deadline=NOW + timedelta(hours=hours_left)
    )


@pytest.mark.parametrize(
    ("hours_left", "stage"),
    [
        (49, None),
        (48, ReminderStage.H48),
        (30, ReminderStage.H48),
        (24, ReminderStage.H24),
        (5, ReminderStage.H6),
        (0.5, ReminderStage.H1),
        (0, ReminderStage.H1),  # the deadline instant itself is still on time
        (-0.01, ReminderStage.OVERDUE),
    ],
)
def test_only_the_most_urgent_stage_reached_is_due(hours_left, stage):
    due = stage_due(clock(hours_left), NOW)
    assert (due.stage if due else None) == stage


def test_a_short_clock_starts_with_one_stage_and_its_own_due_moment():
    due = stage_due(clock(3), NOW)  # a processor's notice: 3 h, so 48 h, 24 h and 6 h passed
    assert due.stage == ReminderStage.H6
    assert due.due_at == NOW + timedelta(hours=3) - timedelta(hours=6)


def test_the_next_moment_is_the_next_stage_then_just_after_the_deadline():
    deadline = NOW + timedelta(hours=30)
    assert next_reminder_at(deadline, NOW) == deadline - timedelta(hours=24)
    assert next_reminder_at(deadline, deadline - timedelta(minutes=5)) == deadline + timedelta(
        microseconds=1
    )
    assert next_reminder_at(deadline, deadline + timedelta(seconds=1)) is None


async def _keys() -> list[str]:
    return sorted(await OutboxMessage.all().values_list("dedup_key", flat=True))


async def test_each_stage_is_written_once_and_missed_ones_come_as_the_most_urgent(db):
    juvisy = await make_body(
        "Commune de Juvisy-sur-Orge",
        dpo="dpd@juvisy-exemple.fr",
        rssi="rssi@juvisy-exemple.fr",
        legal_rep="maire@juvisy-exemple.fr",
    )
    breach = await make_breach(juvisy, cnil_due_at=NOW + timedelta(hours=30), ref="VIO-2025-0007")

    first = await write_due_reminders(now=NOW)
    again = await write_due_reminders(now=NOW + timedelta(minutes=1))
    assert (first.written, again.written) == (1, 0), "a stage is written once"
    assert first.upcoming == {NOW + timedelta(hours=6): {breach.id}}

    await write_due_reminders(now=NOW + timedelta(hours=7))  # 23 h left: the 24 h stage
    # Down from then until an hour after the deadline: 6 h and 1 h are missed; one message.
    late = await write_due_reminders(now=NOW + timedelta(hours=31))
    assert late.written == 1
    assert await _keys() == [
        f"breach:{breach.id}:cnil:h24",
        f"breach:{breach.id}:cnil:h48",
        f"breach:{breach.id}:cnil:overdue",
    ]
    overdue = await OutboxMessage.get(dedup_key=f"breach:{breach.id}:cnil:overdue")
    assert overdue.to_addrs == ["dpd@juvisy-exemple.fr", "rssi@juvisy-exemple.fr"]
    assert overdue.cc_addrs == ["maire@juvisy-exemple.fr"], "escalation to the legal rep"
    assert overdue.due_at == NOW + timedelta(hours=30)
    assert overdue.subject.startswith("[Échéance dépassée] Violation VIO-2025-0007")
    assert "dépassé de 1 h 00 min" in overdue.body_text
    assert "dimanche 26 octobre 2025 à 15:00 (heure de Paris)" in overdue.body_text, "after DST"
    assert f"/violations/{breach.id}" in overdue.body_text
    assert "motifs" in overdue.body_text

    h48 = await OutboxMessage.get(dedup_key=f"breach:{breach.id}:cnil:h48")
    assert h48.subject == (
        "[Rappel] Violation VIO-2025-0007 : Notification à la CNIL (72 h) — reste 30 h 00 min"
    )
    assert h48.cc_addrs == [], "the legal representative is told only once overdue"
    assert "Notifiez la violation à la CNIL" in h48.body_text


async def test_the_processor_is_reminded_until_the_notice_is_recorded(db):
    ept = await make_body("EPT Grand-Orly Seine Bièvre", dpo="dpd@gosb.fr", rssi="rssi@gosb.fr")
    juvisy = await make_body("Commune de Juvisy-sur-Orge", dpo="dpd@juvisy-exemple.fr")
    breach = await make_breach(juvisy, source=ept, notice_due_at=NOW + timedelta(hours=5))

    assert (await write_due_reminders(now=NOW)).written == 1
    notice = await OutboxMessage.get(subject_id=breach.id)
    assert notice.dedup_key == f"breach:{breach.id}:{CONTROLLER_NOTICE}:h6"
    assert notice.to_addrs == ["dpd@gosb.fr", "rssi@gosb.fr"]
    assert notice.cc_addrs == ["dpd@juvisy-exemple.fr"]
    assert notice.organisation_id == ept.id
    assert "Informez le responsable de traitement (Commune de Juvisy-sur-Orge)" in notice.body_text

    await Breach.filter(id=breach.id).update(controller_informed_at=NOW + timedelta(hours=1))
    after = await write_due_reminders(now=NOW + timedelta(hours=6))
    assert (after.written, after.considered, dict(after.upcoming)) == (0, 0, {})
    assert await OutboxMessage.all().count() == 1, "no overdue once the notice is recorded"


async def test_the_cnil_clock_stops_when_notified_or_when_not_to_notify_is_decided(db):
    body = await make_body("Commune", dpo="dpd@commune-exemple.fr")
    notified = await make_breach(
        body, cnil_due_at=NOW - timedelta(hours=1), status=BreachStatus.NOTIFIED
    )
    decided = await make_breach(body, cnil_due_at=NOW - timedelta(hours=1))
    await Breach.filter(id=decided.id).update(status=BreachStatus.ASSESSED, notify_cnil=False)
    closed = await make_breach(body, cnil_due_at=NOW - timedelta(hours=1))
    await Breach.filter(id=closed.id).update(status=BreachStatus.CLOSED)
    running = await make_breach(body, cnil_due_at=NOW - timedelta(hours=1))

    result = await write_due_reminders(now=NOW)
    assert result.written == 1
    assert await _keys() == [f"breach:{running.id}:cnil:overdue"]
    assert notified.id and decided.id and closed.id


async def test_a_body_without_addresses_leaves_a_failed_message_that_says_why(db):
    body = await make_body("Commune sans DPD")
    await make_breach(body, cnil_due_at=NOW + timedelta(hours=2))
    await write_due_reminders(now=NOW)
    message = await OutboxMessage.get()
    assert message.status == "failed"
    assert "aucun destinataire" in message.last_error
