"""The command line reads what a person types without a traceback: an organisation by id,
SIREN or name (in the order of evidence: a UUID is an id, nine digits a SIREN, anything else a
name, exact, then without case and accents, then a unique part), listing the candidates when a
name is ambiguous or unknown (exit 2); a period as a day or an instant, through the API's
parser. `rgpd record processor "Grand-Orly"` and the README's `rgpd export breach-register
Juvisy -f pdf --from 2026-01-01` used to end in tracebacks."""

import json
import uuid

import asyncpg
import pytest

from core.audit.signing import generate_signing_key_pem
from tests.cli import rgpd
from tests.conftest import POSTGRES_URL, USE_POSTGRES
from tests.factories import SIREN_GPSO, SIREN_JUVISY

pytestmark = pytest.mark.engine

EPT = "EPT Grand-Orly Seine Bièvre"
JUVISY = "Commune de Juvisy-sur-Orge"
EVRY = "Commune d'Évry"
EVRY_BIS = "Commune d'Évry-Courcouronnes"


@pytest.fixture(scope="module")
def world(tmp_path_factory):
    """A migrated database with four bodies, made once for the module (each run of `rgpd`
    is a process of its own)."""
    folder = tmp_path_factory.mktemp("cli")
    if USE_POSTGRES:
        name = f"rgpd_cli_{uuid.uuid4().hex}"
        server = POSTGRES_URL.rsplit("/", 1)[0]
        _admin(server, f'CREATE DATABASE "{name}"')
        url = f"{server}/{name}"
    else:
        url = f"sqlite://{folder / 'rgpd.sqlite3'}"
    rgpd("migrate", database=url, check=True)
    ids = {}
    for legal_name, siren in (
        (EPT, SIREN_GPSO),
        (JUVISY, SIREN_JUVISY),
        (EVRY, None),
        (EVRY_BIS, None),
    ):
        body = {"legal_name": legal_name, "kind": "commune", "siren": siren}
        made = rgpd("create", "organisation", "-f", "-", database=url, input=json.dumps(body))
        assert made.returncode == 0, made.stderr
        ids[legal_name] = json.loads(made.stdout)["id"]
    key = folder / "signing.pem"
    key.write_bytes(generate_signing_key_pem())
    yield {"url": url, "ids": ids, "folder": folder, "key": str(key)}
    if USE_POSTGRES:
        _admin(server, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def _admin(server: str, sql: str) -> None:
    import asyncio

    async def run():
        connection = await asyncpg.connect(f"{server}/postgres")
        try:
            await connection.execute(sql)
        finally:
            await connection.close()

    asyncio.run(run())


def run(world, *args: str, **variables: str):
    result = rgpd(*args, database=world["url"], **variables)
    assert "Traceback" not in result.stderr, result.stderr
    return result


@pytest.mark.parametrize(
    ("ref", "expected"),
    [
        ("Grand-Orly", EPT),  # a part of the name, longer than nine characters
        ("ept grand-orly seine bievre", EPT),  # the whole name, without case and accents
        (EVRY, EVRY),  # exact, although also a part of another body's name
        ("commune d'evry", EVRY),  # without case and accents, the same
        ("219 100 930", JUVISY),  # a SIREN, spaces allowed
        ("Juvisy", JUVISY),
    ],
)
def test_an_organisation_is_found_by_its_name_or_siren(world, ref, expected):
    result = run(world, "record", "processor", ref)
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["processor"]["organisation_id"] == world["ids"][expected]


def test_an_id_is_taken_as_an_id(world):
    result = run(world, "record", "controller", world["ids"][EPT])
    assert result.returncode == 0, result.stderr


@pytest.mark.parametrize(
    ("ref", "says", "lists"),
    [
        ("Évry", "désigne plusieurs organismes", [EVRY, EVRY_BIS]),
        ("Sceaux", "aucun organisme ne s'appelle « Sceaux »", []),
        ("Commune de Sceaux", "aucun organisme ne s'appelle", [JUVISY, EVRY, EVRY_BIS]),
        ("219200920", "aucun organisme n'a le SIREN 219200920", []),
        ("   ", "nom d'organisme vide", []),
    ],
)
def test_an_ambiguous_or_unknown_name_lists_the_candidates(world, ref, says, lists):
    result = run(world, "record", "controller", ref)
    assert result.returncode == 2
    assert says in result.stderr
    for name in lists:
        assert name in result.stderr and world["ids"][name] in result.stderr


@pytest.mark.parametrize(
    "command",
    [
        ["record", "controller", "{org}"],
        ["export", "breach-register", "{org}", "-f", "pdf", "--from", "2026-01-01", "-o", "{out}"],
        ["export", "calendar", "{org}", "-o", "{out}"],
        ["activities", "--org", "{org}"],
        ["breaches", "--org", "{org}"],
        ["audit", "export", "--org", "{org}", "--from", "2026-01-01T08:00"],
        ["bundle", "create", "--organisation", "{org}", "--to", "2030-01-01", "-o", "{out}"],
    ],
    ids=lambda c: " ".join(c[:2]),
)
def test_every_command_taking_a_body_reads_a_long_name(world, command):
    out = str(world["folder"] / f"out-{uuid.uuid4().hex}")
    args = [a.replace("{org}", "Grand-Orly").replace("{out}", out) for a in command]
    result = run(world, *args, RGPD_SIGNING_KEY_FILE=world["key"])
    assert result.returncode == 0, result.stderr


@pytest.mark.parametrize(
    ("option", "value"), [("--from", "2026-13-01"), ("--to", "hier"), ("--from", "0001-01-01")]
)
def test_a_bad_period_exits_2_naming_the_option(world, option, value):
    out = world["folder"] / "refused.csv"
    result = run(
        world, "export", "breach-register", "Juvisy", "-f", "csv", option, value, "-o", str(out)
    )
    assert result.returncode == 2
    assert f"erreur : {option} : « {value} »" in result.stderr
    assert not out.exists()


async def test_the_command_line_refuses_to_delete_an_activity_a_breach_cites(tmp_path):
    import httpx

    from api.app import create_app
    from core.accounts.service import create_user
    from core.accounts.tokens import issue_token
    from core.clock import utcnow
    from tests.factories import ago, bodies, declare_on
    from tests.scheduler.processes import fresh_database, orm

    async with fresh_database(tmp_path, "postgres" if USE_POSTGRES else "sqlite") as url:
        async with orm(url):
            admin = await create_user(
                email="admin@exemple.fr", name="Admin", password=None, is_instance_admin=True
            )
            secret = (await issue_token(user=admin, name="t", days=1, now=utcnow())).secret
            transport = httpx.ASGITransport(app=create_app(manage_database=False))
            async with httpx.AsyncClient(
                transport=transport,
                base_url="http://test",
                headers={"Authorization": f"Bearer {secret}"},
            ) as client:
                world = await bodies(client)
                activity = world["activity"]
                breach = await declare_on(
                    client, world["commune"], [activity["id"]], detected=ago(hours=1)
                )
        result = rgpd("delete", "activity", activity["id"], database=url)
    assert result.returncode == 1, result.stderr
    assert "suppression impossible : l'activité est citée par la violation" in result.stderr
    assert breach["ref"] in result.stderr and "Traceback" not in result.stderr


def test_rgpd_import_is_bounded_in_rows_and_size(world):
    rows = ["Nom / sigle;Finalités (objectifs poursuivis)"]
    rows += [f"Traitement {n};Gestion {n}" for n in range(60)]
    register = world["folder"] / "registre.csv"
    register.write_text("\n".join(rows) + "\n", encoding="utf-8")

    too_many = run(world, "import", str(register), "Juvisy", "--dry-run", RGPD_IMPORT_MAX_ROWS="50")
    too_big = run(
        world, "import", str(register), "Juvisy", "--dry-run", RGPD_IMPORT_MAX_BYTES="1024"
    )
    within = run(world, "import", str(register), "Juvisy", "--dry-run")

    assert too_many.returncode == 2 and "plus de 50 lignes de données" in too_many.stderr
    assert too_big.returncode == 2 and "fichier trop volumineux" in too_big.stderr
    assert within.returncode == 0, within.stderr
    assert "60 activités prêtes à importer" in within.stdout
