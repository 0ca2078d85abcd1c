"""Two `rgpd scheduler` processes on one PostgreSQL database: one leads (advisory lock), no
reminder is sent twice, and the stand-by takes over when the leader is killed."""

from collections import Counter
from datetime import timedelta

import pytest

from core.clock import utcnow
from core.outbox.models import MessageStatus, OutboxMessage
from core.scheduling import SchedulerState
from tests.conftest import USE_POSTGRES
from tests.scheduler.processes import (
    SchedulerProcess,
    fresh_database,
    orm,
    scheduler_env,
    wait_until,
)
from tests.scheduler.seed import make_body, make_breach
from tests.smtp_server import SmtpServer

pytestmark = [
    pytest.mark.engine,
    pytest.mark.skipif(
        not USE_POSTGRES,
        reason="PostgreSQL leadership: runs in the PostgreSQL run (RGPD_TEST_DB=postgres)",
    ),
]


async def test_one_leader_no_duplicate_and_takeover_when_the_leader_dies(tmp_path):
    smtp = SmtpServer().start()
    try:
        async with fresh_database(tmp_path, "postgres") as url:
            async with orm(url):
                body = await make_body(
                    "Métropole du Grand Nancy", dpo="dpd@grandnancy.fr", rssi="rssi@grandnancy.fr"
                )
                now = utcnow()
                # 30 breaches at their 48-hour stage now; 10 at their 6-hour stage now, whose
                # 1-hour stage comes in 20 seconds, while both schedulers run (late enough for
                # both to have started on a busy machine: started after it, the leader would
                # rightly skip the 6-hour stage for the more urgent one).
                for i in range(30):
                    await make_breach(body, cnil_due_at=now + timedelta(hours=30, minutes=i))
                soon = [
                    await make_breach(
                        body, cnil_due_at=now + timedelta(hours=1, seconds=20 + i / 10)
                    )
                    for i in range(10)
                ]
            env = scheduler_env(url, smtp.port)
            a = SchedulerProcess(env, tmp_path / "a.log")
            b = None
            try:
                await a.wait_for_log("leading as")
                b = SchedulerProcess(env, tmp_path / "b.log")
                await b.wait_for_log("standing by")
                await wait_until(lambda: len(smtp.received) >= 50, 120, "50 reminders delivered")
                async with orm(url):
                    state = await SchedulerState.get(name="scheduler")
                assert f":{a.pid}:" in state.leader
                assert state.last_error is None and state.last_run_at is not None
                assert "leading as" not in b.log()

                a.kill()
                await b.wait_for_log("leading as", timeout=60)
                async with orm(url):
                    # After the takeover, new work from another process: 10 breaches overdue.
                    for _ in range(10):
                        await make_breach(body, cnil_due_at=utcnow() - timedelta(minutes=5))
                await wait_until(lambda: len(smtp.received) >= 60, 120, "60 reminders delivered")
                async with orm(url):
                    state = await SchedulerState.get(name="scheduler")
                    rows = await OutboxMessage.all()
                assert f":{b.pid}:" in state.leader
            finally:
                if a.proc.poll() is None:
                    a.stop()
                if b is not None:
                    assert b.stop() == 0, b.log()

        assert len(rows) == 60 and all(m.status == MessageStatus.SENT for m in rows)
        keys = Counter(m.dedup_key for m in rows)
        assert max(keys.values()) == 1
        received = Counter(m.message_id for m in smtp.received)
        assert len(smtp.received) == 60 and max(received.values()) == 1, "a reminder sent twice"
        assert set(received) == {m.message_id for m in rows}
        stages = Counter(key.rsplit(":", 1)[1] for key in keys)
        assert stages == {"h48": 30, "h6": 10, "h1": 10, "overdue": 10}
        assert {f"breach:{x.id}:cnil:h1" for x in soon} <= set(keys)
    finally:
        smtp.stop()
