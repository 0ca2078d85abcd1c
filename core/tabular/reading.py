"""What the import readers give back: sheets of text cells that remember their row numbers,
so that an import can say "feuille Traitements, ligne 7, colonne C"."""

import io
import time
import zipfile
from dataclasses import dataclass, field
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


def figure(number: int) -> str:
    """10000 → "10 000" (French: a no-break space between thousands)."""
    return f"{number:,}".replace(",", "\u00a0")


@dataclass
class ReadBudget:
    """How many filled rows a file may hold, and until when reading it may go on: a reader
    counts every row it passes (`tick`) and stops at the first one over either bound, before
    reading the rest (a file of a million rows is refused after the first rows past the limit,
    not once all are in memory). The same budget bounds the checks made after reading.

    `max_rows` counts data rows: each sheet (`sheet`, called by the reader as it starts one)
    may hold `header_rows` filled rows more, for its titles and header row, which the reader
    cannot tell from data. The caller that can (an import, once it has found the header) then
    checks the exact count of data rows; reading stops at most `header_rows` rows a sheet later
    than an exact count would."""

    max_rows: int = MAX_ROWS
    seconds: float | None = None
    header_rows: int = 0
    filled: int = 0
    passed: int = 0
    allowed: int = 0  # filled rows over max_rows the sheets started so far may hold
    started: float = field(default_factory=time.monotonic)

    def sheet(self) -> None:
        """A new sheet starts: it may hold `header_rows` rows above its data."""
        self.allowed += self.header_rows

    def tick(self, *, filled: bool = True) -> None:
        self.passed += 1
        if filled:
            self.filled += 1
            if self.filled > self.max_rows + self.allowed:
                raise self._over()
        if self.passed % 64 == 0:
            self.check_time()

    def _over(self) -> ValidationFailed:
        rows = "lignes de données" if self.header_rows else "lignes remplies"
        headers = ", en-têtes non comptés" if self.header_rows else ""
        return unreadable(
            f"le fichier compte plus de {figure(self.max_rows)} {rows} : un import en "
            f"accepte au plus {figure(self.max_rows)} (réglage RGPD_IMPORT_MAX_ROWS{headers}) "
            "; découpez-le en plusieurs fichiers"
        )

    def check_time(self) -> None:
        if self.seconds is not None and time.monotonic() - self.started > self.seconds:
            raise unreadable(
                f"la lecture du fichier a dépassé {figure(int(self.seconds))} s (réglage "
                "RGPD_IMPORT_TIMEOUT_SECONDS) : rien n'a été importé ; découpez-le en "
                "plusieurs fichiers"
            )


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
