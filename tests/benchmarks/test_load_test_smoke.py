"""The load test still runs: a real server, the demo, concurrent users reading and writing.
Smoke size only (5 users, 3 s); it asserts no timing, only that the run completes, prints its
table, and met no server error."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.engine

ROOT = Path(__file__).resolve().parents[2]
SCRIPT = ROOT / "benchmarks" / "load_test.py"


def test_the_load_test_runs_at_smoke_size_with_no_server_error():
    command = [sys.executable, str(SCRIPT), "--smoke"]
    if os.environ.get("RGPD_TEST_DB") == "postgres":
        command += ["--db", "postgres"]
        if os.environ.get("RGPD_TEST_POSTGRES_URL"):  # the suite's server, as tests/conftest.py
            command += ["--postgres-url", os.environ["RGPD_TEST_POSTGRES_URL"]]
    result = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=600)

    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    table = [line for line in result.stdout.splitlines() if line.startswith("| ")]
    assert table[0] == "| Kind | Requests | p50 | p95 | 2xx | 409 | other 4xx | 5xx |"
    rows = {line.split(" | ")[0].removeprefix("| "): line for line in table[2:]}
    assert rows, "at least one kind of request was made"
    assert all(line.endswith(" | 0 |") for line in rows.values()), table  # no 5xx
    assert "- Server errors (5xx): 0; transport errors: 0" in result.stdout
