"""Signing the chains that moved: from the scheduler, hourly, when a signing key is set."""

from core.actor import current_actor
from core.audit.journal import checkpoint_moved
from core.audit.models import AuditCheckpoint
from core.audit.signing import generate_signing_key_pem
from core.clock import utcnow
from jobs.scheduler import Scheduler
from tests.factories import make_activity, make_org


async def test_only_the_chains_that_moved_are_signed(client, settings_env, tmp_path):
    key_file = tmp_path / "signing.pem"
    key_file.write_bytes(generate_signing_key_pem())
    settings_env(signing_key_file=key_file)
    first, second = await make_org(client), await make_org(client)
    assert {m.chain for m in await checkpoint_moved(now=utcnow())} == {first["id"], second["id"]}
    assert await checkpoint_moved(now=utcnow()) == []
    await make_activity(client, controller=first)
    (mark,) = await checkpoint_moved(now=utcnow())
    assert (mark.chain, mark.seq) == (first["id"], 2)


async def test_the_scheduler_signs_when_a_key_is_configured(db, settings_env, tmp_path):
    assert "audit_checkpoints" not in _jobs(Scheduler())
    key_file = tmp_path / "signing.pem"
    key_file.write_bytes(generate_signing_key_pem())
    settings_env(signing_key_file=key_file, scheduler_poll_seconds=3600)
    scheduler = Scheduler()
    await scheduler.start()
    try:
        assert "audit_checkpoints" in _jobs(scheduler)
        await scheduler.sign_checkpoints()  # nothing written yet: nothing to sign
        assert await AuditCheckpoint.all().count() == 0
    finally:
        await scheduler.stop()
    assert current_actor() == "système"  # the scheduler names itself in its own task only


def _jobs(scheduler: Scheduler) -> set[str]:
    return {job.id for job in scheduler.aps.get_jobs()}
