"""« Envoyée » must mean sent: the notice to the controller is issued at once (its clock runs),
but the page, the JSON and the dashboard say whether its e-mail was delivered, is queued or is
failing, and tell the sender to phone, with the numbers, until the SMTP server accepted it.

Delivery runs for real (core.outbox.delivery.deliver_due) against a closed port, then against
the tests' SMTP server started on that port."""

import html as htmllib
import re

import pytest

from core.outbox.delivery import deliver_due
from core.outbox.models import MessageStatus, OutboxMessage
from core.outbox.state import DeliveryState
from tests.factories import ago, bodies, declare_on, done, outbox, read, with_facts
from tests.smtp_server import SmtpServer, free_port
from tests.web.conftest import browser, make_user  # noqa: F401  (fixtures)

CONTROLLER_DPO_PHONE = "01 46 82 80 00"  # tests.factories.bodies: the commune's DPO


def text_of(page: str) -> str:
    return re.sub(r"\s+", " ", htmllib.unescape(re.sub(r"<[^>]+>", " ", page)))


@pytest.fixture
def closed_port(settings_env):
    """The settings point at a port where no SMTP server listens (yet)."""
    port = free_port()
    settings_env(
        smtp_host="127.0.0.1",
        smtp_port=port,
        smtp_security="none",
        smtp_timeout_seconds=5,
        mail_from="registre-rgpd <rgpd@registre-rgpd.fr>",
        outbox_max_attempts=5,
        outbox_backoff_seconds=60,
    )
    return port


@pytest.fixture
async def issued(client, closed_port):
    world = await bodies(client)
    breach = await declare_on(
        client, world["ept"], [world["activity"]["id"]], detected=ago(hours=2)
    )
    breach = await with_facts(client, breach)
    breach = await done(client, breach, "controller-notice")
    assert breach["controller_informed_at"] is not None  # the controller's clock runs
    return {**world, "breach": breach}


async def _due_now() -> None:
    # The next attempt's time comes without waiting for it (no timed assertion).
    await OutboxMessage.filter(status=MessageStatus.PENDING).update(next_attempt_at=ago(seconds=1))


def _notice(breach: dict) -> dict:
    (notice,) = [n for n in breach["notifications"] if n["recipient"] == "controller"]
    return notice


@pytest.fixture
async def rssi(issued, browser, make_user):  # noqa: F811
    """The EPT's security officer, signed in: the sender of the notice."""
    user = await make_user("rssi@ept.fr", (issued["ept"]["id"], "security_officer"))
    return await browser(user)


async def _page(http, breach: dict) -> str:
    answer = await http.get(f"/violations/{breach['id']}")
    assert answer.status_code == 200
    return text_of(answer.text)


async def _dashboard(http) -> str:
    answer = await http.get("/")
    assert answer.status_code == 200
    return text_of(answer.text)


async def test_the_notice_is_queued_not_sent_until_the_server_accepts_it(client, issued, rssi):
    breach = issued["breach"]
    delivery = _notice(await read(client, f"/breaches/{breach['id']}"))["delivery"]
    assert delivery["state"] == DeliveryState.QUEUED
    assert delivery["attempts"] == 0 and delivery["next_attempt_at"]

    page = await _page(rssi, breach)
    assert "Courriel en file d'attente" in page
    assert "Téléphonez à Commune de Vitry-sur-Seine" in page
    assert f"le DPO de Commune de Vitry-sur-Seine au {CONTROLLER_DPO_PHONE}" in page
    assert "remis au serveur de messagerie le" not in page


async def test_smtp_down_shows_failing_with_the_attempts_then_delivered_once_up(
    client, issued, closed_port, rssi
):
    breach = issued["breach"]
    for _ in range(2):
        await _due_now()
        report = await deliver_due(owner="test")
        assert (report.sent, report.retried) == (0, 1), report

    delivery = _notice(await read(client, f"/breaches/{breach['id']}"))["delivery"]
    assert delivery["state"] == DeliveryState.FAILING
    assert delivery["attempts"] == 2
    assert delivery["last_error"] and delivery["next_attempt_at"]
    page = await _page(rssi, breach)
    assert "Courriel non remis, nouvel essai prévu" in page
    assert "Courriel non remis après 2 essais" in page
    assert "Téléphonez à Commune de Vitry-sur-Seine" in page
    rssi_board = await _dashboard(rssi)
    assert "Informations du responsable non remises" in rssi_board
    assert "Courriel non remis après 2 essais" in rssi_board

    server = SmtpServer(port=closed_port).start()
    try:
        await _due_now()
        report = await deliver_due(owner="test")
        assert report.sent == 1, report
        (mail,) = server.received
        assert breach["ref"] in mail.subject
    finally:
        server.stop()

    delivery = _notice(await read(client, f"/breaches/{breach['id']}"))["delivery"]
    assert delivery["state"] == DeliveryState.DELIVERED
    assert delivery["delivered_at"] and delivery["last_error"] is None
    page = await _page(rssi, breach)
    assert "Courriel remis au serveur de messagerie" in page
    assert "Téléphonez" not in page  # e-mail only, by the convention: no call left to make
    assert "Informations du responsable non remises" not in await _dashboard(rssi)


async def test_a_notice_given_up_says_so_with_its_error(client, issued, settings_env):
    settings_env(outbox_max_attempts=1)
    report = await deliver_due(owner="test")
    assert report.failed == 1, report
    (message,) = await outbox(kind="breach.controller_notice")
    assert message.status == MessageStatus.FAILED  # the premise

    delivery = _notice(await read(client, f"/breaches/{issued['breach']['id']}"))["delivery"]
    assert delivery["state"] == DeliveryState.FAILED
    assert delivery["attempts"] == 1 and delivery["next_attempt_at"] is None
    assert delivery["last_error"]
