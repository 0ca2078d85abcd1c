"""PDF: the printable record, a tagged PDF/A-2b file rendered by WeasyPrint from
templates/exports/document.html.j2, laid out in chunks so that memory stays flat.

WeasyPrint lays out a whole document at once (843 MiB for 500 activities), so the record is laid
out in parts (see `core.tabular.pdf_assembly`), each painted into the file and dropped:
1. the entries, `CHUNK_ENTRIES` at a time, each sheet starting a new page as before; a chunk
   also starts a new page, so a page may end early every `CHUNK_ENTRIES` entries;
2. the title page and the table of contents, with the page of each entry now known, in runs
   of `TOC_LINES` lines: every page of a run but its last is painted, and the next run starts
   with the first line of that last page, so the pages read as if laid out in one piece (one
   layout of 5,000 lines took 600 MB). It is laid out first only to count its pages, again
   while that count moves (it moves every page after it), then once more to be painted;
3. the running header and « Page N / M » footer of every page, once M is known.
Rendering runs in a worker thread, one part at a time per process (see `_RENDER_LOCK`), so the
event loop keeps serving meanwhile.
"""

import asyncio
import threading
from dataclasses import dataclass, field
from typing import BinaryIO

from weasyprint import CSS, HTML
from weasyprint.text.fonts import FontConfiguration

from core.tabular.document import Document, Sheet
from core.tabular.pdf_assembly import Assembly, Part
from core.tabular.text import clean_text
from core.templating import TEMPLATES_DIR, environment

TEMPLATE = "exports/document.html.j2"
STYLESHEET = TEMPLATES_DIR / "exports" / "document.css"
# Entries laid out at a time: about 100 MB of WeasyPrint's boxes for 35 filled columns.
CHUNK_ENTRIES = 50
# Pages whose header and footer are laid out at a time.
FURNITURE_PAGES = 200
# Lines of the table of contents laid out at a time: about 0.12 MB each (50 a page).
TOC_LINES = 400
# The table of contents is laid out again while its length is not the one guessed.
FRONT_ATTEMPTS = 4

# One part at a time: pango/fontconfig have a history of crashes when several threads lay out
# text at once.
_RENDER_LOCK = threading.Lock()


@dataclass
class Entry:
    anchor: str
    heading: str
    fields: list[tuple[str, str]]  # (column header, value), non-empty values only
    page: int = 0  # in the whole file, from 1


@dataclass
class Section:
    anchor: str
    title: str
    entries: list[Entry] = field(default_factory=list)  # without their fields once laid out
    page: int = 0


@dataclass
class Chunk:
    """A run of entries of one section, laid out as one part."""

    anchor: str
    title: str
    starts: bool  # the first run of its section: it shows the section's title
    entries: list[Entry]


@dataclass
class TocLine:
    """A line of the table of contents: a section's own, or one of its entries'."""

    section: Section
    entry: Entry | None

    @property
    def anchor(self) -> str:
        return self.entry.anchor if self.entry else self.section.anchor


@dataclass
class TocGroup:
    """Lines of one section within a run of the table of contents."""

    section: Section
    starts: bool  # the run shows the section's own line
    entries: list[Entry]


class _Renderer:
    def __init__(self, doc: Document, out: BinaryIO) -> None:
        self.doc = doc
        self.assembly = Assembly(out)
        self.body = Part()
        self.front = Part()
        self.font_config = FontConfiguration()
        self.stylesheet = CSS(filename=str(STYLESHEET), font_config=self.font_config)
        self.template = environment().get_template(TEMPLATE)

    def layout(self, part: str, **context):
        html = self.template.render(part=part, title=self.doc.title, **context)
        return HTML(string=html, base_url=str(TEMPLATES_DIR)).render(
            stylesheets=[self.stylesheet],
            font_config=self.font_config,
            pdf_variant="pdf/a-2b",
            pdf_tags=True,
        )

    def body_chunk(self, chunk: Chunk) -> None:
        with _RENDER_LOCK:
            self.assembly.paint(self.layout("body", section=chunk), self.body)

    def front_and_furniture(self, sections: list[Section]) -> None:
        with _RENDER_LOCK:
            self.assembly.known_anchors = set(self.assembly.anchors)
            metadata = self._front(sections)
            pages = self.front.pages + self.body.pages
            for start in range(0, len(pages), FURNITURE_PAGES):
                chunk = pages[start : start + FURNITURE_PAGES]
                numbers = range(start + 1, start + len(chunk) + 1)
                furniture = self.layout("furniture", page_numbers=numbers, page_total=len(pages))
                self.assembly.paint_furniture(furniture, chunk)
                del furniture
            self.assembly.close(pages, metadata)

    def _front(self, sections: list[Section]):
        """Paint the title page and the table of contents; return the document's metadata."""
        front_pages = 0
        for _ in range(FRONT_ATTEMPTS):
            self._number(sections, front_pages)
            counted, _ = self._lay_out_front(sections, paint=False)
            if counted == front_pages:
                painted, metadata = self._lay_out_front(sections, paint=True)
                if painted != counted:  # the same input laid out twice: never seen
                    raise RuntimeError("the table of contents was not laid out the same twice")
                return metadata
            front_pages = counted
        raise RuntimeError("the table of contents' length does not settle")

    def _lay_out_front(self, sections: list[Section], *, paint: bool):
        """Lay out the front in runs of `TOC_LINES`; its pages, painted if `paint`."""
        lines = [
            TocLine(section, entry) for section in sections for entry in (None, *section.entries)
        ]
        start, pages, metadata = 0, 0, None
        while True:
            run = lines[start : start + TOC_LINES]
            laid_out = self.layout(
                "front",
                first=start == 0,
                groups=_groups(run),
                generated_at=self.doc.generated_at,
                header=self.doc.header,
            )
            metadata = metadata or laid_out.metadata
            kept = len(laid_out.pages)
            carried = len(run)
            if start + len(run) < len(lines):
                carried = _first_line_on(laid_out.pages[-1], run)
                if 0 < carried < len(run):
                    kept -= 1
                else:  # the whole run on one page, or none of it on the last: keep them all
                    carried = len(run)
            if paint:
                self.assembly.paint(laid_out, self.front, laid_out.pages[:kept])
            pages += kept
            del laid_out
            start += carried
            if start >= len(lines):
                return pages, metadata

    def _number(self, sections: list[Section], front_pages: int) -> None:
        anchors = self.assembly.anchors
        for section in sections:
            section.page = front_pages + 1 + anchors[section.anchor]
            for entry in section.entries:
                entry.page = front_pages + 1 + anchors[entry.anchor]


def _groups(run: list[TocLine]) -> list[TocGroup]:
    groups: list[TocGroup] = []
    for line in run:
        if not groups or groups[-1].section is not line.section:
            groups.append(TocGroup(line.section, line.entry is None, []))
        if line.entry:
            groups[-1].entries.append(line.entry)
    return groups


def _first_line_on(page, run: list[TocLine]) -> int:
    """Index in `run` of the first line of the table of contents on `page` (by its link)."""
    index = {line.anchor: number for number, line in enumerate(run)}
    found = [index[link[1]] for link in page.links if link[0] == "internal" and link[1] in index]
    return min(found, default=len(run))


async def write_pdf(doc: Document, out: BinaryIO, *, chunk_entries: int = CHUNK_ENTRIES) -> None:
    renderer = await asyncio.to_thread(_Renderer, doc, out)
    sections = []
    for index, sheet in enumerate(doc.sheets, start=1):
        section = Section(anchor=f"s{index}", title=sheet.title)
        sections.append(section)
        chunk = Chunk(section.anchor, section.title, True, [])
        async for entry in _entries(index, sheet):
            chunk.entries.append(entry)
            section.entries.append(Entry(entry.anchor, entry.heading, []))
            if len(chunk.entries) >= chunk_entries:
                await asyncio.to_thread(renderer.body_chunk, chunk)
                chunk = Chunk(section.anchor, section.title, False, [])
        if chunk.entries or chunk.starts:
            await asyncio.to_thread(renderer.body_chunk, chunk)
    await asyncio.to_thread(renderer.front_and_furniture, sections)


async def _entries(index: int, sheet: Sheet):
    number = 0
    async for row in sheet.rows():
        number += 1
        fields = [
            (column.header, clean_text(value))
            for column in sheet.columns
            if (value := row.get(column.key))
        ]
        heading = row.get(sheet.heading_key) if sheet.heading_key else None
        # A heading is one line in the table of contents, whatever the value holds.
        heading = " ".join(clean_text(heading).split()) if heading else f"Entrée {number}"
        yield Entry(f"s{index}-r{number}", heading, fields)
