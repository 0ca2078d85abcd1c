"""pg_dump and pg_restore get the database from the URL through libpq's environment: the
password never on a command line (visible to every local user in `ps`), never printed."""

import json
import os
import stat
import sys
from pathlib import Path

import pytest

from core.backup.engines import BackupError, pg_dump, pg_restore, postgres_target, safe_url

URL = "postgres://rgpd%40app:s3cr%C3%A9t%2Fpass@db.exemple.fr:6543/registre%20rgpd?ssl=require"
PASSWORD = "s3crét/pass"

FAKE_TOOL = """#!{python}
import json, os, sys
with open({record!r}, "w") as out:
    json.dump({{"argv": sys.argv, "env": {{k: v for k, v in os.environ.items()
                                           if k.startswith("PG")}}}}, out)
if os.environ.get("FAIL"):
    print("pg_dump: error: connection failed: password " + os.environ["PGPASSWORD"] +
          " rejected", file=sys.stderr)
    sys.exit(1)
"""


@pytest.fixture
def fake_tools(tmp_path, monkeypatch):
    """pg_dump and pg_restore replaced by a script that writes what it was given."""
    record = tmp_path / "call.json"
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    for name in ("pg_dump", "pg_restore"):
        tool = bin_dir / name
        tool.write_text(FAKE_TOOL.format(python=sys.executable, record=str(record)))
        tool.chmod(tool.stat().st_mode | stat.S_IXUSR)
    monkeypatch.setenv("PATH", f"{bin_dir}{os.pathsep}{os.environ['PATH']}")
    monkeypatch.setenv("PGHOST", "elsewhere.exemple.fr")  # never redirects the dump
    return record


def test_the_url_becomes_libpq_settings():
    target = postgres_target(URL)
    assert (target.host, target.port, target.dbname) == ("db.exemple.fr", 6543, "registre rgpd")
    assert (target.user, target.password, target.sslmode) == ("rgpd@app", PASSWORD, "require")
    assert postgres_target("postgres://postgres@/rgpd?host=/run/postgresql").host == (
        "/run/postgresql"
    )
    assert "s3cr" not in safe_url(URL)


@pytest.mark.parametrize("tool", [pg_dump, pg_restore])
def test_the_password_goes_through_the_environment_only(fake_tools, tmp_path, tool):
    args = (
        (postgres_target(URL), tmp_path / "d")
        if tool is pg_dump
        else (
            tmp_path / "d",
            postgres_target(URL),
        )
    )
    tool(*args)
    call = json.loads(fake_tools.read_text())
    assert not any("s3cr" in arg for arg in call["argv"])
    assert "--dbname=dbname='registre rgpd'" in call["argv"]
    assert call["env"]["PGPASSWORD"] == PASSWORD
    assert call["env"]["PGHOST"] == "db.exemple.fr"
    assert (call["env"]["PGUSER"], call["env"]["PGPORT"]) == ("rgpd@app", "6543")
    assert call["env"]["PGSSLMODE"] == "require"
    if tool is pg_restore:
        for flag in ("--no-owner", "--exit-on-error", "--single-transaction"):
            assert flag in call["argv"]
    else:
        assert "--format=custom" in call["argv"]


def test_a_failure_is_reported_without_the_password(fake_tools, tmp_path, monkeypatch):
    monkeypatch.setenv("FAIL", "1")
    with pytest.raises(BackupError) as failure:
        pg_dump(postgres_target(URL), tmp_path / "d")
    assert "pg_dump a échoué" in str(failure.value)
    assert "connection failed" in str(failure.value)
    assert PASSWORD not in str(failure.value)


def test_no_pg_dump_says_what_to_install(tmp_path, monkeypatch):
    monkeypatch.setenv("PATH", str(Path(tmp_path)))
    with pytest.raises(BackupError, match="postgresql-client"):
        pg_dump(postgres_target(URL), tmp_path / "d")
