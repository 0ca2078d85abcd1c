"""`rgpd`: the command line for administrators, DPOs and scripts.

Every command goes through the same services as the API, so a record kept from the
terminal obeys the same rules (validation, versions, scope).
"""

import asyncio
import json
import sys
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from uuid import UUID

import typer
from pydantic import BaseModel
from tortoise import Tortoise
from tortoise.exceptions import OperationalError

from api import cli_audit, cli_backup, cli_bundle, cli_exports
from api.cli_backup import refuse_newer_schema  # schema guard of migrate, serve, scheduler
from api.cli_keys import keys_app, keys_ready
from api.database import tortoise_config
from core.actor import set_actor
from core.config import get_settings
from core.errors import DomainError, ValidationFailed
from core.scope import Scope
from core.text import search_terms
from core.validation import validate_shape
from register import records
from register.activities import service as activities
from register.activities.schemas import ActivityIn
from register.activities.service import ActivityFilters
from register.conventions import service as conventions
from register.conventions.schemas import ConventionIn
from register.measures import service as measures
from register.measures.schemas import MeasureIn
from register.organisations import service as organisations
from register.organisations.models import Organisation
from register.organisations.schemas import ContactIn, DpoIn, OrganisationIn
from register.subprocessors import service as subprocessors
from register.subprocessors.schemas import EngagementIn

app = typer.Typer(
    help="registre-rgpd : registre des traitements et violations de données", no_args_is_help=True
)
record_app = typer.Typer(help="Registres calculés (art. 30)", no_args_is_help=True)
app.add_typer(record_app, name="record")
outbox_app = typer.Typer(help="Messages à envoyer (boîte d'envoi)", no_args_is_help=True)
app.add_typer(outbox_app, name="outbox")

CLI_SCOPE = Scope.everything()  # the command line is an administrator's tool


@dataclass(frozen=True)
class Resource:
    shape: type[BaseModel]
    create: Callable[..., Awaitable[Any]]
    update: Callable[..., Awaitable[Any]]
    delete: Callable[..., Awaitable[Any]]
    id_arg: str


async def _update_convention(**kwargs: Any) -> Any:
    # The command line acts for every body: a change is never only proposed there.
    convention, _proposed = await conventions.update_convention(**kwargs)
    return convention


RESOURCES: dict[str, Resource] = {
    "organisation": Resource(
        OrganisationIn,
        organisations.create_organisation,
        organisations.update_organisation,
        organisations.delete_organisation,
        "organisation_id",
    ),
    "dpo": Resource(
        DpoIn,
        organisations.create_dpo,
        organisations.update_dpo,
        organisations.delete_dpo,
        "dpo_id",
    ),
    "contact": Resource(
        ContactIn,
        organisations.create_contact,
        organisations.update_contact,
        organisations.delete_contact,
        "contact_id",
    ),
    "convention": Resource(
        ConventionIn,
        conventions.create_convention,
        _update_convention,
        conventions.delete_convention,
        "convention_id",
    ),
    "activity": Resource(
        ActivityIn,
        activities.create_activity,
        activities.update_activity,
        activities.delete_activity,
        "activity_id",
    ),
    "subprocessor": Resource(
        EngagementIn,
        subprocessors.create_engagement,
        subprocessors.update_engagement,
        subprocessors.delete_engagement,
        "engagement_id",
    ),
    "measure": Resource(
        MeasureIn,
        measures.create_measure,
        measures.update_measure,
        measures.delete_measure,
        "measure_id",
    ),
}


def _run(work: Callable[[], Awaitable[Any]]) -> Any:
    keys_ready()

    async def wrapped() -> Any:
        set_actor(cli_audit.cli_actor())  # who acts, in the audit journal
        _ensure_sqlite_folder()
        await Tortoise.init(config=tortoise_config())
        try:
            return await work()
        finally:
            await Tortoise.close_connections()

    try:
        return asyncio.run(wrapped())
    except ValidationFailed as exc:
        for problem in exc.problems:
            typer.echo(f"erreur : {'.'.join(map(str, problem.loc))} : {problem.msg}", err=True)
        raise typer.Exit(2) from None
    except DomainError as exc:
        typer.echo(f"erreur : {exc}", err=True)
        raise typer.Exit(1) from None
    except OperationalError as exc:
        # Most often a database not migrated yet: say so rather than print a traceback.
        typer.echo(f"erreur : base de données : {exc} (schéma à jour ? « rgpd migrate »)", err=True)
        raise typer.Exit(1) from None


def _ensure_sqlite_folder() -> None:
    url = get_settings().database_url
    if url.startswith("sqlite://") and ":memory:" not in url:
        Path(url.removeprefix("sqlite://")).parent.mkdir(parents=True, exist_ok=True)


def _print_json(value: Any) -> None:
    if isinstance(value, BaseModel):
        value = value.model_dump(mode="json")
    typer.echo(json.dumps(value, ensure_ascii=False, indent=2, default=str))


def _read_json(path: Path) -> Any:
    text = sys.stdin.read() if str(path) == "-" else path.read_text(encoding="utf-8")
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        typer.echo(f"erreur : JSON illisible ({exc})", err=True)
        raise typer.Exit(2) from None


def _resource(name: str) -> Resource:
    if name not in RESOURCES:
        typer.echo(
            f"erreur : ressource inconnue « {name} » ; choisir parmi {', '.join(RESOURCES)}",
            err=True,
        )
        raise typer.Exit(2)
    return RESOURCES[name]


async def _organisation_id(ref: str) -> UUID:
    """An organisation given by id, SIREN or a unique part of its name."""
    try:
        return UUID(ref)
    except ValueError:
        pass
    # Only a nine-digit reference can be a SIREN (the column refuses longer values).
    siren = ref.replace(" ", "")
    found = []
    if siren.isdigit() and len(siren) == 9:
        found = await Organisation.filter(siren=siren).values_list("id", flat=True)
    if not found:
        query = Organisation.all()
        for term in search_terms(ref):
            query = query.filter(name_folded__contains=term)
        found = await query.values_list("id", flat=True)
    if len(found) != 1:
        typer.echo(f"erreur : « {ref} » désigne {len(found)} organismes", err=True)
        raise typer.Exit(2)
    return found[0]


@app.command()
def migrate() -> None:
    """Apply the database schema migrations (idempotent)."""
    from tortoise.migrations.api.migrate import migrate as run_migrations

    keys_ready(required=False)  # the embedded default's key file is made on first start
    _ensure_sqlite_folder()
    refuse_newer_schema()  # schema guard: never migrate what a newer version migrated

    async def work() -> None:
        _ensure_sqlite_folder()
        try:
            await run_migrations(config=tortoise_config())
        finally:
            # An open SQLite connection keeps a thread alive: a failed migration would hang
            # instead of exiting with its error.
            await Tortoise.close_connections()

    try:
        asyncio.run(work())
    except Exception as exc:
        typer.echo(f"erreur : migration interrompue : {type(exc).__name__}: {exc}", err=True)
        raise typer.Exit(1) from None
    typer.echo("schéma à jour")


@app.command()
def demo() -> None:
    """Load the demo register built from the seed conventions (idempotent)."""
    from api.demo_accounts import load_demo_accounts, login_help
    from breach.demo import load_demo_incident
    from core.clock import utcnow
    from register.demo import load_demo

    async def work():
        summary = await load_demo(scope=CLI_SCOPE)
        incident = await load_demo_incident(scope=CLI_SCOPE, now=utcnow())
        accounts = await load_demo_accounts(summary.bodies)
        names = dict(
            await Organisation.filter(id__in=list(summary.bodies.values())).values_list(
                "id", "legal_name"
            )
        )
        return summary, incident, accounts, {k: names[v] for k, v in summary.bodies.items()}

    summary, incident, accounts, names = _run(work)
    typer.echo(str(summary))
    if incident:
        typer.echo("incident de démonstration déclaré : voir « rgpd breaches »")
    for line in login_help(accounts, names, get_settings().base_url):
        typer.echo(line)


@app.command()
def serve(
    host: str = "127.0.0.1",
    port: int = 8000,
    no_scheduler: bool = typer.Option(
        False, "--no-scheduler", help="Web only (the scheduler runs elsewhere: rgpd scheduler)"
    ),
    workers: int = typer.Option(
        1, "--workers", min=1, help="Worker processes (more than one: PostgreSQL only)"
    ),
    proxy_headers: bool = typer.Option(
        True,
        "--proxy-headers/--no-proxy-headers",
        help="Trust X-Forwarded-For and X-Forwarded-Proto from --forwarded-allow-ips",
    ),
    forwarded_allow_ips: str | None = typer.Option(
        None,
        "--forwarded-allow-ips",
        help="Proxies trusted, comma-separated (default: 127.0.0.1, or $FORWARDED_ALLOW_IPS)",
    ),
) -> None:
    """Serve the web API, with the scheduler in the same process unless told otherwise."""
    import os
    import signal

    import uvicorn

    from core.logging_setup import logging_config

    settings = get_settings()
    if workers > 1 and not _is_postgres(settings.database_url):
        typer.echo(
            f"erreur : --workers {workers} demande PostgreSQL (RGPD_DATABASE_URL=postgres://…) : "
            "une base SQLite ne sert qu'un seul processus. Lancer « rgpd serve » sans --workers.",
            err=True,
        )
        raise typer.Exit(2)
    _ensure_sqlite_folder()
    keys_ready()
    refuse_newer_schema()  # schema guard: never serve what a newer version migrated
    _log_to_stderr()
    if no_scheduler:
        # Read by create_app() here and in every worker process uvicorn starts (a closure
        # cannot cross to another process; the environment is inherited).
        os.environ["RGPD_SCHEDULER_ENABLED"] = "false"
        get_settings.cache_clear()
    # Uvicorn stops cleanly on SIGTERM, then raises it again to die by it (-15): a stop that
    # went well exits 0 instead (systemd, scripts).
    signal.signal(signal.SIGTERM, _exit_cleanly)
    uvicorn.run(
        "api.app:create_app",
        factory=True,
        host=host,
        port=port,
        workers=workers,
        proxy_headers=proxy_headers,
        forwarded_allow_ips=forwarded_allow_ips,
        log_config=logging_config(settings.log_format),
        access_log=False,  # ours (rgpd.access) writes neither the query string nor the address
    )


def _is_postgres(database_url: str) -> bool:
    return database_url.startswith(("postgres://", "postgresql://", "asyncpg://"))


def _exit_cleanly(signum: int, frame: object) -> None:
    raise SystemExit(0)


def _log_to_stderr() -> None:
    """Logs on stderr, as text or JSON lines (RGPD_LOG_FORMAT): core.logging_setup."""
    from core.logging_setup import configure_logging

    configure_logging(get_settings().log_format)


@app.command()
def scheduler() -> None:
    """Run the scheduler alone: reminders and e-mail delivery (stops on SIGTERM or SIGINT).

    Several may run against one PostgreSQL database: one leads, the others stand by.
    """
    import signal

    from breach.scheduler import run_scheduler

    refuse_newer_schema()  # schema guard: never run what a newer version migrated
    _log_to_stderr()

    async def work() -> None:
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGTERM, signal.SIGINT):
            loop.add_signal_handler(sig, stop.set)
        await run_scheduler(stop)

    _run(work)


@outbox_app.command("send")
def outbox_send() -> None:
    """One delivery pass: send what is due now, and say what became of it."""
    from core.outbox.delivery import deliver_due
    from core.outbox.service import owner_id

    report = _run(lambda: deliver_due(owner=owner_id("cli")))
    for error in report.errors:
        typer.echo(f"  {error}", err=True)
    typer.echo(
        f"envoyés : {report.sent}, à réessayer : {report.retried}, en échec : {report.failed}"
    )


@app.command("messages")
def list_messages(
    status: str | None = typer.Option(None, help="pending, sending, sent or failed"),
    limit: int = 100,
) -> None:
    """Outbox messages, newest first, with their state and the reason of a failure."""
    from core.clock import to_local
    from core.outbox import service as outbox
    from core.outbox.models import MESSAGE_STATUS_LABELS, MessageStatus

    try:
        wanted = MessageStatus(status) if status else None
    except ValueError:
        typer.echo(f"erreur : état inconnu « {status} »", err=True)
        raise typer.Exit(2) from None

    async def work():
        return await outbox.list_messages(scope=CLI_SCOPE, limit=limit, offset=0, status=wanted)

    page = _run(work)
    for m in page.items:
        when = to_local(m.sent_at or m.created_at).strftime("%Y-%m-%d %H:%M:%S")
        typer.echo(
            f"{m.id}  {MESSAGE_STATUS_LABELS[m.status]:18} {when}  essais {m.attempts}  "
            f"{m.kind}  {', '.join(m.to_addrs) or '—'}"
        )
        typer.echo(f"    {m.subject}")
        if m.last_error and m.status != MessageStatus.SENT:
            typer.echo(f"    motif : {m.last_error}")
    typer.echo(f"{page.total} message(s)")


@app.command()
def create(
    resource: str, file: Path = typer.Option(..., "--file", "-f", help="JSON file, or - for stdin")
) -> None:
    """Create a record: rgpd create organisation -f org.json"""
    res = _resource(resource)
    payload = _read_json(file)

    async def work():
        return await res.create(scope=CLI_SCOPE, data=validate_shape(res.shape, payload))

    _print_json(_run(work))


@app.command()
def update(
    resource: str,
    record_id: UUID,
    version: int = typer.Option(...),
    file: Path = typer.Option(..., "--file", "-f"),
) -> None:
    """Change fields of a record at a known version (stale versions are refused)."""
    res = _resource(resource)
    patch = _read_json(file)
    _print_json(
        _run(
            lambda: res.update(
                scope=CLI_SCOPE, **{res.id_arg: record_id}, version=version, patch=patch
            )
        )
    )


@app.command()
def delete(resource: str, record_id: UUID, version: int | None = None) -> None:
    """Delete a record (refused while other records use it)."""
    res = _resource(resource)
    _run(lambda: res.delete(scope=CLI_SCOPE, **{res.id_arg: record_id}, version=version))
    typer.echo("supprimé")


@app.command("organisations")
def list_organisations(q: str | None = None) -> None:
    """List organisations."""

    async def work():
        return await organisations.list_organisations(scope=CLI_SCOPE, limit=10_000, offset=0, q=q)

    page = _run(work)
    for org in page.items:
        typer.echo(f"{org.id}  {org.siren or '—':9}  {org.kind.value:10}  {org.legal_name}")
    typer.echo(f"{page.total} organisme(s)")


@app.command("activities")
def list_activities(
    organisation: str | None = typer.Option(None, "--org"),
    q: str | None = None,
    status: str | None = None,
    limit: int = 100,
) -> None:
    """List processing activities, with a search and filters."""

    async def work():
        controller = await _organisation_id(organisation) if organisation else None
        filters = ActivityFilters(controller_id=controller, q=q, status=status)
        return await activities.list_activities(
            scope=CLI_SCOPE, filters=filters, limit=limit, offset=0
        )

    page = _run(work)
    for activity in page.items:
        flag = " (incomplète)" if activity.missing_fields else ""
        typer.echo(f"{activity.id}  {activity.status.value:8}  {activity.name}{flag}")
    typer.echo(f"{page.total} activité(s)")


@app.command("breaches")
def list_breaches(
    organisation: str | None = typer.Option(None, "--org", help="Controller: id, SIREN or name"),
    include_closed: bool = typer.Option(False, "--all", help="Closed breaches too"),
) -> None:
    """Open breaches with the time left on each clock (Europe/Paris)."""
    from breach.breaches import service as breaches
    from core.clock import utcnow

    async def work():
        controller = await _organisation_id(organisation) if organisation else None
        return await breaches.list_breaches(
            scope=CLI_SCOPE,
            limit=10_000,
            offset=0,
            now=utcnow(),
            controller_id=controller,
            open_only=not include_closed,
        )

    page = _run(work)
    names = _run(_organisation_names)
    for breach in page.items:
        typer.echo(f"{breach.ref}  {breach.status.value:12} {names.get(breach.controller_id, '?')}")
        if not breach.countdowns:
            typer.echo("    aucune échéance en cours")
        for clock in breach.countdowns:
            mark = "EN RETARD" if clock.overdue else "         "
            typer.echo(f"    {mark} {clock.label} : {clock.display} — échéance {clock.due_local}")
    typer.echo(f"{page.total} violation(s)")


async def _organisation_names() -> dict[UUID, str]:
    return dict(await Organisation.all().values_list("id", "legal_name"))


@record_app.command("controller")
def controller_record(organisation: str) -> None:
    """Art. 30(1) record of an organisation (id, SIREN or name), as JSON."""

    async def work():
        return await records.controller_record(
            scope=CLI_SCOPE, organisation_id=await _organisation_id(organisation)
        )

    _print_json(_run(work))


@record_app.command("processor")
def processor_record(organisation: str) -> None:
    """Art. 30(2) record of an organisation (id, SIREN or name), as JSON."""

    async def work():
        return await records.processor_record(
            scope=CLI_SCOPE, organisation_id=await _organisation_id(organisation)
        )

    _print_json(_run(work))


app.add_typer(keys_app, name="keys")


app.add_typer(cli_audit.app, name="audit")
app.add_typer(cli_bundle.app, name="bundle")
app.command("export")(cli_exports.export_command)
app.command("import")(cli_exports.import_command)
app.command("backup")(cli_backup.backup_command)
app.command("restore")(cli_backup.restore_command)


from api.cli_accounts import token_app, user_app  # noqa: E402

app.add_typer(user_app, name="user")
app.add_typer(token_app, name="token")


def main() -> None:
    app()


if __name__ == "__main__":
    main()
