"""Time and peak memory of the PDF export of one body, against bare WeasyPrint on the same HTML.

A benchmark, not a test. Rows are built in memory (35 filled columns of register-like French
text, as an art. 30 record's activity has), so this measures the PDF writer alone:
- "project": `core.tabular.pdf_writer.write_pdf` (chunked layout, tagged PDF/A-2b) to a file;
- "bare WeasyPrint": the same entries as one HTML document (the body template with every entry,
  no table of contents), `HTML(...).write_pdf(pdf_variant="pdf/a-2b", pdf_tags=True)`: what
  the export did before, laid out whole. Run only up to `--bare-max` activities: it grows with
  the record (843 MiB at 500 activities in issue 22).
Each run is a fresh subprocess that reports its own peak resident memory (ru_maxrss).

    .venv/bin/python benchmarks/bench_pdf.py                      # 500 and 5,000 activities
    .venv/bin/python benchmarks/bench_pdf.py --sizes 20 --bare-max 20 --chunk 5   # smoke
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

COLUMNS = 35


def document(count: int):
    from core.tabular.document import Column, Document, Sheet

    columns = [Column(f"c{n}", f"Rubrique n° {n} du registre") for n in range(COLUMNS)]

    async def rows():
        for number in range(1, count + 1):
            row = {
                column.key: f"Valeur {n} de l'activité {number} : données d'état civil, "
                "agents habilités, durée de conservation de cinq ans"
                for n, column in enumerate(columns)
            }
            row["c0"] = f"Traitement n° {number} — Gestion des élèves"
            yield row

    sheet = Sheet("activities", "Activités de traitement", columns, rows, heading_key="c0")
    return Document(
        key="controller-record",
        title="Registre des activités de traitement (art. 30.1 RGPD)",
        header=[("Responsable du traitement", "Commune de Saint-Étienne-de-Tinée")],
        sheets=[sheet],
        generated_at="lundi 24 novembre 2025 à 10:30",
    )


async def _project(count: int, chunk: int, out: Path) -> None:
    from core.tabular.pdf_writer import write_pdf

    with out.open("wb") as sink:
        await write_pdf(document(count), sink, chunk_entries=chunk)


async def _bare(count: int, out: Path) -> None:
    from weasyprint import CSS, HTML

    from core.tabular.pdf_writer import STYLESHEET, TEMPLATE, Chunk, _entries
    from core.templating import TEMPLATES_DIR, environment

    doc = document(count)
    entries = [entry async for entry in _entries(1, doc.sheets[0])]
    html = (
        environment()
        .get_template(TEMPLATE)
        .render(part="body", title=doc.title, section=Chunk("s1", doc.title, True, entries))
    )
    HTML(string=html, base_url=str(TEMPLATES_DIR)).write_pdf(
        str(out), stylesheets=[CSS(filename=str(STYLESHEET))], pdf_variant="pdf/a-2b", pdf_tags=True
    )


def child(mode: str, count: int, chunk: int) -> None:
    import asyncio

    with tempfile.TemporaryDirectory() as folder:
        out = Path(folder) / "record.pdf"
        start = time.perf_counter()
        if mode == "project":
            asyncio.run(_project(count, chunk, out))
        else:
            asyncio.run(_bare(count, out))
        seconds = time.perf_counter() - start
        pages = subprocess.run(["pdfinfo", str(out)], capture_output=True, text=True).stdout
        pages = next(
            (line.split()[-1] for line in pages.splitlines() if line.startswith("Pages:")), "?"
        )
        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        size = out.stat().st_size / 1024 / 1024
        print(json.dumps({"seconds": seconds, "peak_mib": peak, "pages": pages, "mib": size}))


def measure(mode: str, count: int, chunk: int) -> dict:
    command = [sys.executable, __file__, "--child", mode, str(count), str(chunk)]
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    result = subprocess.run(command, capture_output=True, text=True, env=env, check=True)
    return json.loads(result.stdout.strip().splitlines()[-1])


def figure(value: float) -> str:
    return f"{value:,.1f}".replace(",", " ").replace(".", ",")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="500,5000", help="activities, comma-separated")
    parser.add_argument("--bare-max", type=int, default=500, help="largest bare WeasyPrint run")
    parser.add_argument("--chunk", type=int, default=None, help="entries per chunk")
    parser.add_argument("--child", nargs=3, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        child(args.child[0], int(args.child[1]), int(args.child[2]))
        return 0
    from core.tabular.pdf_writer import CHUNK_ENTRIES

    chunk = args.chunk or CHUNK_ENTRIES
    print(f"PDF of one body, {COLUMNS} filled columns, chunks of {chunk} entries")
    print(f"{platform.node()}, {os.cpu_count()} CPUs, {time.strftime('%Y-%m-%d %H:%M')}\n")
    print("| activities | writer | pages | time (s) | peak memory (MiB) | file (MiB) |")
    print("| ---: | --- | ---: | ---: | ---: | ---: |")
    for count in [int(size) for size in args.sizes.split(",")]:
        runs = [("project", "projet (par morceaux)")]
        if count <= args.bare_max:
            runs.append(("bare", "WeasyPrint seul, d'un bloc"))
        for mode, label in runs:
            r = measure(mode, count, chunk)
            print(
                f"| {count} | {label} | {r['pages']} | {figure(r['seconds'])} "
                f"| {figure(r['peak_mib'])} | {figure(r['mib'])} |",
                flush=True,
            )
    return 0


if __name__ == "__main__":
    sys.exit(main())
