"""`rgpd outbox send`, `rgpd messages` and `rgpd serve` with its scheduler, as processes."""

import json
import urllib.request

import pytest

from core.clock import utcnow
from core.outbox.service import Draft, enqueue
from tests.cli import rgpd
from tests.conftest import USE_POSTGRES
from tests.scheduler.processes import (
    SchedulerProcess,
    fresh_database,
    orm,
    scheduler_env,
)
from tests.smtp_server import SmtpServer, free_port

pytestmark = pytest.mark.engine

ENGINE = "postgres" if USE_POSTGRES else "sqlite"


async def test_one_delivery_pass_and_the_list_of_messages_with_their_reasons(tmp_path):
    smtp = SmtpServer().start()
    smtp.handler.refuse.add("ancien-dpd@commune-exemple.fr")
    try:
        async with fresh_database(tmp_path, ENGINE) as url:
            async with orm(url):
                for to in ("dpd@commune-exemple.fr", "ancien-dpd@commune-exemple.fr"):
                    await enqueue(
                        Draft(kind="test", to_addrs=(to,), subject="Échéance", body_text="x\n"),
                        now=utcnow(),
                    )
            env = scheduler_env(url, smtp.port)
            sent = rgpd("outbox", "send", env=env, timeout=60)
            assert sent.returncode == 0, sent.stderr
            assert "envoyés : 1, à réessayer : 0, en échec : 1" in sent.stdout
            listing = rgpd("messages", env=env, timeout=60)
            assert listing.returncode == 0, listing.stderr
            assert "Envoyé" in listing.stdout and "Échec" in listing.stdout
            assert "motif : destinataires refusés (ancien-dpd@commune-exemple.fr : 550" in (
                listing.stdout
            )
            failed = rgpd("messages", "--status", "failed", env=env, timeout=60)
            assert failed.stdout.strip().endswith("1 message")
            assert len(smtp.received) == 1
    finally:
        smtp.stop()


async def test_serve_runs_the_scheduler_unless_told_not_to(tmp_path):
    async with fresh_database(tmp_path, ENGINE) as url:
        env = scheduler_env(url, free_port())
        port = free_port()
        web = SchedulerProcess(env, tmp_path / "serve.log", "serve", "--port", str(port))
        try:
            await web.wait_for_log("leading as")
            await web.wait_for_log("Uvicorn running")
            # Written once its first pass is done: then /healthz sees it leading.
            await web.wait_for_log("jobs rebuilt from the database")
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=5) as r:
                assert r.status == 200
                assert json.loads(r.read())["scheduler"]["leader"] == "present"
        finally:
            # Uvicorn shuts down cleanly, then re-raises SIGTERM: -15 is its normal exit.
            assert web.stop() in (0, -15), web.log()
        assert "scheduler stopped" in web.log()
        assert "Application shutdown complete" in web.log()

        port = free_port()
        alone = SchedulerProcess(
            env, tmp_path / "web.log", "serve", "--port", str(port), "--no-scheduler"
        )
        try:
            await alone.wait_for_log("Uvicorn running")
        finally:
            assert alone.stop() in (0, -15), alone.log()
        assert "leading as" not in alone.log()
