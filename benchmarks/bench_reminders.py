"""How fast the scheduler starts, and how late it writes breach reminders, with 10,000 open
deadlines.

A benchmark, not a test. For each engine it writes N open breaches in bulk, with CNIL deadlines
spread so that a stage of each falls due during the run (half reach their 1-hour stage, half
become overdue, between `--fire-from` and `--fire-to` seconds after seeding), then runs a real
`rgpd scheduler` process with an SMTP sink (aiosmtpd, in this process) and measures:

- start-up: the time the scheduler takes to rebuild its jobs from the database (read every open
  clock, plan the next stages), from its log; beside it, the bare baseline: the same clock
  columns of the N open breaches read with one SQL query through the driver, no ORM;
- catch-up: the first poll, which writes the stage each clock had already reached when the
  scheduler started (N messages, each encrypted and journaled), from its log;
- lateness: for each stage that fell due during the run, outbox `created_at` − `due_at`.

    .venv/bin/python benchmarks/bench_reminders.py                 # 10,000, both engines
    .venv/bin/python benchmarks/bench_reminders.py --db sqlite --breaches 2000
    .venv/bin/python benchmarks/bench_reminders.py --smoke --db sqlite   # a few seconds

Each engine runs in its own subprocess (Tortoise caches SQL per backend class). PostgreSQL is
measured when a server answers at --postgres-url, skipped with the reason otherwise.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import random
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

DEFAULT_POSTGRES_URL = "postgres://postgres@127.0.0.1:5432/rgpd_bench_{}"
ENGINES = {"sqlite": "SQLite", "postgres": "PostgreSQL"}


class SinkHandler:
    """Accepts everything, parses nothing: the benchmark measures the scheduler."""

    def __init__(self) -> None:
        self.count = 0

    async def handle_DATA(self, server, session, envelope):
        self.count += 1
        return "250 OK"


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


async def run_engine(args: argparse.Namespace) -> dict:
    from aiosmtpd.controller import Controller
    from tortoise.context import TortoiseContext

    from api.database import tortoise_config
    from core.clock import utcnow
    from core.outbox.models import OutboxMessage
    from tests.scheduler.seed import make_body, make_many_breaches
    from tests.smtp_server import free_port

    engine = args.db
    workdir = Path(tempfile.mkdtemp(prefix="rgpd-bench-reminders-"))
    admin = None
    if engine == "sqlite":
        url = f"sqlite://{workdir / 'rgpd.sqlite3'}"
    else:
        import asyncpg

        url = args.postgres_url.replace("{}", uuid.uuid4().hex[:8])
        server, name = url.rsplit("/", 1)
        admin = await asyncpg.connect(f"{server}/postgres")
        await admin.execute(f'CREATE DATABASE "{name}"')
    try:
        sink = SinkHandler()
        smtp_port = free_port()
        smtp = Controller(sink, hostname="127.0.0.1", port=smtp_port)
        smtp.start()
        async with TortoiseContext() as ctx:
            await ctx.init(config=tortoise_config(url))
            await ctx.generate_schemas()
            body = await make_body("Commune de banc d'essai", dpo="dpd@banc-exemple.fr")
            seeded_at = utcnow()
            rng = random.Random(7)
            dues = []
            for i in range(args.breaches):
                fire = timedelta(seconds=rng.uniform(args.fire_from, args.fire_to))
                # Even: the 1-hour stage fires during the run; odd: the deadline passes.
                dues.append(seeded_at + fire + (timedelta(hours=1) if i % 2 == 0 else timedelta()))
            started = time.monotonic()
            await make_many_breaches(body, dues)
            seed_seconds = time.monotonic() - started
            bare_read_seconds = await _bare_read(args.breaches)

        env = {k: v for k, v in os.environ.items() if not k.startswith("RGPD_")}
        env.update(
            RGPD_ENCRYPTION_KEYS=os.environ["RGPD_ENCRYPTION_KEYS"],
            RGPD_DATABASE_URL=url,
            RGPD_SMTP_HOST="127.0.0.1",
            RGPD_SMTP_PORT=str(smtp_port),
            RGPD_MAIL_FROM="registre-rgpd <rgpd@banc-exemple.fr>",
            RGPD_SCHEDULER_POLL_SECONDS=str(args.poll),
        )
        log_path = workdir / "scheduler.log"
        with open(log_path, "wb") as log:
            proc = subprocess.Popen(
                [sys.executable, "-m", "api.cli", "scheduler"],
                cwd=ROOT,
                env=env,
                stdout=log,
                stderr=subprocess.STDOUT,
            )
            launched = utcnow()
            end = seeded_at + timedelta(seconds=args.fire_to + args.settle)
            while utcnow() < end and proc.poll() is None:
                await asyncio.sleep(0.5)
            proc.terminate()
            proc.wait(timeout=30)
        text = log_path.read_text()
        startup = _logged_seconds(r"jobs rebuilt from the database in ([0-9.]+) s", text)
        catch_up = _logged_seconds(r"breach reminder\(s\), .* written in ([0-9.]+) s", text)

        async with TortoiseContext() as ctx:
            await ctx.init(config=tortoise_config(url))
            rows = await OutboxMessage.filter(kind="breach_reminder").values_list(
                "dedup_key", "due_at", "created_at"
            )
        # Stages that fell due while the scheduler ran (not those it found reached at start).
        fired = [(created - due).total_seconds() for _key, due, created in rows if due > launched]
        expected = args.breaches
        smtp.stop()
        return {
            "engine": ENGINES[engine],
            "breaches": args.breaches,
            "seed_seconds": seed_seconds,
            "startup_seconds": startup,
            "bare_read_seconds": bare_read_seconds,
            "catch_up_seconds": catch_up,
            "messages": len(rows),
            "delivered": sink.count,
            "fired": len(fired),
            "expected_fired": expected,
            "p50_ms": percentile(fired, 0.50) * 1000 if fired else float("nan"),
            "p99_ms": percentile(fired, 0.99) * 1000 if fired else float("nan"),
            "max_ms": max(fired) * 1000 if fired else float("nan"),
            "mean_ms": statistics.fmean(fired) * 1000 if fired else float("nan"),
            "errors": text.count("ERROR"),
        }
    finally:
        shutil.rmtree(workdir, ignore_errors=True)  # the SQLite file is 100 MB at 10,000
        if admin is not None:
            await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            await admin.close()


async def _bare_read(expected: int) -> float:
    """The baseline: the open breaches' clock columns in one query, rows as the driver
    gives them (what start-up cannot do with less)."""
    from tortoise import connections

    from breach.breaches.service import OPEN

    connection = connections.get("default")
    marks = ", ".join(
        "?" if connection.capabilities.dialect == "sqlite" else f"${i + 1}"
        for i in range(len(OPEN))
    )
    sql = (
        "SELECT id, ref, status, controller_id, source_org_id, controller_notice_due_at, "
        "controller_informed_at, cnil_due_at, notify_cnil, updated_at "
        f"FROM breach WHERE status IN ({marks})"
    )
    started = time.monotonic()
    _count, rows = await connection.execute_query(sql, [str(status) for status in OPEN])
    seconds = time.monotonic() - started
    assert len(rows) == expected, (len(rows), expected)
    return seconds


def _logged_seconds(pattern: str, text: str) -> float:
    found = re.search(pattern, text)
    return float(found.group(1)) if found else float("nan")


async def postgres_reachable(url: str) -> str | None:
    import asyncpg

    try:
        conn = await asyncpg.connect(url.replace("{}", "x").rsplit("/", 1)[0] + "/postgres")
    except Exception as exc:
        return f"{type(exc).__name__}: {exc}"
    await conn.close()
    return None


SMOKE = {"breaches": 40, "fire_from": 4.0, "fire_to": 6.0, "settle": 2.0, "poll": 5.0}


def _arguments() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--db", choices=[*ENGINES, "both"], default="both")
    parser.add_argument("--breaches", type=int, default=10_000)
    parser.add_argument("--fire-from", type=float, default=40, help="seconds after seeding")
    parser.add_argument("--fire-to", type=float, default=100, help="seconds after seeding")
    parser.add_argument("--settle", type=float, default=10, help="seconds to run after")
    parser.add_argument("--poll", type=float, default=30, help="scheduler_poll_seconds")
    parser.add_argument("--postgres-url", default=DEFAULT_POSTGRES_URL)
    parser.add_argument(
        "--smoke", action="store_true", help="a few seconds: checks the script still runs"
    )
    parser.add_argument("--json", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.smoke:
        for name, value in SMOKE.items():
            setattr(args, name, value)
    return args


def _measure(args: argparse.Namespace, engine: str) -> dict:
    """One engine, in its own process."""
    command = [sys.executable, __file__, "--db", engine, "--json"]
    for name in ("breaches", "fire_from", "fire_to", "settle", "poll", "postgres_url"):
        command += [f"--{name.replace('_', '-')}", str(getattr(args, name))]
    out = subprocess.run(command, cwd=ROOT, capture_output=True, text=True)
    if out.returncode != 0:
        sys.exit(f"{ENGINES[engine]} failed:\n{out.stderr[-3000:]}")
    return json.loads(out.stdout.strip().splitlines()[-1])


def _print_table(args: argparse.Namespace, results: list[dict]) -> None:
    print(
        f"\nReminders with {args.breaches:,} open deadlines ({platform.python_version()}, "
        f"{platform.machine()}, {os.cpu_count()} CPUs, poll {args.poll:g} s)\n"
    )
    print(
        "| engine | start-up (rebuild jobs) | bare read, one query | catch-up (reminders "
        "due at start) | reminders fired | p50 lateness | p99 lateness | max | delivered |"
    )
    print("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |")
    for r in results:
        print(
            f"| {r['engine']} | {r['startup_seconds']:.3f} s"
            f" | {r['bare_read_seconds']:.3f} s | {r['catch_up_seconds']:.2f} s"
            f" | {r['fired']:,}/{r['expected_fired']:,}"
            f" | {r['p50_ms']:.1f} ms | {r['p99_ms']:.1f} ms | {r['max_ms']:.1f} ms"
            f" | {r['delivered']:,}/{r['messages']:,} |"
        )
    command = " ".join(
        ["- Command: `.venv/bin/python benchmarks/bench_reminders.py", *sys.argv[1:]]
    )
    print(f"\n{command}`")


def main() -> None:
    # A throwaway key for the benchmark's databases (the outbox and breach facts are
    # encrypted at rest): the engines' subprocesses and the scheduler inherit it.
    if not os.environ.get("RGPD_ENCRYPTION_KEYS"):
        from core.keys import generate_key

        os.environ["RGPD_ENCRYPTION_KEYS"] = f"bench:{generate_key()}"
    args = _arguments()
    if args.json:
        print(json.dumps(asyncio.run(run_engine(args))))
        return

    results = []
    for engine in ENGINES if args.db == "both" else [args.db]:
        if engine == "postgres":
            problem = asyncio.run(postgres_reachable(args.postgres_url))
            if problem:
                print(f"PostgreSQL skipped: {problem}", file=sys.stderr)
                continue
        results.append(_measure(args, engine))
    _print_table(args, results)


if __name__ == "__main__":
    main()
