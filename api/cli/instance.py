"""`rgpd migrate`, `rgpd demo`, `rgpd serve` and `rgpd scheduler`: bringing an instance up and
running it."""

import asyncio

import typer
from tortoise import Tortoise

from api.cli.common import (
    CLI_SCOPE,
    ensure_sqlite_folder,
    keys_ready,
    refuse_newer_schema,
    run,
)
from api.database import tortoise_config
from core.config import get_settings
from register.organisations.models import Organisation


def migrate() -> None:
    """Apply the database schema migrations (idempotent)."""
    from tortoise.migrations.api.migrate import migrate as run_migrations

    keys_ready(required=False)  # the embedded default's key file is made on first start
    ensure_sqlite_folder()
    refuse_newer_schema()  # schema guard: never migrate what a newer version migrated

    async def work() -> None:
        ensure_sqlite_folder()
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

    summary, incident, accounts, names = run(work)
    typer.echo(str(summary))
    if incident:
        typer.echo("incident de démonstration déclaré : voir « rgpd breaches »")
    for line in login_help(accounts, names, get_settings().base_url):
        typer.echo(line)


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
    ensure_sqlite_folder()
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


def scheduler() -> None:
    """Run the scheduler alone: reminders and e-mail delivery (stops on SIGTERM or SIGINT).

    Several may run against one PostgreSQL database: one leads, the others stand by.
    """
    import signal

    from jobs.scheduler import run_scheduler

    refuse_newer_schema()  # schema guard: never run what a newer version migrated
    _log_to_stderr()

    async def work() -> None:
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGTERM, signal.SIGINT):
            loop.add_signal_handler(sig, stop.set)
        await run_scheduler(stop)

    run(work)
