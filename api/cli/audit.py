"""`rgpd audit`: verify, sign, export the audit journal, and make the instance's signing key.

`verify` exits 0 when the journal is intact and 1 with one line per problem otherwise, so a
cron job or a monitoring probe can run it as it is. It checks the database against the anchor
(the signed heads kept outside it, beside the signing key), or against `--anchor FILE` (e.g.
the heads an older evidence bundle carries).
"""

import asyncio
import json
import os
from collections.abc import Awaitable, Callable, Iterable
from pathlib import Path
from typing import Any
from uuid import UUID

import typer
from tortoise import Tortoise

from api.cli.common import cli_actor, journal_chain, parse_moment
from api.database import tortoise_config
from core.actor import acting_as
from core.audit.journal import JournalFilters, checkpoint_moved, export_events, verify_journal
from core.audit.signing import generate_signing_key_pem, key_id, load_private_key, public_key_pem
from core.clock import utcnow
from core.french import plural
from core.keys import KeyConfigError
from register.organisations.models import Organisation

app = typer.Typer(help="Journal d'audit : vérification, signature, export", no_args_is_help=True)


def _run(work: Callable[[], Awaitable[Any]]) -> Any:
    async def wrapped() -> Any:
        await Tortoise.init(config=tortoise_config())
        try:
            with acting_as(cli_actor()):
                return await work()
        finally:
            await Tortoise.close_connections()

    try:
        return asyncio.run(wrapped())
    except KeyConfigError as exc:
        typer.echo(f"erreur : {exc}", err=True)
        raise typer.Exit(2) from None


@app.command()
def verify(
    org: str | None = typer.Option(
        None, "--org", help="Un organisme (id, SIREN ou nom) ou « instance » ; tous par défaut"
    ),
    public_key: list[Path] | None = typer.Option(
        None,
        "--public-key",
        help="Clé publique (PEM) qui vérifie les points de contrôle, au lieu de celle de "
        "l'instance ; peut être répétée (anciennes clés)",
    ),
    anchor: Path | None = typer.Option(
        None,
        "--anchor",
        help="Ancre (têtes signées, une ligne JSON chacune) à laquelle comparer la base, au "
        "lieu de celle de l'instance, à côté de la clé de signature ; par exemple "
        "ancre-journal.jsonl d'un lot de preuves",
    ),
) -> None:
    """Check every event and signed checkpoint, and the chains against the anchor."""
    keys = None
    if public_key:
        try:
            keys = [path.read_text(encoding="ascii") for path in public_key]
        except (OSError, UnicodeDecodeError) as exc:
            typer.echo(f"erreur : clé publique illisible : {exc}", err=True)
            raise typer.Exit(2) from None

    async def work():
        chain = await journal_chain(org) if org else None
        result = await verify_journal(chain=chain, public_keys=keys, anchor=anchor)
        return result, await _body_names(p.chain for p in result.problems)

    result, names = _run(work)
    where = f"ancre {result.anchor.path} : " if result.anchor.path else ""
    typer.echo(f"{where}{result.anchor.note}", err=True)
    if result.intact:
        typer.echo(f"journal intègre : {result.events} événements, {result.chains} chaînes")
        return
    for problem in result.problems:
        seq = "-" if problem.seq is None else problem.seq
        event = problem.event_id or "-"
        name = f" « {names[problem.chain]} »" if problem.chain in names else ""
        typer.echo(
            f"chaîne {problem.chain}{name}\tn° {seq}\tévénement {event}\t"
            f"{problem.kind.value}\t{problem.message}"
        )
    typer.echo(f"journal altéré : {plural(len(result.problems), 'problème')}", err=True)
    raise typer.Exit(1)


async def _body_names(chains: Iterable[str]) -> dict[str, str]:
    """The names of the bodies whose chains these are, for those that still exist."""
    ids = set()
    for chain in chains:
        try:
            ids.add(UUID(chain))
        except ValueError:
            continue  # the instance's chain, or the anchor itself
    rows = await Organisation.filter(id__in=ids).values_list("id", "legal_name")
    return {str(i): name for i, name in rows}


@app.command()
def checkpoint() -> None:
    """Sign the end of every chain written since its last checkpoint (RGPD_SIGNING_KEY_FILE)."""
    made = _run(lambda: checkpoint_moved(now=utcnow()))
    for mark in made:
        typer.echo(f"chaîne {mark.chain} signée au n° {mark.seq} ({mark.key_id})")
    typer.echo(plural(len(made), "point de contrôle signé", "points de contrôle signés"))


@app.command()
def export(
    org: str = typer.Option(..., "--org", help="Organisme (id, SIREN ou nom) ou « instance »"),
    since: str | None = typer.Option(None, "--from", help="Depuis ce jour ou cet instant"),
    until: str | None = typer.Option(None, "--to", help="Jusqu'à ce jour inclus, ou cet instant"),
) -> None:
    """One organisation's events in order, one JSON object per line, hashes included."""
    filters = JournalFilters(
        since=parse_moment(since, end=False) if since else None,
        until=parse_moment(until, end=True) if until else None,
    )

    async def work() -> None:
        async for event in export_events(await journal_chain(org), filters=filters):
            typer.echo(json.dumps(event, ensure_ascii=False, sort_keys=True))

    _run(work)


@app.command()
def keygen(
    path: Path = typer.Argument(..., help="Fichier à créer (il ne doit pas exister)"),
) -> None:
    """Make the instance's Ed25519 signing key (PEM, mode 0600); print its public key.

    Keep the file outside the database and its backups, set RGPD_SIGNING_KEY_FILE to it, and
    give the public key to the auditors: `rgpd audit verify --public-key` checks with it.
    """
    pem = generate_signing_key_pem()
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        typer.echo(f"erreur : {path} existe déjà ; une clé ne s'écrase pas", err=True)
        raise typer.Exit(2) from None
    except OSError as exc:
        typer.echo(f"erreur : {path} : {exc.strerror}", err=True)
        raise typer.Exit(2) from None
    with os.fdopen(fd, "wb") as out:
        out.write(pem)
    os.chmod(path, 0o600)  # whatever the umask
    key = load_private_key(path)
    typer.echo(public_key_pem(key), nl=False)
    typer.echo(f"clé {key_id(key.public_key())} écrite dans {path} (mode 0600)", err=True)
