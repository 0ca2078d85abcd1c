"""Database checks used by health reports and commands, and the modes of a SQLite file.

A SQLite database holds personal data, and SQLite gives its `-wal`, `-shm` and `-journal`
companions the mode of the database file: `secure_database_files` creates the file readable
and writable by its owner only (0600) before the first connection makes it, and brings back
to 0600 the files an earlier version left readable by others, saying so in the log.
"""

import contextlib
import logging
import os
import stat
from pathlib import Path

from tortoise import connections

from core.config import sqlite_file

PRIVATE = 0o600
COMPANIONS = ("", "-wal", "-shm", "-journal")

log = logging.getLogger("rgpd.db")


async def ping() -> bool:
    try:
        await connections.get("default").execute_query("SELECT 1")
    except Exception:  # any failure means "not reachable" to a health probe
        return False
    return True


def secure_database_files(database_url: str) -> list[Path]:
    """Make the SQLite file of `database_url` (if it is one) private: create it 0600 when it
    is missing, and restrict it and its companions when others may read them. Returns the
    files whose mode was changed. PostgreSQL and in-memory databases: nothing to do."""
    path = sqlite_file(database_url)
    if path is None:
        return []
    create_private(path)
    return [p for p in (Path(f"{path}{suffix}") for suffix in COMPANIONS) if restrict(p)]


def create_private(path: Path) -> None:
    """An empty file (an empty SQLite database) readable by its owner only, unless it exists."""
    if path.exists():
        return
    path.parent.mkdir(parents=True, exist_ok=True)
    with contextlib.suppress(FileExistsError):  # another process made it first
        os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, PRIVATE))


def restrict(path: Path) -> bool:
    """Take away every right of the group and others on `path`; True if it had some."""
    try:
        mode = stat.S_IMODE(path.stat().st_mode)
    except FileNotFoundError:
        return False
    if not mode & 0o077:
        return False
    os.chmod(path, mode & 0o700)
    log.warning(
        "%s : droits %s ramenés à %s (données personnelles : lisibles par le seul compte "
        "du service)",
        path,
        f"{mode:04o}",
        f"{mode & 0o700:04o}",
    )
    return True
