"""XLSX with openpyxl's write-only workbook: each row goes to a temporary file as it comes,
so memory stays flat however long the register is.

Every value is written as an inline string (no shared-strings table to hold in memory), and
is forced to stay a string: openpyxl would otherwise turn a text starting with "=" into a
formula, and an auditor's spreadsheet would run it.

One style per sheet, not per cell: every text cell of a sheet is written through one
pre-styled cell (wrapped, top-aligned; bold for the header), and the columns carry the same
style so that what a reader types in an empty cell wraps too. `_Sheet` feeds that cell to
openpyxl's row writer directly: the stock `append` would bind and type-check each value again
and make a new cell object for every styled one, which cost most of the time.
"""

import asyncio
from typing import BinaryIO

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Alignment, Font
from openpyxl.utils import get_column_letter
from openpyxl.worksheet._write_only import WriteOnlyWorksheet

from core.tabular.document import Column, Document, Sheet
from core.tabular.text import clean_text, informations_rows, sheet_names

BOLD = Font(bold=True)
WRAP = Alignment(wrap_text=True, vertical="top")
INFORMATIONS_COLUMNS = [Column("label", "", 32), Column("value", "", 80)]
# Excel refuses longer cells (openpyxl would cut them silently): cut them visibly instead.
MAX_CELL = 32_767
TRUNCATED = " […] (texte tronqué : trop long pour une cellule Excel)"


class _Sheet(WriteOnlyWorksheet):
    """A write-only sheet whose rows are lists of text (or None), each value written through
    one of the sheet's two styled cells: bold for the columns in `bold`, plain otherwise."""

    def __init__(self, parent: Workbook, title: str) -> None:
        super().__init__(parent, title)
        self.text = _styled(self, bold=False)
        self.heading = _styled(self, bold=True)
        self.bold: frozenset[int] = frozenset()

    def _values_to_row(self, values, row_idx):
        # openpyxl writes each cell as it is yielded, before asking for the next one: one
        # cell object serves the whole row.
        text, heading, bold = self.text, self.heading, self.bold
        text.row = heading.row = row_idx
        for column, value in enumerate(values, 1):
            if value:
                cell = heading if column in bold else text
                cell._value = value
                cell.column = column
                yield cell

    def append_text(self, values: list[str | None], *, bold: frozenset[int] = frozenset()):
        self.bold = bold
        self.append([_text(value) for value in values])


def _styled(ws, *, bold: bool) -> WriteOnlyCell:
    cell = WriteOnlyCell(ws)
    cell.data_type = "s"  # never a formula, whatever the text starts with
    cell.alignment = WRAP
    if bold:
        cell.font = BOLD
    return cell


async def write_xlsx(doc: Document, out: BinaryIO) -> None:
    workbook = Workbook(write_only=True)
    names = sheet_names(doc)

    info = _new_sheet(workbook, names[0], INFORMATIONS_COLUMNS)
    for label, value in informations_rows(doc):
        info.append_text([label, value], bold=frozenset({1}))

    for name, sheet in zip(names[1:], doc.sheets, strict=True):
        await _write_sheet(workbook, name, sheet)

    # Saving zips the temporary files of every sheet into `out`: blocking I/O, off the loop.
    await asyncio.to_thread(workbook.save, out)


async def _write_sheet(workbook: Workbook, name: str, sheet: Sheet) -> None:
    ws = _new_sheet(workbook, name, sheet.columns)
    ws.freeze_panes = "A2"  # the header row stays in view while scrolling
    ws.print_title_rows = "1:1"  # and is repeated on every printed page
    everything = frozenset(range(1, len(sheet.columns) + 1))
    ws.append_text([column.header for column in sheet.columns], bold=everything)
    ws.bold = frozenset()
    keys = [column.key for column in sheet.columns]
    append = ws.append
    async for row in sheet.rows():
        append([_text(row.get(key)) for key in keys])


def _new_sheet(workbook: Workbook, name: str, columns: list[Column]) -> _Sheet:
    ws = _Sheet(workbook, name)
    workbook._add_sheet(ws)
    # Widths and the columns' style must be set before the first row: write-only sheets
    # write their columns first.
    for index, column in enumerate(columns, start=1):
        dimension = ws.column_dimensions[get_column_letter(index)]
        dimension.width = column.width
        dimension.alignment = WRAP
    return ws


def _text(value: str | None) -> str | None:
    """Cell text Excel accepts: no character XML cannot carry, at most MAX_CELL long."""
    if not value:
        return None
    value = clean_text(value)
    if len(value) > MAX_CELL:
        value = value[: MAX_CELL - len(TRUNCATED)] + TRUNCATED
    return value
