"""PDF, read back with pdftotext (poppler-utils): title page, "Sommaire" with the right page
numbers, every heading and value with its accents, "Page X / Y" footers.

WeasyPrint takes tens of seconds for the 1,000-row sheet (about 200 pages), so these tests
print 60 rows (about 14 pages); the layout does not change with the count.
"""

import os
import re
import shutil
import subprocess

import pytest

from core.tabular.document import ExportFormat
from tests.tabular.sample import (
    ACTIVITIES,
    ACTIVITY_COLUMNS,
    BREACH_COLUMNS,
    BREACHES,
    sample_document,
    written_now,
)

ROWS = ACTIVITIES[:60]


def pdftotext() -> str:
    path = shutil.which("pdftotext")
    if path:
        return path
    reason = "pdftotext (poppler-utils) is not installed: PDF checks skipped"
    if os.environ.get("CI", "").lower() == "true":
        pytest.fail(f"{reason}; CI must install poppler-utils")
    print(reason)
    pytest.skip(reason)


@pytest.fixture(scope="module")
def pdf() -> bytes:
    return written_now(sample_document(ROWS), ExportFormat.PDF)


def as_text(pdf: bytes, tmp_path, *options: str) -> list[str]:
    """The text of each page, as pdftotext lays it out."""
    source = tmp_path / "record.pdf"
    source.write_bytes(pdf)
    result = subprocess.run(
        [pdftotext(), *options, str(source), "-"], check=True, capture_output=True, timeout=60
    )
    return result.stdout.decode("utf-8").split("\f")[:-1]  # a form feed ends every page


def flat(text: str) -> str:
    return " ".join(text.split())


@pytest.fixture
def pages(pdf, tmp_path) -> list[str]:
    return as_text(pdf, tmp_path, "-layout")


def test_a_pdf_document(pdf):
    assert pdf.startswith(b"%PDF-")


def test_the_title_page(pages):
    title_page = flat(pages[0])
    assert "Registre des activités de traitement (art. 30.1 RGPD)" in title_page
    assert "Généré le lundi 24 novembre 2025 à 10:30" in title_page
    assert "Commune de Saint-Étienne-de-Tinée" in title_page
    assert "Syndicat mixte « Numérique & Œuvre »" in title_page


def test_page_numbers_and_the_title_in_the_margins(pages):
    total = len(pages)
    for number, page in enumerate(pages, start=1):
        assert re.search(rf"Page {number} / {total}\s*$", page), f"footer of page {number}"
    assert "Registre des activités de traitement (art. 30.1 RGPD)" in pages[1].splitlines()[0]


def test_the_sommaire_gives_each_heading_the_page_it_is_on(pages):
    lines = [line.strip() for line in pages[1].splitlines() if line.strip()]
    assert lines[1] == "Sommaire"  # after the document title in the top margin
    toc = {}
    for page in pages[1:]:  # the Sommaire runs over the pages until the first entry
        # "Traitement n° 3 — Œuvres sociales ........ 4"
        found = [re.match(r"\s*(.+?)\s*\.{3,}\s*(\d+)\s*$", line) for line in page.splitlines()]
        found = [match for match in found if match]
        if not found:
            break
        toc.update((match.group(1), int(match.group(2))) for match in found)
    headings = [row["name"] for row in ROWS] + [row["ref"] for row in BREACHES]
    sections = ["Activités de traitement", "Violations : données [archivées]"]
    assert set(toc) == set(headings + sections)
    for heading, number in toc.items():
        assert heading in pages[number - 1], f"{heading} announced on page {number}"
    assert toc[sections[0]] == toc[headings[0]] < toc[headings[59]] < toc[sections[1]]


def test_each_row_has_its_heading_and_every_value(pdf, tmp_path):
    # Without -layout the text comes in reading order, a definition after its label.
    text = flat("\f".join(as_text(pdf, tmp_path)))
    body = text[text.index("Sommaire") :]
    for row in ROWS:
        for column in ACTIVITY_COLUMNS:
            if row[column.key]:
                assert f"{flat(column.header)} {flat(row[column.key])}" in body
    for row in BREACHES:
        for column in BREACH_COLUMNS:
            if row[column.key]:
                assert f"{flat(column.header)} {flat(row[column.key])}" in body
    # An empty cell gives no line at all.
    entry = body[body.index("VIOL-2025-002 Référence") :]
    assert "Mesures prises" not in entry[: entry.index("VIOL-2025-003")]


def test_a_list_value_keeps_one_item_per_line(pages):
    body = "\n".join(pages[3:])
    lines = [line.strip() for line in body.splitlines()]
    start = next(i for i, line in enumerate(lines) if line.endswith("Service à l'état civil"))
    assert lines[start + 1 : start + 3] == ["Préfecture de l'Hérault", "Procureur de la République"]
