"""What the import readers give back: sheets of text cells that remember their row numbers,
so that an import can say "feuille Traitements, ligne 7, colonne C"."""

import io
import zipfile
from dataclasses import dataclass
from typing import NamedTuple

from core.errors import ValidationFailed

# A ZIP's declared sizes bound what it inflates to (zipfile stops at them), so checking them
# up front is enough to refuse a "ZIP bomb" before parsing it.
MAX_UNCOMPRESSED = 256 * 1024 * 1024
MAX_ROWS = 1_048_576  # Excel's own limit: beyond it a file is not a spreadsheet a person filled
MAX_COLUMNS = 16_384


class ReadRow(NamedTuple):
    number: int  # 1-based, the row number the spreadsheet (or the CSV's record count) shows
    cells: list[str | None]  # cells[0] is column A; trailing empty cells are left out

    def cell(self, index: int) -> str | None:
        """The cell in column `index` (0-based), None when empty or past the row's end."""
        return self.cells[index] if index < len(self.cells) else None


@dataclass
class ReadSheet:
    title: str  # the tab's name; "" for a CSV
    rows: list[ReadRow]  # the non-empty rows only, in order


def column_letter(index: int) -> str:
    """The spreadsheet letter of a 0-based column index: 0 → "A", 25 → "Z", 26 → "AA"."""
    if index < 0:
        raise ValueError(f"negative column index: {index}")
    letters = ""
    index += 1
    while index:
        index, remainder = divmod(index - 1, 26)
        letters = chr(ord("A") + remainder) + letters
    return letters


def cell_reference(row: ReadRow, index: int) -> str:
    """e.g. "C7", for a message about the cell in column `index` (0-based) of `row`."""
    return f"{column_letter(index)}{row.number}"


def unreadable(message: str) -> ValidationFailed:
    """The error for a file that is not what it claims to be; the message is French."""
    return ValidationFailed.one("file", msg=message)


def text_or_none(value: str) -> str | None:
    value = value.replace("\r\n", "\n").replace("\r", "\n")
    return value or None


def make_row(number: int, cells: list[str | None]) -> ReadRow | None:
    """The row with its trailing empty cells dropped, or None if every cell is empty."""
    end = len(cells)
    while end and cells[end - 1] is None:
        end -= 1
    return ReadRow(number, cells[:end]) if end else None


def open_zip(data: bytes, message: str) -> zipfile.ZipFile:
    """The ZIP package of an XLSX or ODS file, refused with `message` if it is not one."""
    try:
        package = zipfile.ZipFile(io.BytesIO(data))
        size = sum(info.file_size for info in package.infolist())
    except (zipfile.BadZipFile, zipfile.LargeZipFile, ValueError, OSError) as exc:
        raise unreadable(message) from exc
    if size > MAX_UNCOMPRESSED:
        raise unreadable(
            f"{message} : une fois décompressé, il dépasserait "
            f"{MAX_UNCOMPRESSED // (1024 * 1024)} Mo"
        )
    return package
