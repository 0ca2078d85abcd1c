"""Pages: exports for auditors (records, breach register, calendar, signed evidence bundle) and
the register import. The files themselves come from the JSON API routes (api/routes/exports.py)
or, for the bundle, from the same service calls they make."""

from urllib.parse import urlencode
from uuid import UUID

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse
from starlette.datastructures import FormData, UploadFile

from api.streaming import spool, streamed_file
from api.web.common import as_uuid, body_choices, forbidden, not_found, read_period
from api.web.forms import FormErrors, checked, chosen, errors_from, text, upload_form
from api.web.render import page, principal_of
from core.accounts.roles import Permission
from core.audit.signing import get_signing_key, key_id, public_key_pem
from core.clock import utcnow
from core.config import get_settings
from core.errors import NotFound, ValidationFailed
from core.keys import KeyConfigError
from core.tabular.document import ExportFormat
from register.imports.service import import_activities
from register.organisations.service import get_organisation
from reports.bundle import build_bundle
from reports.documents import DocumentKind

router = APIRouter(include_in_schema=False)

API = "/api/v1"

DOCUMENTS = [
    {"value": DocumentKind.CONTROLLER_RECORD.value, "label": "Registre du responsable (art. 30.1)"},
    {
        "value": DocumentKind.PROCESSOR_RECORD.value,
        "label": "Registre du sous-traitant (art. 30.2)",
    },
    {"value": DocumentKind.BREACH_REGISTER.value, "label": "Registre des violations (art. 33.5)"},
]

# value → (API format, CSV separator)
FORMATS = {
    "csv": (ExportFormat.CSV, "comma"),
    "csv-point-virgule": (ExportFormat.CSV, "semicolon"),
    "xlsx": (ExportFormat.XLSX, None),
    "ods": (ExportFormat.ODS, None),
    "json": (ExportFormat.JSON, None),
    "pdf": (ExportFormat.PDF, None),
}
FORMAT_CHOICES = [
    {"value": "csv", "label": "CSV (virgule)"},
    {"value": "csv-point-virgule", "label": "CSV (point-virgule, Excel)"},
    {"value": "xlsx", "label": "XLSX (Excel)"},
    {"value": "ods", "label": "ODS (LibreOffice)"},
    {"value": "json", "label": "JSON"},
    {"value": "pdf", "label": "PDF"},
]
IMPORT_FORMATS = {"csv": ExportFormat.CSV, "xlsx": ExportFormat.XLSX, "ods": ExportFormat.ODS}


# The exports page -----------------------------------------------------------------------------


def _signing_key():
    try:
        return get_signing_key()
    except KeyConfigError:
        return None


async def _exports_page(
    request: Request,
    *,
    status: int = 200,
    errors: FormErrors | None = None,
    values: dict | None = None,
    bundle_errors: FormErrors | None = None,
    bundle_values: dict | None = None,
    key_missing: bool = False,
):
    principal = principal_of(request)
    bodies = await body_choices(principal.scope(Permission.EXPORT))
    if not bodies:
        return forbidden(request, "Votre rôle ne permet d'exporter le registre d'aucun organisme.")
    calendar_scope = principal.scope(Permission.READ_BREACHES)
    key = _signing_key()
    return page(
        request,
        "exports/index.html.j2",
        status=status,
        bodies=bodies,
        calendars=[b for b in bodies if calendar_scope.allows(UUID(b["value"]))],
        documents=DOCUMENTS,
        formats=FORMAT_CHOICES,
        errors=errors or FormErrors(),
        values=values or {"organisme": bodies[0]["value"] if len(bodies) == 1 else None},
        bundle_errors=bundle_errors or FormErrors(),
        bundle_values=bundle_values
        or {"organismes": [bodies[0]["value"]] if len(bodies) == 1 else []},
        key_id=key_id(key.public_key()) if key else None,
        public_key_pem=public_key_pem(key) if key else None,
        key_missing=key_missing,
        can_import=not principal.scope(Permission.EDIT_REGISTER).is_empty,
    )


@router.get("/exports", name="exports.index")
async def exports_page(request: Request):
    return await _exports_page(request)


@router.get("/exports/telecharger", name="exports.download")
async def download(request: Request):
    """The form's choices into the API's export URL (the API takes the session cookie on GET)."""
    principal = principal_of(request)
    scope = principal.scope(Permission.EXPORT)
    query = request.query_params
    values = {k: query.get(k) for k in ("organisme", "document", "format", "debut", "fin")}
    errors = FormErrors()
    organisation_id = as_uuid(values["organisme"])
    if organisation_id is None:
        errors.by_field["organisme"] = "choisissez un organisme"
    if values["document"] not in {d["value"] for d in DOCUMENTS}:
        errors.by_field["document"] = "choisissez un document"
    if values["format"] not in FORMATS:
        errors.by_field["format"] = "choisissez un format"
    period = read_period(values["debut"], values["fin"], ("debut", "fin"), errors)
    if errors:
        return await _exports_page(request, status=422, errors=errors, values=values)
    try:  # another body's id: the same 404 as one that does not exist
        await get_organisation(scope=scope, organisation_id=organisation_id)
    except NotFound:
        return not_found(request)
    fmt, separator = FORMATS[values["format"]]
    params = {"format": fmt.value}
    if separator:
        params["separator"] = separator
    if values["document"] == DocumentKind.BREACH_REGISTER.value:
        if period.since:
            params["from"] = period.since.isoformat()
        if period.until:
            params["to"] = period.until.isoformat()
    target = f"{API}/organisations/{organisation_id}/exports/{values['document']}"
    return RedirectResponse(f"{target}?{urlencode(params)}", status_code=303)


@router.post("/exports/lot-de-preuves", name="exports.bundle")
async def evidence_bundle(request: Request):
    """The signed bundle, built as POST /api/v1/bundles builds it."""
    principal = principal_of(request)
    scope = principal.scope(Permission.EXPORT)
    form = await request.form()
    values = {
        "organismes": chosen(form, "organismes"),
        "lot-debut": text(form, "lot-debut"),
        "lot-fin": text(form, "lot-fin"),
    }
    errors = FormErrors()
    ids = [as_uuid(v) for v in values["organismes"]]
    if not ids:
        errors.by_field["organismes"] = "cochez au moins un organisme"
    elif None in ids or len(ids) > 100:
        return not_found(request)
    period = read_period(values["lot-debut"], values["lot-fin"], ("lot-debut", "lot-fin"), errors)
    if errors:
        return await _exports_page(request, status=422, bundle_errors=errors, bundle_values=values)
    try:
        for organisation_id in ids:  # out of scope: 404 whatever the set-up
            await get_organisation(scope=scope, organisation_id=organisation_id)
    except NotFound:
        return not_found(request)
    key = _signing_key()
    if key is None:
        return await _exports_page(request, status=404, bundle_values=values, key_missing=True)
    now = utcnow()
    spooled = await spool(
        lambda out: build_bundle(
            scope=scope,
            organisation_ids=ids,
            since=period.since,
            until=period.until,
            now=now,
            out=out,
            key=key,
        )
    )
    return streamed_file(spooled, "application/zip", f"lot-de-preuves-{now:%Y%m%d-%H%M}.zip")


# The import -----------------------------------------------------------------------------------


async def _import_page(
    request: Request,
    *,
    status: int = 200,
    errors: FormErrors | None = None,
    values: dict | None = None,
    report=None,
    organisation_name: str | None = None,
):
    bodies = await body_choices(principal_of(request).scope(Permission.EDIT_REGISTER))
    if not bodies:
        return forbidden(request, "Votre rôle ne permet de modifier le registre d'aucun organisme.")
    if values is None:
        values = {"organisme": bodies[0]["value"] if len(bodies) == 1 else None, "essai": True}
    return page(
        request,
        "exports/import.html.j2",
        status=status,
        bodies=bodies,
        errors=errors or FormErrors(),
        values=values,
        report=report,
        organisation_name=organisation_name,
        max_mb=get_settings().import_max_bytes // 2**20,
    )


@router.get("/exports/import", name="exports.import_form")
async def import_form(request: Request):
    return await _import_page(request)


def _import_format(name: str) -> ExportFormat | None:
    suffix = name.rsplit(".", 1)[-1].lower() if "." in name else ""
    return IMPORT_FORMATS.get(suffix)


async def _read_upload(form: FormData, errors: FormErrors) -> tuple[bytes, ExportFormat | None]:
    upload = form.get("fichier")
    if not isinstance(upload, UploadFile) or not upload.filename:
        errors.by_field["fichier"] = "choisissez un fichier CSV, XLSX ou ODS"
        return b"", None
    fmt = _import_format(upload.filename)
    if fmt is None:
        errors.by_field["fichier"] = "importez un fichier CSV, XLSX ou ODS (d'après son nom)"
        return b"", None
    limit = get_settings().import_max_bytes
    data = await upload.read(limit + 1)
    if len(data) > limit:
        errors.by_field["fichier"] = f"fichier trop volumineux (plus de {limit // 2**20} Mo)"
    elif not data:
        errors.by_field["fichier"] = "le fichier est vide"
    return data, fmt


@router.post("/exports/import", name="exports.import")
async def import_register(request: Request):
    scope = principal_of(request).scope(Permission.EDIT_REGISTER)
    if scope.is_empty:
        return forbidden(request, "Votre rôle ne permet de modifier le registre d'aucun organisme.")
    try:
        form = await upload_form(request, file_field="fichier", max_fields=10)
    except ValidationFailed as exc:
        return await _import_page(request, status=422, errors=errors_from(exc))
    values = {"organisme": text(form, "organisme"), "essai": checked(form, "essai")}
    errors = FormErrors()
    organisation_id = as_uuid(values["organisme"])
    if organisation_id is None:
        errors.by_field["organisme"] = "choisissez un organisme"
    data, fmt = await _read_upload(form, errors)
    if errors:
        return await _import_page(request, status=422, errors=errors, values=values)
    try:
        organisation = await get_organisation(scope=scope, organisation_id=organisation_id)
        report = await import_activities(
            scope=scope,
            organisation_id=organisation_id,
            data=data,
            fmt=fmt,
            dry_run=values["essai"],
        )
    except NotFound:
        return not_found(request)
    except ValidationFailed as exc:  # the file is not what its name says
        errors.by_field["fichier"] = "; ".join(p.msg for p in exc.problems)
        return await _import_page(request, status=422, errors=errors, values=values)
    if report.dry_run and not report.problems:  # next: the same file, for real
        values = {**values, "essai": False}
    return await _import_page(
        request,
        status=422 if report.problems else 200,
        values=values,
        report=report,
        organisation_name=organisation.legal_name,
    )
