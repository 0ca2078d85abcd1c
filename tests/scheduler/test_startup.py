"""The scheduler's start-up: it reads the open clocks in a constant number of queries, plans
their next stages, and leaves the reminders missed while it was down to its first poll, which
writes each of them once, even across a restart."""

import asyncio
from datetime import timedelta

from breach import reminders
from breach.breaches.models import Breach
from breach.reminders import find_due_reminders, write_due_reminders
from core.clock import utcnow
from core.outbox.models import OutboxMessage
from core.scheduling import SchedulerState
from jobs.scheduler import CATCH_UP_BATCH, Scheduler
from tests.queries import counted_queries
from tests.scheduler.seed import make_body, make_many_breaches

# More open clocks than one catch-up batch, fewer than one chunk of keys (500) per query.
MANY = CATCH_UP_BATCH + 150


async def _open_breaches(body, count: int) -> list:
    """Breaches whose CNIL deadline is half an hour away: the 1-hour stage is reached (a
    reminder is due at once) and the next moment, the deadline, is within the horizon."""
    deadline = utcnow() + timedelta(minutes=30)
    return await make_many_breaches(body, [deadline] * count)


async def _started_and_stopped() -> tuple[list[str], Scheduler]:
    """The queries of one start(); the scheduler is stopped before its first poll runs."""
    scheduler = Scheduler()
    async with counted_queries() as statements:
        await scheduler.start()
    # The writing is left to the first poll, planned at once (and stopped here before it runs).
    assert scheduler.aps.get_job("poll").next_run_time <= utcnow()
    await scheduler.stop()
    return statements, scheduler


async def test_start_up_costs_the_same_queries_for_3_or_350_open_clocks(db, settings_env):
    settings_env(scheduler_poll_seconds=3600)
    body = await make_body("Commune de Juvisy-sur-Orge", dpo="dpd@juvisy-exemple.fr")
    few = await _open_breaches(body, 3)
    await _started_and_stopped()  # the instance's first start also creates its state row
    small, scheduler = await _started_and_stopped()
    assert {breach_id for _, breach_id in scheduler._moments} == set(few), "all planned"

    other = await make_body("Commune de Savigny-sur-Orge", dpo="dpd@savigny-exemple.fr")
    many = few + await _open_breaches(other, MANY - 3)
    large, scheduler = await _started_and_stopped()
    assert {breach_id for _, breach_id in scheduler._moments} == set(many), "all planned"
    assert len(many) == MANY

    assert small, "the queries are counted"
    assert len(large) == len(small), "start-up reads the clocks, it does not write them"
    assert await OutboxMessage.all().count() == 0, "nothing is written before the first poll"
    state = await SchedulerState.get(name="scheduler")
    assert state.last_run_at is not None, "/healthz sees a leader once the jobs are rebuilt"


async def test_start_up_reads_the_open_clocks_a_chunk_at_a_time(db, settings_env, monkeypatch):
    settings_env(scheduler_poll_seconds=3600)
    monkeypatch.setattr(reminders, "_READ_CHUNK", 100)
    body = await make_body("Commune de Juvisy-sur-Orge", dpo="dpd@juvisy-exemple.fr")
    few = await _open_breaches(body, 3)
    await _started_and_stopped()
    small, _ = await _started_and_stopped()
    other = await make_body("Commune de Savigny-sur-Orge", dpo="dpd@savigny-exemple.fr")
    many = few + await _open_breaches(other, MANY - 3)
    large, scheduler = await _started_and_stopped()
    assert {breach_id for _, breach_id in scheduler._moments} == set(many), "every chunk"
    assert sorted(scheduler._found.due) == sorted(many)
    assert len(large) == len(small) + MANY // 100, "one query more per chunk of 100"


async def _first_poll_done(since, timeout: float = 120) -> None:
    """Wait for the first poll's state row (a wait with a bound, not a timing assertion)."""
    for _ in range(int(timeout / 0.05)):
        state = await SchedulerState.get(name="scheduler")
        if state.last_run_at > since:
            return
        await asyncio.sleep(0.05)
    raise AssertionError("the scheduler's first poll never finished")


async def _run_until_first_poll() -> Scheduler:
    scheduler = Scheduler()
    await scheduler.start()
    started = utcnow()  # start() wrote its state before; the first poll writes it after
    try:
        await _first_poll_done(started)
    finally:
        await scheduler.stop()
    return scheduler


async def test_the_first_poll_writes_every_missed_reminder_once_even_after_a_restart(
    db, settings_env
):
    # Nowhere to deliver to: the messages stay in the outbox, where they are counted.
    settings_env(scheduler_poll_seconds=3600, smtp_host="127.0.0.1", smtp_port=9)
    body = await make_body("Commune de Juvisy-sur-Orge", dpo="dpd@juvisy-exemple.fr")
    breach_ids = await _open_breaches(body, MANY)

    await _run_until_first_poll()
    keys = await OutboxMessage.filter(kind="breach_reminder").values_list("dedup_key", flat=True)
    assert sorted(keys) == sorted(f"breach:{b}:cnil:h1" for b in breach_ids), "each batch"

    await _run_until_first_poll()  # a restart finds nothing left to write
    assert await OutboxMessage.filter(kind="breach_reminder").count() == MANY


async def test_a_clock_stopped_after_the_start_up_read_is_not_reminded(db):
    body = await make_body("Commune de Juvisy-sur-Orge", dpo="dpd@juvisy-exemple.fr")
    stopped, running = await _open_breaches(body, 2)
    found = await find_due_reminders()
    assert set(found.due) == {stopped, running}
    # Between the read and the batch that writes them: the decision not to notify the CNIL.
    await Breach.filter(id=stopped).update(notify_cnil=False)

    written = await write_due_reminders(breach_ids=found.due)
    assert written.written == 1
    assert await OutboxMessage.filter(subject_id=stopped).count() == 0
    assert await OutboxMessage.filter(subject_id=running).count() == 1
