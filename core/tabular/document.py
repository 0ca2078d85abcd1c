"""The one shape every export writer takes (and every import reader gives back)."""

from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from enum import StrEnum


class ExportFormat(StrEnum):
    CSV = "csv"
    XLSX = "xlsx"
    ODS = "ods"
    JSON = "json"
    PDF = "pdf"


MEDIA_TYPES = {
    ExportFormat.CSV: "text/csv; charset=utf-8",
    ExportFormat.XLSX: "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    ExportFormat.ODS: "application/vnd.oasis.opendocument.spreadsheet",
    ExportFormat.JSON: "application/json",
    ExportFormat.PDF: "application/pdf",
}


@dataclass(frozen=True)
class Column:
    key: str  # stable, English, used as the JSON key
    header: str  # French, as a reader of the file sees it
    width: int = 24  # characters, a hint for spreadsheets and the PDF


# A row is one value per column key; every value is display-ready text (French labels, dates
# in Europe/Paris, list items one per line), or None for an empty cell.
Row = dict[str, str | None]


@dataclass
class Sheet:
    key: str  # stable, English (JSON key, file name inside a bundle)
    title: str  # French: the sheet's tab, the PDF section
    columns: list[Column]
    # Called once by the writer: a fresh iterator of rows, read batch by batch from the database.
    rows: Callable[[], AsyncIterator[Row]]
    # Which column names a row in the PDF's table of contents and headings.
    heading_key: str | None = None


@dataclass
class Document:
    key: str  # e.g. "controller-record"
    title: str  # e.g. "Registre des activités de traitement (art. 30.1 RGPD)"
    # The header block: (label, value) pairs, e.g. ("Responsable du traitement", "Commune de …").
    header: list[tuple[str, str]] = field(default_factory=list)
    sheets: list[Sheet] = field(default_factory=list)
    generated_at: str = ""  # display-ready, Europe/Paris
