"""ODS, streamed: the ZIP's content.xml is written row by row as the rows come.

odfpy would build the whole document tree in memory before saving, so the XML is written here
by hand (see `ods_xml`); odfpy and LibreOffice read the result. The package follows ODF: the
first entry is `mimetype`, stored uncompressed, so that a tool can recognise the file from its
first bytes. `out` should be seekable (a file or a BytesIO): on a pipe, zipfile would add data
descriptors, which ODF forbids for `mimetype`.
"""

import zipfile
from typing import BinaryIO

from core.tabular import ods_xml as x
from core.tabular.document import Column, Document, Sheet
from core.tabular.text import informations_rows, sheet_names

INFORMATIONS_COLUMNS = [Column("label", "", 32), Column("value", "", 80)]
_FLUSH_AT = 64 * 1024  # characters of XML gathered before they go through the compressor


class _Stream:
    """Gathers small XML strings and hands them to the ZIP entry in large pieces."""

    def __init__(self, raw):
        self.raw = raw
        self.parts: list[str] = []
        self.size = 0

    def write(self, text: str) -> None:
        self.parts.append(text)
        self.size += len(text)
        if self.size >= _FLUSH_AT:
            self.flush()

    def flush(self) -> None:
        self.raw.write("".join(self.parts).encode("utf-8"))
        self.parts.clear()
        self.size = 0


async def write_ods(doc: Document, out: BinaryIO) -> None:
    with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED) as package:
        package.writestr(zipfile.ZipInfo("mimetype"), x.MIMETYPE, zipfile.ZIP_STORED)
        package.writestr("META-INF/manifest.xml", x.MANIFEST)
        package.writestr("styles.xml", x.STYLES)
        package.writestr("meta.xml", x.meta(doc.title))
        # A register's content.xml stays far below the 2 GiB beyond which zipfile would need
        # force_zip64; not forcing it keeps the package readable by older ZIP readers.
        with package.open("content.xml", "w") as raw:
            stream = _Stream(raw)
            await _write_content(doc, stream)
            stream.flush()


async def _write_content(doc: Document, stream: _Stream) -> None:
    # Column widths are automatic styles, which come before the body: one style per width.
    all_columns = INFORMATIONS_COLUMNS + [c for sheet in doc.sheets for c in sheet.columns]
    widths = {width: f"co{n}" for n, width in enumerate(sorted({c.width for c in all_columns}))}
    stream.write(x.XML_DECLARATION)
    stream.write(f'<office:document-content {x.NAMESPACES} office:version="{x.ODF_VERSION}">')
    stream.write("<office:automatic-styles>")
    stream.write("".join(x.column_style(name, width) for width, name in widths.items()))
    stream.write(x.CELL_STYLES + "</office:automatic-styles>")
    stream.write("<office:body><office:spreadsheet>")

    names = sheet_names(doc)
    stream.write(x.table_start(names[0]))
    _columns(stream, INFORMATIONS_COLUMNS, widths)
    for label, value in informations_rows(doc):
        stream.write(f"<table:table-row>{x.cell(label, x.HEADING_STYLE)}{x.cell(value)}")
        stream.write("</table:table-row>")
    stream.write("</table:table>")

    for name, sheet in zip(names[1:], doc.sheets, strict=True):
        await _write_sheet(stream, name, sheet, widths)
    stream.write("</office:spreadsheet></office:body></office:document-content>")


async def _write_sheet(stream: _Stream, name: str, sheet: Sheet, widths: dict[int, str]) -> None:
    # A row needs at least one cell: a sheet without columns still gets an empty one.
    columns = sheet.columns or [Column("", "")]
    keys = [column.key for column in columns]
    stream.write(x.table_start(name))
    _columns(stream, columns, widths)
    # Header rows are repeated at the top of every printed page.
    stream.write("<table:table-header-rows><table:table-row>")
    stream.write("".join(x.cell(column.header, x.HEADING_STYLE) for column in columns))
    stream.write("</table:table-row></table:table-header-rows>")
    async for row in sheet.rows():
        stream.write("<table:table-row>")
        stream.write("".join(x.cell(row.get(key)) for key in keys))
        stream.write("</table:table-row>")
    stream.write("</table:table>")


def _columns(stream: _Stream, columns: list[Column], widths: dict[int, str]) -> None:
    stream.write("".join(x.column(widths.get(column.width, "co0")) for column in columns))
