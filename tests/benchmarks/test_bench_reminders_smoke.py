"""The reminders benchmark still runs: seeding, a real `rgpd scheduler` process, its log read
for start-up and catch-up, the outbox read for lateness. Smoke size only; it measures nothing."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.engine

ROOT = Path(__file__).resolve().parents[2]
SCRIPT = ROOT / "benchmarks" / "bench_reminders.py"


def test_the_reminders_benchmark_runs_at_smoke_size_and_prints_its_table():
    engine = "postgres" if os.environ.get("RGPD_TEST_DB") == "postgres" else "sqlite"
    command = [sys.executable, str(SCRIPT), "--smoke", "--db", engine]
    if os.environ.get("RGPD_TEST_POSTGRES_URL"):  # the suite's server, as tests/conftest.py
        command += ["--postgres-url", os.environ["RGPD_TEST_POSTGRES_URL"]]
    result = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr[-3000:]
    table = [line for line in result.stdout.splitlines() if line.startswith("| ")]
    assert table[0].startswith("| engine | start-up (rebuild jobs) | bare read, one query |")
    (row,) = table[2:]
    assert row.startswith("| SQLite |" if engine == "sqlite" else "| PostgreSQL |")
    assert "nan" not in row, "start-up, catch-up and lateness were all found"
    assert "- Command: `.venv/bin/python benchmarks/bench_reminders.py --smoke" in result.stdout
