"""The production layout on PostgreSQL: `rgpd serve --no-scheduler --workers 2` and ONE
`rgpd scheduler`, real processes on a database made by `rgpd migrate` and `rgpd demo`.

Breaches are declared through the HTTP port with detections backdated so that reminder stages
are due (one falls due while the workers answer), then controller notices are sent from many
requests at once — the same notice twice at the same instant for one breach. When the outbox
is empty: every reminder exists once, every message reached the SMTP server once (by its
Message-ID), every notice was sent once, and every row is `sent`."""

import asyncio
import uuid
from collections import Counter
from datetime import UTC, datetime, timedelta

import asyncpg
import httpx
import pytest

from breach.breaches.models import BreachNotification
from core.outbox.models import MessageStatus, OutboxMessage
from core.scheduling import SchedulerState
from tests.cli import rgpd
from tests.conftest import POSTGRES_URL, USE_POSTGRES
from tests.ops.prometheus import parse
from tests.ops.serving import Served, json_lines
from tests.scheduler.processes import (
    SchedulerProcess,
    orm,
    scheduler_env,
    wait_until,
)

pytestmark = [
    pytest.mark.engine,
    pytest.mark.skipif(
        not USE_POSTGRES,
        reason="several web workers need PostgreSQL: runs in the PostgreSQL run "
        "(RGPD_TEST_DB=postgres)",
    ),
]

API = "/api/v1"
ADMIN = "admin@demo.registre-rgpd.fr"  # made by `rgpd demo`
NOTICE = "breach.controller_notice"
# Hours since detection → the stage of the EPT's 72-hour notice to Juvisy that is due now.
BACKDATED = {80: "overdue", 71.5: "h1", 70: "h6", 50: "h24", 30: "h48"}
PATIENCE = 240  # seconds: a bound on waiting on a shared machine, never a speed check


@pytest.fixture
async def empty_database():
    """A PostgreSQL database with nothing in it: `rgpd migrate` builds the schema."""
    name = f"rgpd_ops_{uuid.uuid4().hex}"
    server = POSTGRES_URL.rsplit("/", 1)[0]
    admin = await asyncpg.connect(f"{server}/postgres")
    await admin.execute(f'CREATE DATABASE "{name}"')
    try:
        yield f"{server}/{name}"
    finally:
        await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        await admin.close()


async def test_two_web_workers_and_one_scheduler_send_everything_once(
    empty_database, smtp, tmp_path
):
    env = scheduler_env(empty_database, smtp.port, log_format="json", metrics_enabled="true")
    rgpd("migrate", env=env, check=True, timeout=300)
    rgpd("demo", env=env, check=True, timeout=300)
    token = (
        rgpd("token", "create", ADMIN, "--name", "ops", env=env, check=True, timeout=300)
        .stdout.strip()
        .splitlines()[-1]
    )
    assert token.startswith("rgpd_")

    web = Served(env, tmp_path, "--no-scheduler", "--workers", "2")
    scheduler = SchedulerProcess(env, tmp_path / "scheduler.log", "scheduler")
    try:
        await web.wait_until_up(timeout=PATIENCE)
        await scheduler.wait_for_log("leading as", timeout=PATIENCE)
        headers = {"Authorization": f"Bearer {token}"}
        # No keep-alive: every request a new connection, which either worker may accept.
        limits = httpx.Limits(max_keepalive_connections=0)
        async with httpx.AsyncClient(
            base_url=web.base_url, headers=headers, timeout=120, limits=limits
        ) as http:
            ept, activity = await _demo_objects(http)

            # Breaches whose notice stages are due, declared from concurrent requests.
            declared = await asyncio.gather(
                *(
                    _declare(http, ept, activity, detected=_ago(hours=hours))
                    for hours in BACKDATED
                    for _ in range(2)
                )
            )
            due = {b: stage for b, stage in zip(declared, _twice(BACKDATED.values()), strict=True)}
            expected = {f"breach:{b}:controller_notice:{stage}" for b, stage in due.items()}
            await _wait_for_keys(empty_database, expected)

            # Three whose 1-hour stage comes while the notices are being sent: written by the
            # scheduler's wake-up job (their 6-hour stage at once).
            soon = await asyncio.gather(
                *(
                    _declare(http, ept, activity, detected=_ago(hours=71, seconds=-8 - i))
                    for i in range(3)
                )
            )
            for breach_id in soon:
                expected |= {f"breach:{breach_id}:controller_notice:{s}" for s in ("h6", "h1")}

            # The notices, all at once: one per stage group, and the overdue one twice.
            noticed = [b for b, _ in zip(declared[::2], BACKDATED, strict=True)]
            doubled = noticed[0]  # 80 h: overdue
            versions = {b: (await _get(http, f"/breaches/{b}"))["version"] for b in noticed}
            sends = [_send_notice(http, b, versions[b], late=due[b] == "overdue") for b in noticed]
            sends.append(_send_notice(http, doubled, versions[doubled], late=True))
            reads = [_get_status(http, f"/breaches/{b}") for b in declared * 3]
            answers = await asyncio.gather(*sends, *reads)
            notice_answers = answers[: len(sends)]
            assert Counter(notice_answers[1 : len(noticed)]) == {200: len(noticed) - 1}
            # The same notice twice at the same instant: one wins, the other is refused.
            assert sorted([notice_answers[0], notice_answers[-1]]) == [200, 409]
            assert set(answers[len(sends) :]) == {200}

            # Until both workers have answered (fresh connections, spread by the kernel).
            await wait_until(
                lambda: _worker_pids_seen(web, http), PATIENCE, "both workers answering"
            )

        await _wait_for_keys(empty_database, expected)
        await wait_until(
            lambda: _outbox_done(empty_database, len(smtp.received)),
            PATIENCE,
            "every message delivered",
            every=0.5,
        )
        async with httpx.AsyncClient(base_url=web.base_url) as http:
            metrics = parse((await http.get("/metrics")).text)  # as Prometheus scrapes it
        async with orm(empty_database):
            rows = await OutboxMessage.all()
            notifications = await BreachNotification.filter(recipient="controller").values_list(
                "breach_id", flat=True
            )
            state = await SchedulerState.get(name="scheduler")
    finally:
        web_code = web.stop()
        scheduler_code = scheduler.stop()
    assert web_code == 0, web.stderr()
    assert scheduler_code == 0, scheduler.log()

    # Every reminder once, with the stage each breach had reached.
    keys = Counter(m.dedup_key for m in rows if m.dedup_key)
    assert max(keys.values()) == 1
    assert expected <= set(keys), expected - set(keys)
    # Every message reached the SMTP server exactly once, and nothing else did.
    assert all(m.status == MessageStatus.SENT for m in rows), Counter(m.status for m in rows)
    received = Counter(mail.message_id for mail in smtp.received)
    assert max(received.values()) == 1, "a message delivered twice"
    assert set(received) == {m.message_id for m in rows}
    assert len(smtp.received) == len(rows)
    # Each notice sent once: the doubled one too, and only to the breaches noticed.
    sent_notices = Counter(str(m.subject_id) for m in rows if m.kind == NOTICE)
    assert sent_notices == {b: 1 for b in noticed}
    assert Counter(str(b) for b in notifications) == {b: 1 for b in noticed}
    # What /metrics said then: the leader, an empty outbox, each reminder's lateness kept.
    assert metrics["rgpd_scheduler_leader_present"].value() == 1
    assert metrics["rgpd_outbox_messages"].value(status="pending") == 0
    assert metrics["rgpd_outbox_messages"].value(status="failed") == 0
    reminders = sum(1 for m in rows if m.kind == "breach_reminder")
    assert metrics["rgpd_reminder_lateness_seconds"].value("_count") == reminders == len(expected)

    # The web workers ran no scheduler (--no-scheduler reached them); the scheduler led.
    assert f":{scheduler.pid}:" in state.leader
    entries = json_lines(web.stderr())  # the workers' log stream: JSON, line by line
    assert not any("leading as" in e["message"] for e in entries)
    workers = {e["pid"] for e in entries if e["message"].startswith("Started server process")}
    answering = {e["pid"] for e in entries if e["logger"] == "rgpd.access"}
    assert len(workers) == 2 and web.proc.pid not in workers
    assert answering == workers


def _twice(items):
    return [item for item in items for _ in range(2)]


def _ago(**delta) -> datetime:
    return datetime.now(UTC) - timedelta(**delta)


async def _get(http: httpx.AsyncClient, path: str) -> dict:
    response = await http.get(API + path)
    assert response.status_code == 200, response.text
    return response.json()


async def _get_status(http: httpx.AsyncClient, path: str) -> int:
    return (await http.get(API + path)).status_code


async def _demo_objects(http: httpx.AsyncClient) -> tuple[str, str]:
    """The EPT Grand-Orly Seine Bièvre, and Juvisy's JUV-01 that it runs under the convention."""
    bodies = (await _get(http, "/organisations?q=bievre"))["items"]
    (ept,) = [o for o in bodies if o["siren"] == "200058014"]
    (activity,) = (await _get(http, "/activities?q=JUV-01"))["items"]
    return ept["id"], activity["id"]


async def _declare(http: httpx.AsyncClient, ept: str, activity: str, *, detected) -> str:
    response = await http.post(
        f"{API}/incidents",
        json={
            "organisation_id": ept,
            "title": "Rançongiciel sur le serveur de fichiers mutualisé",
            "description": "Chiffrement des partages réseau (essai d'exploitation).",
            "detected_at": detected.isoformat(),
            "started_at": (detected - timedelta(hours=2)).isoformat(),
            "start_is_estimate": True,
            "nature": ["availability"],
            "origin": "hacking_malware_phishing",
            "cause": "external_malicious",
            "activity_ids": [activity],
        },
    )
    assert response.status_code == 201, response.text
    (breach_id,) = response.json()["breach_ids"]
    return breach_id


async def _send_notice(http: httpx.AsyncClient, breach_id: str, version: int, late: bool) -> int:
    payload: dict = {"version": version}
    if late:
        payload["late_reason"] = "Chiffrement découvert sur une sauvegarde, analyse en cours."
    response = await http.post(f"{API}/breaches/{breach_id}/controller-notice", json=payload)
    assert response.status_code in (200, 409), response.text
    return response.status_code


async def _worker_pids_seen(web: Served, http: httpx.AsyncClient) -> bool:
    pids = {e["pid"] for e in json_lines(web.stderr()) if e["logger"] == "rgpd.access"}
    if len(pids) >= 2:
        return True
    await asyncio.gather(*(http.get("/healthz") for _ in range(20)))
    return False


async def _wait_for_keys(url: str, keys: set[str]) -> None:
    async def written() -> bool:
        async with orm(url):
            found = await OutboxMessage.filter(dedup_key__in=list(keys)).count()
        return found == len(keys)

    await wait_until(written, PATIENCE, f"{len(keys)} reminders written", every=0.5)


async def _outbox_done(url: str, received: int) -> bool:
    async with orm(url):
        waiting = await OutboxMessage.exclude(status=MessageStatus.SENT).count()
        total = await OutboxMessage.all().count()
    return waiting == 0 and received >= total
