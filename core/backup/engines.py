"""The two engines' dump and restore: SQLite's online backup API, PostgreSQL's pg_dump and
pg_restore. Connection settings go to pg_dump through libpq's environment (PGPASSWORD among
them), never on its command line, and are never printed."""

import os
import re
import shutil
import sqlite3
import subprocess
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import parse_qs, unquote, urlsplit

from core.config import sqlite_file
from core.errors import DomainError

SQLITE = "sqlite"
POSTGRES = "postgres"
ENGINE_LABELS = {SQLITE: "SQLite", POSTGRES: "PostgreSQL"}
POSTGRES_SCHEMES = {"postgres", "postgresql", "asyncpg", "psycopg"}
LIBPQ_SSLMODES = {"disable", "allow", "prefer", "require", "verify-ca", "verify-full"}


class BackupError(DomainError):
    """A backup or a restore that cannot proceed; the message says why, in French."""


def engine_of(database_url: str) -> str:
    scheme = database_url.split("://", 1)[0].lower()
    if scheme == "sqlite":
        return SQLITE
    if scheme in POSTGRES_SCHEMES:
        return POSTGRES
    raise BackupError(f"moteur de base de données non pris en charge : « {scheme} »")


def database_name(database_url: str) -> str:
    if engine_of(database_url) == SQLITE:
        return sqlite_path(database_url).name
    return postgres_target(database_url).dbname


def sqlite_path(database_url: str) -> Path:
    path = sqlite_file(database_url)
    if path is None:
        raise BackupError("base SQLite en mémoire : rien à sauvegarder ni à restaurer")
    return path


# SQLite --------------------------------------------------------------------------------------


def sqlite_snapshot(source: Path, dump: Path) -> None:
    """A consistent copy of the live database, writers or not (WAL or not): the online backup
    API copies every page in one step under a read transaction."""
    if not source.is_file():
        raise BackupError(f"base introuvable : {source}")
    src = sqlite3.connect(source, timeout=60)  # read only by the backup; WAL needs its -shm
    dst = sqlite3.connect(dump)
    try:
        src.backup(dst)  # pages=-1: every page in one step, one consistent snapshot
    finally:
        dst.close()
        src.close()


def sqlite_seal(dump: Path) -> None:
    """Make the copy one self-contained file (rollback journal: no -wal beside it to lose)."""
    conn = sqlite3.connect(dump)
    try:
        conn.execute("PRAGMA journal_mode=DELETE")
    finally:
        conn.close()
    if Path(f"{dump}-wal").exists():
        raise BackupError("la copie SQLite n'a pas pu être refermée proprement : relancez")


def sqlite_tables(path: Path) -> list[str]:
    """The tables of a SQLite file; none when it does not exist or is empty."""
    if not path.exists():
        return []
    conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        rows = conn.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"
        ).fetchall()
    except sqlite3.DatabaseError as exc:
        raise BackupError(f"{path} n'est pas une base SQLite lisible : {exc}") from None
    finally:
        conn.close()
    return [name for (name,) in rows]


def sqlite_restore(dump: Path, target: Path) -> None:
    """Copy the dump into the (empty) target file through the backup API: the target is
    written in one transaction, so a failure leaves it as it was."""
    src = sqlite3.connect(f"file:{dump}?mode=ro", uri=True)
    try:
        check = src.execute("PRAGMA quick_check").fetchone()[0]
        if check != "ok":
            raise BackupError(f"le dump SQLite de la sauvegarde est endommagé : {check}")
        target.parent.mkdir(parents=True, exist_ok=True)
        if not target.exists():  # personal data: readable by the service's account only
            os.close(os.open(target, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))
        dst = sqlite3.connect(target, timeout=60)
        try:
            src.backup(dst)
        finally:
            dst.close()
    finally:
        src.close()


# PostgreSQL ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class PostgresTarget:
    """The connection settings of a PostgreSQL URL, in libpq's terms."""

    dbname: str
    host: str | None = None
    port: int | None = None
    user: str | None = None
    password: str | None = None
    sslmode: str | None = None

    def env(self) -> dict[str, str]:
        """The environment for pg_dump / pg_restore: this process's, libpq's settings replaced
        (a PG* variable of the environment must not redirect them elsewhere)."""
        env = {k: v for k, v in os.environ.items() if not k.startswith("PG")}
        for name, value in (
            ("PGHOST", self.host),
            ("PGPORT", self.port),
            ("PGUSER", self.user),
            ("PGPASSWORD", self.password),
            ("PGSSLMODE", self.sslmode),
        ):
            if value is not None:
                env[name] = str(value)
        env["PGDATABASE"] = self.dbname
        env["PGCONNECT_TIMEOUT"] = "30"
        return env

    def conninfo(self) -> str:
        """`dbname='…'` for --dbname: a name is never read as a connection string."""
        escaped = self.dbname.replace("\\", "\\\\").replace("'", "\\'")
        return f"dbname='{escaped}'"


def postgres_target(database_url: str) -> PostgresTarget:
    parts = urlsplit(database_url)
    if parts.scheme.lower() not in POSTGRES_SCHEMES:
        raise BackupError("URL PostgreSQL attendue")
    query = {key: values[-1] for key, values in parse_qs(parts.query).items()}
    dbname = unquote(parts.path.lstrip("/"))
    if not dbname:
        raise BackupError("l'URL de la base PostgreSQL ne nomme pas de base")
    sslmode = query.get("sslmode") or query.get("ssl")
    if sslmode is not None:
        sslmode = sslmode.lower()
        if sslmode in {"true", "1", "on", "yes"}:
            sslmode = "require"
        elif sslmode in {"false", "0", "off", "no"}:
            sslmode = "disable"
        elif sslmode not in LIBPQ_SSLMODES:
            sslmode = None
    return PostgresTarget(
        dbname=dbname,
        host=parts.hostname or query.get("host"),
        port=parts.port,
        user=unquote(parts.username) if parts.username else None,
        password=unquote(parts.password) if parts.password else None,
        sslmode=sslmode,
    )


def _tool(name: str) -> str:
    path = shutil.which(name)
    if path is None:
        raise BackupError(
            f"{name} introuvable : installez le client PostgreSQL (paquet postgresql-client, de "
            "la version majeure du serveur ou plus récente)"
        )
    return path


def tool_version(name: str) -> str:
    result = subprocess.run(
        [_tool(name), "--version"], capture_output=True, text=True, timeout=30, check=False
    )
    return result.stdout.strip()


def _failure(tool: str, result: subprocess.CompletedProcess, target: PostgresTarget) -> str:
    lines = [line for line in result.stderr.splitlines() if line.strip()][-8:]
    text = "\n".join(lines) or f"code de sortie {result.returncode}"
    if target.password:
        text = text.replace(target.password, "***")  # never quoted back, even by accident
    return f"{tool} a échoué :\n{text}"


def pg_dump(target: PostgresTarget, dump: Path) -> None:
    """`pg_dump --format=custom`: one consistent snapshot (a single repeatable-read
    transaction), compressed, restorable with pg_restore."""
    result = subprocess.run(
        [
            _tool("pg_dump"),
            "--format=custom",
            "--no-password",
            f"--file={dump}",
            f"--dbname={target.conninfo()}",
        ],
        env=target.env(),
        capture_output=True,
        text=True,
        check=False,
    )
    if result.returncode != 0:
        raise BackupError(_failure("pg_dump", result, target))


def pg_restore(dump: Path, target: PostgresTarget) -> None:
    """Into an empty database, all or nothing (one transaction), objects owned by the role
    that restores; the first error stops it."""
    result = subprocess.run(
        [
            _tool("pg_restore"),
            "--no-owner",
            "--exit-on-error",
            "--single-transaction",
            "--no-password",
            f"--dbname={target.conninfo()}",
            str(dump),
        ],
        env=target.env(),
        capture_output=True,
        text=True,
        check=False,
    )
    if result.returncode != 0:
        raise BackupError(_failure("pg_restore", result, target))


def safe_url(database_url: str) -> str:
    """The URL without its password, for messages."""
    return re.sub(r"(://[^:/@]*):[^@]*@", r"\1:***@", database_url)
