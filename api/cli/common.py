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
from typing import Any, BinaryIO, NoReturn
from uuid import UUID

import typer
from tortoise import Tortoise
from tortoise.exceptions import OperationalError

from api.database import tortoise_config
from core.actor import set_actor
from core.audit.chain import INSTANCE_CHAIN
from core.audit.digest import digest_key
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


def private_output(path: Path) -> BinaryIO:
    """A file the command writes personal data to (an export, a bundle): readable by its owner
    only (0600), whatever the umask, like the database and the backups."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    os.fchmod(fd, 0o600)  # a file that was already there keeps its mode otherwise
    return os.fdopen(fd, "wb")


def keys_ready(*, required: bool = True) -> None:
    """Before a start: make the embedded key file on the first one (and say it must be kept
    apart), check the keys and the journal's digest key; a missing or broken key stops the
    command with its French error."""
    try:
        created = prepare_keys(required=required)
        if required:
            digest_key()  # made now if it can be, else the start stops here, not at a write
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


MAX_CANDIDATES = 10  # names listed when a name is ambiguous or unknown


async def organisation_id(ref: str) -> UUID:
    """An organisation given on the command line, read in the order of evidence: a UUID is an
    id (taken as it is: a deleted body's journal stays readable); nine digits (spaces allowed)
    a SIREN; anything else a name, matched exactly, then without regard to case and accents,
    then as a unique part of the name. Unknown or ambiguous: a French message listing the
    candidates, exit 2."""
    text = ref.strip()
    try:
        return UUID(text)
    except ValueError:
        pass
    siren = text.replace(" ", "")
    if len(siren) == 9 and siren.isdigit():
        found = await Organisation.filter(siren=siren).values_list("id", flat=True)
        if not found:
            _refuse_organisation(f"aucun organisme n'a le SIREN {siren}", [])
        return found[0]
    return await _organisation_by_name(text)


async def _organisation_by_name(name: str) -> UUID:
    folded = " ".join(search_terms(name))
    if not folded:
        _refuse_organisation("nom d'organisme vide", [])
    exact = await Organisation.filter(legal_name=name).values_list("id", flat=True)
    if len(exact) == 1:
        return exact[0]
    alike = await Organisation.filter(name_folded=folded).values_list("id", "legal_name")
    if len(alike) == 1:
        return alike[0][0]
    if alike:
        _refuse_organisation(f"« {name} » désigne {len(alike)} organismes", alike)
    query = Organisation.all()
    for term in search_terms(name):
        query = query.filter(name_folded__contains=term)
    parts = (
        await query.order_by("name_folded")
        .limit(MAX_CANDIDATES + 1)
        .values_list("id", "legal_name")
    )
    if len(parts) == 1:
        return parts[0][0]
    if parts:
        _refuse_organisation(f"« {name} » désigne plusieurs organismes", parts)
    _refuse_organisation(f"aucun organisme ne s'appelle « {name} »", await _near(name))


async def _near(name: str) -> list[tuple[UUID, str]]:
    """Bodies sharing a word with `name`: the candidates of an unknown name."""
    near: dict[UUID, str] = {}
    for term in search_terms(name)[:5]:
        rows = await Organisation.filter(name_folded__contains=term).limit(MAX_CANDIDATES)
        near.update((row.id, row.legal_name) for row in rows)
    return sorted(near.items(), key=lambda item: item[1])[:MAX_CANDIDATES]


def _refuse_organisation(message: str, candidates: list[tuple[UUID, str]]) -> NoReturn:
    lines = [f"erreur : {message}"]
    if candidates:
        lines.append("organismes possibles (donnez l'identifiant, le SIREN ou le nom exact) :")
        lines += [f"  {org_id}  {name}" for org_id, name in candidates[:MAX_CANDIDATES]]
        if len(candidates) > MAX_CANDIDATES:
            lines.append("  …")
    else:
        lines.append("« rgpd organisations » liste les organismes")
    typer.echo("\n".join(lines), err=True)
    raise typer.Exit(2)


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
