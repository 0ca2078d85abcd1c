"""The scheduler: reminders derived from the database, and the outbox's sender.

One scheduler leads per database (`core.leader`: a PostgreSQL advisory lock, or a file lock
beside the SQLite file); the others stand by and ask again every few seconds, so one takes
over when the leader dies. A leader checks it still holds the lock and steps down otherwise.

Nothing about deadlines is held only in memory. When it starts leading, the scheduler:

1. hands back the claims on messages left by dead schedulers (`release_claims`);
2. rebuilds its jobs from the database: one read of the open clocks gives the moments at
   which the next stages fall due, and the breaches with a stage reached while no scheduler
   ran; the first poll, at once, writes those reminders (once, the most urgent stage only)
   in batches, letting a stage that falls due meanwhile through between two batches;
3. keeps a poll job (every `scheduler_poll_seconds`) that does the same pass again, so that
   breaches and conventions written by other processes are seen, and keeps a `date` job at
   the next moment a stage falls due (before the next polls): a reminder is written
   milliseconds after its due time, not a poll interval later;
4. delivers the outbox after each batch of reminders, at each poll, and when a retry falls due;
5. when a signing key is configured (RGPD_SIGNING_KEY_FILE), signs a checkpoint of every audit
   chain that moved, at start and then every `CHECKPOINT_SECONDS`; each signed head is also
   appended to the anchor beside the key (core.audit.anchor), outside the database.

What it writes is journaled under the name `planificateur`.

APScheduler's jobs live in memory: they are a cache of what the database says, rebuilt at each
start and corrected at each poll.
"""

import asyncio
import contextlib
import heapq
import logging
import time
from datetime import UTC, datetime, timedelta
from uuid import UUID

from apscheduler.schedulers.asyncio import AsyncIOScheduler
from tortoise.exceptions import IntegrityError

from breach.reminders import ReminderPass, find_due_reminders, write_due_reminders
from core.actor import set_actor
from core.audit.journal import checkpoint_moved
from core.clock import utcnow
from core.config import get_settings
from core.leader import Leadership, leadership_for
from core.outbox.delivery import deliver_due
from core.outbox.models import MessageStatus, OutboxMessage
from core.outbox.service import owner_id, release_claims
from core.scheduling import LATENESS_WINDOW_SECONDS, ReminderLateness, SchedulerState
from register.conventions.alerts import write_due_convention_alerts

log = logging.getLogger("rgpd.scheduler")

ROLE = "scheduler"
STATE_NAME = "scheduler"
# On a clean stop, a delivery in progress may finish its message for this long.
STOP_GRACE_SECONDS = 5.0
ACTOR = "planificateur"  # who acts, in the audit journal
CHECKPOINT_SECONDS = 3600  # how often the audit chains that moved are signed
# Breaches whose reminders are written per batch (one transaction a chunk, the lock held):
# small enough that a stage falling due during a long catch-up is not kept waiting.
CATCH_UP_BATCH = 200


class Scheduler:
    """One leadership term: its jobs, its delivery task, its claims (owner)."""

    def __init__(self) -> None:
        self.settings = get_settings()
        self.owner = owner_id(ROLE)
        self.poll_seconds = self.settings.scheduler_poll_seconds
        self.aps = AsyncIOScheduler(
            timezone=UTC,
            # A job that is late (busy loop, slow database) still runs, once.
            job_defaults={"misfire_grace_time": None, "coalesce": True, "max_instances": 1},
        )
        self._writing = asyncio.Lock()  # one reminder pass at a time in this process
        self._delivery: asyncio.Task | None = None
        self._deliver_again = False
        self._stopping = False
        # The next stage moments within the horizon, from the last passes (a cache of the
        # database, rebuilt by every poll).
        self._moments: list[tuple[datetime, UUID]] = []
        self._planned: set[tuple[datetime, UUID]] = set()
        self._found: ReminderPass | None = None  # the clocks read at start, for the first poll

    # Start and stop -----------------------------------------------------------------------

    async def start(self) -> float:
        """Take over and rebuild the jobs from the database; returns the seconds it took.

        The rebuild only reads (one query for the clocks): the stages reached while no
        scheduler ran are written by the first poll, which starts at once and writes them in
        batches, so a stage falling due meanwhile is written on time between two batches.
        """
        started = time.monotonic()
        released = await release_claims(owner_prefix=f"{ROLE}:", keep=self.owner)
        if released:
            log.info("took back %d message(s) claimed by a scheduler that stopped", released)
        await _write_state(leader=self.owner, leader_since=utcnow(), last_error=None)
        self.aps.start()
        error = None
        try:
            self._found = await find_due_reminders(now=utcnow())
            self._plan_breaches(self._found.next_moments(self._horizon()))
        except Exception as exc:  # the first poll, at once, reads again
            error = f"{type(exc).__name__}: {exc}"
            log.exception("clocks not read at start")
        # A run: /healthz sees a leader from now on, not only once the catch-up is written.
        await _write_state(
            last_run_at=utcnow(), last_run_seconds=time.monotonic() - started, last_error=error
        )
        self.aps.add_job(
            self.poll,
            "interval",
            seconds=self.poll_seconds,
            id="poll",
            next_run_time=utcnow(),
        )
        if self.settings.signing_key_file is not None:
            self.aps.add_job(
                self.sign_checkpoints,
                "interval",
                seconds=CHECKPOINT_SECONDS,
                id="audit_checkpoints",
                next_run_time=utcnow(),
            )
        if self._found is not None and self._found.due:
            log.info("%d breach(es) with a reminder to catch up", len(self._found.due))
        return time.monotonic() - started

    async def stop(self) -> None:
        self._stopping = True
        if self.aps.running:
            self.aps.shutdown(wait=False)
        task = self._delivery
        if task is not None and not task.done():
            with contextlib.suppress(TimeoutError, asyncio.CancelledError, Exception):
                await asyncio.wait_for(asyncio.shield(task), STOP_GRACE_SECONDS)
            if not task.done():
                task.cancel()
                with contextlib.suppress(asyncio.CancelledError, Exception):
                    await task
        # Our claims go back to the queue now rather than when their lease runs out.
        with contextlib.suppress(Exception):
            await release_claims(owner_prefix=self.owner, keep="")

    # The passes ---------------------------------------------------------------------------

    async def poll(self) -> None:
        """Re-derive every reminder from the database, write those due, plan the next ones."""
        if self._stopping:  # a run queued before the stop: no longer ours to write
            return
        started = time.monotonic()
        error = None
        try:
            now = utcnow()
            # The first poll takes the clocks start() has just read.
            found, self._found = self._found, None
            found = found or await find_due_reminders(now=now)
            self._plan_breaches(found.next_moments(self._horizon()))
            async with self._writing:
                conventions = await write_due_convention_alerts(now=now)
                await _prune_lateness(now)
            for moment in conventions.upcoming:
                if moment <= self._horizon():
                    self._plan(moment, f"conventions@{moment.isoformat()}", self._conventions_at)
            if conventions.written:
                self.kick_delivery()
            written = await self._catch_up(found.due)
            if written or conventions.written:
                log.info(
                    "%d breach reminder(s), %d convention reminder(s) written in %.3f s",
                    written,
                    conventions.written,
                    time.monotonic() - started,
                )
        except Exception as exc:  # the next poll tries again; the state row says why
            error = f"{type(exc).__name__}: {exc}"
            log.exception("reminder pass failed")
        self.kick_delivery()
        await _write_state(
            last_run_at=utcnow(), last_run_seconds=time.monotonic() - started, last_error=error
        )

    async def _catch_up(self, breach_ids: list[UUID]) -> int:
        """Write the reminders of these breaches, a batch at a time, each batch re-read as it
        is written (a notice recorded meanwhile stops its clock). The lock is let go between
        batches, so a stage that falls due meanwhile waits one batch, not the whole pass."""
        written = 0
        for start in range(0, len(breach_ids), CATCH_UP_BATCH):
            if self._stopping:
                break
            async with self._writing:
                result = await write_due_reminders(
                    breach_ids=breach_ids[start : start + CATCH_UP_BATCH], record_lateness=True
                )
            self._plan_breaches(result.next_moments(self._horizon()))
            if result.written:
                written += result.written
                self.kick_delivery()  # the first messages leave while the next are written
        return written

    def _horizon(self) -> datetime:
        """How far ahead moments are planned: the polls after the next correct the rest."""
        return utcnow() + timedelta(seconds=2 * self.poll_seconds)

    async def sign_checkpoints(self) -> None:
        """Sign the end of every audit chain written since its last checkpoint."""
        try:
            made = await checkpoint_moved(now=utcnow())
        except Exception as exc:  # a missing or unreadable key: said, and tried again later
            log.error("audit checkpoints not signed: %s: %s", type(exc).__name__, exc)
            return
        if made:
            log.info("%d audit chain(s) signed", len(made))

    def _plan_breaches(self, upcoming: dict[datetime, set[UUID]]) -> None:
        """Remember when each breach next reaches a stage, and wake up at the first one.

        One `date` job (id "breaches") at the earliest moment; when it runs, it takes every
        breach whose moment has come, in one pass: under load, the moments that fall due
        during a pass are taken together by the next, so lateness stays near a pass's time.
        """
        for moment, breach_ids in upcoming.items():
            for breach_id in breach_ids:
                if (moment, breach_id) not in self._planned:
                    self._planned.add((moment, breach_id))
                    heapq.heappush(self._moments, (moment, breach_id))
        self._wake_at_next()

    def _wake_at_next(self) -> None:
        if self._moments and not self._stopping:
            # Planned from inside the running job: a second instance must be allowed, or
            # APScheduler would skip the run (and a date job does not come back).
            self._plan(self._moments[0][0], "breaches", self._breaches_due, (), instances=2)

    def _plan(
        self, moment: datetime, job_id: str, func, args: tuple | None = None, instances: int = 1
    ) -> None:
        if self._stopping:
            return
        self.aps.add_job(
            func,
            "date",
            run_date=moment,
            id=job_id,
            args=(moment,) if args is None else args,
            replace_existing=True,
            max_instances=instances,
        )

    async def _breaches_due(self) -> None:
        try:
            now = utcnow()
            ready: set[UUID] = set()
            while self._moments and self._moments[0][0] <= now:
                moment, breach_id = heapq.heappop(self._moments)
                self._planned.discard((moment, breach_id))
                ready.add(breach_id)
            if ready:
                async with self._writing:
                    result = await write_due_reminders(breach_ids=list(ready), record_lateness=True)
                self._plan_breaches(result.next_moments(self._horizon()))
                if result.written:
                    self.kick_delivery()
        finally:
            self._wake_at_next()

    async def _conventions_at(self, moment: datetime) -> None:
        await _until(moment)
        async with self._writing:
            result = await write_due_convention_alerts()
        if result.written:
            self.kick_delivery()

    # Delivery -----------------------------------------------------------------------------

    def kick_delivery(self) -> None:
        """Deliver now, or again right after the delivery in progress."""
        if self._stopping:
            return
        self._deliver_again = True
        if self._delivery is None or self._delivery.done():
            self._delivery = asyncio.create_task(self._deliver())

    async def _deliver(self) -> None:
        while self._deliver_again and not self._stopping:
            self._deliver_again = False
            try:
                report = await deliver_due(owner=self.owner)
            except Exception:
                log.exception("delivery pass failed")
                return
            if report.attempted:
                log.info(
                    "outbox: %d sent, %d to retry, %d failed",
                    report.sent,
                    report.retried,
                    report.failed,
                )
        with contextlib.suppress(Exception):
            await self._plan_next_retry()

    async def _plan_next_retry(self) -> None:
        """A message waiting for its next attempt is sent when it falls due, not at a poll."""
        if self._stopping:
            return
        found = (
            await OutboxMessage.filter(status=MessageStatus.PENDING)
            .order_by("next_attempt_at")
            .limit(1)
            .values_list("next_attempt_at", flat=True)
        )
        nxt = found[0] if found else None
        if nxt is not None and nxt <= utcnow() + timedelta(seconds=self.poll_seconds):
            self.aps.add_job(self._retry, "date", run_date=nxt, id="retry", replace_existing=True)

    async def _retry(self) -> None:  # a coroutine, so APScheduler runs it in the loop
        self.kick_delivery()


async def _until(moment: datetime) -> None:
    # A timer may fire a hair early; a stage is never taken as reached before its moment.
    wait = (moment - utcnow()).total_seconds()
    if wait > 0:
        await asyncio.sleep(wait)


async def _prune_lateness(now: datetime) -> None:
    """Lateness older than the window /metrics reads is of no use: dropped at each poll."""
    cutoff = now - timedelta(seconds=LATENESS_WINDOW_SECONDS)
    try:
        await ReminderLateness.filter(written_at__lt=cutoff).delete()
    except Exception as exc:  # informative, like the state row: never stops a pass
        log.warning("reminder lateness not pruned: %s: %s", type(exc).__name__, exc)


async def _write_state(**values) -> None:
    try:
        if await SchedulerState.filter(name=STATE_NAME).update(**values):
            return
        if "leader" in values:
            with contextlib.suppress(IntegrityError):
                await SchedulerState.create(name=STATE_NAME, **values)
    except Exception as exc:  # the state is informative: never stop the scheduler for it
        log.warning("scheduler state not written: %s: %s", type(exc).__name__, exc)


async def _sleep_or_stop(stop_event: asyncio.Event, seconds: float) -> None:
    with contextlib.suppress(TimeoutError):
        await asyncio.wait_for(stop_event.wait(), seconds)


async def run_scheduler(stop_event: asyncio.Event, *, leadership: Leadership | None = None) -> None:
    """Lead when possible, stand by otherwise, until `stop_event` is set.

    The ORM must be initialised by the caller (the `rgpd scheduler` command, the app).
    """
    set_actor(ACTOR)  # this task's context, and the jobs it starts
    settings = get_settings()
    leadership = leadership or leadership_for(settings.database_url)
    retry = settings.scheduler_leader_retry_seconds
    standing_by = False
    try:
        while not stop_event.is_set():
            try:
                held = await leadership.acquire()
            except Exception as exc:
                log.warning("cannot ask for the leadership: %s: %s", type(exc).__name__, exc)
                held = False
            if not held:
                if not standing_by:
                    log.info("standing by: another scheduler leads")
                    standing_by = True
                await _sleep_or_stop(stop_event, retry)
                continue
            standing_by = False
            scheduler = Scheduler()
            log.info("leading as %s", scheduler.owner)
            try:
                seconds = await scheduler.start()
                log.info("jobs rebuilt from the database in %.3f s", seconds)
                while not stop_event.is_set():
                    await _sleep_or_stop(stop_event, retry)
                    if not stop_event.is_set() and not await leadership.still_held():
                        log.warning("leadership lost: stepping down")
                        break
            except Exception:
                log.exception("scheduler failed; asking again for the leadership")
                await _sleep_or_stop(stop_event, retry)
            finally:
                await scheduler.stop()
                with contextlib.suppress(Exception):
                    await leadership.release()
    finally:
        with contextlib.suppress(Exception):
            await leadership.release()
    log.info("scheduler stopped")
