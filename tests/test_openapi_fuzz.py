"""Schemathesis against the published /openapi.json of a real server, with a token.

A real `rgpd serve` process on a database holding the demo register. Each operation gets a
bounded number of generated requests (valid and invalid); then a stateful run chains them
through the links schemathesis infers (create, read, update, delete, create again). Every
answer must be no server error (5xx), a status the schema documents, and the body it
documents for that status.

The run in `make test` is small; a longer one takes its sizes from the environment:
    RGPD_FUZZ_EXAMPLES=100 RGPD_FUZZ_SCENARIOS=500 RGPD_FUZZ_STEPS=20 RGPD_FUZZ_RANDOM=1 \
        .venv/bin/python -m pytest -q -p no:cacheprovider tests/test_openapi_fuzz.py
(docs/robustness.md records the sizes and durations of both).
"""

import asyncio
import contextlib
import os
import subprocess
import time
import uuid
from collections import Counter

import asyncpg
import httpx
import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis.errors import Flaky
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    response_schema_conformance,
    status_code_conformance,
)

from tests.cli import RGPD, ROOT, rgpd
from tests.conftest import POSTGRES_URL, USE_POSTGRES
from tests.smtp_server import free_port

pytestmark = pytest.mark.engine

EXAMPLES_PER_OPERATION = int(os.environ.get("RGPD_FUZZ_EXAMPLES", "20"))
# 160: with the NIS 2 routes, the fixed draws of 120 scenarios reached no PATCH 200.
SCENARIOS = int(os.environ.get("RGPD_FUZZ_SCENARIOS", "160"))
STEPS_PER_SCENARIO = int(os.environ.get("RGPD_FUZZ_STEPS", "15"))
# The same examples on every run: CI must not fail on a draw it never made before.
# Run with RGPD_FUZZ_RANDOM=1 to hunt with fresh draws.
DERANDOMIZE = not os.environ.get("RGPD_FUZZ_RANDOM")
CHECKS = [not_a_server_error, status_code_conformance, response_schema_conformance]
ADMIN = "fuzz-admin@registre-rgpd.fr"


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    """(base URL, token) of a served demo register; the server and database go after."""
    tmp = tmp_path_factory.mktemp("fuzz")
    url = f"sqlite://{tmp / 'rgpd.sqlite3'}"
    if USE_POSTGRES:
        url = POSTGRES_URL.format(f"fuzz_{uuid.uuid4().hex}")
        asyncio.run(_postgres(f'CREATE DATABASE "{url.rsplit("/", 1)[1]}"'))
    env = {k: v for k, v in os.environ.items() if not k.startswith("RGPD_")}
    env |= {
        "RGPD_DATABASE_URL": url,
        "RGPD_ENCRYPTION_KEYS": os.environ["RGPD_ENCRYPTION_KEYS"],
        "RGPD_SCHEDULER_ENABLED": "false",
    }
    process = None
    try:
        rgpd("migrate", env=env, check=True)
        rgpd("demo", env=env, check=True)
        rgpd(
            "user",
            "create",
            ADMIN,
            "--name",
            "Fuzz",
            "--instance-admin",
            "--password-stdin",
            env=env,
            input="un mot de passe assez long\n",
            check=True,
        )
        token = (
            rgpd("token", "create", ADMIN, "--name", "schemathesis", env=env, check=True)
            .stdout.strip()
            .splitlines()[-1]
        )
        port = free_port()
        process = subprocess.Popen(
            [*RGPD, "serve", "--no-scheduler", "--port", str(port)],
            cwd=ROOT,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        base = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 30
        while True:
            try:
                if httpx.get(f"{base}/healthz", timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            assert time.monotonic() < deadline, "the server did not start"
            time.sleep(0.2)
        yield base, token
    finally:
        if process is not None:
            process.terminate()
            process.wait(timeout=15)
        if USE_POSTGRES:
            asyncio.run(
                _postgres(f'DROP DATABASE IF EXISTS "{url.rsplit("/", 1)[1]}" WITH (FORCE)')
            )


async def _postgres(sql: str) -> None:
    admin = await asyncpg.connect(POSTGRES_URL.rsplit("/", 1)[0] + "/postgres")
    try:
        await admin.execute(sql)
    finally:
        await admin.close()


def test_no_server_error_and_no_answer_outside_its_schema(server):
    # One hypothesis run per operation, collected here rather than by
    # `schemathesis.pytest.from_fixture`, which does not run under pytest 9.
    base, token = server
    api = schemathesis.openapi.from_url(f"{base}/openapi.json")
    headers = {"Authorization": f"Bearer {token}"}
    failures, operations = [], 0
    for result in api.get_all_operations():
        operation = result.ok()
        operations += 1

        @given(case=operation.as_strategy())
        @settings(
            max_examples=EXAMPLES_PER_OPERATION,
            deadline=None,
            database=None,
            derandomize=DERANDOMIZE,
            suppress_health_check=list(HealthCheck),
        )
        def exercise(case):
            case.call_and_validate(base_url=base, headers=headers, checks=CHECKS)

        try:
            exercise()
        except Exception as exc:  # every operation's failure is reported, not only the first
            failures.append(f"{operation.label}: {_described(exc)[:4000]}")
    assert operations > 50, "the schema lists every route"
    assert not failures, "\n\n".join(failures)


def _described(exc: BaseException) -> str:
    """The error and, for a group (Hypothesis's flaky or multiple failures), each of its own:
    the status received and the request to reproduce it are in those."""
    parts = [str(exc)]
    for inner in getattr(exc, "exceptions", ()):
        parts.append(_described(inner))
    return "\n".join(parts)


def test_a_stateful_run_creates_reads_updates_deletes_and_recreates_without_fault(server):
    """Chained calls (schemathesis's state machine, links inferred from the schema): real
    ids flow from a creation to the reads, updates and deletions of that record.

    Valid requests only (the stateless test above sends the invalid ones), and no sign-in
    operations (a scenario would revoke the run's own token). Each faulty answer is collected
    with its request, not raised: against a server whose state moves on, Hypothesis cannot
    replay a scenario, and says so (Flaky); the run then goes on with fresh scenarios."""
    base, token = server
    api = schemathesis.openapi.from_url(f"{base}/openapi.json").exclude(path_regex="^/api/v1/auth/")
    api.config.generation.update(modes=[GenerationMode.POSITIVE], with_security_parameters=False)
    headers = {"Authorization": f"Bearer {token}"}
    seen: list[tuple[str, int]] = []
    failures: list[str] = []
    scenarios = Counter()

    class Registre(api.as_state_machine()):
        def setup(self):
            scenarios["run"] += 1

        def get_call_kwargs(self, case):
            return {"base_url": base, "headers": headers}

        def after_call(self, response, case):
            super().after_call(response, case)
            seen.append((case.method.upper(), response.status_code))

        def validate_response(self, response, case, additional_checks=None, **kwargs):
            try:
                case.validate_response(response, checks=CHECKS, headers=headers)
            except Exception as exc:
                failures.append(f"{case.as_curl_command(headers=headers)}\n{str(exc)[:2000]}")

    for _ in range(20):  # suites, each ended by the scenarios' count or by Flaky
        if scenarios["run"] >= SCENARIOS:
            break
        with contextlib.suppress(Flaky):
            Registre.run(settings=_stateful_settings(SCENARIOS - scenarios["run"]))

    assert not failures, "\n\n".join(failures[:20])
    answers = Counter(seen)
    assert answers[("POST", 201)] and answers[("GET", 200)], answers
    assert answers[("PATCH", 200)] and answers[("DELETE", 204)], answers
    deleted_at = seen.index(("DELETE", 204))
    assert ("POST", 201) in seen[deleted_at:], "a record was created again after a deletion"


def _stateful_settings(scenarios: int) -> settings:
    return settings(
        max_examples=scenarios,
        stateful_step_count=STEPS_PER_SCENARIO,
        deadline=None,
        database=None,
        derandomize=DERANDOMIZE,
        phases=[Phase.generate],
        suppress_health_check=list(HealthCheck),
    )
