"""CSV: one table, UTF-8, written row by row.

With ";" (what a French spreadsheet expects) the file starts with a UTF-8 byte order mark:
without it Excel in French opens the file as Windows-1252 and garbles every accent. With ","
there is no mark, so tools that read plain UTF-8 see no stray character before the first header.
"""

import csv
import io
from typing import BinaryIO

from core.tabular.document import Document, Sheet

BOM = "\ufeff".encode()
# A cell a spreadsheet would run as a formula (CSV injection, OWASP): written behind a quote
# mark, which spreadsheets show as text and core.tabular.csv_reader takes off again.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
_FORMULA = frozenset(FORMULA_STARTS)


def neutralised(value: str | None) -> str:
    if not value:
        return ""
    return "'" + value if value.startswith(FORMULA_STARTS) else value


_FLUSH_EVERY = 200  # rows buffered as text before being encoded and written to `out`


async def write_csv(doc: Document, out: BinaryIO, *, separator: str = ",") -> None:
    """Write `doc` as CSV. One sheet: its header row then its rows, as `csv.DictReader`
    expects. Several sheets: each as a line holding its title, its header row and its rows,
    with an empty line between sheets. The document's header block is not written."""
    if separator == ";":
        out.write(BOM)
    buffer = io.StringIO()
    # Standard quoting: a cell with the separator, a quote or a line break is quoted; the line
    # breaks inside a cell stay "\n" while records end with "\r\n" (RFC 4180).
    writer = csv.writer(buffer, delimiter=separator)
    titled = len(doc.sheets) > 1
    for index, sheet in enumerate(doc.sheets):
        if titled:
            if index:
                writer.writerow([])
            writer.writerow([sheet.title])
        await _write_sheet(sheet, writer, buffer, out)
    _flush(buffer, out)


async def _write_sheet(sheet: Sheet, writer, buffer: io.StringIO, out: BinaryIO) -> None:
    keys = [column.key for column in sheet.columns]
    writer.writerow([column.header for column in sheet.columns])
    pending = 0
    async for row in sheet.rows():
        # neutralised(), inline: this line runs once per cell. None is written as "".
        writer.writerow(
            [v if not v or v[0] not in _FORMULA else "'" + v for v in map(row.get, keys)]
        )
        pending += 1
        if pending >= _FLUSH_EVERY:
            _flush(buffer, out)
            pending = 0


def _flush(buffer: io.StringIO, out: BinaryIO) -> None:
    out.write(buffer.getvalue().encode("utf-8"))
    buffer.seek(0)
    buffer.truncate()
