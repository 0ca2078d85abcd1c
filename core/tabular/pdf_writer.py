"""PDF: the printable record, a tagged PDF/A-2b file rendered by WeasyPrint from
templates/exports/document.html.j2, laid out in chunks so that memory stays flat.

WeasyPrint lays out a whole document at once (843 MiB for 500 activities), so the record is laid
out in parts (see `core.tabular.pdf_assembly`), each painted into the file and dropped:
1. the entries, `CHUNK_ENTRIES` at a time, each sheet starting a new page as before; a chunk
   also starts a new page, so a page may end early every `CHUNK_ENTRIES` entries;
2. the title page and the table of contents, with the page of each entry now known (laid out
   again if the number of pages it takes was guessed wrong: it moves every page after it);
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
            laid_out = self._front(sections)
            self.assembly.known_anchors = set(self.assembly.anchors)
            self.assembly.paint(laid_out, self.front)
            metadata = laid_out.metadata
            del laid_out
            pages = self.front.pages + self.body.pages
            for start in range(0, len(pages), FURNITURE_PAGES):
                chunk = pages[start : start + FURNITURE_PAGES]
                numbers = range(start + 1, start + len(chunk) + 1)
                furniture = self.layout("furniture", page_numbers=numbers, page_total=len(pages))
                self.assembly.paint_furniture(furniture, chunk)
                del furniture
            self.assembly.close(pages, metadata)

    def _front(self, sections: list[Section]):
        front_pages = 0
        for _ in range(FRONT_ATTEMPTS):
            self._number(sections, front_pages)
            doc = self.doc
            laid_out = self.layout(
                "front", sections=sections, generated_at=doc.generated_at, header=doc.header
            )
            if len(laid_out.pages) == front_pages:
                return laid_out
            front_pages = len(laid_out.pages)
        raise RuntimeError("the table of contents' length does not settle")

    def _number(self, sections: list[Section], front_pages: int) -> None:
        anchors = self.assembly.anchors
        for section in sections:
            section.page = front_pages + 1 + anchors[section.anchor]
            for entry in section.entries:
                entry.page = front_pages + 1 + anchors[entry.anchor]


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
