"""What every `rgpd` sub-command shares: the runner, the checks made before a start, and how
an organisation or a moment is given on the command line.

The sub-command modules import this one and never each other; `api.cli` imports them all and
assembles the command tree (import-linter's contracts in pyproject.toml hold it).
"""

import asyncio
import getpass
import os
from collections.abc import Awaitable, Callable
from datetime import datetime
from pathlib import Path
from typing import Any
from uuid import UUID

import typer
from tortoise import Tortoise
from tortoise.exceptions import OperationalError

from api.database import tortoise_config
from core.actor import set_actor
from core.audit.chain import INSTANCE_CHAIN
from core.backup.engines import safe_url
from core.config import get_settings
from core.errors import DomainError, ValidationFailed
from core.keys import CryptoError, embedded_key_warning, prepare_keys
from core.schema_guard import NewerSchema, check_database
from core.scope import Scope
from core.text import search_terms
from core.validators import parse_period_bound
from register.organisations.models import Organisation

CLI_SCOPE = Scope.everything()  # the command line is an administrator's tool


def cli_actor() -> str:
    """Who acts from the command line: the Unix account that runs it."""
    try:
        user = getpass.getuser()
    except (OSError, KeyError):  # no name for this uid (a bare container)
        user = str(os.getuid())
    return f"cli:{user}"


def keys_ready(*, required: bool = True) -> None:
    """Before a start: make the embedded key file on the first one (and say it must be kept
    apart), check the keys; a missing or broken key stops the command with its French error."""
    try:
        created = prepare_keys(required=required)
    except CryptoError as exc:
        typer.echo(f"erreur : {exc}", err=True)
        raise typer.Exit(1) from None
    if created:
        typer.echo(embedded_key_warning(created), err=True)


def refuse_newer_schema() -> None:
    """The schema guard of `rgpd migrate`, `rgpd serve` and `rgpd scheduler`: stop a command
    (exit 1) when a newer registre-rgpd migrated the database: its schema holds what this code
    does not know, and running against it could damage it."""
    try:
        asyncio.run(check_database(tortoise_config()))
    except NewerSchema as exc:
        typer.echo(f"erreur : {exc}", err=True)
        raise typer.Exit(1) from None
    except Exception as exc:  # unreachable database, bad URL: its own words, then stop
        typer.echo(
            f"erreur : base de données {safe_url(get_settings().database_url)} : "
            f"{type(exc).__name__}: {exc}",
            err=True,
        )
        raise typer.Exit(1) from None


def ensure_sqlite_folder() -> None:
    url = get_settings().database_url
    if url.startswith("sqlite://") and ":memory:" not in url:
        Path(url.removeprefix("sqlite://")).parent.mkdir(parents=True, exist_ok=True)


def run(work: Callable[[], Awaitable[Any]]) -> Any:
    """Run `work` against the database as the command line's actor; a refusal is printed in
    French and ends the command (exit 2 for invalid data, 1 otherwise), never a traceback."""
    keys_ready()

    async def wrapped() -> Any:
        set_actor(cli_actor())  # who acts, in the audit journal
        ensure_sqlite_folder()
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


async def organisation_id(ref: str) -> UUID:
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


async def journal_chain(ref: str) -> str:
    """An organisation's chain from its id, SIREN or a unique part of its name; or the
    instance's ("instance"). An id is taken as it is: a deleted body's chain stays readable."""
    if ref == INSTANCE_CHAIN:
        return ref
    return str(await organisation_id(ref))


def parse_moment(text: str, *, end: bool, option: str | None = None) -> datetime:
    """A day (the whole day, in the instance's zone) or an instant (local when it has no
    offset), read by core.validators as everywhere else. `end` gives the moment just after
    the day, for an inclusive --to. Unreadable: the French reason, exit 2."""
    try:
        return parse_period_bound(text, end=end)
    except ValueError as exc:
        name = option or ("--to" if end else "--from")
        typer.echo(f"erreur : {name} : « {text} » : {exc}", err=True)
        raise typer.Exit(2) from None
