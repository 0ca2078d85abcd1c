"""Signing the chains that moved: from the scheduler, hourly, when a signing key is set."""

import json
import stat

from core.actor import current_actor
from core.audit.chain import INSTANCE_CHAIN
from core.audit.journal import checkpoint_moved
from core.audit.models import AuditCheckpoint
from core.audit.signing import generate_signing_key_pem
from core.clock import utcnow
from jobs.scheduler import Scheduler
from tests.audit.helpers import sql
from tests.factories import make_activity, make_org, read


async def test_only_the_chains_that_moved_are_signed(client, settings_env, tmp_path):
    key_file = tmp_path / "signing.pem"
    key_file.write_bytes(generate_signing_key_pem())
    settings_env(signing_key_file=key_file)
    first, second = await make_org(client), await make_org(client)
    # (The instance's chain may have moved too: the test client's account is journaled.)
    moved = {m.chain for m in await checkpoint_moved(now=utcnow())} - {INSTANCE_CHAIN}
    assert moved == {first["id"], second["id"]}
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


async def test_the_scheduler_appends_each_head_it_signs_to_the_anchor(
    client, settings_env, tmp_path
):
    key_file = tmp_path / "signing.pem"
    key_file.write_bytes(generate_signing_key_pem())
    settings_env(signing_key_file=key_file, scheduler_poll_seconds=3600)
    anchor = tmp_path / "journal-anchor.jsonl"
    commune = await make_org(client)
    await Scheduler().sign_checkpoints()
    assert stat.S_IMODE(anchor.stat().st_mode) == 0o600
    first = anchor.read_bytes()
    marks = await AuditCheckpoint.all()
    assert len(first.splitlines()) == len(marks) >= 1
    await make_activity(client, controller=commune)
    await Scheduler().sign_checkpoints()
    now = anchor.read_bytes()
    assert now.startswith(first)  # appended to, never rewritten
    last = json.loads(now.splitlines()[-1])
    assert (last["chain"], last["seq"]) == (commune["id"], 2)


async def test_the_verify_route_says_what_the_anchor_shows(client, settings_env, tmp_path):
    none = await read(client, "/journal/verify")
    assert none["intact"] is True and "aucune ancre configurée" in none["anchor"]
    key_file = tmp_path / "signing.pem"
    key_file.write_bytes(generate_signing_key_pem())
    settings_env(signing_key_file=key_file)
    commune = await make_org(client)
    await make_activity(client, controller=commune)
    assert "aucune ancre encore" in (await read(client, "/journal/verify"))["anchor"]
    await checkpoint_moved(now=utcnow())
    assert "contre l'ancre" in (await read(client, "/journal/verify"))["anchor"]

    await sql("DELETE FROM audit_event WHERE chain = ? AND seq = ?", commune["id"], 2)
    await sql("DELETE FROM audit_checkpoint WHERE chain = ?", commune["id"])
    verified = await read(client, "/journal/verify")
    assert verified["intact"] is False
    (problem,) = verified["problems"]
    assert (problem["chain"], problem["kind"]) == (commune["id"], "anchor_truncated")
    assert "journal tronqué" in problem["message"]


def _jobs(scheduler: Scheduler) -> set[str]:
    return {job.id for job in scheduler.aps.get_jobs()}
