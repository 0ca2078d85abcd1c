"""Files to import, built the way their authors would: our own export, a hand-typed table
in every format, a CNIL-style workbook; and the import called as the API will call it."""

import io
from uuid import UUID

from core.scope import Scope
from core.tabular.document import Column, Document, ExportFormat, Row, Sheet
from core.tabular.writers import write_document
from register.export.records import ACTIVITY_COLUMNS, controller_record_document
from register.imports.service import ImportReport, import_activities

EVERYTHING = Scope.everything()
HEADER = {c.key: c.header for c in ACTIVITY_COLUMNS}
DERIVED_ON_EXPORT = {"id", "created_at", "updated_at"}

# (format, CSV separator): every way a register file may come in.
FORMATS = [
    (ExportFormat.CSV, ";"),
    (ExportFormat.CSV, ","),
    (ExportFormat.XLSX, ","),
    (ExportFormat.ODS, ","),
]
FORMAT_IDS = ["csv-semicolon", "csv-comma", "xlsx", "ods"]


async def write(doc: Document, fmt: ExportFormat, separator: str = ",") -> bytes:
    out = io.BytesIO()
    await write_document(doc, fmt, out, csv_separator=separator)
    return out.getvalue()


def table(keys: list[str], rows: list[Row], *, title: str = "Registre") -> Document:
    """A register typed by hand: the export's headers for `keys`, one row per activity."""
    columns = [Column(k, HEADER[k]) for k in keys]

    async def produce():
        for row in rows:
            yield row

    return Document(
        key="register",
        title="Registre des activités de traitement",
        sheets=[Sheet(key="activities", title=title, columns=columns, rows=produce)],
    )


async def exported(organisation_id: str | UUID, fmt: ExportFormat, separator: str = ",") -> bytes:
    doc = await controller_record_document(
        scope=EVERYTHING, organisation_id=UUID(str(organisation_id))
    )
    return await write(doc, fmt, separator)


async def exported_rows(organisation_id: str | UUID) -> list[Row]:
    """The controller's record as the export writes it, row by row."""
    doc = await controller_record_document(
        scope=EVERYTHING, organisation_id=UUID(str(organisation_id))
    )
    return [row async for row in doc.sheets[0].rows()]


async def run_import(
    organisation_id: str | UUID, data: bytes, fmt: ExportFormat, *, dry_run: bool = False
) -> ImportReport:
    return await import_activities(
        scope=EVERYTHING,
        organisation_id=UUID(str(organisation_id)),
        data=data,
        fmt=fmt,
        dry_run=dry_run,
    )


def where(report: ImportReport) -> list[tuple[int | None, str | None, str | None]]:
    """(row, column, field) of every problem, in the report's order."""
    return [(p.row, p.column, p.field) for p in report.problems]
