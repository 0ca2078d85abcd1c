"""`rgpd keys` as an administrator runs it, in a real process on a real database (a SQLite
file, or a PostgreSQL database in the PostgreSQL run): rotation from key A to key B keeps every
row readable, clear rows left from before the encryption are encrypted, a missing key is named
in French, and the embedded default makes its own key file."""

import stat
from datetime import UTC, datetime

import pytest
from tortoise import Tortoise

from breach.breaches.models import Breach, BreachEvent, BreachNotification
from breach.enums import (
    BreachPath,
    NotificationChannel,
    NotificationPhase,
    NotificationRecipient,
)
from breach.incidents.models import Incident, IncidentChange
from core.crypto import encrypt, key_id_of, place
from core.keys import MissingKey, generate_key, parse_key
from core.outbox.models import OutboxMessage
from core.outbox.service import Draft, enqueue
from register.organisations.models import Organisation
from tests.cli import rgpd
from tests.conftest import USE_POSTGRES
from tests.scheduler.processes import fresh_database, orm

pytestmark = pytest.mark.engine

ENGINE = "postgres" if USE_POSTGRES else "sqlite"
KEY_A = f"a2025:{generate_key()}"
KEY_B = f"b2026:{generate_key()}"

TEXTS = {
    "title": "Vol de l'ordinateur portable de la DRH à Évry",
    "description": "Dossiers d'arrêts maladie de 40 agents, dont celui de M. Kévin Nguyễn.",
    "measures_taken": "Effacement à distance demandé, plainte déposée au commissariat.",
    "decision_reasons": "Données de santé d'agents : risque élevé, informer chacun.",
    "summary": "Télédéclaration faite par la déléguée à 18 h 40.",
    "message_body": "Madame, Monsieur, un ordinateur contenant vos données a été volé.",
    "note": "Décision prise avec la DGS après l'appel de M. Nguyễn.",
    "body_text": "Votre arrêt maladie figurait dans les fichiers de l'ordinateur volé.",
}
ADDRESSES = ["kevin.nguyen@agents-exemple.fr"]
CHANGES = {"description": {"before": "Vol à la DRH.", "after": TEXTS["description"]}}
ASSESSMENT = {"inputs": {"adjustments": [{"delta": "0.5", "justification": "Agents exposés"}]}}


@pytest.fixture
async def database(tmp_path):
    async with fresh_database(tmp_path, ENGINE) as url:
        yield url


async def write_one_of_each(now: datetime) -> dict:
    """One row in every table holding encrypted columns, written with the current key."""
    org = await Organisation.create(legal_name="Commune d'Évry-Courcouronnes", kind="commune")
    incident = await Incident.create(
        organisation_id=org.id,
        title=TEXTS["title"],
        description=TEXTS["description"],
        detected_at=now,
        nature=["confidentiality"],
    )
    await IncidentChange.create(incident_id=incident.id, at=now, changes=CHANGES)
    breach = await Breach.create(
        incident_id=incident.id,
        controller_id=org.id,
        ref="VIO-2025-0001",
        path=BreachPath.OWN_SYSTEM,
        measures_taken=TEXTS["measures_taken"],
        decision_reasons=TEXTS["decision_reasons"],
        assessment=ASSESSMENT,
    )
    await BreachNotification.create(
        breach_id=breach.id,
        recipient=NotificationRecipient.CNIL,
        phase=NotificationPhase.INITIAL,
        channel=NotificationChannel.TELESERVICE,
        sent_at=now,
        summary=TEXTS["summary"],
        message_body=TEXTS["message_body"],
    )
    await BreachEvent.create(
        breach_id=breach.id, at=now, to_status="decided", action="decide", note=TEXTS["note"]
    )
    message = await enqueue(
        Draft(
            kind="breach.people_communication",
            to_addrs=tuple(ADDRESSES),
            subject="Information importante sur vos données personnelles",
            body_text=TEXTS["body_text"],
        ),
        now=now,
    )
    return {"incident": incident.id, "breach": breach.id, "message": message.id}


async def assert_readable(ids: dict) -> None:
    incident = await Incident.get(id=ids["incident"])
    assert (incident.title, incident.description) == (TEXTS["title"], TEXTS["description"])
    assert (await IncidentChange.get(incident_id=ids["incident"])).changes == CHANGES
    breach = await Breach.get(id=ids["breach"])
    assert breach.measures_taken == TEXTS["measures_taken"]
    assert breach.decision_reasons == TEXTS["decision_reasons"]
    assert breach.assessment == ASSESSMENT
    notification = await BreachNotification.get(breach_id=ids["breach"])
    assert (notification.summary, notification.message_body) == (
        TEXTS["summary"],
        TEXTS["message_body"],
    )
    assert (await BreachEvent.get(breach_id=ids["breach"])).note == TEXTS["note"]
    message = await OutboxMessage.get(id=ids["message"])
    assert (message.to_addrs, message.body_text) == (ADDRESSES, TEXTS["body_text"])


async def stored_key_ids() -> dict[str, set]:
    """The key id of every stored value of the columns this module writes (None: clear)."""
    conn = Tortoise.get_connection("default")
    found = {}
    for table, column in [
        ("incident", "title"),
        ("incident", "description"),
        ("incident_change", "changes"),
        ("breach", "measures_taken"),
        ("breach", "decision_reasons"),
        ("breach", "assessment"),
        ("breach_notification", "summary"),
        ("breach_notification", "message_body"),
        ("breach_event", "note"),
        ("outbox_message", "to_addrs"),
        ("outbox_message", "subject"),
        ("outbox_message", "body_text"),
    ]:
        rows = await conn.execute_query_dict(f"SELECT {column} AS v FROM {table}")
        found[f"{table}.{column}"] = {
            key_id_of(r["v"]) if r["v"].startswith("enc:") else None for r in rows
        }
    return found


async def test_rotation_from_key_a_to_key_b_keeps_every_row_readable(database, settings_env):
    settings_env(encryption_keys=KEY_A)
    async with orm(database):
        ids = await write_one_of_each(datetime.now(UTC))
        assert set().union(*(await stored_key_ids()).values()) == {"a2025"}

        # B is added first (it writes), A stays (it reads): nothing is unreadable meanwhile.
        settings_env(encryption_keys=f"{KEY_B},{KEY_A}")
        await assert_readable(ids)
        before = rgpd(
            "keys", "check", database=database, clean=True, RGPD_ENCRYPTION_KEYS=f"{KEY_B},{KEY_A}"
        )
        assert before.returncode == 0, before.stderr
        assert "incident.description : a2025 1" in before.stdout
        assert "lancez « rgpd keys rotate »" in before.stdout

        rotated = rgpd(
            "keys",
            "rotate",
            "--batch",
            "1",
            database=database,
            clean=True,
            RGPD_ENCRYPTION_KEYS=f"{KEY_B},{KEY_A}",
        )
        assert rotated.returncode == 0, rotated.stderr
        assert "incident.description : 1 valeur rechiffrée" in rotated.stdout
        assert "outbox_message.to_addrs : 1 valeur rechiffrée" in rotated.stdout
        assert "avec la clé « b2026 »" in rotated.stdout
        assert set().union(*(await stored_key_ids()).values()) == {"b2026"}
        again = rgpd(
            "keys", "rotate", database=database, clean=True, RGPD_ENCRYPTION_KEYS=f"{KEY_B},{KEY_A}"
        )
        assert again.stdout.strip().endswith("0 valeur rechiffrée avec la clé « b2026 »")

        # A can go now: B alone reads everything.
        settings_env(encryption_keys=KEY_B)
        await assert_readable(ids)
        after = rgpd("keys", "check", database=database, clean=True, RGPD_ENCRYPTION_KEYS=KEY_B)
        assert after.returncode == 0, after.stderr
        assert "incident.description : b2026 1" in after.stdout
        assert "chaque valeur chiffrée a sa clé" in after.stdout


async def test_a_missing_key_is_named_by_check_rotate_and_reads(database, settings_env):
    settings_env(encryption_keys=KEY_A)
    async with orm(database):
        ids = await write_one_of_each(datetime.now(UTC))

        settings_env(encryption_keys=KEY_B)  # A lost
        with pytest.raises(MissingKey, match="clé de chiffrement « a2025 » absente"):
            await Incident.get(id=ids["incident"])

    check = rgpd("keys", "check", database=database, clean=True, RGPD_ENCRYPTION_KEYS=KEY_B)
    assert check.returncode == 1
    assert "incident.description : a2025 1 (CLÉ ABSENTE)" in check.stdout
    assert "clé « a2025 » absente" in check.stderr and "illisible" in check.stderr
    rotate = rgpd("keys", "rotate", database=database, clean=True, RGPD_ENCRYPTION_KEYS=KEY_B)
    assert rotate.returncode == 1
    assert "erreur : clé de chiffrement « a2025 » absente" in rotate.stderr
    assert "irrécupérables sans elle" in rotate.stderr
    assert "Traceback" not in rotate.stderr


async def test_rows_written_in_clear_are_read_then_encrypted_by_rotate(database, settings_env):
    settings_env(encryption_keys=KEY_A)
    async with orm(database):
        ids = await write_one_of_each(datetime.now(UTC))
        # As left by a version that did not encrypt (JSON columns turned to text hold JSON).
        conn = Tortoise.get_connection("default")
        for table, column, value, row_id in [
            ("incident", "description", TEXTS["description"], ids["incident"]),
            ("breach", "assessment", '{"inputs":{"adjustments":[]}}', ids["breach"]),
            ("outbox_message", "to_addrs", '["kevin.nguyen@agents-exemple.fr"]', ids["message"]),
            ("outbox_message", "body_text", TEXTS["body_text"], ids["message"]),
        ]:
            quoted = value.replace("'", "''")
            await conn.execute_query(
                f"UPDATE {table} SET {column} = '{quoted}' WHERE id = '{row_id}'"
            )
        assert (await Incident.get(id=ids["incident"])).description == TEXTS["description"]
        assert (await Breach.get(id=ids["breach"])).assessment == {"inputs": {"adjustments": []}}
        assert (await OutboxMessage.get(id=ids["message"])).to_addrs == ADDRESSES
        assert (await stored_key_ids())["outbox_message.to_addrs"] == {None}

        check = rgpd("keys", "check", database=database, clean=True, RGPD_ENCRYPTION_KEYS=KEY_A)
        assert "outbox_message.to_addrs : en clair 1" in check.stdout
        rotated = rgpd("keys", "rotate", database=database, clean=True, RGPD_ENCRYPTION_KEYS=KEY_A)
        assert rotated.returncode == 0, rotated.stderr
        assert "4 valeurs rechiffrées avec la clé « a2025 »" in rotated.stdout
        assert set().union(*(await stored_key_ids()).values()) == {"a2025"}
        assert (await Incident.get(id=ids["incident"])).description == TEXTS["description"]
        message = await OutboxMessage.get(id=ids["message"])
        assert (message.to_addrs, message.body_text) == (ADDRESSES, TEXTS["body_text"])


async def test_check_counts_values_left_as_v1_under_the_current_key_until_rotate(
    database, settings_env
):
    """A value in the first format (`enc:v1:`, bound to its column only) looks done by its key
    alone: check counts it apart and names the command that rewrites it."""
    settings_env(encryption_keys=KEY_A)
    async with orm(database):
        ids = await write_one_of_each(datetime.now(UTC))
        old = encrypt(TEXTS["description"], place("incident", "description"))  # no row: v1
        assert old.startswith("enc:v1:a2025:")
        conn = Tortoise.get_connection("default")
        await conn.execute_query(
            f"UPDATE incident SET description = '{old}' WHERE id = '{ids['incident']}'"
        )
        assert (await Incident.get(id=ids["incident"])).description == TEXTS["description"]

        check = rgpd("keys", "check", database=database, clean=True, RGPD_ENCRYPTION_KEYS=KEY_A)
        assert check.returncode == 0, check.stderr  # work left, not a failure
        assert "incident.description : a2025 1 (dont 1 au format enc:v1:)" in check.stdout
        assert "incident.title : a2025 1\n" in check.stdout
        assert (
            "1 valeur encore au format enc:v1: (liée à sa colonne, pas à sa ligne) : "
            "« rgpd keys rotate » la réécrit en enc:v2:"
        ) in check.stdout
        assert "à rechiffrer avec la clé courante" not in check.stdout  # its key is current

        rotated = rgpd("keys", "rotate", database=database, clean=True, RGPD_ENCRYPTION_KEYS=KEY_A)
        assert rotated.returncode == 0, rotated.stderr
        assert "incident.description : 1 valeur rechiffrée" in rotated.stdout
        stored = await conn.execute_query_dict(
            f"SELECT description AS v FROM incident WHERE id = '{ids['incident']}'"
        )
        assert stored[0]["v"].startswith("enc:v2:a2025:")
        after = rgpd("keys", "check", database=database, clean=True, RGPD_ENCRYPTION_KEYS=KEY_A)
        assert after.returncode == 0, after.stderr
        assert "incident.description : a2025 1\n" in after.stdout
        assert "enc:v1:" not in after.stdout
        assert (await Incident.get(id=ids["incident"])).description == TEXTS["description"]


@pytest.mark.skipif(USE_POSTGRES, reason="the embedded default is a SQLite file")
async def test_the_embedded_default_makes_its_key_file_once_and_says_to_keep_it_apart(
    tmp_path, settings_env
):
    url = f"sqlite://{tmp_path / 'data' / 'rgpd.sqlite3'}"
    key_file = tmp_path / "data" / "rgpd.keys"

    first = rgpd("migrate", database=url, clean=True)
    assert first.returncode == 0, first.stderr
    assert key_file.exists()
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    assert f"clé de chiffrement créée dans {key_file}" in first.stderr
    assert "à part de la base" in first.stderr and "irrécupérables" in first.stderr
    content = key_file.read_text()
    (line,) = [x for x in content.splitlines() if x and not x.startswith("#")]
    kid, _ = parse_key(line, where="test")

    second = rgpd("migrate", database=url, clean=True)
    assert second.returncode == 0 and "créée" not in second.stderr
    assert key_file.read_text() == content, "a key file is never replaced"

    # The instance, configured with nothing but its database, writes with that key.
    settings_env(database_url=url, encryption_keys="")
    async with orm(url):
        await enqueue(
            Draft(kind="test", to_addrs=tuple(ADDRESSES), subject="Objet", body_text="Texte"),
            now=datetime.now(UTC),
        )
    check = rgpd("keys", "check", database=url, clean=True)
    assert check.returncode == 0, check.stderr
    assert f"outbox_message.body_text : {kid} 1" in check.stdout


def test_postgresql_without_a_key_refuses_to_start():
    url = "postgres://postgres@127.0.0.1:5432/rgpd_never_reached"
    for command in (["serve"], ["organisations"], ["keys", "rotate"]):
        result = rgpd(*command, database=url, clean=True)
        assert result.returncode == 1, command
        assert "aucune clé de chiffrement configurée" in result.stderr
        assert "RGPD_ENCRYPTION_KEYS" in result.stderr and "refuse de démarrer" in result.stderr
        assert "Traceback" not in result.stderr


def test_generate_prints_a_key_to_paste_in_the_settings(tmp_path):
    url = f"sqlite://{tmp_path / 'unused.sqlite3'}"
    made = rgpd("keys", "generate", "--id", "k2026-01", database=url, clean=True)
    assert made.returncode == 0, made.stderr
    kid, key = parse_key(made.stdout.strip(), where="stdout")
    assert kid == "k2026-01" and len(key) == 32
    assert "irrécupérables" in made.stderr
    default = rgpd("keys", "generate", database=url, clean=True)
    assert parse_key(default.stdout.strip(), where="stdout")[0].startswith("k")
    assert not (tmp_path / "unused.keys").exists(), "generate touches no key file"
    refused = rgpd("keys", "generate", "--id", "clé à espaces", database=url, clean=True)
    assert refused.returncode == 2 and "invalide" in refused.stderr
