"""Organisations (checklist §8) and the DPOs they designate (art. 37)."""

import uuid

from register.activities.models import ProcessingActivity
from register.organisations.models import Organisation
from tests.factories import (
    API,
    SIREN_GPSO,
    SIREN_JUVISY,
    SIREN_OTHER,
    SIRET_GPSO,
    assert_refused,
    make_activity,
    make_convention,
    make_dpo,
    make_measure,
    make_org,
    read,
)

ORGS = f"{API}/organisations"
DPOS = f"{API}/dpos"


# Organisations: create, read, update, delete, list --------------------------------------------


async def test_an_organisation_is_registered_with_every_field_it_was_given(client):
    dpo = await make_dpo(client)
    payload = {
        "legal_name": "Établissement public territorial Grand Paris Seine Ouest",
        "kind": "ept",
        "siren": SIREN_GPSO,
        "siret": SIRET_GPSO,
        "address": "2 rue de Paris, 92190 Meudon",
        "legal_rep_name": "Pierre-Christophe Baguet",
        "legal_rep_title": "Président",
        "legal_rep_email": "president@example.fr",
        "legal_rep_phone": "+33 1 46 29 31 00",
        "population": 320000,
        "staff_count": 1200,
        "nis2_status": "important",
        "competent_sa": "CNIL",
        "dpo_id": dpo["id"],
        "dpo_designated_at": "2018-05-25",
        "dpo_cnil_designation_ref": "DPO-12345",
    }

    response = await client.post(ORGS, json=payload)

    assert response.status_code == 201, response.text
    org = response.json()
    assert {k: org[k] for k in payload} == {**payload, "legal_rep_phone": "+33146293100"}
    assert org["version"] == 1
    assert await read(client, f"/organisations/{org['id']}") == org


async def test_an_organisation_gets_defaults_for_nis2_and_supervisory_authority(client):
    org = await make_org(client)

    assert org["nis2_status"] == "unknown"
    assert org["competent_sa"] == "CNIL"
    assert org["siren"] is None


async def test_an_unknown_organisation_is_not_found(client):
    response = await client.get(f"{ORGS}/{uuid.uuid4()}")

    assert response.status_code == 404
    assert "introuvable" in response.json()["detail"]


async def test_an_update_sent_with_the_version_read_is_saved_and_bumps_the_version(client):
    org = await make_org(client, legal_name="Commune de Juvisy")

    response = await client.patch(
        f"{ORGS}/{org['id']}", json={"version": 1, "legal_name": "Commune de Juvisy-sur-Orge"}
    )

    assert response.status_code == 200, response.text
    assert response.json()["version"] == 2
    stored = await read(client, f"/organisations/{org['id']}")
    assert stored["legal_name"] == "Commune de Juvisy-sur-Orge"
    assert stored["version"] == 2
    assert stored["kind"] == org["kind"]  # fields left out of the patch are kept


async def test_a_deleted_organisation_is_gone(client):
    org = await make_org(client)

    response = await client.delete(f"{ORGS}/{org['id']}", params={"version": 1})

    assert response.status_code == 204
    assert (await client.get(f"{ORGS}/{org['id']}")).status_code == 404


async def test_organisations_are_listed_by_page_in_name_order(client):
    for name in ("Commune C", "Commune A", "Commune B"):
        await make_org(client, legal_name=name)

    first = (await client.get(ORGS, params={"limit": 2})).json()
    second = (await client.get(ORGS, params={"limit": 2, "offset": 2})).json()

    assert [o["legal_name"] for o in first["items"]] == ["Commune A", "Commune B"]
    assert (first["total"], first["limit"], first["offset"]) == (3, 2, 0)
    assert [o["legal_name"] for o in second["items"]] == ["Commune C"]
    assert (second["total"], second["offset"]) == (3, 2)


async def test_organisations_are_filtered_by_kind_and_by_part_of_their_name(client):
    await make_org(client, kind="commune", legal_name="Commune de Juvisy-sur-Orge")
    await make_org(client, kind="commune", legal_name="Commune de Meudon")
    await make_org(client, kind="ept", legal_name="EPT Grand-Orly Seine Bièvre")

    by_kind = (await client.get(ORGS, params={"kind": "ept"})).json()
    by_name = (await client.get(ORGS, params={"q": "juvisy"})).json()
    both = (await client.get(ORGS, params={"kind": "ept", "q": "juvisy"})).json()

    assert [o["legal_name"] for o in by_kind["items"]] == ["EPT Grand-Orly Seine Bièvre"]
    assert by_kind["total"] == 1
    assert [o["legal_name"] for o in by_name["items"]] == ["Commune de Juvisy-sur-Orge"]
    assert both["total"] == 0
    assert both["items"] == []


# SIREN and SIRET -------------------------------------------------------------------------------


async def test_a_siren_with_a_valid_luhn_key_is_accepted_and_spaces_are_dropped(client):
    org = await make_org(client, siren="219 100 930")

    assert org["siren"] == SIREN_JUVISY


async def test_a_siren_with_a_wrong_luhn_key_is_refused(client):
    response = await client.post(
        ORGS, json={"legal_name": "Commune", "kind": "commune", "siren": "200058015"}
    )

    assert_refused(response, ["body", "siren"], "clé de contrôle du SIREN invalide")
    assert (await client.get(ORGS)).json()["total"] == 0


async def test_a_siren_with_letters_is_refused(client):
    response = await client.post(
        ORGS, json={"legal_name": "Commune", "kind": "commune", "siren": "20005801A"}
    )

    assert_refused(response, ["body", "siren"], "exactement 9 chiffres")


async def test_a_siren_of_the_wrong_length_is_refused(client):
    for siren in ("20005801", "2000580140"):
        response = await client.post(
            ORGS, json={"legal_name": "Commune", "kind": "commune", "siren": siren}
        )

        assert_refused(response, ["body", "siren"], "exactement 9 chiffres")


async def test_a_siret_must_start_with_the_organisations_siren(client):
    response = await client.post(
        ORGS,
        json={
            "legal_name": "Commune",
            "kind": "commune",
            "siren": SIREN_JUVISY,
            "siret": SIRET_GPSO,
        },
    )

    assert_refused(response, ["body", "siret"], "le SIRET doit commencer par le SIREN")


async def test_a_siret_with_a_wrong_luhn_key_is_refused(client):
    response = await client.post(
        ORGS,
        json={
            "legal_name": "EPT",
            "kind": "ept",
            "siren": SIREN_GPSO,
            "siret": "20005801400009",
        },
    )

    assert_refused(response, ["body", "siret"], "clé de contrôle du SIRET invalide")


async def test_two_organisations_cannot_share_a_siren(client):
    first = await make_org(client, siren=SIREN_GPSO)

    response = await client.post(
        ORGS, json={"legal_name": "Doublon", "kind": "ept", "siren": SIREN_GPSO}
    )

    assert response.status_code == 409
    assert "SIREN 200058014 existe déjà" in response.json()["detail"]
    listed = (await client.get(ORGS)).json()
    assert [o["id"] for o in listed["items"]] == [first["id"]]


async def test_an_update_cannot_take_the_siren_of_another_organisation(client):
    await make_org(client, siren=SIREN_GPSO)
    other = await make_org(client, siren=SIREN_OTHER)

    response = await client.patch(f"{ORGS}/{other['id']}", json={"version": 1, "siren": SIREN_GPSO})

    assert response.status_code == 409
    stored = await read(client, f"/organisations/{other['id']}")
    assert (stored["siren"], stored["version"]) == (SIREN_OTHER, 1)


async def test_an_organisation_keeps_its_own_siren_when_updated(client):
    org = await make_org(client, siren=SIREN_GPSO)

    response = await client.patch(f"{ORGS}/{org['id']}", json={"version": 1, "population": 10})

    assert response.status_code == 200, response.text
    assert response.json()["siren"] == SIREN_GPSO


# Legal representative's contact details ---------------------------------------------------------


async def test_a_legal_representatives_bad_email_is_refused(client):
    response = await client.post(
        ORGS, json={"legal_name": "Commune", "kind": "commune", "legal_rep_email": "maire@"}
    )

    assert_refused(response, ["body", "legal_rep_email"], "adresse électronique invalide")


async def test_a_legal_representatives_bad_phone_is_refused(client):
    response = await client.post(
        ORGS, json={"legal_name": "Commune", "kind": "commune", "legal_rep_phone": "01 23"}
    )

    assert_refused(response, ["body", "legal_rep_phone"], "numéro de téléphone invalide")


async def test_an_unknown_dpo_cannot_be_designated(client):
    response = await client.post(
        ORGS, json={"legal_name": "Commune", "kind": "commune", "dpo_id": str(uuid.uuid4())}
    )

    assert_refused(response, ["body", "dpo_id"], "DPO inconnu")


# Concurrent edits and refused writes -----------------------------------------------------------


async def test_a_second_edit_from_the_same_version_is_refused_and_the_first_is_kept(client):
    org = await make_org(client, legal_name="Commune de Meudon")
    url = f"{ORGS}/{org['id']}"

    first = await client.patch(url, json={"version": 1, "population": 45000})
    second = await client.patch(url, json={"version": 1, "population": 99})

    assert first.status_code == 200
    assert second.status_code == 409
    assert "modifiée entre-temps" in second.json()["detail"]
    stored = await read(client, f"/organisations/{org['id']}")
    assert (stored["population"], stored["version"]) == (45000, 2)


async def test_an_update_refused_by_validation_leaves_the_record_and_its_version(client):
    org = await make_org(client, siren=SIREN_GPSO)

    response = await client.patch(
        f"{ORGS}/{org['id']}", json={"version": 1, "siren": "200058015", "population": 5}
    )

    assert_refused(response, ["body", "siren"], "clé de contrôle du SIREN invalide")
    stored = await read(client, f"/organisations/{org['id']}")
    assert (stored["siren"], stored["population"], stored["version"]) == (SIREN_GPSO, None, 1)


async def test_deleting_with_a_stale_version_is_refused(client):
    org = await make_org(client)
    await client.patch(f"{ORGS}/{org['id']}", json={"version": 1, "population": 1})

    response = await client.delete(f"{ORGS}/{org['id']}", params={"version": 1})

    assert response.status_code == 409
    assert "modifié(e) entre-temps" in response.json()["detail"]
    assert (await read(client, f"/organisations/{org['id']}"))["version"] == 2


async def test_an_organisation_still_controlling_an_activity_cannot_be_deleted(client):
    org = await make_org(client)
    activity = await make_activity(client, controller=org)

    response = await client.delete(f"{ORGS}/{org['id']}")

    assert response.status_code == 409
    detail = response.json()["detail"]
    assert "l'organisme est encore responsable des activités de traitement" in detail
    assert f"« {activity['name']} »" in detail  # named, not a bare "encore utilisé"
    assert await Organisation.exists(id=org["id"])
    assert await ProcessingActivity.exists(id=activity["id"])


async def test_an_organisation_still_party_to_a_convention_cannot_be_deleted(client):
    ept = await make_org(client, kind="ept")
    commune = await make_org(client)
    convention = await make_convention(client, processor=ept, controller=commune)

    response = await client.delete(f"{ORGS}/{ept['id']}")

    assert response.status_code == 409
    assert (await read(client, f"/organisations/{ept['id']}"))["id"] == ept["id"]
    assert len((await read(client, f"/conventions/{convention['id']}"))["parties"]) == 2


async def test_an_organisation_still_owning_a_security_measure_cannot_be_deleted(client):
    org = await make_org(client)
    await make_measure(client, organisation=org)

    response = await client.delete(f"{ORGS}/{org['id']}")

    assert response.status_code == 409
    assert await Organisation.exists(id=org["id"])


# DPOs ------------------------------------------------------------------------------------------


async def test_a_dpo_is_registered_with_every_field_and_a_normalised_phone(client):
    payload = {
        "mode": "external",
        "name": "Claire Martin",
        "email": "dpd@cdg92.fr",
        "phone": "01 41 21 00 00",
        "address": "Centre de gestion, Nanterre",
        "employer": "CIG petite couronne",
        "published_contact_url": "https://www.example.fr/dpd",
    }

    response = await client.post(DPOS, json=payload)

    assert response.status_code == 201, response.text
    dpo = response.json()
    assert {k: dpo[k] for k in payload} == {**payload, "phone": "+33141210000"}
    assert (dpo["version"], dpo["organisation_ids"]) == (1, [])
    assert await read(client, f"/dpos/{dpo['id']}") == dpo


async def test_a_dpos_bad_email_is_refused(client):
    response = await client.post(DPOS, json={"mode": "internal", "name": "X", "email": "x@@y"})

    assert_refused(response, ["body", "email"], "adresse électronique invalide")
    assert (await client.get(DPOS)).json()["total"] == 0


async def test_a_dpos_bad_phone_is_refused(client):
    response = await client.post(
        DPOS, json={"mode": "internal", "name": "X", "email": "x@example.fr", "phone": "12"}
    )

    assert_refused(response, ["body", "phone"], "numéro de téléphone invalide")


async def test_a_dpo_with_an_unknown_mode_is_refused(client):
    response = await client.post(
        DPOS, json={"mode": "freelance", "name": "X", "email": "x@example.fr"}
    )

    assert_refused(response, ["body", "mode"], "valeur non admise")


async def test_an_unknown_dpo_is_not_found(client):
    assert (await client.get(f"{DPOS}/{uuid.uuid4()}")).status_code == 404


async def test_a_dpo_lists_the_organisations_that_designated_it(client):
    dpo = await make_dpo(client)
    juvisy = await make_org(client, dpo_id=dpo["id"])
    meudon = await make_org(client, dpo_id=dpo["id"])
    await make_org(client)

    shown = await read(client, f"/dpos/{dpo['id']}")

    assert sorted(shown["organisation_ids"]) == sorted([juvisy["id"], meudon["id"]])


async def test_a_dpo_update_is_saved_and_bumps_the_version(client):
    dpo = await make_dpo(client)

    response = await client.patch(
        f"{DPOS}/{dpo['id']}", json={"version": 1, "email": "nouveau@example.fr"}
    )

    assert response.status_code == 200, response.text
    stored = await read(client, f"/dpos/{dpo['id']}")
    assert (stored["email"], stored["version"]) == ("nouveau@example.fr", 2)
    assert stored["name"] == dpo["name"]


async def test_a_dpo_update_with_a_bad_phone_leaves_the_dpo_unchanged(client):
    dpo = await make_dpo(client, phone="0141210000")

    response = await client.patch(f"{DPOS}/{dpo['id']}", json={"version": 1, "phone": "abc"})

    assert_refused(response, ["body", "phone"], "numéro de téléphone")
    stored = await read(client, f"/dpos/{dpo['id']}")
    assert (stored["phone"], stored["version"]) == ("+33141210000", 1)


async def test_a_second_dpo_edit_from_the_same_version_is_refused(client):
    dpo = await make_dpo(client, name="Claire Martin")
    url = f"{DPOS}/{dpo['id']}"

    first = await client.patch(url, json={"version": 1, "name": "Claire Martin-Durand"})
    second = await client.patch(url, json={"version": 1, "name": "Autre nom"})

    assert (first.status_code, second.status_code) == (200, 409)
    stored = await read(client, f"/dpos/{dpo['id']}")
    assert (stored["name"], stored["version"]) == ("Claire Martin-Durand", 2)


async def test_a_deleted_dpo_is_gone(client):
    dpo = await make_dpo(client)

    assert (await client.delete(f"{DPOS}/{dpo['id']}", params={"version": 1})).status_code == 204
    assert (await client.get(f"{DPOS}/{dpo['id']}")).status_code == 404


async def test_deleting_a_dpo_with_a_stale_version_is_refused(client):
    dpo = await make_dpo(client)
    await client.patch(f"{DPOS}/{dpo['id']}", json={"version": 1, "name": "Nouveau nom"})

    response = await client.delete(f"{DPOS}/{dpo['id']}", params={"version": 1})

    assert response.status_code == 409
    assert (await read(client, f"/dpos/{dpo['id']}"))["name"] == "Nouveau nom"


async def test_a_dpo_still_designated_by_an_organisation_cannot_be_deleted(client):
    dpo = await make_dpo(client)
    org = await make_org(client, dpo_id=dpo["id"])

    response = await client.delete(f"{DPOS}/{dpo['id']}")

    assert response.status_code == 409
    assert (await read(client, f"/dpos/{dpo['id']}"))["organisation_ids"] == [org["id"]]


async def test_dpos_are_listed_by_page_in_name_order(client):
    for name in ("Zoé Petit", "Anne Durand", "Marc Leroy"):
        await make_dpo(client, name=name)

    first = (await client.get(DPOS, params={"limit": 2})).json()
    rest = (await client.get(DPOS, params={"limit": 2, "offset": 2})).json()

    assert [d["name"] for d in first["items"]] == ["Anne Durand", "Marc Leroy"]
    assert [d["name"] for d in rest["items"]] == ["Zoé Petit"]
    assert (first["total"], rest["total"], rest["offset"]) == (3, 3, 2)


async def test_an_organisation_named_joint_controller_of_an_activity_cannot_be_deleted(client):
    # Art. 30(1)(a): the record names the joint controller; deleting it would silently
    # drop that name from another body's record.
    juvisy = await make_org(client)
    meudon = await make_org(client)
    activity = await make_activity(client, controller=juvisy, joint_controller_ids=[meudon["id"]])

    response = await client.delete(f"{ORGS}/{meudon['id']}")

    assert response.status_code == 409
    assert "co-responsable" in response.json()["detail"]
    assert await Organisation.exists(id=meudon["id"])
    stored = await read(client, f"/activities/{activity['id']}")
    assert stored["joint_controller_ids"] == [meudon["id"]]


async def test_a_count_beyond_what_can_be_stored_is_refused_by_name(client):
    # Found by schemathesis: a 20-digit staff count used to reach the database (500).
    response = await client.post(
        f"{API}/organisations",
        json={"legal_name": "Commune démesurée", "kind": "commune", "staff_count": 10**20},
    )
    assert response.status_code == 422
    assert response.json()["detail"][0]["loc"] == ["body", "staff_count"]


async def test_a_supervisory_authority_longer_than_its_column_is_refused_by_name(client):
    # Found by schemathesis: 37 characters reached a 32-character column (500).
    response = await client.post(
        f"{API}/organisations",
        json={"legal_name": "CCAS d'essai", "kind": "ccas_cias", "competent_sa": "C" * 33},
    )
    assert response.status_code == 422
    assert response.json()["detail"][0]["loc"] == ["body", "competent_sa"]


async def test_a_value_longer_than_its_column_is_a_422_naming_the_field_not_a_500(client):
    # The safety net behind the input shapes: a DPO's name column holds 200 characters.
    response = await client.post(
        f"{API}/dpos", json={"mode": "internal", "name": "N" * 250, "email": "dpd@exemple.fr"}
    )
    assert response.status_code == 422, response.text
    assert response.json()["detail"][0]["loc"] == ["body", "name"]
    assert "200" in response.json()["detail"][0]["msg"]
