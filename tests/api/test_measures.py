"""Security measures (art. 32), classed by the CNIL 2024 guide and the register template."""

import uuid

import pytest

from tests.factories import API, assert_refused, make_activity, make_measure, make_org, read

MEASURES = f"{API}/measures"


@pytest.fixture
async def juvisy(client):
    return await make_org(client, legal_name="Commune de Juvisy-sur-Orge")


async def test_a_measure_is_registered_with_every_field(client, juvisy):
    payload = {
        "organisation_id": juvisy["id"],
        "title": "Sauvegardes chiffrées hors site",
        "description": "Sauvegarde quotidienne, copie hebdomadaire hors ligne",
        "cnil_sheet": "17_backup",
        "register_category": "backup",
        "art32_objectives": ["c_restoration", "a_pseudonymisation_encryption"],
        "nature": "technical",
        "status": "in_progress",
        "priority": "high",
        "owner": "DSI mutualisée",
        "due_at": "2025-06-30",
        "last_tested_at": "2024-11-15",
        "evidence": ["PV de test de restauration du 15/11/2024"],
    }

    response = await client.post(MEASURES, json=payload)

    assert response.status_code == 201, response.text
    measure = response.json()
    assert {k: measure[k] for k in payload} == payload
    assert (measure["version"], measure["activity_ids"]) == (1, [])
    assert await read(client, f"/measures/{measure['id']}") == measure


async def test_a_measure_gets_defaults(client, juvisy):
    measure = await make_measure(client, organisation=juvisy)

    assert (measure["nature"], measure["status"], measure["priority"]) == (
        "technical",
        "planned",
        "medium",
    )


async def test_a_measure_of_an_unknown_organisation_is_refused(client):
    response = await client.post(
        MEASURES, json={"organisation_id": str(uuid.uuid4()), "title": "Pare-feu"}
    )

    assert_refused(response, ["body", "organisation_id"], "organisme inconnu")


async def test_a_measure_with_an_unknown_cnil_sheet_is_refused(client, juvisy):
    response = await client.post(
        MEASURES,
        json={"organisation_id": juvisy["id"], "title": "Pare-feu", "cnil_sheet": "26_quantum"},
    )

    assert_refused(response, ["body", "cnil_sheet"], "valeur non admise")


async def test_a_measure_needs_a_title(client, juvisy):
    response = await client.post(MEASURES, json={"organisation_id": juvisy["id"], "title": "  "})

    assert_refused(response, ["body", "title"], "ne doit pas être vide")


async def test_an_unknown_measure_is_not_found(client):
    response = await client.get(f"{MEASURES}/{uuid.uuid4()}")

    assert response.status_code == 404
    assert "mesure de sécurité introuvable" in response.json()["detail"]


async def test_a_measure_shows_the_activities_that_rely_on_it(client, juvisy):
    measure = await make_measure(client, organisation=juvisy)
    activity = await make_activity(client, controller=juvisy, security_measure_ids=[measure["id"]])

    assert (await read(client, f"/measures/{measure['id']}"))["activity_ids"] == [activity["id"]]


async def test_a_measure_update_is_saved_and_bumps_the_version(client, juvisy):
    measure = await make_measure(client, organisation=juvisy, status="planned")

    response = await client.patch(
        f"{MEASURES}/{measure['id']}",
        json={"version": 1, "status": "implemented", "last_tested_at": "2025-01-10"},
    )

    assert response.status_code == 200, response.text
    stored = await read(client, f"/measures/{measure['id']}")
    assert (stored["status"], stored["last_tested_at"]) == ("implemented", "2025-01-10")
    assert (stored["title"], stored["version"]) == (measure["title"], 2)


async def test_a_measure_update_with_a_bad_status_leaves_it_unchanged(client, juvisy):
    measure = await make_measure(client, organisation=juvisy)

    response = await client.patch(
        f"{MEASURES}/{measure['id']}", json={"version": 1, "status": "done"}
    )

    assert_refused(response, ["body", "status"], "valeur non admise")
    stored = await read(client, f"/measures/{measure['id']}")
    assert (stored["status"], stored["version"]) == ("planned", 1)


async def test_a_measure_cannot_be_moved_to_an_unknown_organisation(client, juvisy):
    measure = await make_measure(client, organisation=juvisy)

    response = await client.patch(
        f"{MEASURES}/{measure['id']}", json={"version": 1, "organisation_id": str(uuid.uuid4())}
    )

    assert_refused(response, ["body", "organisation_id"], "organisme inconnu")
    assert (await read(client, f"/measures/{measure['id']}"))["organisation_id"] == juvisy["id"]


async def test_a_second_measure_edit_from_the_same_version_is_refused(client, juvisy):
    measure = await make_measure(client, organisation=juvisy)
    url = f"{MEASURES}/{measure['id']}"

    first = await client.patch(url, json={"version": 1, "owner": "DSI"})
    second = await client.patch(url, json={"version": 1, "owner": "DGS"})

    assert (first.status_code, second.status_code) == (200, 409)
    stored = await read(client, f"/measures/{measure['id']}")
    assert (stored["owner"], stored["version"]) == ("DSI", 2)


async def test_a_deleted_measure_is_gone(client, juvisy):
    measure = await make_measure(client, organisation=juvisy)

    response = await client.delete(f"{MEASURES}/{measure['id']}", params={"version": 1})

    assert response.status_code == 204
    assert (await client.get(f"{MEASURES}/{measure['id']}")).status_code == 404


async def test_deleting_a_measure_with_a_stale_version_is_refused(client, juvisy):
    measure = await make_measure(client, organisation=juvisy)
    await client.patch(f"{MEASURES}/{measure['id']}", json={"version": 1, "owner": "DSI"})

    response = await client.delete(f"{MEASURES}/{measure['id']}", params={"version": 1})

    assert response.status_code == 409
    assert (await read(client, f"/measures/{measure['id']}"))["owner"] == "DSI"


async def test_measures_are_listed_by_page_in_title_order(client, juvisy):
    for title in ("Pare-feu", "Antivirus", "Journalisation"):
        await make_measure(client, organisation=juvisy, title=title)

    first = (await client.get(MEASURES, params={"limit": 2})).json()
    rest = (await client.get(MEASURES, params={"limit": 2, "offset": 2})).json()

    assert [m["title"] for m in first["items"]] == ["Antivirus", "Journalisation"]
    assert [m["title"] for m in rest["items"]] == ["Pare-feu"]
    assert (first["total"], rest["offset"]) == (3, 2)


async def test_measures_are_filtered_by_organisation_status_and_cnil_sheet(client, juvisy):
    meudon = await make_org(client)
    await make_measure(
        client,
        organisation=juvisy,
        title="Sauvegardes",
        status="implemented",
        cnil_sheet="17_backup",
    )
    await make_measure(client, organisation=juvisy, title="Journaux", cnil_sheet="16_logging")
    await make_measure(
        client, organisation=meudon, title="Sauvegardes Meudon", cnil_sheet="17_backup"
    )

    async def listed(**params):
        return (await client.get(MEASURES, params=params)).json()

    of_juvisy = await listed(organisation_id=juvisy["id"])
    implemented = await listed(status="implemented")
    backups = await listed(cnil_sheet="17_backup")
    meudon_backups = await listed(cnil_sheet="17_backup", organisation_id=meudon["id"])

    assert [m["title"] for m in of_juvisy["items"]] == ["Journaux", "Sauvegardes"]
    assert [m["title"] for m in implemented["items"]] == ["Sauvegardes"]
    assert [m["title"] for m in backups["items"]] == ["Sauvegardes", "Sauvegardes Meudon"]
    assert [m["title"] for m in meudon_backups["items"]] == ["Sauvegardes Meudon"]
    assert backups["total"] == 2
