"""Exports for auditors (records, breach register, in five formats), their published JSON
schemas, the register import, the calendar feed and the signed evidence bundle."""

from enum import StrEnum
from uuid import UUID

from fastapi import APIRouter, Depends, File, Query, UploadFile
from fastapi.responses import JSONResponse, Response
from pydantic import BaseModel, Field, model_validator

from api.deps import scope_for
from api.streaming import attachment, spool, streamed_file
from core.accounts.roles import Permission
from core.audit.signing import get_signing_key
from core.clock import utcnow
from core.config import Settings, get_settings
from core.errors import FieldError, NotFound, ValidationFailed
from core.keys import KeyConfigError
from core.scope import Scope
from core.tabular.document import MEDIA_TYPES, ExportFormat
from core.tabular.json_writer import json_schema
from core.tabular.writers import file_name, write_document
from core.validators import PeriodEnd, PeriodStart, check_period
from register.imports.service import ImportProblem, ImportReport, import_activities
from register.organisations.service import get_organisation
from reports.bundle import build_bundle
from reports.calendar import organisation_calendar
from reports.documents import DocumentKind, build_document, document_shape

router = APIRouter(tags=["exports"])
EXPORT = Depends(scope_for(Permission.EXPORT))
EDIT = Depends(scope_for(Permission.EDIT_REGISTER))
READ_BREACHES = Depends(scope_for(Permission.READ_BREACHES))

# The default of the setting import_max_bytes (a register of thousands of rows is a few MB).
IMPORT_MAX_BYTES = Settings.model_fields["import_max_bytes"].default


class ProblemOut(BaseModel):
    loc: list[str | int]
    msg: str
    type: str


class ImportRefused(BaseModel):
    """A 422: every problem in the usual shape, and the import's full report when the file
    was read (a bad query parameter gives the problems alone)."""

    detail: list[ProblemOut]
    report: ImportReport | None = None


class Separator(StrEnum):
    COMMA = "comma"
    SEMICOLON = "semicolon"


@router.get(
    "/organisations/{organisation_id}/exports/{document}",
    summary="Export a record or the breach register (csv, xlsx, ods, json, pdf)",
    response_class=Response,
    responses={200: {"content": {t: {} for t in MEDIA_TYPES.values()}}},
)
async def export_document(
    organisation_id: UUID,
    document: DocumentKind,
    format: ExportFormat = Query(default=ExportFormat.XLSX),
    separator: Separator = Query(
        default=Separator.COMMA, description="CSV only: semicolon for French spreadsheets"
    ),
    since: PeriodStart | None = Query(
        default=None, alias="from", description="Breach register: detected from (day or instant)"
    ),
    until: PeriodEnd | None = Query(
        default=None, alias="to", description="Breach register: detected before (a day: included)"
    ),
    scope: Scope = EXPORT,
):
    _check_period(since, until)
    doc = await build_document(
        document,
        scope=scope,
        organisation_id=organisation_id,
        now=utcnow(),
        since=since,
        until=until,
    )
    sep = ";" if separator == Separator.SEMICOLON else ","
    spooled = await spool(lambda out: write_document(doc, format, out, csv_separator=sep))
    return streamed_file(spooled, MEDIA_TYPES[format], file_name(doc, format))


@router.get(
    "/exports/schemas/{document}",
    summary="The published JSON Schema of a document's JSON export",
)
async def export_schema(document: DocumentKind, scope: Scope = EXPORT) -> dict:
    return json_schema(document_shape(document))


@router.post(
    "/organisations/{organisation_id}/imports/activities",
    response_model=ImportReport,
    summary="Import a register (CSV, XLSX or ODS laid out like the CNIL template): "
    "all or nothing; a dry run lists every problem and writes nothing",
    responses={422: {"model": ImportRefused, "description": "Nothing was imported"}},
)
async def import_register(
    organisation_id: UUID,
    file: UploadFile = File(description="CSV, XLSX or ODS"),
    format: ExportFormat | None = Query(default=None, description="Default: from the name"),
    dry_run: bool = Query(default=False, description="Check everything, write nothing"),
    scope: Scope = EDIT,
):
    fmt = format or _format_from_name(file.filename or "")
    if fmt not in (ExportFormat.CSV, ExportFormat.XLSX, ExportFormat.ODS):
        raise ValidationFailed.one("query", "format", msg="importer un fichier CSV, XLSX ou ODS")
    limit = get_settings().import_max_bytes
    data = await file.read(limit + 1)
    if len(data) > limit:
        raise ValidationFailed.one(
            "body", "file", msg=f"fichier trop volumineux (plus de {limit // 2**20} Mo)"
        )
    report = await import_activities(
        scope=scope, organisation_id=organisation_id, data=data, fmt=fmt, dry_run=dry_run
    )
    if report.problems and not dry_run:  # refused: nothing was written
        refused = ImportRefused(detail=[_problem(p) for p in report.problems], report=report)
        return JSONResponse(status_code=422, content=refused.model_dump(mode="json"))
    return report


def _problem(p: ImportProblem) -> ProblemOut:
    # The usual 422 shape: loc names the file, then where in it; msg says what is wrong.
    where = [w for w in (p.sheet, p.row, p.column or p.field) if w not in (None, "")]
    return ProblemOut(loc=["body", "file", *where], msg=p.message, type="import_error")


def _format_from_name(name: str) -> ExportFormat | None:
    suffix = name.rsplit(".", 1)[-1].lower() if "." in name else ""
    try:
        return ExportFormat(suffix)
    except ValueError:
        raise ValidationFailed.one(
            "query", "format", msg="format introuvable : donnez ?format=csv, xlsx ou ods"
        ) from None


@router.get(
    "/organisations/{organisation_id}/calendar.ics",
    summary="iCalendar feed of a body's deadlines: breach notices, reviews, convention dates",
    response_class=Response,
    responses={200: {"content": {"text/calendar": {}}}},
)
async def calendar_feed(organisation_id: UUID, scope: Scope = READ_BREACHES):
    text = await organisation_calendar(scope=scope, organisation_id=organisation_id, now=utcnow())
    return Response(
        content=text.encode("utf-8"),
        media_type="text/calendar; charset=utf-8",
        headers={"Content-Disposition": attachment(f"echeances-{organisation_id}.ics")},
    )


def _check_period(since, until) -> None:
    try:
        check_period(since, until)
    except ValueError as exc:
        raise ValidationFailed.one("query", "to", msg=str(exc)) from None


class BundleIn(BaseModel):
    organisation_ids: list[UUID] = Field(min_length=1, max_length=100)
    since: PeriodStart | None = Field(default=None, alias="from")
    until: PeriodEnd | None = Field(default=None, alias="to")

    @model_validator(mode="after")
    def _ordered(self) -> "BundleIn":
        try:
            check_period(self.since, self.until)
        except ValueError as exc:
            raise FieldError("to", str(exc)) from None
        return self


@router.post(
    "/bundles",
    summary="Signed evidence bundle (ZIP: records, breach register, notifications as sent, "
    "journal, SHA-256 manifest and its Ed25519 signature)",
    response_class=Response,
    responses={200: {"content": {"application/zip": {}}}},
)
async def evidence_bundle(body: BundleIn, scope: Scope = EXPORT):
    for organisation_id in body.organisation_ids:  # out of scope: 404 whatever the set-up
        await get_organisation(scope=scope, organisation_id=organisation_id)
    try:
        key = get_signing_key()
    except KeyConfigError:
        raise NotFound("clé de signature", "non configurée") from None
    now = utcnow()
    spooled = await spool(
        lambda out: build_bundle(
            scope=scope,
            organisation_ids=body.organisation_ids,
            since=body.since,
            until=body.until,
            now=now,
            out=out,
            key=key,
        )
    )
    return streamed_file(spooled, "application/zip", f"lot-de-preuves-{now:%Y%m%d-%H%M}.zip")
