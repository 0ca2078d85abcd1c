"""`rgpd keys`: make a key, re-encrypt with the current key, count what each key wrote.

The keys themselves live in the settings (RGPD_ENCRYPTION_KEYS) or in a key file
(RGPD_ENCRYPTION_KEY_FILE), never in the database: these commands read them from there.
"""

import asyncio
from collections import Counter
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

import typer
from tortoise import Tortoise

from api.cli.common import keys_ready
from api.database import tortoise_config
from core.config import get_settings, sqlite_file
from core.crypto import (
    MALFORMED,
    Census,
    encrypted_fields,
    field_place,
    key_census,
    rotate_field,
)
from core.errors import DomainError
from core.french import agree, plural
from core.keys import (
    KEY_ID,
    KeyRing,
    generate_key,
    get_key_ring,
    new_key_id,
)

keys_app = typer.Typer(
    help="Clés de chiffrement des champs protégés (faits des violations, messages)",
    no_args_is_help=True,
)


def _with_database(work: Callable[[], Awaitable[Any]]) -> Any:
    keys_ready()

    async def wrapped() -> Any:
        database = sqlite_file(get_settings().database_url)
        if database is not None and not database.exists():
            typer.echo(f"erreur : base introuvable : {database} (lancez rgpd migrate)", err=True)
            raise typer.Exit(1)
        await Tortoise.init(config=tortoise_config())
        try:
            return await work()
        finally:
            await Tortoise.close_connections()

    try:
        return asyncio.run(wrapped())
    except DomainError as exc:
        typer.echo(f"erreur : {exc}", err=True)
        raise typer.Exit(1) from None


@keys_app.command("generate")
def generate(
    key_id: str = typer.Option(
        None, "--id", help="Key id (letters, digits, . _ -): default k<date>-<random>"
    ),
) -> None:
    """Print a new AES-256 key, `id:base64`, for RGPD_ENCRYPTION_KEYS or the key file."""
    key_id = key_id or new_key_id()
    if not KEY_ID.fullmatch(key_id):
        typer.echo(
            f"erreur : identifiant de clé « {key_id} » invalide "
            "(1 à 32 caractères parmi lettres, chiffres, « . », « _ » et « - »)",
            err=True,
        )
        raise typer.Exit(2)
    typer.echo(f"{key_id}:{generate_key()}")
    typer.echo(
        "Ajoutez-la en deuxième position (elle lit), redémarrez, puis placez-la en tête "
        "(elle chiffre), redémarrez et lancez « rgpd keys rotate ». Gardez-la hors de la base "
        "et de ses sauvegardes : la perdre rend les champs chiffrés irrécupérables.",
        err=True,
    )


@keys_app.command("rotate")
def rotate(
    batch: int = typer.Option(500, min=1, help="Rows read and rewritten at a time"),
) -> None:
    """Re-encrypt with the current key every value written with another key, or in clear.
    Safe while the instance runs: an edit made meanwhile is kept, not overwritten."""

    async def work() -> list[tuple[str, int]]:
        return [
            (field_place(model, name), await rotate_field(model, name, batch=batch))
            for model, name in encrypted_fields()
        ]

    results = _with_database(work)
    for where, count in results:
        typer.echo(f"{where} : {plural(count, 'valeur rechiffrée', 'valeurs rechiffrées')}")
    total = sum(count for _, count in results)
    done = plural(total, "valeur rechiffrée", "valeurs rechiffrées")
    typer.echo(f"{done} avec la clé « {get_key_ring().current} »")


@keys_app.command("check")
def check() -> None:
    """Count the stored values of each encrypted column by the key that wrote them, and flag
    those whose key is missing (unreadable until it is put back) and those still in the
    `enc:v1:` format (bound to their column only: `rgpd keys rotate` rewrites them). Values
    left to rewrite are reported, not failed: only missing keys and broken values exit 1."""

    async def work() -> list[tuple[str, Census]]:
        return [
            (field_place(model, name), await key_census(model, name))
            for model, name in encrypted_fields()
        ]

    results = _with_database(work)
    ring = get_key_ring()
    typer.echo(f"clé courante : « {ring.current} », clés connues : {', '.join(ring.keys)}")
    tally = _Tally()
    for where, counts in results:
        typer.echo(f"{where} : {tally.column(counts, ring) or 'aucune valeur'}")
    tally.report(ring)


@dataclass
class _Tally:
    """What `rgpd keys check` adds up over the columns."""

    missing: Counter = field(default_factory=Counter)
    to_rotate: int = 0
    clear: int = 0
    broken: int = 0
    v1: int = 0

    def column(self, counts: Census, ring: KeyRing) -> str:
        """One column's counts, as its line shows them, added to the tally."""
        parts = []
        for kid, count in sorted(counts.items(), key=lambda item: str(item[0])):
            if kid is None:
                parts.append(f"en clair {count}")
                self.clear += count
            elif kid == MALFORMED:
                parts.append(f"mal formées {count}")
                self.broken += count
            else:
                parts.append(self._key_part(kid, count, counts.v1[kid], ring))
        return ", ".join(parts)

    def _key_part(self, kid: str, count: int, v1: int, ring: KeyRing) -> str:
        self.v1 += v1
        shown = f"{kid} {count}" + (f" (dont {v1} au format enc:v1:)" if v1 else "")
        if kid not in ring.keys:
            self.missing[kid] += count
            return f"{shown} (CLÉ ABSENTE)"
        self.to_rotate += count if kid != ring.current else 0
        return shown

    def report(self, ring: KeyRing) -> None:
        if self.to_rotate or self.clear:
            typer.echo(
                f"{plural(self.to_rotate + self.clear, 'valeur', 'valeurs')} à rechiffrer "
                f"avec la clé courante (dont {self.clear} en clair) : lancez « rgpd keys rotate »"
            )
        if self.v1:
            bound = agree(
                self.v1,
                "liée à sa colonne, pas à sa ligne",
                "liées à leur colonne, pas à leur ligne",
            )
            typer.echo(
                f"{plural(self.v1, 'valeur', 'valeurs')} encore au format enc:v1: ({bound}) : "
                f"« rgpd keys rotate » {agree(self.v1, 'la', 'les')} réécrit en enc:v2:"
            )
        for kid, count in self.missing.items():
            typer.echo(
                f"erreur : clé « {kid} » absente : "
                f"{plural(count, 'valeur illisible', 'valeurs illisibles')} tant qu'elle "
                "n'est pas remise dans RGPD_ENCRYPTION_KEYS ou le fichier de clés",
                err=True,
            )
        if self.broken:
            broken = plural(
                self.broken, "valeur chiffrée mal formée", "valeurs chiffrées mal formées"
            )
            typer.echo(f"erreur : {broken}", err=True)
        if self.missing or self.broken:
            raise typer.Exit(1)
        typer.echo("chaque valeur chiffrée a sa clé")
