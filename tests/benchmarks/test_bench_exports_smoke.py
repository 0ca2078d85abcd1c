"""The export benchmark at its smoke size: it still loads a register, exports it in every
format next to the bare libraries, and prints its table (no timing is asserted)."""

import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import USE_POSTGRES

pytestmark = pytest.mark.engine
SCRIPT = Path(__file__).resolve().parents[2] / "benchmarks" / "bench_exports.py"


def test_the_export_benchmark_runs_and_prints_its_table():
    engine = "postgres" if USE_POSTGRES else "sqlite"
    done = subprocess.run(
        [sys.executable, str(SCRIPT), "--smoke", "--db", engine],
        capture_output=True,
        text=True,
        timeout=240,
    )

    assert done.returncode == 0, done.stderr[-3000:]
    table = done.stdout
    assert f"### {engine}" in table
    for fmt in ("csv", "json", "xlsx", "ods"):
        assert f"| 1 body | {fmt} | 40 |" in table
    assert "| every body (2) | xlsx | 20 |" in table
