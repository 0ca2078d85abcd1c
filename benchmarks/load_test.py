"""Load test: concurrent users against a real `rgpd serve`, counting server errors.

Starts `rgpd serve --no-scheduler` itself on a free loopback port, with a fresh database
filled by `rgpd migrate` and `rgpd demo`, and a bearer token of an instance administrator
(`rgpd user create`, `rgpd token create`: the command line, as an operator gets one). Then
`--users` concurrent users (asyncio tasks, httpx, one connection pool each) loop for
`--duration` seconds, each request drawn at random among reads (the lists, one activity, the
breaches, the dashboard and register pages) and versioned writes (an activity read, then
PATCHed with the version read: a concurrent edit answers 409, which is counted, not an
error; and creations). It prints p50/p95 per request kind and the status counts, lists each
5xx with its request, and exits 1 if there was any.

    .venv/bin/python benchmarks/load_test.py --db sqlite                  # 50 users, 60 s
    .venv/bin/python benchmarks/load_test.py --db postgres --workers 2
    .venv/bin/python benchmarks/load_test.py --smoke                      # 5 users, 3 s

Loopback only; the latencies include the client's own time on the same machine.
"""

import argparse
import asyncio
import os
import platform
import random
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[1]
RGPD = (sys.executable, "-m", "api.cli")
API = "/api/v1"
ADMIN = "charge@registre-rgpd.test"
PASSWORD = "un mot de passe assez long pour la charge"
DEFAULT_POSTGRES = "postgres://postgres@127.0.0.1:5432/rgpd_load_{}"

# (kind, weight): mostly reads, as a register is mostly read.
MIX = [
    ("list activities", 20),
    ("list organisations", 8),
    ("one activity", 20),
    ("list breaches", 8),
    ("one breach", 6),
    ("dashboard page", 8),
    ("register page", 6),
    ("patch activity", 16),
    ("create activity", 8),
]


@dataclass
class Tally:
    latencies: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))
    statuses: dict[str, Counter] = field(default_factory=lambda: defaultdict(Counter))
    server_errors: list[str] = field(default_factory=list)
    transport_errors: list[str] = field(default_factory=list)

    def record(self, kind: str, method: str, url: str, response: httpx.Response, ms: float):
        self.latencies[kind].append(ms)
        self.statuses[kind][response.status_code] += 1
        if response.status_code >= 500:
            self.server_errors.append(
                f"{kind}: {method} {url} → {response.status_code} {response.text[:300]}"
            )


@dataclass
class Demo:
    """What the demo holds that the users pick from."""

    activities: list[str]
    controllers: list[str]
    breaches: list[str]


# The server ---------------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def rgpd(env: dict[str, str], *args: str, input: str | None = None) -> str:
    result = subprocess.run(
        [*RGPD, *args], cwd=ROOT, env=env, input=input, capture_output=True, text=True, timeout=300
    )
    if result.returncode != 0:
        raise SystemExit(f"rgpd {' '.join(args)} a échoué :\n{result.stderr[-3000:]}")
    return result.stdout


def prepare(env: dict[str, str]) -> str:
    """Migrate, load the demo, create an administrator; their bearer token."""
    rgpd(env, "migrate")
    rgpd(env, "demo")
    rgpd(
        env,
        *("user", "create", ADMIN, "--name", "Charge", "--instance-admin", "--password-stdin"),
        input=f"{PASSWORD}\n",
    )
    return rgpd(env, "token", "create", ADMIN, "--name", "charge").strip().splitlines()[-1]


def start_server(env: dict[str, str], port: int, workers: int, log: Path) -> subprocess.Popen:
    command = [*RGPD, "serve", "--no-scheduler", "--port", str(port)]
    if workers > 1:
        command += ["--workers", str(workers)]
    with log.open("w") as out:
        process = subprocess.Popen(command, cwd=ROOT, env=env, stdout=out, stderr=out)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=2).status_code == 200:
                return process
        except httpx.HTTPError:
            pass
        if process.poll() is not None:
            break
        time.sleep(0.2)
    process.terminate()
    raise SystemExit(f"le serveur n'a pas démarré :\n{log.read_text()[-3000:]}")


async def postgres(sql: str, url: str) -> None:
    import asyncpg

    admin = await asyncpg.connect(url.rsplit("/", 1)[0] + "/postgres")
    try:
        await admin.execute(sql)
    finally:
        await admin.close()


# The users ----------------------------------------------------------------------------------


async def discover(http: httpx.AsyncClient) -> Demo:
    activities = (await http.get(f"{API}/activities", params={"limit": 200})).json()["items"]
    breaches = (await http.get(f"{API}/breaches", params={"limit": 200})).json()["items"]
    if not activities:
        raise SystemExit("la démonstration n'a chargé aucun traitement")
    return Demo(
        activities=[a["id"] for a in activities],
        controllers=sorted({a["controller_id"] for a in activities}),
        breaches=[b["id"] for b in breaches],
    )


async def act(kind: str, http: httpx.AsyncClient, demo: Demo, rng: random.Random, tally: Tally):
    """One request of this kind (a PATCH: its read, then the write, each timed)."""
    if kind == "patch activity":
        activity_id = rng.choice(demo.activities)
        read = await timed(
            "read before patch", http, "GET", f"{API}/activities/{activity_id}", tally
        )
        if read.status_code != 200:
            return
        body = {"version": read.json()["version"], "software": f"Logiciel {rng.randrange(10**6)}"}
        await timed(kind, http, "PATCH", f"{API}/activities/{activity_id}", tally, json=body)
        return
    if kind == "create activity":
        body = {
            "controller_id": rng.choice(demo.controllers),
            "name": f"Traitement de charge {uuid.uuid4().hex[:12]}",
            "purposes": ["Mesurer la tenue en charge"],
        }
        created = await timed(kind, http, "POST", f"{API}/activities", tally, json=body)
        if created.status_code == 201:
            demo.activities.append(created.json()["id"])
        return
    method, url, params = _read(kind, demo, rng)
    await timed(kind, http, method, url, tally, params=params)


def _read(kind: str, demo: Demo, rng: random.Random) -> tuple[str, str, dict]:
    page = {"limit": 50, "offset": rng.choice([0, 0, 50, 100])}
    return {
        "list activities": ("GET", f"{API}/activities", page),
        "list organisations": ("GET", f"{API}/organisations", {"limit": 50}),
        "one activity": ("GET", f"{API}/activities/{rng.choice(demo.activities)}", {}),
        "list breaches": ("GET", f"{API}/breaches", {"limit": 50}),
        "one breach": (
            ("GET", f"{API}/breaches/{rng.choice(demo.breaches)}", {})
            if demo.breaches
            else ("GET", f"{API}/breaches", {"open_only": True})
        ),
        "dashboard page": ("GET", "/", {}),
        "register page": ("GET", "/registre", {}),
    }[kind]


async def timed(kind, http, method, url, tally, **kwargs) -> httpx.Response:
    start = time.perf_counter()
    response = await http.request(method, url, **kwargs)
    tally.record(kind, method, url, response, (time.perf_counter() - start) * 1000)
    return response


async def user(base: str, token: str, demo: Demo, seed: int, until: float, tally: Tally):
    rng = random.Random(seed)
    kinds, weights = zip(*MIX, strict=True)
    headers = {"Authorization": f"Bearer {token}"}
    async with httpx.AsyncClient(base_url=base, headers=headers, timeout=60) as http:
        while time.monotonic() < until:
            kind = rng.choices(kinds, weights)[0]
            try:
                await act(kind, http, demo, rng, tally)
            except httpx.HTTPError as exc:  # a refused or dropped connection: said, not hidden
                tally.transport_errors.append(f"{kind}: {type(exc).__name__} {exc}")


async def load(base: str, token: str, args: argparse.Namespace) -> tuple[Tally, float]:
    async with httpx.AsyncClient(
        base_url=base, headers={"Authorization": f"Bearer {token}"}
    ) as http:
        demo = await discover(http)
    tally = Tally()
    start = time.monotonic()
    until = start + args.duration
    await asyncio.gather(
        *(user(base, token, demo, args.seed + n, until, tally) for n in range(args.users))
    )
    return tally, time.monotonic() - start


# The report ---------------------------------------------------------------------------------


def percentile(values: list[float], pct: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(pct / 100 * (len(ordered) - 1)))]


def report(tally: Tally, wall: float, args: argparse.Namespace) -> str:
    lines = [
        "| Kind | Requests | p50 | p95 | 2xx | 409 | other 4xx | 5xx |",
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    total = 0
    for kind in sorted(tally.latencies):
        times, statuses = tally.latencies[kind], tally.statuses[kind]
        total += len(times)
        ok = sum(n for s, n in statuses.items() if 200 <= s < 300)
        conflicts = statuses[409]
        client = sum(n for s, n in statuses.items() if 400 <= s < 500) - conflicts
        errors = sum(n for s, n in statuses.items() if s >= 500)
        lines.append(
            f"| {kind} | {len(times):,} | {percentile(times, 50):.0f} ms"
            f" | {percentile(times, 95):.0f} ms | {ok:,} | {conflicts:,} | {client:,}"
            f" | {errors:,} |"
        )
    lines += [
        "",
        f"- Engine: {args.db}, {args.workers} worker(s); {args.users} users for {args.duration:g} s"
        f" ({wall:.1f} s measured); {total:,} requests, {total / wall:.0f} per second",
        f"- Server errors (5xx): {len(tally.server_errors)}; "
        f"transport errors: {len(tally.transport_errors)}",
        f"- Date: {datetime.now(UTC):%Y-%m-%d %H:%M} UTC; machine: {machine()}",
        "- Command: `.venv/bin/python benchmarks/load_test.py " + " ".join(sys.argv[1:]) + "`",
    ]
    return "\n".join(lines)


def machine() -> str:
    return f"{platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}"


# Main ---------------------------------------------------------------------------------------


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--users", type=int, default=50, help="concurrent users (default 50)")
    parser.add_argument("--duration", type=float, default=60, help="seconds (default 60)")
    parser.add_argument("--db", choices=["sqlite", "postgres"], default="sqlite")
    parser.add_argument(
        "--workers", type=int, default=None, help="server workers (default: 1, PostgreSQL 2)"
    )
    parser.add_argument("--postgres-url", default=DEFAULT_POSTGRES, help="{} is made unique")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--smoke", action="store_true", help="5 users, 3 s: does it still run")
    args = parser.parse_args(argv)
    if args.smoke:
        args.users, args.duration = 5, 3
    if args.workers is None:
        args.workers = 2 if args.db == "postgres" else 1
    return args


def environment(url: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("RGPD_")}
    key = os.environ.get("RGPD_ENCRYPTION_KEYS")
    if not key:
        from core.keys import generate_key

        key = f"charge:{generate_key()}"
    return env | {
        "RGPD_DATABASE_URL": url,
        "RGPD_ENCRYPTION_KEYS": key,
        "RGPD_SCHEDULER_ENABLED": "false",
    }


def run(args: argparse.Namespace, workdir: Path) -> int:
    url = f"sqlite://{workdir / 'rgpd.sqlite3'}"
    if args.db == "postgres":
        url = args.postgres_url.format(uuid.uuid4().hex[:12])
        asyncio.run(postgres(f'CREATE DATABASE "{url.rsplit("/", 1)[1]}"', url))
    env = environment(url)
    process = None
    try:
        token = prepare(env)
        port = free_port()
        process = start_server(env, port, args.workers, workdir / "server.log")
        tally, wall = asyncio.run(load(f"http://127.0.0.1:{port}", token, args))
    finally:
        if process is not None:
            process.terminate()
            process.wait(timeout=30)
        if args.db == "postgres":
            asyncio.run(
                postgres(f'DROP DATABASE IF EXISTS "{url.rsplit("/", 1)[1]}" WITH (FORCE)', url)
            )
    print(report(tally, wall, args))
    for line in tally.server_errors[:50] + tally.transport_errors[:20]:
        print(f"  {line}")
    if tally.server_errors:
        print((workdir / "server.log").read_text()[-5000:], file=sys.stderr)
    return 1 if tally.server_errors or tally.transport_errors else 0


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="rgpd-load-") as tmp:
        return run(args, Path(tmp))


if __name__ == "__main__":
    sys.exit(main())
