"""Encryption at rest through the API: the facts of an incident and of a breach, the DPO's
reasons, the notifications kept and the e-mails to the people are returned in clear by the
API and delivered in clear by mail, while the rows in the database hold only `enc:v2:`
values, with no word of them left in any table."""

import os
import re

import pytest
from tortoise import Tortoise

from breach.demo import DEMO_INCIDENT_TITLE, load_demo_incident
from breach.incidents.models import Incident
from core.clock import utcnow
from core.crypto import encrypted_fields, rotate_field
from core.keys import generate_key
from core.outbox.delivery import deliver_due
from core.outbox.models import OutboxMessage
from core.scope import Scope
from register.demo import load_demo
from tests.factories import (
    API,
    BREACHES,
    FOLLOWUP_DUE,
    INCOMPLETE,
    ago,
    bodies,
    done,
    iso,
    read,
)

TEST_KEY = "enc:v2:test:"  # tests/conftest.py sets the key "test" for every test

TITLE = "Fuite du fichier des bénéficiaires du CCAS d'Évry"
DESCRIPTION = (
    "Courriel envoyé à tort à 312 destinataires : noms, NIR et RIB de Mme Josiane Lefèvre "
    "et d'autres usagers de l'aide sociale."
)
DESCRIPTION_CORRECTED = DESCRIPTION + " Pièce jointe « liste_bénéficiaires.xlsx »."
FACTS = {
    "data_categories": ["contact_details", "financial"],
    "subject_categories": ["users"],
    "approx_subjects": 312,
    "consequences": ["identity_theft"],
    "consequences_detail": "Hameçonnage ciblé probable des bénéficiaires vulnérables.",
    "measures_taken": "Rappel du courriel, effacement demandé aux destinataires erronés.",
    "measures_planned": "Chiffrement systématique des pièces jointes sortantes dès février.",
}
JUSTIFICATION = "Usagers déjà victimes d'escroqueries signalées à la mairie annexe"
REASONS = "Données bancaires et NIR d'usagers fragiles : risque élevé, prévenir chacun."
SUMMARY = "Notification télédéclarée par Hélène Délégué après l'appel de Mme Lefèvre."
CLOSING = "Effacement confirmé par les 312 destinataires, clôture validée par la déléguée."
PEOPLE = ["josiane.lefevre@usagers-exemple.fr", "mathis.benaissa@usagers-exemple.fr"]

# Words that must appear nowhere in the database in clear (accents included).
SECRET_WORDS = [
    "bénéficiaires",
    "Évry",
    "Josiane",
    "Lefèvre",
    "liste_bénéficiaires",
    "Hameçonnage",
    "effacement demandé",
    "Chiffrement systématique",
    "escroqueries",
    "usagers fragiles",
    "télédéclarée",
    "validée par la déléguée",
    "josiane.lefevre",
    "mathis.benaissa",
    "usagers-exemple.fr",
]


async def raw_rows(table: str, where: str) -> list[dict]:
    """The rows as stored, read around the ORM (no decryption)."""
    conn = Tortoise.get_connection("default")
    return await conn.execute_query_dict(f"SELECT * FROM {table} WHERE {where}")


async def every_stored_value() -> list[tuple[str, str, str]]:
    """(table, column, text) of every non-null value of every table of the database."""
    conn = Tortoise.get_connection("default")
    if conn.capabilities.dialect == "postgres":
        query = "SELECT tablename AS name FROM pg_tables WHERE schemaname = 'public'"
    else:
        query = "SELECT name FROM sqlite_master WHERE type = 'table'"
    found = []
    for (table,) in [tuple(r.values()) for r in await conn.execute_query_dict(query)]:
        for row in await conn.execute_query_dict(f'SELECT * FROM "{table}"'):
            found += [(table, c, str(v)) for c, v in row.items() if v is not None]
    return found


def assert_sealed(value: object, *clear: str) -> None:
    assert isinstance(value, str) and value.startswith(TEST_KEY), value
    for text in clear:
        for word in re.findall(r"\w{5,}", text):
            assert word not in value


async def a_breach_taken_to_its_end(client, smtp) -> tuple[dict, dict]:
    """A commune's own incident declared and corrected, its breach given facts, assessed with
    a justified adjustment, decided, notified to the CNIL, its people told by e-mail (sent),
    and closed: every encrypted column of the breach tables written through the API."""
    world = await bodies(client)
    response = await client.post(
        f"{API}/incidents",
        json={
            "organisation_id": world["commune"]["id"],
            "title": TITLE,
            "description": DESCRIPTION,
            "detected_at": iso(ago(hours=10)),
            "nature": ["confidentiality"],
            "origin": "wrong_recipient",
            "cause": "internal_accidental",
            "activity_ids": [world["activity"]["id"]],
        },
    )
    assert response.status_code == 201, response.text
    incident = response.json()
    response = await client.patch(
        f"{API}/incidents/{incident['id']}",
        json={"version": incident["version"], "description": DESCRIPTION_CORRECTED},
    )
    assert response.status_code == 200, response.text
    (breach_id,) = incident["breach_ids"]
    breach = await read(client, f"/breaches/{breach_id}")
    response = await client.patch(
        f"{BREACHES}/{breach_id}",
        json={"version": breach["version"], **FACTS, "approx_records": 120},
    )
    assert response.status_code == 200, response.text
    breach = await done(
        client,
        response.json(),
        "assessment",
        context="financial",
        identification="significant",
        confidentiality="known_recipients",
        adjustments=[{"delta": "1", "justification": JUSTIFICATION}],
    )
    breach = await done(
        client,
        breach,
        "decision",
        risk_level="high",
        notify_cnil=True,
        inform_people="yes",
        reasons=REASONS,
    )
    breach = await done(client, breach, "notifications", sent_at=iso(ago(hours=2)), summary=SUMMARY)
    breach = await done(
        client,
        breach,
        "notifications",
        recipient="data_subjects",
        channel="email",
        sent_at=iso(ago(minutes=5)),
        addresses=PEOPLE,
    )
    report = await deliver_due(owner="test")
    assert report.sent == 2, report.errors
    breach = await done(client, breach, "close", reasons=CLOSING, incomplete_reasons=INCOMPLETE)
    return await read(client, f"/incidents/{incident['id']}"), breach


async def test_the_api_returns_in_clear_what_the_rows_hold_encrypted(client, smtp):
    incident, breach = await a_breach_taken_to_its_end(client, smtp)

    # Through the API: every text as it was written.
    assert (incident["title"], incident["description"]) == (TITLE, DESCRIPTION_CORRECTED)
    (change,) = incident["history"]
    assert change["changes"]["description"] == {
        "before": DESCRIPTION,
        "after": DESCRIPTION_CORRECTED,
    }
    for name, text in FACTS.items():
        assert breach[name] == text
    assert breach["decision_reasons"] == REASONS
    assert breach["closing_reasons"] == CLOSING
    assert breach["assessment"]["inputs"]["adjustments"][0]["justification"] == JUSTIFICATION
    cnil, people = breach["notifications"]
    assert cnil["summary"] == SUMMARY
    assert FACTS["measures_taken"] in cnil["message_body"]
    assert "Rappel du courriel" in people["message_body"]
    assert {e["note"] for e in breach["events"]} >= {REASONS, CLOSING}

    # In the rows: `enc:v2:` values only, no word of the text.
    (row,) = await raw_rows("incident", f"id = '{incident['id']}'")
    assert_sealed(row["title"], TITLE)
    assert_sealed(row["description"], DESCRIPTION_CORRECTED)
    (history,) = await raw_rows("incident_change", f"incident_id = '{incident['id']}'")
    assert_sealed(history["changes"], DESCRIPTION, DESCRIPTION_CORRECTED)
    (row,) = await raw_rows("breach", f"id = '{breach['id']}'")
    for name, text in FACTS.items():
        if isinstance(text, str):
            assert_sealed(row[name], text)
    assert_sealed(row["decision_reasons"], REASONS)
    assert_sealed(row["closing_reasons"], CLOSING)
    assert_sealed(row["aware_rationale"], breach["aware_rationale"])
    assert_sealed(row["assessment"], JUSTIFICATION)
    assert row["ref"] == breach["ref"] and row["status"] == "closed"  # filtered on: clear
    for notification in await raw_rows("breach_notification", f"breach_id = '{breach['id']}'"):
        assert_sealed(notification["message_subject"])
        assert_sealed(notification["message_body"], FACTS["measures_taken"])
    (cnil_row,) = await raw_rows(
        "breach_notification", f"breach_id = '{breach['id']}' AND recipient = 'cnil'"
    )
    assert_sealed(cnil_row["summary"], SUMMARY)
    notes = [e["note"] for e in await raw_rows("breach_event", f"breach_id = '{breach['id']}'")]
    for note in filter(None, notes):
        assert_sealed(note, REASONS, CLOSING)

    # Nowhere in the whole database, whatever the table (journal, outbox, events...).
    leaks = [
        (table, column, word)
        for table, column, text in await every_stored_value()
        for word in SECRET_WORDS
        if word in text
    ]
    assert leaks == []


async def test_the_peoples_mail_is_encrypted_in_the_outbox_and_delivered_in_clear(client, smtp):
    _, breach = await a_breach_taken_to_its_end(client, smtp)

    messages = await OutboxMessage.filter(kind="breach.people_communication").order_by("created_at")
    assert sorted(m.to_addrs[0] for m in messages) == sorted(PEOPLE)
    for message in messages:
        (row,) = await raw_rows("outbox_message", f"id = '{message.id}'")
        assert_sealed(row["to_addrs"], *PEOPLE)
        assert_sealed(row["cc_addrs"])
        assert_sealed(row["subject"], message.subject)
        assert_sealed(row["body_text"], FACTS["measures_taken"])
        assert row["status"] == "sent"

    # Delivered in clear through a real SMTP server, one mail per person.
    assert sorted(tuple(m.rcpt_tos) for m in smtp.received) == sorted((p,) for p in PEOPLE)
    for mail in smtp.received:
        assert "Rappel du courriel, effacement demandé" in mail.body
        assert "données personnelles" in mail.subject

    # And in clear through the messages API.
    listed = await read(client, f"/messages?subject_id={breach['id']}")
    assert sorted(a for m in listed["items"] for a in m["to_addrs"]) == sorted(PEOPLE)
    detail = await read(client, f"/messages/{messages[0].id}")
    assert "Rappel du courriel, effacement demandé" in detail["body_text"]


async def test_a_failed_messages_reason_and_corrected_recipient_stay_encrypted(client, smtp):
    smtp.handler.refuse.add(PEOPLE[0])
    await a_breach_taken_to_its_end_but_one_refusal(client)
    (failed,) = await OutboxMessage.filter(status="failed")
    assert PEOPLE[0] in failed.last_error
    (row,) = await raw_rows("outbox_message", f"id = '{failed.id}'")
    assert_sealed(row["last_error"], PEOPLE[0])

    corrected = "j.lefevre@autre-exemple.fr"
    response = await client.post(
        f"{API}/messages/{failed.id}/retry", json={"to_addrs": [corrected]}
    )
    assert response.status_code == 200, response.text
    assert response.json()["to_addrs"] == [corrected]
    (row,) = await raw_rows("outbox_message", f"id = '{failed.id}'")
    assert_sealed(row["to_addrs"], corrected)
    report = await deliver_due(owner="test")
    assert report.sent == 1
    assert smtp.received[-1].rcpt_tos == [corrected]


async def a_breach_taken_to_its_end_but_one_refusal(client) -> None:
    world = await bodies(client)
    response = await client.post(
        f"{API}/incidents",
        json={
            "organisation_id": world["commune"]["id"],
            "title": TITLE,
            "description": DESCRIPTION,
            "detected_at": iso(ago(hours=10)),
            "nature": ["confidentiality"],
            "activity_ids": [world["activity"]["id"]],
        },
    )
    assert response.status_code == 201, response.text
    breach = await read(client, f"/breaches/{response.json()['breach_ids'][0]}")
    breach = await done(
        client, breach, "assessment", context="financial", identification="significant"
    )
    breach = await done(
        client,
        breach,
        "decision",
        risk_level="high",
        notify_cnil=True,
        inform_people="yes",
        reasons=REASONS,
    )
    breach = await done(
        client, breach, "notifications", sent_at=iso(ago(hours=2)), followup_due_at=FOLLOWUP_DUE
    )
    await done(
        client,
        breach,
        "notifications",
        recipient="data_subjects",
        channel="email",
        sent_at=iso(ago(minutes=5)),
        addresses=PEOPLE[:1],
    )
    report = await deliver_due(owner="test")
    assert report.failed == 1, report.errors


async def test_rotation_keeps_every_row_readable_through_the_api(client, smtp, settings_env):
    test_key = os.environ["RGPD_ENCRYPTION_KEYS"]
    incident, breach = await a_breach_taken_to_its_end(client, smtp)
    new_key = f"k2:{generate_key()}"

    settings_env(encryption_keys=f"{new_key},{test_key}")  # the new key writes, both read
    assert (await read(client, f"/incidents/{incident['id']}"))["description"] == (
        DESCRIPTION_CORRECTED
    )
    rewritten = {f"{m.__name__}.{n}": await rotate_field(m, n) for m, n in encrypted_fields()}
    assert rewritten["Incident.description"] == 1 and rewritten["Breach.closing_reasons"] == 1
    assert rewritten["OutboxMessage.to_addrs"] == 2

    settings_env(encryption_keys=new_key)  # the old key is gone: everything still reads
    assert (await read(client, f"/incidents/{incident['id']}"))["history"][0]["changes"]
    after = await read(client, f"/breaches/{breach['id']}")
    assert after["decision_reasons"] == REASONS
    assert after["notifications"][0]["summary"] == SUMMARY
    (row,) = await raw_rows("breach", f"id = '{breach['id']}'")
    assert row["decision_reasons"].startswith("enc:v2:k2:")


async def test_a_missing_key_is_a_french_error_not_garbage(client, smtp, settings_env):
    incident, _ = await a_breach_taken_to_its_end(client, smtp)
    settings_env(encryption_keys=f"k2:{generate_key()}")
    response = await client.get(f"{API}/incidents/{incident['id']}")
    assert response.status_code == 500
    detail = response.json()["detail"]
    assert "clé de chiffrement « test » absente" in detail
    assert "irrécupérables sans elle" in detail and "RGPD_ENCRYPTION_KEYS" in detail
    assert "enc:v1" not in detail and "enc:v2" not in detail


@pytest.mark.parametrize("column", ["title", "description"])
async def test_a_row_written_in_clear_before_encryption_reads_as_it_is(client, column):
    world = await bodies(client)
    response = await client.post(
        f"{API}/incidents",
        json={
            "organisation_id": world["commune"]["id"],
            "title": TITLE,
            "description": DESCRIPTION,
            "detected_at": iso(ago(hours=1)),
            "nature": ["availability"],
            "activity_ids": [world["activity"]["id"]],
        },
    )
    incident = response.json()
    legacy = "Écrit en clair avant le chiffrement : coupure du serveur de l'état civil"
    await Tortoise.get_connection("default").execute_query(
        f"UPDATE incident SET {column} = '{legacy.replace(chr(39), chr(39) * 2)}' "
        f"WHERE id = '{incident['id']}'"
    )
    assert (await read(client, f"/incidents/{incident['id']}"))[column] == legacy
    assert await rotate_field(Incident, column) == 1
    (row,) = await raw_rows("incident", f"id = '{incident['id']}'")
    assert_sealed(row[column], legacy)
    assert (await read(client, f"/incidents/{incident['id']}"))[column] == legacy


async def test_the_demo_incident_is_found_by_its_encrypted_title_and_declared_once(db):
    await load_demo(scope=Scope.everything())
    assert await load_demo_incident(scope=Scope.everything(), now=utcnow()) is True
    assert await load_demo_incident(scope=Scope.everything(), now=utcnow()) is False
    (incident,) = await Incident.all()
    assert incident.title == DEMO_INCIDENT_TITLE
    (row,) = await raw_rows("incident", f"id = '{incident.id}'")
    assert_sealed(row["title"], DEMO_INCIDENT_TITLE)
