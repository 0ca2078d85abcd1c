"""Register exports against the bare writer libraries, on the same rows, in one run.

A benchmark, not a test. It loads registers with `bench_register.load_register` (the same
realistic rows the register benchmark uses) on SQLite (a file) and/or PostgreSQL (a database
created, then dropped), then, each format in a fresh process (so ru_maxrss is that export's
peak):

- "1 body": the art. 30(1) record of one body of `--body` activities (35 columns), written
  by the project (`write_document`, rows read from the database), then the same rows, already
  in memory, written by the bare library: the csv module, json, openpyxl write-only, and for
  ODS a content.xml of plain string cells zipped with zipfile (the project's ODS writer
  stripped to the minimum: no styles, no space or control-character handling). The time of
  reading the rows alone (the document's row iterator) is printed too;
- "every body": XLSX of the record of each of `--orgs` bodies of `--per-org` activities, one
  file each, one after another (the whole register: 100,000 activities by default).

Memory stays flat if the peak RSS of the two scenarios is about the same.

    .venv/bin/python benchmarks/bench_exports.py                     # 5,000 + 200 × 500, both
    .venv/bin/python benchmarks/bench_exports.py --db sqlite --body 2000 --orgs 20
    .venv/bin/python benchmarks/bench_exports.py --smoke             # a few seconds
"""

from __future__ import annotations

import argparse
import csv
import io
import json
import os
import platform
import resource
import subprocess
import sys
import tempfile
import time
import uuid
import zipfile
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path
from xml.sax.saxutils import escape

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

FORMATS = ("csv", "json", "xlsx", "ods")
KEY = "bench:4c5Hyj5gTT4IG9/+3ONzVOPLruS66ZZ3ER9qmd4GPdk="  # throwaway, this script only
POSTGRES_URL = "postgres://postgres@127.0.0.1:5432/rgpd_bench_exports_{}"


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def environment(url: str) -> dict[str, str]:
    return {
        **os.environ,
        "RGPD_DATABASE_URL": url,
        "RGPD_ENCRYPTION_KEYS": KEY,
        "PYTHONPATH": str(ROOT),
    }


def _run(code: str, url: str) -> dict:
    done = subprocess.run(
        [sys.executable, "-c", code], env=environment(url), capture_output=True, text=True
    )
    if done.returncode:
        raise SystemExit(f"failed:\n{done.stderr[-3000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


# --------------------------------------------------------------------------------------
# Databases: each loaded in its own process (Tortoise is initialised once per process)
# --------------------------------------------------------------------------------------


async def _load(engine: str, orgs: int, per_org: int, seed: int) -> None:
    from tortoise import Tortoise

    from api.database import tortoise_config
    from benchmarks.bench_register import load_register

    await Tortoise.init(config=tortoise_config())
    await Tortoise.generate_schemas()
    args = argparse.Namespace(orgs=orgs, per_org=per_org, seed=seed)
    loaded = await load_register(engine, args)
    if engine == "postgres":
        # What autovacuum would have done by the time anyone exports the register.
        from tortoise import connections

        await connections.get("default").execute_script("VACUUM ANALYZE")
    await Tortoise.close_connections()
    print(json.dumps({"load_seconds": loaded.load_seconds, "counts": loaded.counts}))


async def _admin(url: str, statement: str) -> None:
    import asyncpg

    admin = await asyncpg.connect(url.rsplit("/", 1)[0] + "/postgres")
    try:
        await admin.execute(statement)
    finally:
        await admin.close()


@contextmanager
def database(engine: str, work: Path, name: str, postgres_url: str):
    """A fresh, empty database URL for `engine`; a PostgreSQL database is dropped after."""
    if engine == "sqlite":
        yield f"sqlite://{work / name}.sqlite3"
        return
    import asyncio

    url = postgres_url.replace("{}", f"{name}_{uuid.uuid4().hex[:8]}")
    db_name = url.rsplit("/", 1)[1]
    asyncio.run(_admin(url, f'CREATE DATABASE "{db_name}"'))
    try:
        yield url
    finally:
        asyncio.run(_admin(url, f'DROP DATABASE IF EXISTS "{db_name}" WITH (FORCE)'))


def load(engine: str, url: str, orgs: int, per_org: int, seed: int) -> dict:
    code = (
        "import asyncio; from benchmarks.bench_exports import _load; "
        f"asyncio.run(_load({engine!r}, {orgs}, {per_org}, {seed}))"
    )
    return _run(code, url)


# --------------------------------------------------------------------------------------
# The bare libraries, writing rows already in memory (lists of str or None)
# --------------------------------------------------------------------------------------


def bare_csv(headers: list[str], rows: list[list], out) -> None:
    text = io.TextIOWrapper(out, encoding="utf-8", newline="")
    writer = csv.writer(text)
    writer.writerow(headers)
    writer.writerows(rows)
    text.flush()
    text.detach()


def bare_json(headers: list[str], rows: list[list], keys: list[str], out) -> None:
    out.write(b'{"rows": [')
    separator = b"\n"
    for row in rows:
        record = dict(zip(keys, row, strict=True))
        out.write(separator + json.dumps(record, ensure_ascii=False).encode())
        separator = b",\n"
    out.write(b"]}\n")


def bare_xlsx(headers: list[str], rows: list[list], widths: list[int], out) -> None:
    from openpyxl import Workbook
    from openpyxl.utils import get_column_letter

    workbook = Workbook(write_only=True)
    ws = workbook.create_sheet("Activités")
    for index, width in enumerate(widths, start=1):
        ws.column_dimensions[get_column_letter(index)].width = width
    ws.append(headers)
    for row in rows:
        ws.append(row)
    workbook.save(out)


def _ods_cell(value: str | None) -> str:
    if not value:
        return "<table:table-cell/>"
    paragraphs = "</text:p><text:p>".join(escape(value).split("\n"))
    return (
        '<table:table-cell office:value-type="string">'
        f"<text:p>{paragraphs}</text:p></table:table-cell>"
    )


def bare_ods(headers: list[str], rows: list[list], out) -> None:
    from core.tabular import ods_xml as x

    with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED) as package:
        package.writestr(zipfile.ZipInfo("mimetype"), x.MIMETYPE, zipfile.ZIP_STORED)
        package.writestr("META-INF/manifest.xml", x.MANIFEST)
        with package.open("content.xml", "w") as raw:
            raw.write(
                (
                    f"{x.XML_DECLARATION}<office:document-content {x.NAMESPACES}>"
                    "<office:body><office:spreadsheet><table:table table:name='Activités'>"
                ).encode()
            )
            parts = []
            for row in [headers, *rows]:
                parts.append("<table:table-row>" + "".join(map(_ods_cell, row)))
                parts.append("</table:table-row>")
                if len(parts) >= 400:
                    raw.write("".join(parts).encode())
                    parts.clear()
            parts.append("</table:table></office:spreadsheet></office:body>")
            raw.write(("".join(parts) + "</office:document-content>").encode())


def write_bare(fmt: str, columns, rows: list[list], out) -> None:
    headers = [c.header for c in columns]
    if fmt == "csv":
        bare_csv(headers, rows, out)
    elif fmt == "json":
        bare_json(headers, rows, [c.key for c in columns], out)
    elif fmt == "xlsx":
        bare_xlsx(headers, rows, [c.width for c in columns], out)
    else:
        bare_ods(headers, rows, out)


# --------------------------------------------------------------------------------------
# Measurements (each in its own process)
# --------------------------------------------------------------------------------------


def _peak_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


async def _one_body(fmt: str, out_dir: str) -> None:
    """The project's export of the largest body, then the bare library on the same rows."""
    from tortoise import Tortoise

    from api.database import tortoise_config
    from core.scope import Scope
    from core.tabular.document import ExportFormat
    from core.tabular.writers import write_document
    from register.activities.models import ProcessingActivity
    from register.export.records import controller_record_document

    await Tortoise.init(config=tortoise_config())
    org_id = (await ProcessingActivity.first()).controller_id
    baseline = _peak_mib()
    doc = await controller_record_document(scope=Scope.everything(), organisation_id=org_id)
    path = Path(out_dir) / f"project.{fmt}"
    started = time.perf_counter()
    with path.open("wb") as out:
        await write_document(doc, ExportFormat(fmt), out)
    project = time.perf_counter() - started
    peak = _peak_mib()
    size = path.stat().st_size

    (sheet,) = doc.sheets
    keys = [c.key for c in sheet.columns]
    started = time.perf_counter()
    rows = [[row.get(k) for k in keys] async for row in sheet.rows()]
    reading = time.perf_counter() - started
    await Tortoise.close_connections()

    started = time.perf_counter()
    with (Path(out_dir) / f"bare.{fmt}").open("wb") as out:
        write_bare(fmt, sheet.columns, rows, out)
    bare = time.perf_counter() - started
    print(
        json.dumps(
            {
                "rows": len(rows),
                "project": project,
                "bare": bare,
                "reading": reading,
                "bytes": size,
                "peak_mib": peak,
                "baseline_mib": baseline,
            }
        )
    )


async def _every_body(fmt: str, out_dir: str) -> None:
    """One file per body, one after another: the whole register."""
    from tortoise import Tortoise

    from api.database import tortoise_config
    from core.scope import Scope
    from core.tabular.document import ExportFormat
    from core.tabular.writers import write_document
    from register.activities.models import ProcessingActivity
    from register.export.records import controller_record_document

    await Tortoise.init(config=tortoise_config())
    baseline = _peak_mib()
    org_ids = (
        await ProcessingActivity.all()
        .order_by("controller_id")
        .distinct()
        .values_list("controller_id", flat=True)
    )
    rows = await ProcessingActivity.all().count()
    started = time.perf_counter()
    size = 0
    for org_id in sorted(org_ids, key=str):
        doc = await controller_record_document(scope=Scope.everything(), organisation_id=org_id)
        path = Path(out_dir) / f"{org_id}.{fmt}"
        with path.open("wb") as out:
            await write_document(doc, ExportFormat(fmt), out)
        size += path.stat().st_size
        path.unlink()
    seconds = time.perf_counter() - started
    await Tortoise.close_connections()
    print(
        json.dumps(
            {
                "rows": rows,
                "bodies": len(org_ids),
                "project": seconds,
                "bytes": size,
                "peak_mib": _peak_mib(),
                "baseline_mib": baseline,
            }
        )
    )


def measure(url: str, scenario: str, fmt: str) -> dict:
    with tempfile.TemporaryDirectory() as out_dir:
        code = (
            f"import asyncio; from benchmarks.bench_exports import {scenario}; "
            f"asyncio.run({scenario}({fmt!r}, {out_dir!r}))"
        )
        return _run(code, url)


# --------------------------------------------------------------------------------------
# Report
# --------------------------------------------------------------------------------------


def seconds(value: float) -> str:
    return f"{value:.2f} s".replace(".", ",")  # a decimal comma: the README is French


def mib(value: float) -> str:
    return f"{value / 2**20:.1f} MiB".replace(".", ",")


def count(value: int) -> str:
    return f"{value:,}".replace(",", "\u202f")


def table(engine: str, body: dict[str, dict], whole: dict | None) -> list[str]:
    lines = [
        f"### {engine}",
        "",
        "| scenario | format | rows | project | bare library | ratio | reading the rows "
        "| output | peak RSS (before) |",
        "| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    for fmt, r in body.items():
        ratio = f"{r['project'] / r['bare']:.1f}×".replace(".", ",")
        lines.append(
            f"| 1 body | {fmt} | {count(r['rows'])} | {seconds(r['project'])} "
            f"| {seconds(r['bare'])} "
            f"| {ratio} | {seconds(r['reading'])} | {mib(r['bytes'])} "
            f"| {r['peak_mib']:.0f} MiB ({r['baseline_mib']:.0f}) |"
        )
    if whole:
        lines.append(
            f"| every body ({whole['bodies']}) | xlsx | {count(whole['rows'])} "
            f"| {seconds(whole['project'])} | | | | {mib(whole['bytes'])} "
            f"| {whole['peak_mib']:.0f} MiB ({whole['baseline_mib']:.0f}) |"
        )
    return lines


def run_engine(engine: str, args: argparse.Namespace, work: Path) -> list[str]:
    with database(engine, work, "body", args.postgres_url) as url:
        log(f"[{engine}] loading 1 body × {args.body} activities …")
        load(engine, url, 1, args.body, args.seed)
        body = {}
        for fmt in args.formats.split(","):
            log(f"[{engine}] {fmt}: 1 body …")
            body[fmt] = measure(url, "_one_body", fmt)
    whole = None
    if args.orgs:
        with database(engine, work, "register", args.postgres_url) as url:
            log(f"[{engine}] loading {args.orgs} bodies × {args.per_org} activities …")
            load(engine, url, args.orgs, args.per_org, args.seed + 1)
            log(f"[{engine}] xlsx: every body …")
            whole = measure(url, "_every_body", "xlsx")
    return table(engine, body, whole)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", choices=("sqlite", "postgres", "both"), default="both")
    parser.add_argument("--body", type=int, default=5_000)
    parser.add_argument("--orgs", type=int, default=200)
    parser.add_argument("--per-org", type=int, default=500)
    parser.add_argument("--formats", default=",".join(FORMATS))
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--postgres-url", default=POSTGRES_URL)
    parser.add_argument("--smoke", action="store_true", help="tiny sizes: does it still run?")
    args = parser.parse_args(argv)
    if args.smoke:
        args.body, args.orgs, args.per_org = 40, 2, 10
    engines = ["sqlite", "postgres"] if args.db == "both" else [args.db]

    started = time.perf_counter()
    lines = [
        f"Exports, {datetime.now():%Y-%m-%d %H:%M}, {platform.node()}, {os.cpu_count()} CPU, "
        f"Python {platform.python_version()}: `{' '.join(sys.argv)}`",
        "",
    ]
    with tempfile.TemporaryDirectory() as work:
        for engine in engines:
            lines += run_engine(engine, args, Path(work))
            lines.append("")
    lines.append(f"Whole run: {time.perf_counter() - started:.0f} s.")
    print("\n".join(lines))
    return 0


if __name__ == "__main__":
    sys.exit(main())
