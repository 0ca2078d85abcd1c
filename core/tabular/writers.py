"""One entry point for every export format."""

from typing import BinaryIO

from core.tabular.csv_writer import write_csv
from core.tabular.document import Document, ExportFormat
from core.tabular.json_writer import write_json
from core.tabular.ods_writer import write_ods
from core.tabular.xlsx_writer import write_xlsx


async def write_document(
    doc: Document, fmt: ExportFormat, out: BinaryIO, *, csv_separator: str = ","
) -> None:
    """Write `doc` to `out` (a seekable binary file: XLSX and ODS are ZIP packages)."""
    match ExportFormat(fmt):
        case ExportFormat.CSV:
            await write_csv(doc, out, separator=csv_separator)
        case ExportFormat.XLSX:
            await write_xlsx(doc, out)
        case ExportFormat.ODS:
            await write_ods(doc, out)
        case ExportFormat.JSON:
            await write_json(doc, out)
        case ExportFormat.PDF:
            # WeasyPrint (and pango behind it) takes half a second to import: only when asked.
            from core.tabular.pdf_writer import write_pdf

            await write_pdf(doc, out)


def file_name(doc: Document, fmt: ExportFormat) -> str:
    """e.g. "controller-record.xlsx"."""
    return f"{doc.key}.{ExportFormat(fmt).value}"
