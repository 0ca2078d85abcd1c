"""`rgpd backup FILE` and `rgpd restore FILE`."""

import asyncio
import time
from datetime import datetime
from pathlib import Path

import typer

from api.database import tortoise_config
from core.backup.engines import ENGINE_LABELS, safe_url
from core.backup.service import (
    create_backup,
    read_backup_manifest,
    restore_backup,
)
from core.clock import to_local
from core.config import get_settings
from core.errors import DomainError
from core.french import agree
from core.schema_guard import check_database


def _size(n: int) -> str:
    if n < 1024 * 1024:
        return f"{n / 1024:.1f} Kio".replace(".", ",")
    return f"{n / 1024 / 1024:.1f} Mio".replace(".", ",")


def _where_keys_live() -> list[str]:
    """Where this instance's keys are configured, for the operator to keep them apart."""
    settings = get_settings()
    places = []
    if settings.encryption_keys and settings.encryption_keys.get_secret_value().strip():
        places.append("clés de chiffrement des champs : la variable RGPD_ENCRYPTION_KEYS")
    if settings.encryption_key_file:
        places.append(f"clés de chiffrement des champs : le fichier {settings.encryption_key_file}")
    if settings.signing_key_file:
        places.append(
            f"clé de signature du journal d'audit : le fichier {settings.signing_key_file}"
        )
    return places


def backup_command(
    file: Path = typer.Argument(..., help="Fichier de sauvegarde à écrire (archive tar)"),
    replace: bool = typer.Option(False, "--replace", help="Remplacer le fichier s'il existe"),
) -> None:
    """Back up the database, consistent while the service runs (keys excluded)."""
    url = get_settings().database_url
    started = time.monotonic()
    try:
        result = asyncio.run(
            create_backup(
                database_url=url, target=file, orm_config=tortoise_config, replace=replace
            )
        )
    except DomainError as exc:
        typer.echo(f"erreur : sauvegarde non faite : {exc}", err=True)
        raise typer.Exit(1) from None
    except Exception as exc:  # unforeseen: said in one line, never a traceback with a URL
        typer.echo(f"erreur : sauvegarde non faite : {type(exc).__name__}: {exc}", err=True)
        raise typer.Exit(1) from None
    elapsed = time.monotonic() - started
    m = result.manifest
    total = result.path.stat().st_size
    seconds = f"{elapsed:.1f}".replace(".", ",")
    typer.echo(f"sauvegarde écrite : {result.path} ({_size(total)} en {seconds} s)")
    typer.echo(
        f"  {ENGINE_LABELS[m.engine]}, base « {m.database} », schéma {m.schema_version or '—'}, "
        f"registre-rgpd {m.registre_rgpd_version}, SHA-256 du dump {m.dump_sha256}"
    )
    typer.echo(
        "Les clés ne sont PAS dans la sauvegarde (elle ne contient que leurs identifiants). "
        "Conservez-les à part, ailleurs que la sauvegarde et la base :"
    )
    for place in _where_keys_live() or ["aucune clé configurée"]:
        typer.echo(f"  - {place}")
    needed = ", ".join(m.encryption_key_ids) or "aucune (pas de valeur chiffrée)"
    typer.echo(f"Pour relire cette sauvegarde, il faudra les clés de chiffrement : {needed}")
    if m.checkpoint_key_ids:
        typer.echo(
            "  et, pour vérifier les signatures du journal (rgpd audit verify), la clé de "
            f"signature : {', '.join(m.checkpoint_key_ids)}"
        )
    missing = [kid for kid in m.encryption_key_ids if kid not in m.configured_encryption_key_ids]
    if missing:
        n = len(missing)
        them = agree(n, "retrouvez-la, sans elle", "retrouvez-les, sans elles")
        typer.echo(
            f"attention : {agree(n, 'clé')} {', '.join(missing)} {agree(n, 'utilisée')} dans la "
            f"base mais {agree(n, 'absente')} de la configuration : {them} ces valeurs sont "
            "illisibles",
            err=True,
        )


def restore_command(
    file: Path = typer.Argument(..., help="Fichier écrit par rgpd backup"),
) -> None:
    """Restore a backup into the configured database, which must be empty; then migrate it."""
    settings = get_settings()
    url = settings.database_url
    try:
        manifest = read_backup_manifest(file)
        created = to_local(_instant(manifest.created_at)).strftime("%d/%m/%Y %H:%M")
        typer.echo(
            f"sauvegarde du {created} (heure de Paris) : {ENGINE_LABELS[manifest.engine]}, base "
            f"« {manifest.database} », schéma {manifest.schema_version or '—'}, registre-rgpd "
            f"{manifest.registre_rgpd_version}"
        )
        result = asyncio.run(
            restore_backup(database_url=url, source=file, orm_config=tortoise_config)
        )
    except DomainError as exc:
        typer.echo(f"erreur : restauration refusée : {exc}", err=True)
        raise typer.Exit(1) from None
    except Exception as exc:  # unforeseen: said in one line, never a traceback with a URL
        typer.echo(f"erreur : restauration interrompue : {type(exc).__name__}: {exc}", err=True)
        raise typer.Exit(1) from None
    typer.echo(f"base restaurée : {safe_url(url)}")

    needed = result.manifest.encryption_key_ids
    if result.missing_key_ids:
        missing = result.missing_key_ids
        if settings.key_file_is_embedded_default:
            where = (
                f"le fichier de clés {settings.encryption_key_file} (copiez-y le fichier de clés "
                "d'origine avant de démarrer le service)"
            )
        elif settings.encryption_key_file:
            where = f"RGPD_ENCRYPTION_KEYS ou le fichier de clés {settings.encryption_key_file}"
        else:
            where = "RGPD_ENCRYPTION_KEYS ou RGPD_ENCRYPTION_KEY_FILE"
        if len(missing) == 1:
            what = f"clé de chiffrement {missing[0]} absente de la configuration : les champs"
            what += " chiffrés avec elle (faits des violations, messages) restent illisibles tant"
            what += " qu'elle n'est pas remise"
        else:
            what = f"clés de chiffrement {', '.join(missing)} absentes de la configuration : les"
            what += " champs chiffrés avec elles (faits des violations, messages) restent"
            what += " illisibles tant qu'elles ne sont pas remises"
        typer.echo(f"attention : {what} dans {where}", err=True)
    elif needed:
        typer.echo(f"clés de chiffrement nécessaires présentes : {', '.join(needed)}")
    signers = result.manifest.checkpoint_key_ids
    if signers and result.signing_key_id not in signers:
        typer.echo(
            f"attention : les points de contrôle du journal sont signés par {', '.join(signers)}"
            f" ; la clé de signature configurée ({result.signing_key_id or 'aucune'}) n'en est "
            "pas : remettez-la (RGPD_SIGNING_KEY_FILE) ou vérifiez le journal avec sa clé "
            "publique (rgpd audit verify --public-key)",
            err=True,
        )
    _migrate_restored(bool(result.missing_key_ids) or not result.configured_key_ids)


def _instant(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


def _migrate_restored(keys_missing: bool) -> None:
    """Bring an older backup to this code's schema, as `rgpd migrate` does. Some migrations
    encrypt values: with a key missing they wait for `rgpd migrate` once the keys are back."""
    from tortoise import Tortoise
    from tortoise.migrations.api.migrate import migrate as run_migrations

    pending = asyncio.run(check_database(tortoise_config())).pending
    if not pending:
        typer.echo("schéma à jour")
        return
    if keys_missing:
        typer.echo(
            f"migrations à appliquer : {', '.join(pending)} ; remettez les clés puis lancez "
            "« rgpd migrate »",
            err=True,
        )
        return

    async def work() -> None:
        try:
            await run_migrations(config=tortoise_config())
        finally:
            await Tortoise.close_connections()

    try:
        asyncio.run(work())
    except Exception as exc:
        typer.echo(
            f"erreur : base restaurée, mais migration interrompue : {type(exc).__name__}: {exc} "
            "(relancez « rgpd migrate »)",
            err=True,
        )
        raise typer.Exit(1) from None
    typer.echo(f"schéma mis à jour : {', '.join(pending)}")
