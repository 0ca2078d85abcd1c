"""Encrypted values are bound to their row (issue 14): a body's incident title copied by hand
into another body's row, in the database, does not show the first body's facts to the second
body's auditor. The API and the pages answer, the field reads as unreadable, the log says where.
"""

import logging

from tortoise import Tortoise

from breach.breaches.models import Breach, BreachEvent
from breach.incidents.models import Incident, IncidentChange
from core.crypto import (
    UNREADABLE,
    RowBoundManager,
    decrypt,
    encrypt,
    encrypted_fields,
    place,
    rotate_field,
)
from core.outbox.models import OutboxMessage
from tests.access.conftest import client_as, make_user
from tests.factories import API, ago, iso, make_activity, make_org, read, with_facts
from tests.web.conftest import browser

__all__ = ["browser", "client_as", "make_user"]

TITLE_A = "Panne du serveur de messagerie de la commune Alpha"
TITLE_B = "Fuite des dossiers d'aide sociale de Mme Odile Verrier à Beta"
DESCRIPTION_B = "Dossiers de 58 usagers de Beta envoyés à une adresse externe par erreur."


async def declare(client, org: dict, title: str, description: str) -> dict:
    activity = await make_activity(client, controller=org, name=f"Accueil de {org['legal_name']}")
    response = await client.post(
        f"{API}/incidents",
        json={
            "organisation_id": org["id"],
            "title": title,
            "description": description,
            "detected_at": iso(ago(hours=2)),
            "nature": ["confidentiality"],
            "activity_ids": [activity["id"]],
        },
    )
    assert response.status_code == 201, response.text
    return response.json()


async def copy_column(table: str, column: str, source_id: str, target_id: str) -> None:
    """What someone with write access to the database would do: copy a stored value."""
    conn = Tortoise.get_connection("default")
    (row,) = await conn.execute_query_dict(
        f"SELECT {column} AS value FROM {table} WHERE id = '{source_id}'"
    )
    assert row["value"].startswith("enc:v2:")
    await conn.execute_query(
        f"UPDATE {table} SET {column} = '{row['value']}' WHERE id = '{target_id}'"
    )


async def two_bodies_with_an_incident_each(client) -> dict:
    alpha = await make_org(client, kind="commune", legal_name="Commune Alpha")
    beta = await make_org(client, kind="commune", legal_name="Commune Beta")
    return {
        "alpha": alpha,
        "beta": beta,
        "a_incident": await declare(client, alpha, TITLE_A, "Messagerie arrêtée deux heures."),
        "b_incident": await declare(client, beta, TITLE_B, DESCRIPTION_B),
    }


async def test_a_title_copied_from_another_bodys_row_is_unreadable_to_the_auditor(
    client, make_user, client_as, browser, caplog
):
    world = await two_bodies_with_an_incident_each(client)
    a_id, b_id = world["a_incident"]["id"], world["b_incident"]["id"]
    auditor = await make_user("audit@commune-alpha.fr", (world["alpha"]["id"], "auditor"))
    api = await client_as(auditor)
    assert (await read(api, f"/incidents/{a_id}"))["title"] == TITLE_A  # the premise

    caplog.set_level(logging.ERROR, logger="rgpd.crypto")
    await copy_column("incident", "title", b_id, a_id)
    await copy_column("incident", "description", b_id, a_id)

    response = await api.get(f"{API}/incidents/{a_id}")
    assert response.status_code == 200, response.text
    assert response.json()["title"] == UNREADABLE
    assert response.json()["description"] == UNREADABLE
    assert "Verrier" not in response.text and "58 usagers" not in response.text
    listed = await api.get(f"{API}/incidents")
    assert listed.status_code == 200, listed.text
    assert "Verrier" not in listed.text and UNREADABLE in listed.text

    page = await (await browser(auditor)).get(f"/incidents/{a_id}")
    assert page.status_code == 200, page.text
    assert "[valeur illisible : déplacée ou altérée]" in page.text
    assert "Verrier" not in page.text

    # Beta's own row still reads, and the log names the row that did not.
    assert (await read(client, f"/incidents/{b_id}"))["title"] == TITLE_B
    assert f"incident.title#{a_id}" in caplog.text


async def test_a_breach_reason_moved_between_rows_is_unreadable_and_the_rest_reads(client, caplog):
    world = await two_bodies_with_an_incident_each(client)
    (a_breach_id,) = world["a_incident"]["breach_ids"]
    (b_breach_id,) = world["b_incident"]["breach_ids"]
    facts = {"measures_taken": "Dossiers de Mme Verrier rappelés et effacés."}
    await with_facts(client, await read(client, f"/breaches/{b_breach_id}"), **facts)
    a_breach = await with_facts(
        client, await read(client, f"/breaches/{a_breach_id}"), measures_taken="Redémarrage."
    )
    await copy_column("breach", "measures_taken", b_breach_id, a_breach_id)

    conn = Tortoise.get_connection("default")
    moved = f"SELECT measures_taken FROM breach WHERE id = '{a_breach_id}'"
    (stored,) = await conn.execute_query_dict(moved)

    breach = await read(client, f"/breaches/{a_breach_id}")
    assert breach["measures_taken"] == UNREADABLE
    assert breach["controller_id"] == world["alpha"]["id"]
    # Editing another fact goes on; the moved value is left as it was, as evidence.
    breach = await with_facts(client, breach, measures_planned="Contrôle des envois.")
    assert breach["measures_planned"] == "Contrôle des envois."
    assert breach["measures_taken"] == UNREADABLE
    assert await conn.execute_query_dict(moved) == [stored]
    # Writing the fact again replaces it, bound to this row.
    breach = await with_facts(client, breach, measures_taken="Redémarrage du serveur.")
    assert breach["measures_taken"] == "Redémarrage du serveur."
    assert (await read(client, f"/breaches/{b_breach_id}"))["measures_taken"] == facts[
        "measures_taken"
    ]
    assert a_breach["id"] == a_breach_id


async def test_rotation_binds_values_of_the_old_format_to_their_rows(client):
    world = await two_bodies_with_an_incident_each(client)
    a_id, b_id = world["a_incident"]["id"], world["b_incident"]["id"]
    conn = Tortoise.get_connection("default")
    # Rows written before the rows were bound: enc:v1:, bound to the column only.
    for row_id, title in ((a_id, TITLE_A), (b_id, TITLE_B)):
        await conn.execute_query(
            f"UPDATE incident SET title = '{encrypt(title, 'incident.title')}' "
            f"WHERE id = '{row_id}'"
        )
    assert (await read(client, f"/incidents/{a_id}"))["title"] == TITLE_A
    assert await rotate_field(Incident, "title") == 2
    await copy_column("incident", "title", b_id, a_id)
    assert (await read(client, f"/incidents/{a_id}"))["title"] == UNREADABLE
    assert (await read(client, f"/incidents/{b_id}"))["title"] == TITLE_B
    assert await Breach.filter(incident_id=a_id).count() == 1


async def test_every_model_with_an_encrypted_field_binds_its_rows(db):
    models = {model for model, _ in encrypted_fields()}
    assert {Incident, IncidentChange, Breach, BreachEvent, OutboxMessage} <= models
    for model in models:  # accounts' TOTP secret included, once it is an encrypted field
        assert model.__dict__.get("_crypto_rows_bound"), model
        assert isinstance(model._meta.manager, RowBoundManager), model


async def test_a_change_history_row_is_bound_to_the_key_the_database_gave_it(client):
    world = await two_bodies_with_an_incident_each(client)
    incident = world["b_incident"]
    response = await client.patch(
        f"{API}/incidents/{incident['id']}",
        json={"version": incident["version"], "description": DESCRIPTION_B + " Rappelés."},
    )
    assert response.status_code == 200, response.text
    (change,) = await IncidentChange.filter(incident_id=incident["id"])
    conn = Tortoise.get_connection("default")
    (row,) = await conn.execute_query_dict(
        f"SELECT changes FROM incident_change WHERE id = {change.id}"
    )
    assert row["changes"].startswith("enc:v2:")
    assert "Rappelés" not in row["changes"]
    assert "Rappelés" in decrypt(row["changes"], place("incident_change", "changes", change.id))
    history = (await read(client, f"/incidents/{incident['id']}"))["history"]
    assert history[0]["changes"]["description"]["after"] == DESCRIPTION_B + " Rappelés."
