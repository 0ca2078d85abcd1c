"""One entry point for every import format: a file's bytes to sheets of text cells."""

from core.tabular.csv_reader import read_csv
from core.tabular.document import ExportFormat
from core.tabular.ods_reader import read_ods
from core.tabular.reading import (
    ReadBudget,
    ReadRow,
    ReadSheet,
    cell_reference,
    column_letter,
    unreadable,
)
from core.tabular.xlsx_reader import read_xlsx

__all__ = [
    "ReadBudget",
    "ReadRow",
    "ReadSheet",
    "cell_reference",
    "column_letter",
    "read_workbook",
]

READERS = {ExportFormat.CSV: read_csv, ExportFormat.XLSX: read_xlsx, ExportFormat.ODS: read_ods}


def read_workbook(
    data: bytes, fmt: ExportFormat, budget: ReadBudget | None = None
) -> list[ReadSheet]:
    """The sheets of a CSV, XLSX or ODS file (a CSV is one sheet titled ""), each with its
    non-empty rows and their row numbers. A file that is not a readable `fmt`, or that goes
    beyond the `budget` (rows, time), raises ValidationFailed on the field "file", with a
    French message; reading stops there."""
    reader = READERS.get(ExportFormat(fmt))
    if reader is None:
        raise unreadable(f"le format {fmt} ne peut pas être importé (CSV, XLSX ou ODS)")
    return reader(data, budget or ReadBudget())
