"""Convention reminders: notice before a tacit renewal, last end, data fate; once each."""

from datetime import UTC, date, datetime

from core.outbox.models import OutboxMessage
from register.conventions.alerts import (
    AlertStage,
    ConventionEvent,
    EventDate,
    alert_due,
    convention_events,
    next_alert_at,
    stage_moment,
    write_due_convention_alerts,
)
from register.conventions.models import Convention, ConventionParty
from register.enums import ConventionKind, EndOfService, PartyRole
from tests.scheduler.seed import make_body

# Seed 000 (GPSO – Boulogne): from 1 January 2024, one year, three tacit renewals; here with
# a three-month notice and the data destroyed at the end.
TERMS = dict(
    start=date(2024, 1, 1),
    duration_months=12,
    tacit_renewals=3,
    notice_months=3,
    end_date=None,
    end_of_service=EndOfService.DELETE,
)


def test_the_events_come_from_the_terms_in_force():
    events = convention_events(**TERMS, today=date(2025, 6, 1))
    assert events == [
        EventDate(ConventionEvent.NOTICE_DEADLINE, date(2025, 9, 30)),
        EventDate(ConventionEvent.LAST_END, date(2027, 12, 31)),
        EventDate(ConventionEvent.DATA_FATE, date(2027, 12, 31)),
    ]
    # The last term: nothing to give notice of any more.
    last = convention_events(**TERMS, today=date(2027, 3, 1))
    assert [e.event for e in last] == [ConventionEvent.LAST_END, ConventionEvent.DATA_FATE]
    assert convention_events(**TERMS, today=date(2028, 1, 1)) == []


def test_stages_at_eight_in_paris_most_urgent_only_and_nothing_after_the_day():
    day = date(2025, 9, 30)
    assert stage_moment(day, AlertStage.D30) == datetime(2025, 8, 31, 6, 0, tzinfo=UTC)
    assert stage_moment(day, AlertStage.D90) == datetime(2025, 7, 2, 6, 0, tzinfo=UTC)
    assert alert_due(day, datetime(2025, 7, 2, 5, 59, tzinfo=UTC)) is None
    # The tool installed 20 days before: the 90- and 30-day stages are not both sent.
    assert alert_due(day, datetime(2025, 9, 10, 12, 0, tzinfo=UTC))[0] == AlertStage.D30
    assert alert_due(day, datetime(2025, 9, 30, 21, 0, tzinfo=UTC))[0] == AlertStage.D0
    assert alert_due(day, datetime(2025, 9, 30, 22, 0, tzinfo=UTC)) is None  # 1 Oct in Paris
    assert next_alert_at(day, datetime(2025, 9, 10, tzinfo=UTC)) == stage_moment(day, AlertStage.D7)


async def test_every_partys_dpo_is_reminded_once_per_stage(db):
    gpso = await make_body("EPT Grand Paris Seine Ouest", dpo="dpd@gpso.fr")
    boulogne = await make_body("Ville de Boulogne-Billancourt", dpo="dpd@boulogne.fr")
    convention = await Convention.create(
        title="Convention DIGIT / SIG",
        kind=ConventionKind.OTHER,
        start_date=date(2024, 1, 1),
        duration_months=12,
        tacit_renewals=3,
        notice_months=3,
        end_of_service=EndOfService.DELETE,
        end_of_service_proof=True,
    )
    await ConventionParty.create(convention=convention, organisation=gpso, role="processor")
    await ConventionParty.create(
        convention=convention, organisation=boulogne, role=PartyRole.CONTROLLER
    )

    now = datetime(2025, 9, 23, 7, 0, tzinfo=UTC)  # 7 days before the notice deadline
    first = await write_due_convention_alerts(now=now)
    again = await write_due_convention_alerts(now=now)
    assert (first.written, again.written) == (1, 0)
    message = await OutboxMessage.get()
    assert message.dedup_key == f"convention:{convention.id}:notice_deadline:2025-09-30:d7"
    assert sorted(message.to_addrs) == ["dpd@boulogne.fr", "dpd@gpso.fr"]
    assert message.organisation_id == boulogne.id
    assert "dans 7 jours (mardi 30 septembre 2025)" in message.subject
    assert "préavis de 3 mois" in message.body_text

    end = datetime(2027, 12, 31, 7, 30, tzinfo=UTC)
    assert (await write_due_convention_alerts(now=end)).written == 2
    fate = await OutboxMessage.get(dedup_key__contains=":data_fate:2027-12-31:d0")
    assert "détruire toutes les données" in fate.body_text
    assert "preuve écrite" in fate.body_text
