"""`rgpd bundle create` and `verify` as an administrator runs them, each in its own process, on
a database file (or a PostgreSQL database) written through the services."""

import stat
import uuid
from pathlib import Path

import pytest
from tortoise.context import tortoise_test_context

from api.database import MODEL_MODULES
from core.audit.signing import generate_signing_key_pem
from core.scope import Scope
from register.activities import service as activities
from register.activities.schemas import ActivityIn
from register.organisations import service as organisations
from register.organisations.schemas import OrganisationIn
from tests.cli import rgpd
from tests.conftest import POSTGRES_URL, USE_POSTGRES, _drop_postgres_database
from tests.factories import SIREN_JUVISY

pytestmark = pytest.mark.engine

ALL = Scope.everything()


@pytest.fixture
async def database(tmp_path):
    url = (
        POSTGRES_URL.format(f"bundle_{uuid.uuid4().hex}")
        if USE_POSTGRES
        else f"sqlite://{tmp_path / 'rgpd.sqlite3'}"
    )
    try:
        async with tortoise_test_context(MODEL_MODULES, db_url=url):
            commune = await organisations.create_organisation(
                scope=ALL,
                data=OrganisationIn(
                    legal_name="Commune de Juvisy-sur-Orge", kind="commune", siren=SIREN_JUVISY
                ),
            )
            await activities.create_activity(
                scope=ALL, data=ActivityIn(controller_id=commune.id, name="Cantine scolaire")
            )
            yield url
    finally:
        if USE_POSTGRES:
            await _drop_postgres_database(url)


@pytest.fixture
def env(database, tmp_path) -> dict[str, str]:
    key_file = tmp_path / "signing.pem"
    key_file.write_bytes(generate_signing_key_pem())
    return {"RGPD_DATABASE_URL": database, "RGPD_SIGNING_KEY_FILE": str(key_file)}


async def test_create_then_verify(env, tmp_path):
    output = tmp_path / "preuves" / "lot.zip"
    output.parent.mkdir()
    made = rgpd(
        "bundle",
        "create",
        "--organisation",
        SIREN_JUVISY,
        "--from",
        "2020-01-01",
        "--output",
        str(output),
        timeout=300,
        **env,
    )
    assert made.returncode == 0, made.stdout + made.stderr
    assert "lot de preuves écrit dans" in made.stdout
    assert "commune-de-juvisy-sur-orge-" in made.stdout
    assert sorted(p.name for p in output.parent.iterdir()) == ["lot.zip"]
    # It holds breach facts in clear: readable by its owner only, whatever the umask.
    assert stat.S_IMODE(output.stat().st_mode) == 0o600

    checked = rgpd(
        "bundle",
        "verify",
        str(output),
        timeout=300,
        RGPD_SIGNING_KEY_FILE=env["RGPD_SIGNING_KEY_FILE"],
    )
    assert checked.returncode == 0, checked.stdout + checked.stderr
    assert checked.stdout.startswith("Lot de preuves intègre : 7 fichiers, signature valide")


async def test_an_unknown_body_or_no_key_writes_no_file(env, tmp_path):
    output = tmp_path / "lot.zip"
    unknown = rgpd(
        "bundle",
        "create",
        "--organisation",
        str(uuid.uuid4()),
        "-o",
        str(output),
        timeout=300,
        **env,
    )
    assert unknown.returncode == 1
    assert "introuvable" in unknown.stderr
    no_key = rgpd(
        "bundle",
        "create",
        "--organisation",
        SIREN_JUVISY,
        "-o",
        str(output),
        timeout=300,
        **{**env, "RGPD_SIGNING_KEY_FILE": ""},
    )
    assert no_key.returncode == 2, no_key.stderr
    assert "clé de signature" in no_key.stderr
    assert list(Path(tmp_path).glob("lot.zip*")) == []
