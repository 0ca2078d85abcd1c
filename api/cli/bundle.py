"""`rgpd bundle`: the signed evidence bundle for an auditor, and its verification.

`create` reads the database as the instance (unrestricted scope, like every command) and signs
with RGPD_SIGNING_KEY_FILE. `verify` needs no database: the ZIP and a public key suffice; it
exits 0 when the bundle is intact and 1 with one line per problem otherwise.
"""

import asyncio
import os
from datetime import datetime
from pathlib import Path
from uuid import UUID

import typer
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from tortoise import Tortoise
from tortoise.exceptions import OperationalError

from api.cli.common import (
    CLI_SCOPE,
    cli_actor,
    journal_chain,
    keys_ready,
    parse_moment,
    private_output,
)
from api.database import tortoise_config
from core.actor import acting_as
from core.audit.chain import INSTANCE_CHAIN
from core.audit.signing import get_signing_key, load_public_key
from core.clock import utcnow
from core.config import get_settings, sqlite_file
from core.errors import DomainError
from core.evidence import verify_bundle
from core.french import plural
from core.keys import KeyConfigError

app = typer.Typer(help="Lot de preuves signé pour un auditeur", no_args_is_help=True)


async def _organisation_ids(refs: list[str]) -> list[UUID]:
    ids = []
    for ref in refs:
        chain = await journal_chain(ref)  # id, SIREN or a unique part of the name
        if chain == INSTANCE_CHAIN:
            typer.echo("erreur : un lot de preuves porte sur des organismes", err=True)
            raise typer.Exit(2)
        ids.append(UUID(chain))
    return ids


@app.command()
def create(
    organisation: list[str] = typer.Option(
        ..., "--organisation", help="Organisme (id, SIREN ou nom) ; peut être répété"
    ),
    since: str | None = typer.Option(None, "--from", help="Depuis ce jour ou cet instant"),
    until: str | None = typer.Option(None, "--to", help="Jusqu'à ce jour inclus, ou cet instant"),
    output: Path = typer.Option(..., "--output", "-o", help="Fichier ZIP à écrire"),
) -> None:
    """Write the signed bundle: records, breach register, notifications as sent, journal."""
    from reports.bundle import build_bundle

    start = parse_moment(since, end=False) if since else None
    end = parse_moment(until, end=True) if until else None
    if start and end and end <= start:
        typer.echo("erreur : --to doit suivre --from", err=True)
        raise typer.Exit(2)
    try:
        key = get_signing_key()
    except KeyConfigError as exc:
        typer.echo(f"erreur : {exc}", err=True)
        raise typer.Exit(2) from None
    keys_ready()
    database = sqlite_file(get_settings().database_url)
    if database is not None and not database.exists():
        typer.echo(f"erreur : base introuvable : {database} (lancez rgpd migrate)", err=True)
        raise typer.Exit(1)

    # Written beside the target and renamed at the end: a failure leaves no file behind.
    partial = output.with_name(output.name + ".partiel")

    async def work():
        await Tortoise.init(config=tortoise_config())
        try:
            with acting_as(cli_actor()):
                ids = await _organisation_ids(organisation)
                with private_output(partial) as out:
                    return await build_bundle(
                        scope=CLI_SCOPE,
                        organisation_ids=ids,
                        since=start,
                        until=end,
                        now=utcnow(),
                        out=out,
                        key=key,
                    )
        finally:
            await Tortoise.close_connections()

    started = datetime.now()
    try:
        summary = asyncio.run(work())
        os.replace(partial, output)
    except BaseException as exc:
        partial.unlink(missing_ok=True)
        if isinstance(exc, DomainError | KeyConfigError):
            typer.echo(f"erreur : {exc}", err=True)
            raise typer.Exit(1) from None
        if isinstance(exc, OperationalError):
            typer.echo(f"erreur : base de données : {exc} (schéma à jour ? « rgpd migrate »)")
            raise typer.Exit(1) from None
        if isinstance(exc, OSError):
            typer.echo(f"erreur : {output} : {exc.strerror or exc}", err=True)
            raise typer.Exit(1) from None
        raise
    seconds = (datetime.now() - started).total_seconds()
    for part in summary.organisations:
        typer.echo(
            f"{part.folder} : {plural(part.breaches, 'violation')}, "
            f"{plural(part.notifications, 'notification')}, "
            f"{plural(part.events, 'événement')} du journal"
        )
    typer.echo(
        f"lot de preuves écrit dans {output} : {summary.files} fichiers, "
        f"{output.stat().st_size} octets, signé par la clé {summary.key_id} ({seconds:.1f} s)"
    )


def _public_key(path: Path | None) -> Ed25519PublicKey:
    try:
        if path is None:
            return get_signing_key().public_key()
        return load_public_key(path.read_bytes())
    except OSError as exc:
        typer.echo(f"erreur : clé publique {path} illisible : {exc.strerror or exc}", err=True)
    except KeyConfigError as exc:
        typer.echo(f"erreur : {exc}", err=True)
    raise typer.Exit(2)


@app.command()
def verify(
    bundle: Path = typer.Argument(..., help="Le lot (ZIP)"),
    public_key: Path | None = typer.Option(
        None,
        "--public-key",
        help="Clé publique (PEM) de l'instance, telle que publiée ; par défaut celle de la "
        "clé de signature configurée (RGPD_SIGNING_KEY_FILE)",
    ),
) -> None:
    """Check the signature of the manifest and every file against it; list every problem."""
    key = _public_key(public_key)
    if not bundle.is_file():
        typer.echo(f"erreur : {bundle} : fichier introuvable", err=True)
        raise typer.Exit(2)
    check = verify_bundle(bundle, key)
    if check.intact:
        typer.echo(
            f"Lot de preuves intègre : {check.files} fichiers, signature valide "
            f"(clé {check.key_id})"
        )
        return
    for problem in check.problems:
        typer.echo(problem)
    typer.echo(
        f"Lot de preuves altéré ou incomplet : {plural(len(check.problems), 'problème')} "
        f"(vérifié avec la clé {check.key_id})",
        err=True,
    )
    raise typer.Exit(1)
