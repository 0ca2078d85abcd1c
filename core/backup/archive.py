"""The backup file: a tar holding `manifest.json` first, then the dump.

The manifest says what the dump is (engine, database, schema version, versions, when) with
the dump's size and SHA-256, and which keys read it: key ids only, never key material. The
archive is written to `FILE.partial` (mode 0600) and renamed once complete and synced, so a
failed backup never leaves a file that looks whole.
"""

import hashlib
import io
import json
import os
import tarfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from pathlib import Path

from core.backup.engines import ENGINE_LABELS, BackupError

FORMAT = "registre-rgpd-backup"
FORMAT_VERSION = 1
MANIFEST_NAME = "manifest.json"
DUMP_NAMES = {"sqlite": "database.sqlite3", "postgres": "database.pgdump"}
CHUNK = 1 << 20


@dataclass
class Manifest:
    engine: str  # "sqlite" or "postgres"
    database: str  # the file's name (SQLite) or the database's (PostgreSQL)
    schema_version: str | None  # the latest applied migration
    migrations: list[str]  # every applied migration, in the order applied
    registre_rgpd_version: str
    created_at: str  # UTC, ISO 8601
    dump_name: str
    dump_size: int
    dump_sha256: str
    # Keys: ids only. The ids the encrypted values of this dump were written with (needed to
    # read them), the ring configured when it was made (current first), the instance's signing
    # key and the keys that signed the journal's checkpoints in the dump.
    encryption_key_ids: list[str] = field(default_factory=list)
    configured_encryption_key_ids: list[str] = field(default_factory=list)
    signing_key_id: str | None = None
    checkpoint_key_ids: list[str] = field(default_factory=list)
    dump_tool: str | None = None  # pg_dump's version (PostgreSQL)
    format: str = FORMAT
    format_version: int = FORMAT_VERSION

    def to_json(self) -> bytes:
        return json.dumps(asdict(self), ensure_ascii=False, indent=2).encode("utf-8") + b"\n"

    @classmethod
    def from_json(cls, data: bytes) -> "Manifest":
        try:
            raw = json.loads(data)
        except (ValueError, UnicodeDecodeError):
            raise BackupError(
                "manifeste illisible : ce n'est pas une sauvegarde registre-rgpd"
            ) from None
        if not isinstance(raw, dict) or raw.get("format") != FORMAT:
            raise BackupError("ce fichier n'est pas une sauvegarde registre-rgpd")
        if raw.get("format_version") != FORMAT_VERSION:
            raise BackupError(
                f"sauvegarde au format {raw.get('format_version')}, cette version de "
                f"registre-rgpd lit le format {FORMAT_VERSION} : installez la version qui "
                f"l'a faite ({raw.get('registre_rgpd_version', '?')})"
            )
        known = {name for name in cls.__dataclass_fields__}
        try:
            manifest = cls(**{k: v for k, v in raw.items() if k in known})
        except TypeError as exc:
            raise BackupError(f"manifeste incomplet : {exc}") from None
        if manifest.engine not in ENGINE_LABELS or manifest.dump_name != DUMP_NAMES.get(
            manifest.engine
        ):
            raise BackupError("manifeste incohérent : moteur ou nom du dump inconnu")
        return manifest


def file_digest(path: Path) -> tuple[int, str]:
    """(size, SHA-256 hex) of a file."""
    digest = hashlib.sha256()
    size = 0
    with open(path, "rb") as f:
        while chunk := f.read(CHUNK):
            digest.update(chunk)
            size += len(chunk)
    return size, digest.hexdigest()


def _fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def partial_path(target: Path) -> Path:
    return target.with_name(target.name + ".partial")


def write_archive(target: Path, manifest: Manifest, dump: Path, *, mtime: float) -> None:
    """The tar at `target`, through `target.partial` (0600), complete or absent."""
    partial = partial_path(target)
    fd = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    try:
        os.fchmod(fd, 0o600)  # an older .partial may have had other modes
        with os.fdopen(fd, "wb") as out:
            with tarfile.open(fileobj=out, mode="w", format=tarfile.PAX_FORMAT) as tar:
                data = manifest.to_json()
                info = tarfile.TarInfo(MANIFEST_NAME)
                info.size, info.mode, info.mtime = len(data), 0o600, mtime
                tar.addfile(info, io.BytesIO(data))
                info = tarfile.TarInfo(manifest.dump_name)
                info.size, info.mode, info.mtime = manifest.dump_size, 0o600, mtime
                with open(dump, "rb") as source:
                    tar.addfile(info, source)
            out.flush()
            os.fsync(out.fileno())
        os.replace(partial, target)
        _fsync_dir(target.parent)
    except BaseException:
        partial.unlink(missing_ok=True)
        raise


@contextmanager
def open_archive(path: Path) -> Iterator[tarfile.TarFile]:
    if not path.is_file():
        raise BackupError(f"sauvegarde introuvable : {path}")
    try:
        # "r:*": also a backup the operator compressed afterwards (gzip, bzip2, xz).
        tar = tarfile.open(path, mode="r:*")  # noqa: SIM115 (closed below)
    except (tarfile.TarError, OSError) as exc:
        raise BackupError(
            f"{path} n'est pas une sauvegarde registre-rgpd lisible ({exc})"
        ) from None
    try:
        yield tar
    finally:
        tar.close()


def _member(tar: tarfile.TarFile, name: str) -> tarfile.TarInfo:
    try:
        return tar.getmember(name)  # reads the archive up to it: a cut shows here
    except (tarfile.TarError, OSError) as exc:
        raise BackupError(f"sauvegarde illisible ou tronquée : {exc}") from None


def read_manifest(tar: tarfile.TarFile) -> Manifest:
    try:
        member = _member(tar, MANIFEST_NAME)
    except KeyError:
        raise BackupError(
            "ce fichier n'est pas une sauvegarde registre-rgpd (pas de manifest.json)"
        ) from None
    stream = tar.extractfile(member) if member.isfile() else None
    if stream is None:
        raise BackupError("manifest.json illisible")
    return Manifest.from_json(stream.read())


def extract_dump(tar: tarfile.TarFile, manifest: Manifest, dest: Path) -> None:
    """Copy the dump to `dest` and check its size and SHA-256 against the manifest: a backup
    damaged or cut short is refused before anything is restored."""
    try:
        member = _member(tar, manifest.dump_name)
    except KeyError:
        raise BackupError(
            f"sauvegarde incomplète : {manifest.dump_name} absent de l'archive"
        ) from None
    stream = tar.extractfile(member) if member.isfile() else None
    if stream is None:
        raise BackupError(f"{manifest.dump_name} illisible dans l'archive")
    digest = hashlib.sha256()
    size = 0
    fd = os.open(dest, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    try:
        with os.fdopen(fd, "wb") as out:
            while chunk := stream.read(CHUNK):
                digest.update(chunk)
                size += len(chunk)
                out.write(chunk)
    except (tarfile.TarError, OSError) as exc:
        raise BackupError(f"sauvegarde illisible ou tronquée : {exc}") from None
    if size != manifest.dump_size or digest.hexdigest() != manifest.dump_sha256:
        raise BackupError(
            f"empreinte SHA-256 du dump ({digest.hexdigest()}, {size} octets) différente de celle "
            f"du manifeste ({manifest.dump_sha256}, {manifest.dump_size} octets) : sauvegarde "
            "corrompue ou incomplète, rien n'a été restauré"
        )
