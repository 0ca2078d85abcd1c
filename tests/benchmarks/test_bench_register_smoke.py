"""The register benchmark still runs: a schema or authentication change cannot break it
unnoticed (it once stopped at the first 401). Smoke size only; it measures nothing."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.engine

ROOT = Path(__file__).resolve().parents[2]
SCRIPT = ROOT / "benchmarks" / "bench_register.py"


def test_the_register_benchmark_runs_at_smoke_size_and_prints_its_table():
    engine = "postgres" if os.environ.get("RGPD_TEST_DB") == "postgres" else "sqlite"
    command = [sys.executable, str(SCRIPT), "--smoke", "--db", engine]
    if os.environ.get("RGPD_TEST_POSTGRES_URL"):  # the suite's server, as tests/conftest.py
        command += ["--postgres-url", os.environ["RGPD_TEST_POSTGRES_URL"]]
    result = subprocess.run(
        command,
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    table = [line for line in result.stdout.splitlines() if line.startswith("| ")]
    assert table[0].startswith("| Scenario | SQLite p50 |")
    rows = {line.split(" | ")[0].lstrip("| ") for line in table[1:]}
    assert "Authentication and scope alone (bearer token)" in rows
    assert "Whole register, first page (limit 50)" in rows
    assert "Search whole register, two words of an activity name" in rows
    assert "- Command: `.venv/bin/python benchmarks/bench_register.py" in result.stdout
