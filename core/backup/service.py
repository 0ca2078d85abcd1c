"""Backup and restore of the whole instance's database.

The audit journal, the outbox and every record are in the database, so they are in the
backup. The encryption keys (RGPD_ENCRYPTION_KEYS or the key file) and the signing key are
not: a backup and its keys kept together would let whoever takes one read everything. The
manifest names the key ids the backup needs, so that the right keys are found on restore.

A backup is consistent while the service runs: SQLite's online backup API copies one snapshot
whatever the writers do, pg_dump reads one snapshot in one transaction. A restore goes only
into an empty database, after the dump's SHA-256, the engine and the schema version are
checked; anything wrong stops it before the first write.
"""

import asyncio
import shutil
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path

from tortoise.context import TortoiseContext
from tortoise.exceptions import OperationalError

from core.audit.models import AuditCheckpoint
from core.audit.signing import get_signing_key, key_id
from core.backup.archive import (
    DUMP_NAMES,
    Manifest,
    extract_dump,
    file_digest,
    open_archive,
    partial_path,
    read_manifest,
    write_archive,
)
from core.backup.engines import (
    ENGINE_LABELS,
    POSTGRES,
    SQLITE,
    BackupError,
    database_name,
    engine_of,
    pg_dump,
    pg_restore,
    postgres_target,
    sqlite_path,
    sqlite_restore,
    sqlite_seal,
    sqlite_snapshot,
    sqlite_tables,
    tool_version,
)
from core.clock import utcnow
from core.config import get_settings
from core.crypto import MALFORMED, encrypted_fields, key_census
from core.french import plural
from core.keys import CryptoError, get_key_ring
from core.schema_guard import SchemaState, read_schema_state, unknown_migrations

OrmConfig = Callable[[str], dict]  # database URL -> Tortoise configuration (api.database)


def package_version() -> str:
    try:
        return version("registre-rgpd")
    except PackageNotFoundError:
        return "inconnue"


def configured_key_ids() -> list[str]:
    """The ids of the configured encryption keys, current first; none when none is set (the
    embedded key file is never made here)."""
    try:
        ring = get_key_ring()
    except CryptoError:
        return []
    return [ring.current, *(kid for kid in ring.keys if kid != ring.current)]


def configured_signing_key_id() -> str | None:
    if get_settings().signing_key_file is None:
        return None
    try:
        return key_id(get_signing_key().public_key())
    except CryptoError:
        return None


@dataclass(frozen=True)
class KeyUsage:
    encryption: set[str]  # key ids found in the encrypted columns
    checkpoints: set[str]  # key ids that signed the journal's checkpoints


async def _key_usage() -> KeyUsage:
    found: set[str] = set()
    for model, name in encrypted_fields():
        try:
            counts = await key_census(model, name)
        except OperationalError:
            # A database at an older migration lacks the tables or columns added since:
            # they hold no value, hence no key (the restore then migrates it to head).
            continue
        found |= {kid for kid in counts if kid is not None and kid != MALFORMED}
    marks = await AuditCheckpoint.all().distinct().values_list("key_id", flat=True)
    return KeyUsage(encryption=found, checkpoints=set(marks))


async def _inspect(url: str, orm_config: OrmConfig) -> tuple[SchemaState, KeyUsage]:
    """The applied migrations and the keys in use, read from the database at `url`."""
    try:
        async with TortoiseContext() as ctx:
            await ctx.init(config=orm_config(url))
            return await read_schema_state(ctx.db()), await _key_usage()
    except Exception as exc:  # unreachable, missing, not a registre-rgpd database
        raise BackupError(
            f"base « {database_name(url)} » illisible : {type(exc).__name__}: {exc}"
        ) from None


@dataclass(frozen=True)
class BackupResult:
    path: Path
    manifest: Manifest


async def create_backup(
    *,
    database_url: str,
    target: Path,
    orm_config: OrmConfig,
    replace: bool = False,
    now: datetime | None = None,
) -> BackupResult:
    """Write the backup archive of the database at `target` (0600), complete or not at all."""
    engine = engine_of(database_url)
    target = target.absolute()
    if target.exists() and not replace:
        raise BackupError(f"{target} existe déjà (--replace pour le remplacer)")
    if not target.parent.is_dir():
        raise BackupError(f"dossier introuvable : {target.parent}")
    partial_path(target).unlink(missing_ok=True)  # a failed run's leftover
    created = now or utcnow()
    workdir = Path(tempfile.mkdtemp(prefix=".rgpd-backup-", dir=target.parent))  # 0700
    try:
        dump = workdir / DUMP_NAMES[engine]
        tool = None
        if engine == SQLITE:
            await asyncio.to_thread(sqlite_snapshot, sqlite_path(database_url), dump)
            # Read from the snapshot itself: exactly what the dump holds.
            state, usage = await _inspect(f"sqlite://{dump}", orm_config)
            await asyncio.to_thread(sqlite_seal, dump)
        else:
            tool = tool_version("pg_dump")
            state, before = await _inspect(database_url, orm_config)
            await asyncio.to_thread(pg_dump, postgres_target(database_url), dump)
            after_state, after = await _inspect(database_url, orm_config)
            if after_state.applied != state.applied:
                raise BackupError(
                    "le schéma de la base a changé pendant la sauvegarde (migration ?) : relancez"
                )
            # A key rotation running meanwhile: the dump holds values of either moment.
            usage = KeyUsage(
                encryption=before.encryption | after.encryption,
                checkpoints=before.checkpoints | after.checkpoints,
            )
        size, sha256 = await asyncio.to_thread(file_digest, dump)
        manifest = Manifest(
            engine=engine,
            database=database_name(database_url),
            schema_version=state.version,
            migrations=state.applied,
            registre_rgpd_version=package_version(),
            created_at=created.isoformat().replace("+00:00", "Z"),
            dump_name=dump.name,
            dump_size=size,
            dump_sha256=sha256,
            encryption_key_ids=sorted(usage.encryption),
            configured_encryption_key_ids=configured_key_ids(),
            signing_key_id=configured_signing_key_id(),
            checkpoint_key_ids=sorted(usage.checkpoints),
            dump_tool=tool,
        )
        await asyncio.to_thread(write_archive, target, manifest, dump, mtime=created.timestamp())
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    return BackupResult(path=target, manifest=manifest)


@dataclass(frozen=True)
class RestoreResult:
    manifest: Manifest
    database: str
    configured_key_ids: list[str]
    missing_key_ids: list[str]  # needed by the backup, absent from the configuration
    signing_key_id: str | None  # the configured one


def _describe_empty_database(engine: str) -> str:
    if engine == SQLITE:
        return (
            "indiquez dans RGPD_DATABASE_URL un fichier qui n'existe pas encore (ou déplacez "
            "l'ancien), puis relancez"
        )
    return "créez une base vide (createdb -O <rôle> <nom>), indiquez-la dans RGPD_DATABASE_URL"


async def _ensure_empty(database_url: str, engine: str, orm_config: OrmConfig) -> None:
    if engine == SQLITE:
        path = sqlite_path(database_url)
        tables = await asyncio.to_thread(sqlite_tables, path)
        where = str(path)
    else:
        where = f"PostgreSQL « {postgres_target(database_url).dbname} »"
        try:
            async with TortoiseContext() as ctx:
                await ctx.init(config=orm_config(database_url))
                _, rows = await ctx.db().execute_query(
                    "SELECT schemaname || '.' || tablename AS name FROM pg_catalog.pg_tables "
                    "WHERE schemaname NOT IN ('pg_catalog', 'information_schema')"
                )
        except Exception as exc:  # the database's own reason, whatever it is
            raise BackupError(
                f"base {where} inaccessible ({type(exc).__name__}: {exc}) : "
                f"{_describe_empty_database(engine)}"
            ) from None
        tables = [row["name"] for row in rows]
    if tables:
        raise BackupError(
            f"la base {where} n'est pas vide ({plural(len(tables), 'table')}) : une sauvegarde se "
            f"restaure dans une base vide ; {_describe_empty_database(engine)}"
        )


def read_backup_manifest(source: Path) -> Manifest:
    with open_archive(source) as tar:
        return read_manifest(tar)


async def restore_backup(
    *, database_url: str, source: Path, orm_config: OrmConfig
) -> RestoreResult:
    """Restore the backup into the configured database, which must be empty. Nothing is
    written unless the dump's digest, the engine and the schema version are right."""
    engine = engine_of(database_url)
    with open_archive(source) as tar:
        manifest = read_manifest(tar)
        if manifest.engine != engine:
            raise BackupError(
                f"sauvegarde {ENGINE_LABELS[manifest.engine]}, base configurée "
                f"{ENGINE_LABELS[engine]} : une sauvegarde se restaure dans le même moteur"
            )
        unknown = unknown_migrations(manifest.migrations)
        if unknown:
            raise BackupError(
                "cette sauvegarde vient d'une base migrée par une version plus récente de "
                f"registre-rgpd ({', '.join(unknown)}) : installez cette version (registre-rgpd "
                f"{manifest.registre_rgpd_version} ou plus récente) pour la restaurer"
            )
        scratch = sqlite_path(database_url).absolute().parent if engine == SQLITE else None
        if scratch is not None:
            scratch.mkdir(parents=True, exist_ok=True)
        workdir = Path(tempfile.mkdtemp(prefix=".rgpd-restore-", dir=scratch))  # 0700
        try:
            dump = workdir / manifest.dump_name
            await asyncio.to_thread(extract_dump, tar, manifest, dump)
            await _ensure_empty(database_url, engine, orm_config)
            if engine == SQLITE:
                await asyncio.to_thread(sqlite_restore, dump, sqlite_path(database_url))
            elif engine == POSTGRES:
                await asyncio.to_thread(pg_restore, dump, postgres_target(database_url))
        finally:
            shutil.rmtree(workdir, ignore_errors=True)
    configured = configured_key_ids()
    return RestoreResult(
        manifest=manifest,
        database=database_name(database_url),
        configured_key_ids=configured,
        missing_key_ids=[kid for kid in manifest.encryption_key_ids if kid not in configured],
        signing_key_id=configured_signing_key_id(),
    )
