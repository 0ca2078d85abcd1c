"""Time and peak memory of the register exports, per format, as the register grows.

A benchmark, not a test. It loads registers with `bench_register.load_register` (the same
realistic rows the register benchmark uses) into SQLite files, then runs each export in a
fresh subprocess and reads that process's peak resident memory (ru_maxrss) and wall time:

- "1 body": one body's art. 30(1) record (`--per-org` activities);
- "every body": the record of each of the `--orgs` bodies, one file each, one after another
  (the whole register: 100,000 activities by default);
- "1 large body": one body of `--large` activities in a single file.

If the exports stream, the peak memory of the three is about the same. The PDF is laid out
whole by WeasyPrint, so it is measured on one body only (`--pdf-rows`).

    .venv/bin/python benchmarks/bench_exports.py                 # 200 × 500 + 1 × 20,000
    .venv/bin/python benchmarks/bench_exports.py --orgs 20 --per-org 100 --large 2000
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

FORMATS = ("csv", "xlsx", "ods", "json", "pdf")
KEY = "bench:4c5Hyj5gTT4IG9/+3ONzVOPLruS66ZZ3ER9qmd4GPdk="  # throwaway, this script only


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def environment(db: Path) -> dict[str, str]:
    return {
        **os.environ,
        "RGPD_DATABASE_URL": f"sqlite://{db}",
        "RGPD_ENCRYPTION_KEYS": KEY,
        "PYTHONPATH": str(ROOT),
    }


# --------------------------------------------------------------------------------------
# Loading (in a subprocess per database: Tortoise is initialised once per process)
# --------------------------------------------------------------------------------------


async def _load(orgs: int, per_org: int, seed: int) -> None:
    from tortoise import Tortoise

    from api.database import tortoise_config
    from benchmarks.bench_register import load_register

    await Tortoise.init(config=tortoise_config())
    await Tortoise.generate_schemas()
    args = argparse.Namespace(orgs=orgs, per_org=per_org, seed=seed)
    loaded = await load_register("sqlite", args)
    await Tortoise.close_connections()
    print(json.dumps({"load_seconds": loaded.load_seconds, "counts": loaded.counts}))


def load(db: Path, orgs: int, per_org: int, seed: int) -> dict:
    code = (
        "import asyncio, sys; from benchmarks.bench_exports import _load; "
        f"asyncio.run(_load({orgs}, {per_org}, {seed}))"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], env=environment(db), capture_output=True, text=True
    )
    if done.returncode:
        raise SystemExit(f"loading failed:\n{done.stderr[-3000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


# --------------------------------------------------------------------------------------
# One measured export (in its own process, so ru_maxrss is this export's peak)
# --------------------------------------------------------------------------------------


async def _export(fmt: str, limit_orgs: int, out_dir: str) -> None:
    from tortoise import Tortoise

    from api.database import tortoise_config
    from core.scope import Scope
    from core.tabular.document import ExportFormat
    from core.tabular.writers import write_document
    from register.activities.models import ProcessingActivity
    from register.export.records import controller_record_document

    await Tortoise.init(config=tortoise_config())
    baseline = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    org_ids = await ProcessingActivity.all().distinct().values_list("controller_id", flat=True)
    org_ids = sorted(org_ids, key=str)[:limit_orgs]
    started = time.perf_counter()
    size = 0
    for org_id in org_ids:
        doc = await controller_record_document(scope=Scope.everything(), organisation_id=org_id)
        path = Path(out_dir) / f"{org_id}.{fmt}"
        with path.open("wb") as out:
            await write_document(doc, ExportFormat(fmt), out, csv_separator=";")
        size += path.stat().st_size
        path.unlink()
    seconds = time.perf_counter() - started
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    rows = await ProcessingActivity.filter(controller_id__in=org_ids).count()
    await Tortoise.close_connections()
    print(
        json.dumps(
            {
                "seconds": seconds,
                "rows": rows,
                "bodies": len(org_ids),
                "bytes": size,
                "baseline_mib": baseline / 1024,
                "peak_mib": peak / 1024,
            }
        )
    )


def measure(db: Path, fmt: str, limit_orgs: int) -> dict:
    with tempfile.TemporaryDirectory() as out_dir:
        code = (
            "import asyncio; from benchmarks.bench_exports import _export; "
            f"asyncio.run(_export({fmt!r}, {limit_orgs}, {out_dir!r}))"
        )
        done = subprocess.run(
            [sys.executable, "-c", code], env=environment(db), capture_output=True, text=True
        )
    if done.returncode:
        raise SystemExit(f"export {fmt} failed:\n{done.stderr[-3000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


# --------------------------------------------------------------------------------------


def row(label: str, fmt: str, r: dict) -> str:
    per_1000 = r["seconds"] / max(r["rows"], 1) * 1000
    return (
        f"| {label} | {fmt} | {r['rows']:,} | {r['seconds']:.1f} s | {per_1000:.2f} s "
        f"| {r['bytes'] / 2**20:.1f} MiB | {r['peak_mib']:.0f} MiB | {r['baseline_mib']:.0f} MiB |"
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--orgs", type=int, default=200)
    parser.add_argument("--per-org", type=int, default=500)
    parser.add_argument("--large", type=int, default=20_000)
    parser.add_argument("--formats", default=",".join(FORMATS))
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args(argv)
    formats = args.formats.split(",")

    with tempfile.TemporaryDirectory() as work:
        many, large = Path(work) / "many.sqlite3", Path(work) / "large.sqlite3"
        log(f"loading {args.orgs} bodies × {args.per_org} activities …")
        loaded = load(many, args.orgs, args.per_org, args.seed)
        log(f"  {loaded['counts']} in {loaded['load_seconds']:.0f} s")
        log(f"loading 1 body × {args.large} activities …")
        load(large, 1, args.large, args.seed + 1)

        lines = [
            "| scenario | format | rows | time | per 1,000 rows | output | peak RSS "
            "| RSS before export |",
            "| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: |",
        ]
        for fmt in formats:
            log(f"{fmt}: 1 body …")
            lines.append(row("1 body", fmt, measure(many, fmt, 1)))
            if fmt == "pdf":
                continue  # laid out whole: see the module docstring
            log(f"{fmt}: every body …")
            lines.append(row(f"every body ({args.orgs})", fmt, measure(many, fmt, args.orgs)))
            log(f"{fmt}: 1 large body …")
            lines.append(row("1 large body", fmt, measure(large, fmt, 1)))
    print("\n".join(lines))
    return 0


if __name__ == "__main__":
    sys.exit(main())
