"""GET /metrics: off unless RGPD_METRICS, public when on (a scraper has no session), in the
Prometheus text format, and its figures are the database's."""

import math
from datetime import timedelta

import httpx
import pytest

from api.app import create_app
from breach.breaches.models import Breach
from breach.enums import BreachStatus
from breach.reminders import StageDue, lateness, running_clocks, write_due_reminders
from core.clock import utcnow
from core.metrics import quantile
from core.outbox.delivery import deliver_due
from core.outbox.models import MessageStatus, OutboxMessage
from core.outbox.service import Draft, enqueue
from core.scheduling import ReminderLateness, SchedulerState
from tests.factories import ago, bodies, declare_on
from tests.ops.prometheus import parse
from tests.scheduler.seed import make_body, make_breach

REFUSED = "ancien-dpd@commune-exemple.fr"


def anonymous(app) -> httpx.AsyncClient:
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://test")


async def scrape(app) -> dict:
    async with anonymous(app) as http:
        response = await http.get("/metrics")
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "text/plain; version=0.0.4; charset=utf-8"
    return parse(response.text)


@pytest.fixture
def metrics_app(db, settings_env):
    settings_env(metrics="true")  # RGPD_METRICS, the name the operators' guide gives
    return create_app(manage_database=False)


async def test_without_the_setting_metrics_answer_404_and_no_login_page(db, settings_env):
    settings_env(metrics_enabled="false")
    app = create_app(manage_database=False)
    async with anonymous(app) as http:
        response = await http.get("/metrics")
    assert response.status_code == 404
    assert "/metrics" not in {getattr(route, "path", None) for route in app.routes}


async def test_metrics_are_public_unlisted_and_in_the_text_format(metrics_app):
    families = await scrape(metrics_app)  # no token, no cookie

    assert set(families) == {
        "rgpd_database_up",
        "rgpd_open_breaches",
        "rgpd_outbox_messages",
        "rgpd_outbox_oldest_failed_age_seconds",
        "rgpd_scheduler_leader_present",
        "rgpd_scheduler_last_run_age_seconds",
        "rgpd_reminder_lateness_seconds",
    }
    assert families["rgpd_database_up"].value() == 1
    assert families["rgpd_reminder_lateness_seconds"].kind == "summary"
    # An empty instance: every series present, at zero; no scheduler ever ran.
    assert {
        labels: value for (_, labels), value in families["rgpd_open_breaches"].samples.items()
    } == {(("status", s),): 0 for s in ("declared", "assessed", "notified", "complemented")}
    assert families["rgpd_scheduler_leader_present"].value() == 0
    assert families["rgpd_scheduler_last_run_age_seconds"].value() == math.inf
    assert math.isnan(families["rgpd_reminder_lateness_seconds"].value(quantile="0.5"))
    assert families["rgpd_reminder_lateness_seconds"].value("_count") == 0
    async with anonymous(metrics_app) as http:
        schema = (await http.get("/openapi.json")).json()
    assert "/metrics" not in schema["paths"]


async def test_open_breaches_by_status_are_the_database_counts(client, metrics_app):
    world = await bodies(client)
    for hours in (2, 30):
        await declare_on(client, world["ept"], [world["activity"]["id"]], detected=ago(hours=hours))
    body = await make_body("Commune de Morangis", dpo="dpd@morangis-exemple.fr")
    now = utcnow()
    for status in (BreachStatus.ASSESSED, BreachStatus.NOTIFIED, BreachStatus.CLOSED):
        await make_breach(body, cnil_due_at=now + timedelta(hours=40), status=status)

    families = await scrape(metrics_app)

    shown = families["rgpd_open_breaches"]
    for status in ("declared", "assessed", "notified", "complemented"):
        assert shown.value(status=status) == await Breach.filter(status=status).count()
    assert shown.value(status="declared") == 2
    assert shown.value(status="assessed") == shown.value(status="notified") == 1
    assert ("status", "closed") not in {label for (_, ls) in shown.samples for label in ls}


async def test_outbox_figures_after_a_refused_message(metrics_app, smtp):
    smtp.handler.refuse.add(REFUSED)
    now = utcnow()
    for to in (REFUSED, "dpd@juvisy-exemple.fr"):
        await enqueue(Draft(kind="test", to_addrs=(to,), subject="Essai", body_text="x"), now=now)
    await deliver_due(owner="test")  # 550: given up at once
    for _ in range(2):  # written, not delivered yet
        await enqueue(
            Draft(
                kind="test", to_addrs=("rssi@juvisy-exemple.fr",), subject="Essai", body_text="x"
            ),
            now=utcnow(),
        )
    failed = await OutboxMessage.get(status=MessageStatus.FAILED)
    # Make the failure an hour old, as if nobody had looked since.
    await OutboxMessage.filter(id=failed.id).update(created_at=now - timedelta(hours=1))

    families = await scrape(metrics_app)

    messages = families["rgpd_outbox_messages"]
    assert messages.value(status="failed") == 1
    assert messages.value(status="pending") == 2
    assert messages.value(status="sending") == 0
    age = families["rgpd_outbox_oldest_failed_age_seconds"].value()
    assert 3600 <= age < 3600 + 600  # an hour, give or take the test's own time
    assert REFUSED not in str(families)  # counts and times only


async def test_scheduler_presence_and_last_run(metrics_app, settings_env):
    now = utcnow()
    await SchedulerState.create(
        name="scheduler", leader="scheduler:vm:1:x", leader_since=now, last_run_at=now
    )
    families = await scrape(metrics_app)
    assert families["rgpd_scheduler_leader_present"].value() == 1
    assert 0 <= families["rgpd_scheduler_last_run_age_seconds"].value() < 600

    # Silent for longer than three polls: absent, and how long it has been.
    await SchedulerState.filter(name="scheduler").update(last_run_at=now - timedelta(hours=2))
    families = await scrape(metrics_app)
    assert families["rgpd_scheduler_leader_present"].value() == 0
    assert families["rgpd_scheduler_last_run_age_seconds"].value() >= 7200


async def test_reminder_lateness_over_the_last_hour(metrics_app):
    now = utcnow()
    await ReminderLateness.bulk_create(
        [
            ReminderLateness(written_at=now - timedelta(seconds=i), seconds=i / 10)
            for i in range(100)
        ]
        # Older than the hour: not counted.
        + [ReminderLateness(written_at=now - timedelta(hours=2), seconds=999)]
    )
    summary = (await scrape(metrics_app))["rgpd_reminder_lateness_seconds"]
    assert summary.value("_count") == 100
    assert summary.value(quantile="0.5") == pytest.approx(4.9)
    assert summary.value(quantile="0.99") == pytest.approx(9.8)
    assert summary.value("_sum") == pytest.approx(sum(i / 10 for i in range(100)))


async def test_the_scheduler_keeps_how_late_each_reminder_was_written(db):
    body = await make_body("Commune de Vitry", dpo="dpd@vitry-exemple.fr")
    # Its 1-hour stage was reached 5 minutes ago, long after the breach was written.
    breach = await make_breach(body, cnil_due_at=utcnow() + timedelta(minutes=55))
    await Breach.filter(id=breach.id).update(updated_at=utcnow() - timedelta(hours=2))

    written = await write_due_reminders(record_lateness=True)

    assert written.written == 1
    (kept,) = await ReminderLateness.all()
    assert 5 * 60 <= kept.seconds < 5 * 60 + 600
    assert (await write_due_reminders(record_lateness=True)).written == 0
    assert await ReminderLateness.all().count() == 1  # nothing written, nothing kept
    # A pass that is not the scheduler's (tests, tools) keeps nothing.
    await make_breach(body, cnil_due_at=utcnow() - timedelta(minutes=1))
    assert (await write_due_reminders()).written == 1
    assert await ReminderLateness.all().count() == 1


async def test_a_breach_written_after_its_stage_is_as_late_as_the_scheduler_took_to_see_it(db):
    body = await make_body("Commune d'Athis-Mons", dpo="dpd@athis-exemple.fr")
    # Detected four days back, declared now: the overdue stage was reached a day ago.
    breach = await make_breach(body, cnil_due_at=utcnow() - timedelta(days=1))
    now = utcnow()
    (clock,) = running_clocks(breach, now)
    due = StageDue(clock, *_overdue(clock))
    seen = breach.updated_at + timedelta(seconds=2)

    assert lateness(due, breach, seen) == pytest.approx(2)
    # A breach written before its stage: lateness runs from the stage's moment.
    breach.updated_at = due.due_at - timedelta(days=2)
    assert lateness(due, breach, due.due_at + timedelta(seconds=3)) == pytest.approx(3)


def _overdue(clock):
    from breach.deadlines import ReminderStage, reminder_stage_at

    return ReminderStage.OVERDUE, reminder_stage_at(clock.deadline, ReminderStage.OVERDUE)


def test_quantiles_are_nearest_rank():
    assert math.isnan(quantile([], 0.5))
    assert quantile([3.0], 0.99) == 3.0
    values = [float(i) for i in range(1, 11)]
    assert (quantile(values, 0.5), quantile(values, 0.99), quantile(values, 1)) == (5, 10, 10)
