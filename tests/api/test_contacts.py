"""Contacts of an organisation (DPO, RSSI, legal representative, convention referent)."""

import uuid

from tests.factories import API, assert_refused, make_contact, make_org, read

CONTACTS = f"{API}/contacts"


async def test_a_contact_is_registered_with_a_normalised_email_and_phone(client):
    org = await make_org(client)
    payload = {
        "organisation_id": org["id"],
        "name": "Jeanne Morel",
        "job_title": "Responsable de la sécurité des systèmes d'information",
        "roles": ["rssi", "convention_referent"],
        "email": "Jeanne.Morel@Example.FR",
        "phone": "06 12 34 56 78",
    }

    response = await client.post(CONTACTS, json=payload)

    assert response.status_code == 201, response.text
    contact = response.json()
    assert {k: contact[k] for k in payload} == {
        **payload,
        "email": "Jeanne.Morel@example.fr",
        "phone": "+33612345678",
    }
    assert contact["version"] == 1
    assert await read(client, f"/contacts/{contact['id']}") == contact


async def test_an_overseas_number_written_the_french_way_gets_its_own_country_code(client):
    org = await make_org(client, legal_name="Commune de Saint-Denis (La Réunion)")

    contact = await make_contact(client, organisation=org, phone="0262 40 04 04")

    assert contact["phone"] == "+262262400404"


async def test_a_role_given_twice_is_kept_once(client):
    org = await make_org(client)

    contact = await make_contact(client, organisation=org, roles=["dpo", "rssi", "dpo"])

    assert contact["roles"] == ["dpo", "rssi"]


async def test_a_contact_needs_at_least_one_role(client):
    org = await make_org(client)

    response = await client.post(
        CONTACTS, json={"organisation_id": org["id"], "name": "X", "roles": []}
    )

    assert_refused(response, ["body", "roles"], "au moins 1 élément")


async def test_a_contact_with_an_unknown_role_is_refused(client):
    org = await make_org(client)

    response = await client.post(
        CONTACTS, json={"organisation_id": org["id"], "name": "X", "roles": ["maire"]}
    )

    assert_refused(response, ["body", "roles", 0], "valeur non admise")


async def test_a_contact_with_a_bad_email_is_refused(client):
    org = await make_org(client)

    response = await client.post(
        CONTACTS,
        json={"organisation_id": org["id"], "name": "X", "roles": ["rssi"], "email": "rssi.fr"},
    )

    assert_refused(response, ["body", "email"], "adresse électronique invalide")
    assert (await client.get(CONTACTS)).json()["total"] == 0


async def test_a_contact_with_a_bad_phone_is_refused(client):
    org = await make_org(client)

    response = await client.post(
        CONTACTS,
        json={"organisation_id": org["id"], "name": "X", "roles": ["rssi"], "phone": "01 02"},
    )

    assert_refused(response, ["body", "phone"], "numéro de téléphone invalide")


async def test_an_unreadable_phone_is_refused(client):
    org = await make_org(client)

    response = await client.post(
        CONTACTS,
        json={"organisation_id": org["id"], "name": "X", "roles": ["rssi"], "phone": "standard"},
    )

    assert_refused(response, ["body", "phone"], "numéro de téléphone illisible")


async def test_a_contact_of_an_unknown_organisation_is_refused(client):
    response = await client.post(
        CONTACTS, json={"organisation_id": str(uuid.uuid4()), "name": "X", "roles": ["rssi"]}
    )

    assert_refused(response, ["body", "organisation_id"], "organisme inconnu")


async def test_an_unknown_contact_is_not_found(client):
    assert (await client.get(f"{CONTACTS}/{uuid.uuid4()}")).status_code == 404


async def test_a_contact_update_is_saved_and_bumps_the_version(client):
    org = await make_org(client)
    contact = await make_contact(client, organisation=org, roles=["rssi"])

    response = await client.patch(
        f"{CONTACTS}/{contact['id']}",
        json={"version": 1, "roles": ["rssi", "dpo"], "phone": "+33 1 23 45 67 89"},
    )

    assert response.status_code == 200, response.text
    stored = await read(client, f"/contacts/{contact['id']}")
    assert stored["roles"] == ["rssi", "dpo"]
    assert stored["phone"] == "+33123456789"
    assert stored["version"] == 2
    assert stored["name"] == contact["name"]


async def test_a_contact_cannot_be_moved_to_an_unknown_organisation(client):
    org = await make_org(client)
    contact = await make_contact(client, organisation=org)

    response = await client.patch(
        f"{CONTACTS}/{contact['id']}",
        json={"version": 1, "organisation_id": str(uuid.uuid4())},
    )

    assert_refused(response, ["body", "organisation_id"], "organisme inconnu")
    stored = await read(client, f"/contacts/{contact['id']}")
    assert (stored["organisation_id"], stored["version"]) == (org["id"], 1)


async def test_a_contact_update_with_a_bad_email_leaves_the_contact_unchanged(client):
    org = await make_org(client)
    contact = await make_contact(client, organisation=org, email="rssi@example.fr")

    response = await client.patch(
        f"{CONTACTS}/{contact['id']}", json={"version": 1, "email": "pas une adresse"}
    )

    assert_refused(response, ["body", "email"], "adresse électronique invalide")
    stored = await read(client, f"/contacts/{contact['id']}")
    assert (stored["email"], stored["version"]) == ("rssi@example.fr", 1)


async def test_a_second_contact_edit_from_the_same_version_is_refused(client):
    org = await make_org(client)
    contact = await make_contact(client, organisation=org)
    url = f"{CONTACTS}/{contact['id']}"

    first = await client.patch(url, json={"version": 1, "job_title": "DGS"})
    second = await client.patch(url, json={"version": 1, "job_title": "DGA"})

    assert (first.status_code, second.status_code) == (200, 409)
    stored = await read(client, f"/contacts/{contact['id']}")
    assert (stored["job_title"], stored["version"]) == ("DGS", 2)


async def test_a_deleted_contact_is_gone(client):
    org = await make_org(client)
    contact = await make_contact(client, organisation=org)

    response = await client.delete(f"{CONTACTS}/{contact['id']}", params={"version": 1})

    assert response.status_code == 204
    assert (await client.get(f"{CONTACTS}/{contact['id']}")).status_code == 404


async def test_deleting_a_contact_with_a_stale_version_is_refused(client):
    org = await make_org(client)
    contact = await make_contact(client, organisation=org)
    await client.patch(f"{CONTACTS}/{contact['id']}", json={"version": 1, "job_title": "DGS"})

    response = await client.delete(f"{CONTACTS}/{contact['id']}", params={"version": 1})

    assert response.status_code == 409
    assert (await read(client, f"/contacts/{contact['id']}"))["job_title"] == "DGS"


async def test_the_contacts_of_a_deleted_organisation_go_with_it(client):
    org = await make_org(client)
    contact = await make_contact(client, organisation=org)

    assert (await client.delete(f"{API}/organisations/{org['id']}")).status_code == 204

    assert (await client.get(f"{CONTACTS}/{contact['id']}")).status_code == 404


async def test_contacts_are_listed_by_page_in_name_order(client):
    org = await make_org(client)
    for name in ("Paul", "Alice", "Marie"):
        await make_contact(client, organisation=org, name=name)

    first = (await client.get(CONTACTS, params={"limit": 2})).json()
    rest = (await client.get(CONTACTS, params={"limit": 2, "offset": 2})).json()

    assert [c["name"] for c in first["items"]] == ["Alice", "Marie"]
    assert [c["name"] for c in rest["items"]] == ["Paul"]
    assert (first["total"], first["limit"], rest["offset"]) == (3, 2, 2)


async def test_contacts_are_filtered_by_organisation_and_by_role(client):
    juvisy = await make_org(client)
    meudon = await make_org(client)
    await make_contact(client, organisation=juvisy, name="Alice", roles=["dpo"])
    await make_contact(client, organisation=juvisy, name="Bruno", roles=["rssi"])
    await make_contact(client, organisation=meudon, name="Chloé", roles=["rssi", "dpo"])

    of_juvisy = (await client.get(CONTACTS, params={"organisation_id": juvisy["id"]})).json()
    dpos = (await client.get(CONTACTS, params={"role": "dpo"})).json()
    dpo_of_meudon = (
        await client.get(CONTACTS, params={"role": "dpo", "organisation_id": meudon["id"]})
    ).json()
    second_dpo = (await client.get(CONTACTS, params={"role": "dpo", "offset": 1})).json()

    assert [c["name"] for c in of_juvisy["items"]] == ["Alice", "Bruno"]
    assert [c["name"] for c in dpos["items"]] == ["Alice", "Chloé"]
    assert dpos["total"] == 2
    assert [c["name"] for c in dpo_of_meudon["items"]] == ["Chloé"]
    assert ([c["name"] for c in second_dpo["items"]], second_dpo["total"]) == (["Chloé"], 2)


async def test_contacts_cannot_be_filtered_by_an_unknown_role(client):
    response = await client.get(CONTACTS, params={"role": "maire"})

    assert_refused(response, ["query", "role"], "valeur non admise")
