"""`rgpd export` and `rgpd import`: the auditor's files and a register brought in from a
spreadsheet, from the terminal, through the same services as the API."""

import sys
from pathlib import Path

import typer

from api.cli.common import CLI_SCOPE, organisation_id, parse_moment, private_output, run
from core.clock import utcnow
from core.config import get_settings
from core.french import plural
from core.tabular.document import ExportFormat
from core.tabular.writers import write_document
from register.imports.service import import_activities
from reports.calendar import organisation_calendar
from reports.documents import DocumentKind, build_document

CALENDAR = "calendar"


def export_command(
    document: str = typer.Argument(
        ..., help="controller-record, processor-record, breach-register or calendar"
    ),
    organisation: str = typer.Argument(..., help="id, SIREN or a unique part of the name"),
    format: ExportFormat = typer.Option(ExportFormat.XLSX, "--format", "-f"),
    output: Path | None = typer.Option(None, "--output", "-o", help="default: standard output"),
    separator: str = typer.Option(",", help="CSV: ',' or ';' (French spreadsheets)"),
    since_text: str | None = typer.Option(
        None, "--from", help="breach register: detected from this day or instant"
    ),
    until_text: str | None = typer.Option(
        None, "--to", help="breach register: detected until this day (included) or instant"
    ),
) -> None:
    """Export a record, the breach register (csv, xlsx, ods, json, pdf) or the calendar (ics)."""
    since = parse_moment(since_text, end=False) if since_text else None
    until = parse_moment(until_text, end=True) if until_text else None
    if since and until and until <= since:
        typer.echo("erreur : --to doit suivre --from", err=True)
        raise typer.Exit(2)
    if separator not in (",", ";"):
        typer.echo("erreur : --separator : ',' ou ';'", err=True)
        raise typer.Exit(2)
    kinds = [k.value for k in DocumentKind]
    if document not in [*kinds, CALENDAR]:
        typer.echo(
            f"erreur : document inconnu ; choisir parmi {', '.join(kinds)}, calendar", err=True
        )
        raise typer.Exit(2)
    sink = private_output(output) if output else sys.stdout.buffer

    async def work() -> None:
        org_id = await organisation_id(organisation)
        if document == CALENDAR:
            text = await organisation_calendar(
                scope=CLI_SCOPE, organisation_id=org_id, now=utcnow()
            )
            sink.write(text.encode("utf-8"))
            return
        doc = await build_document(
            DocumentKind(document),
            scope=CLI_SCOPE,
            organisation_id=org_id,
            now=utcnow(),
            since=since,
            until=until,
        )
        await write_document(doc, format, sink, csv_separator=separator)

    try:
        run(work)
    except BaseException:
        if output:
            sink.close()
            output.unlink(missing_ok=True)  # never leave half a file behind
        raise
    if output:
        sink.close()
        typer.echo(f"écrit : {output}", err=True)
    else:
        sink.flush()


def import_command(
    file: Path = typer.Argument(..., exists=True, dir_okay=False, help="CSV, XLSX or ODS"),
    organisation: str = typer.Argument(..., help="the controller: id, SIREN or name"),
    format: ExportFormat | None = typer.Option(None, "--format", "-f", help="default: suffix"),
    dry_run: bool = typer.Option(False, "--dry-run", help="check everything, write nothing"),
) -> None:
    """Import processing activities, all or nothing; each problem by sheet, row and column."""
    fmt = format or _suffix_format(file)
    limit = get_settings().import_max_bytes
    if file.stat().st_size > limit:
        typer.echo(
            f"erreur : {file} : fichier trop volumineux (plus de {limit // 2**20} Mo, "
            "réglage RGPD_IMPORT_MAX_BYTES)",
            err=True,
        )
        raise typer.Exit(2)

    async def work():
        return await import_activities(
            scope=CLI_SCOPE,
            organisation_id=await organisation_id(organisation),
            data=file.read_bytes(),
            fmt=fmt,
            dry_run=dry_run,
        )

    report = run(work)
    for warning in report.warnings:
        typer.echo(f"avertissement : {warning}", err=True)
    for p in report.problems:
        where = f"{p.sheet}, ligne {p.row}" + (f", colonne {p.column}" if p.column else "")
        typer.echo(f"erreur : {where} ({p.header or p.field}) : {p.message}", err=True)
    if report.problems:
        typer.echo(f"{plural(len(report.problems), 'problème')} : rien n'a été importé", err=True)
        raise typer.Exit(1)
    if dry_run:
        typer.echo(
            f"{plural(report.rows_read, 'activité prête', 'activités prêtes')} à importer "
            "(essai : rien n'est écrit)"
        )
    else:
        typer.echo(plural(report.created, "activité importée", "activités importées"))


def _suffix_format(file: Path) -> ExportFormat:
    try:
        fmt = ExportFormat(file.suffix.lower().lstrip("."))
    except ValueError:
        fmt = None
    if fmt not in (ExportFormat.CSV, ExportFormat.XLSX, ExportFormat.ODS):
        typer.echo("erreur : --format : csv, xlsx ou ods", err=True)
        raise typer.Exit(2)
    return fmt
