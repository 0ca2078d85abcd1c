"""The files that hold personal data or keys are readable by the service's account only (0600):
the SQLite database and its -wal and -shm companions, as made and as found from an earlier
version; the embedded key file."""

import os
import sqlite3
import stat
from datetime import UTC, datetime
from pathlib import Path

import pytest

from core.db import secure_database_files
from core.outbox.service import Draft, enqueue
from tests.cli import rgpd
from tests.conftest import USE_POSTGRES
from tests.scheduler.processes import orm

pytestmark = pytest.mark.skipif(USE_POSTGRES, reason="SQLite files: nothing to see on PostgreSQL")


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


async def test_the_database_and_its_companions_are_made_0600(tmp_path, settings_env):
    os.umask(old := os.umask(0o022))  # the usual umask: files would be made 0644
    assert old & 0o077 in (0o022, 0o002, 0o077, 0o027, 0o007)
    database = tmp_path / "data" / "rgpd.sqlite3"
    url = f"sqlite://{database}"
    migrated = rgpd("migrate", database=url, clean=True)
    assert migrated.returncode == 0, migrated.stderr
    assert mode(database) == 0o600
    assert mode(database.with_suffix(".keys")) == 0o600

    # While the instance writes (write-ahead log), the -wal and -shm files exist: 0600 too.
    settings_env(database_url=url, encryption_keys="")
    async with orm(url):
        await enqueue(
            Draft(kind="test", to_addrs=("a@exemple.fr",), subject="Objet", body_text="Texte"),
            now=datetime.now(UTC),
        )
        companions = [Path(f"{database}-wal"), Path(f"{database}-shm")]
        assert all(p.exists() for p in companions)
        assert [mode(p) for p in companions] == [0o600, 0o600]


async def test_files_left_readable_by_an_earlier_version_are_made_private_at_start(tmp_path):
    database = tmp_path / "rgpd.sqlite3"
    url = f"sqlite://{database}"
    assert rgpd("migrate", database=url, clean=True).returncode == 0
    # Another process holds the database open in write-ahead mode: its -wal and -shm stay.
    held = sqlite3.connect(database)
    try:
        held.execute("PRAGMA journal_mode=WAL")
        held.execute("CREATE TABLE IF NOT EXISTS held (n INTEGER)")
        held.execute("INSERT INTO held VALUES (1)")
        held.commit()
        keys = database.with_suffix(".keys")  # the embedded key file
        files = [database, Path(f"{database}-wal"), Path(f"{database}-shm"), keys]
        for path in files:
            path.chmod(0o644)
        assert [mode(p) for p in files] == [0o644] * 4  # the premise

        result = rgpd("migrate", database=url, clean=True)
        assert result.returncode == 0, result.stderr
        assert [mode(p) for p in files] == [0o600] * 4
        assert f"{database} : droits 0644 ramenés à 0600" in result.stderr
        assert f"{database}-wal : droits 0644 ramenés à 0600" in result.stderr
        assert f"{keys} : droits 0644 ramenés à 0600" in result.stderr
    finally:
        held.close()


def test_an_in_memory_or_postgresql_database_has_no_file_to_secure(tmp_path):
    assert secure_database_files("sqlite://:memory:") == []
    assert secure_database_files("postgres://postgres@127.0.0.1:5432/rgpd") == []
    made = tmp_path / "neuf" / "rgpd.sqlite3"
    assert secure_database_files(f"sqlite://{made}") == []  # made private, nothing to change
    assert made.exists() and mode(made) == 0o600
