"""A PDF laid out in many chunks reads as one document: every page numbered « Page N / M » in
order, every activity once and in order, the Sommaire's numbers on the page each entry starts,
and the file is tagged PDF/A-2b as far as `core.tabular.pdf_conformance` checks.

Chunks of 7 entries make 60 activities a document of nine body chunks (and headers and footers
in chunks of 6 pages, the Sommaire in runs of 60 lines) in a few seconds; the writer's defaults
only change how often that happens.
"""

import asyncio
import io
import re
import subprocess

import pytest

from core.tabular import pdf_writer
from core.tabular.pdf_conformance import problems
from core.tabular.pdf_writer import write_pdf
from tests.tabular.sample import ACTIVITIES, BREACHES, sample_document
from tests.tabular.test_pdf_writer import pdftotext

ROWS = ACTIVITIES[:60]
CHUNK = 7
TOC_LINES = 60
HEADINGS = [row["name"] for row in ROWS] + [row["ref"] for row in BREACHES]


def render(furniture_pages: int, toc_lines: int) -> bytes:
    out = io.BytesIO()
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(pdf_writer, "FURNITURE_PAGES", furniture_pages)
        patch.setattr(pdf_writer, "TOC_LINES", toc_lines)
        asyncio.run(write_pdf(sample_document(ROWS), out, chunk_entries=CHUNK))
    return out.getvalue()


def text_pages(pdf: bytes, folder) -> list[str]:
    source = folder / "record.pdf"
    source.write_bytes(pdf)
    result = subprocess.run(
        [pdftotext(), "-layout", str(source), "-"], check=True, capture_output=True, timeout=60
    )
    return result.stdout.decode("utf-8").split("\f")[:-1]


@pytest.fixture(scope="module")
def pdf() -> bytes:
    # Headers and footers in chunks of 6 pages, the Sommaire in runs of a few lines.
    return render(6, TOC_LINES)


@pytest.fixture(scope="module")
def pages(pdf, tmp_path_factory) -> list[str]:
    return text_pages(pdf, tmp_path_factory.mktemp("pdf"))


def page_count(pdf: bytes, tmp_path) -> int:
    source = tmp_path / "record.pdf"
    source.write_bytes(pdf)
    info = subprocess.run(["pdfinfo", str(source)], check=True, capture_output=True, timeout=60)
    return int(re.search(r"Pages:\s+(\d+)", info.stdout.decode()).group(1))


def sommaire(pages: list[str]) -> list[tuple[str, int]]:
    entries = []
    for page in pages[1:]:
        found = [re.match(r"\s*(.+?)\s*\.{3,}\s*(\d+)\s*$", line) for line in page.splitlines()]
        found = [match for match in found if match]
        if not found:
            break
        entries += [(match.group(1), int(match.group(2))) for match in found]
    return entries


def heading_lines(page: str) -> list[str]:
    """The entry headings (h2) that start on a page, top to bottom."""
    lines = [line.strip() for line in page.splitlines()]
    return [line for line in lines if line in HEADINGS]


def test_every_page_is_numbered_in_order_of_the_whole_file(pages, pdf, tmp_path):
    total = page_count(pdf, tmp_path)
    assert len(pages) == total > len(ROWS) // CHUNK  # premise: more pages than chunks
    for number, page in enumerate(pages, start=1):
        footers = re.findall(r"Page (\d+) / (\d+)", page)
        assert footers == [(str(number), str(total))], f"footer of page {number}"


def test_every_activity_once_and_in_order(pages):
    front_pages = 1 + len(pages_of_sommaire(pages))
    body = [heading for page in pages[front_pages:] for heading in heading_lines(page)]
    assert body == HEADINGS


def pages_of_sommaire(pages: list[str]) -> list[str]:
    return [page for page in pages[1:] if re.search(r"\.{3,}\s*\d+\s*$", page, re.M)]


def test_the_sommaire_points_to_the_page_each_entry_starts_on(pages):
    entries = dict(sommaire(pages))
    assert set(HEADINGS) <= set(entries)  # premise: every heading is listed
    first_body_page = 1 + 1 + len(pages_of_sommaire(pages))
    for heading in HEADINGS:
        number = entries[heading]
        assert number >= first_body_page
        assert heading in heading_lines(pages[number - 1]), f"{heading} announced on {number}"
    sections = ["Activités de traitement", "Violations : données [archivées]"]
    assert entries[sections[0]] == entries[HEADINGS[0]] == first_body_page
    assert entries[sections[1]] == entries[BREACHES[0]["ref"]] > entries[HEADINGS[59]]


def test_a_chunk_boundary_does_not_move_the_numbers(pages):
    # Entry 8 opens the second chunk, on a new page: the one the Sommaire gives.
    entries = dict(sommaire(pages))
    eighth = ROWS[CHUNK]["name"]
    assert heading_lines(pages[entries[eighth] - 1])[0] == eighth


def test_the_sommaire_in_runs_reads_as_laid_out_in_one_piece(pages, tmp_path):
    sections = ["Activités de traitement", "Violations : données [archivées]"]
    lines = [sections[0], *HEADINGS[:60], sections[1], *HEADINGS[60:]]
    assert [heading for heading, _ in sommaire(pages)] == lines  # each line once, in order
    sommaire_pages = pages_of_sommaire(pages)
    # Premise: more lines than a run, and the first run longer than its page, so that the lines
    # of its last page were laid out again with the next run.
    assert len(lines) > TOC_LINES > len(sommaire(pages[:2])) > 0
    whole = text_pages(render(6, len(lines) + 1), tmp_path)
    assert sommaire_pages == pages_of_sommaire(whole)  # the same lines on the same pages
    assert pages == whole


def test_tagged_pdf_a_2b(pdf):
    assert problems(pdf) == []


def test_the_conformance_check_rejects_a_plain_pdf():
    from weasyprint import HTML

    plain = HTML(string="<p>Registre</p>").write_pdf()
    assert set(problems(plain)) >= {
        "no XMP metadata with pdfaid part 2, conformance B",
        "no /GTS_PDFA1 output intent",
        "/MarkInfo is not /Marked true",
        "no /StructTreeRoot with a /ParentTree",
        "a page without /StructParents",
    }
    pdf_a_untagged = HTML(string="<p>Registre</p>").write_pdf(pdf_variant="pdf/a-2b")
    assert problems(pdf_a_untagged) == [
        "/MarkInfo is not /Marked true",
        "no /StructTreeRoot with a /ParentTree",
        "no /Lang",
        "a page without /StructParents",
    ]


def test_every_font_is_embedded(pdf, tmp_path):
    source = tmp_path / "record.pdf"
    source.write_bytes(pdf)
    listing = subprocess.run(["pdffonts", str(source)], check=True, capture_output=True)
    fonts = listing.stdout.decode().splitlines()[2:]
    assert fonts  # premise: text uses fonts
    for font in fonts:
        embedded, _subset, unicode = font.split()[-5:-2]
        assert (embedded, unicode) == ("yes", "yes"), font
