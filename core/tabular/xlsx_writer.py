"""XLSX with openpyxl's write-only workbook: each row goes to a temporary file as it comes,
so memory stays flat however long the register is.

Every value is written as an inline string (no shared-strings table to hold in memory), and
is forced to stay a string: openpyxl would otherwise turn a text starting with "=" into a
formula, and an auditor's spreadsheet would run it.
"""

import asyncio
from typing import BinaryIO

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Alignment, Font
from openpyxl.utils import get_column_letter

from core.tabular.document import Column, Document, Sheet
from core.tabular.text import clean_text, informations_rows, sheet_names

BOLD = Font(bold=True)
WRAP = Alignment(wrap_text=True, vertical="top")
INFORMATIONS_COLUMNS = [Column("label", "", 32), Column("value", "", 80)]
# Excel refuses longer cells (openpyxl would cut them silently): cut them visibly instead.
MAX_CELL = 32_767
TRUNCATED = " […] (texte tronqué : trop long pour une cellule Excel)"


async def write_xlsx(doc: Document, out: BinaryIO) -> None:
    workbook = Workbook(write_only=True)
    names = sheet_names(doc)

    info = _new_sheet(workbook, names[0], INFORMATIONS_COLUMNS)
    for label, value in informations_rows(doc):
        info.append([_cell(info, label, bold=True), _cell(info, value)])

    for name, sheet in zip(names[1:], doc.sheets, strict=True):
        await _write_sheet(workbook, name, sheet)

    # Saving zips the temporary files of every sheet into `out`: blocking I/O, off the loop.
    await asyncio.to_thread(workbook.save, out)


async def _write_sheet(workbook: Workbook, name: str, sheet: Sheet) -> None:
    ws = _new_sheet(workbook, name, sheet.columns)
    ws.freeze_panes = "A2"  # the header row stays in view while scrolling
    ws.print_title_rows = "1:1"  # and is repeated on every printed page
    ws.append([_cell(ws, column.header, bold=True) for column in sheet.columns])
    keys = [column.key for column in sheet.columns]
    async for row in sheet.rows():
        ws.append([_cell(ws, row.get(key)) for key in keys])


def _new_sheet(workbook: Workbook, name: str, columns: list[Column]):
    ws = workbook.create_sheet(name)
    # Widths must be set before the first row: write-only sheets write their columns first.
    for index, column in enumerate(columns, start=1):
        ws.column_dimensions[get_column_letter(index)].width = column.width
    return ws


def _cell(ws, value: str | None, *, bold: bool = False) -> WriteOnlyCell:
    if value:
        value = clean_text(value)
        if len(value) > MAX_CELL:
            value = value[: MAX_CELL - len(TRUNCATED)] + TRUNCATED
    cell = WriteOnlyCell(ws, value=value or None)
    if value:
        cell.data_type = "s"  # never a formula, whatever the text starts with
    cell.alignment = WRAP
    if bold:
        cell.font = BOLD
    return cell
