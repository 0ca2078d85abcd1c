"""benchmarks/bench_pdf.py at a smoke size: it runs to the end and prints its table (timings and
memory are not asserted: they are the benchmark's to report, not a test's)."""

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_bench_pdf_prints_its_table():
    result = subprocess.run(
        [
            sys.executable,
            str(ROOT / "benchmarks" / "bench_pdf.py"),
            "--sizes",
            "6",
            "--bare-max",
            "6",
            "--chunk",
            "4",
        ],
        capture_output=True,
        text=True,
        timeout=300,
        cwd=ROOT,
    )
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert "| activities | writer | pages | time (s) | peak memory (MiB) | file (MiB) |" in lines
    rows = [line for line in lines if line.startswith("| 6 |")]
    assert [row.split("|")[2].strip() for row in rows] == [
        "projet (par morceaux)",
        "WeasyPrint seul, d'un bloc",
    ]
