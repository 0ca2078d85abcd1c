"""Sub-processors: a processor's own processors (art. 28(2) and (4)), and their chains."""

import uuid

import pytest

from register.subprocessors.models import SubprocessorEngagement
from tests.factories import (
    API,
    SIREN_OTHER,
    assert_refused,
    make_activity,
    make_convention,
    make_org,
    make_subprocessor,
    read,
)

SUBPROCESSORS = f"{API}/subprocessors"


@pytest.fixture
async def ept(client):
    return await make_org(client, kind="ept", legal_name="EPT Grand Paris Seine Ouest")


@pytest.fixture
async def host(client):
    return await make_org(client, kind="other", legal_name="Hébergeur SAS")


def engagement_payload(processor: dict, **fields) -> dict:
    return {
        "processor_id": processor["id"],
        "name": "Hébergeur",
        "services": "Hébergement",
        "authorisation": "general",
        **fields,
    }


async def test_a_sub_processor_is_registered_with_every_field(client, ept, host):
    commune = await make_org(client)
    convention = await make_convention(client, processor=ept, controller=commune)
    activity = await make_activity(client, controller=commune)
    payload = {
        "processor_id": ept["id"],
        "subprocessor_org_id": host["id"],
        "parent_id": None,
        "name": "Hébergeur SAS",
        "siren": SIREN_OTHER,
        "country": "FR",
        "address": "1 rue du Cloud, 59000 Lille",
        "dpo_contact": "dpo@hebergeur.example",
        "services": "Hébergement et infogérance des serveurs",
        "data_locations": ["FR", "DE"],
        "transfer_mechanism": None,
        "authorisation": "specific",
        "authorised_at": "2024-02-01",
        "objection_deadline": "2024-03-01",
        "contract_ref": "MAR-2024-17",
        "contract_start": "2024-02-01",
        "contract_end": "2028-01-31",
        "clauses_verified": True,
        "certifications": ["HDS", "SecNumCloud"],
        "next_review": "2025-02-01",
        "convention_ids": [convention["id"]],
        "activity_ids": [activity["id"]],
    }

    response = await client.post(SUBPROCESSORS, json=payload)

    assert response.status_code == 201, response.text
    engagement = response.json()
    assert {k: engagement[k] for k in payload} == payload
    assert engagement["version"] == 1
    assert await read(client, f"/subprocessors/{engagement['id']}") == engagement


async def test_country_codes_are_stored_in_upper_case_once(client, ept):
    engagement = await make_subprocessor(
        client, processor=ept, country="fr", data_locations=["fr", "FR", "be"]
    )

    assert engagement["country"] == "FR"
    assert engagement["data_locations"] == ["FR", "BE"]


async def test_an_unknown_sub_processor_is_not_found(client):
    response = await client.get(f"{SUBPROCESSORS}/{uuid.uuid4()}")

    assert response.status_code == 404
    assert "sous-traitant ultérieur introuvable" in response.json()["detail"]


async def test_a_sub_processor_update_is_saved_and_bumps_the_version(client, ept):
    engagement = await make_subprocessor(client, processor=ept)

    response = await client.patch(
        f"{SUBPROCESSORS}/{engagement['id']}",
        json={"version": 1, "clauses_verified": True, "certifications": ["HDS"]},
    )

    assert response.status_code == 200, response.text
    stored = await read(client, f"/subprocessors/{engagement['id']}")
    assert (stored["clauses_verified"], stored["certifications"]) == (True, ["HDS"])
    assert (stored["name"], stored["version"]) == (engagement["name"], 2)


async def test_a_deleted_sub_processor_is_gone(client, ept):
    engagement = await make_subprocessor(client, processor=ept)

    response = await client.delete(f"{SUBPROCESSORS}/{engagement['id']}", params={"version": 1})

    assert response.status_code == 204
    assert (await client.get(f"{SUBPROCESSORS}/{engagement['id']}")).status_code == 404


async def test_sub_processors_are_listed_by_page_and_by_processor(client, ept):
    other = await make_org(client, kind="syndicat")
    for name in ("Mailer", "Archiveur", "Hébergeur"):
        await make_subprocessor(client, processor=ept, name=name)
    await make_subprocessor(client, processor=other, name="Relais")

    first = (await client.get(SUBPROCESSORS, params={"limit": 2})).json()
    of_ept = (
        await client.get(SUBPROCESSORS, params={"processor_id": ept["id"], "offset": 1})
    ).json()

    assert [e["name"] for e in first["items"]] == ["Archiveur", "Hébergeur"]
    assert (first["total"], first["limit"]) == (4, 2)
    assert [e["name"] for e in of_ept["items"]] == ["Hébergeur", "Mailer"]
    assert (of_ept["total"], of_ept["offset"]) == (3, 1)


# Art. 28(2): prior written authorisation --------------------------------------------------


async def test_a_sub_processor_without_authorisation_is_refused(client, ept):
    response = await client.post(SUBPROCESSORS, json=engagement_payload(ept, authorisation="none"))

    assert_refused(response, ["body", "authorisation"], "autorisation écrite")
    assert await SubprocessorEngagement.all().count() == 0


async def test_a_sub_processor_update_cannot_withdraw_the_authorisation(client, ept):
    engagement = await make_subprocessor(client, processor=ept, authorisation="specific")

    response = await client.patch(
        f"{SUBPROCESSORS}/{engagement['id']}", json={"version": 1, "authorisation": "none"}
    )

    assert_refused(response, ["body", "authorisation"], "art. 28.2")
    stored = await read(client, f"/subprocessors/{engagement['id']}")
    assert (stored["authorisation"], stored["version"]) == ("specific", 1)


async def test_a_contract_cannot_end_before_it_starts(client, ept):
    response = await client.post(
        SUBPROCESSORS,
        json=engagement_payload(ept, contract_start="2024-01-01", contract_end="2023-01-01"),
    )

    assert_refused(response, ["body", "contract_end"], "la fin du contrat précède son début")


# Data locations outside the EEA ------------------------------------------------------------


async def test_data_hosted_outside_the_eea_need_a_transfer_mechanism(client, ept):
    response = await client.post(
        SUBPROCESSORS, json=engagement_payload(ept, data_locations=["FR", "US"])
    )

    assert_refused(response, ["body", "transfer_mechanism"], "hors de l'Union (US)")


async def test_data_hosted_outside_the_eea_with_a_mechanism_are_accepted(client, ept):
    engagement = await make_subprocessor(
        client, processor=ept, data_locations=["FR", "US"], transfer_mechanism="adequacy_45"
    )

    assert engagement["transfer_mechanism"] == "adequacy_45"


async def test_a_data_location_must_be_a_two_letter_code(client, ept):
    response = await client.post(
        SUBPROCESSORS, json=engagement_payload(ept, data_locations=["FRA"])
    )

    assert_refused(response, ["body", "data_locations"], "ISO 3166-1")


async def test_a_country_must_be_a_two_letter_code(client, ept):
    response = await client.post(SUBPROCESSORS, json=engagement_payload(ept, country="F1"))

    assert_refused(response, ["body", "country"], "ISO 3166-1")


async def test_a_sub_processors_siren_is_checked(client, ept):
    response = await client.post(SUBPROCESSORS, json=engagement_payload(ept, siren="200058015"))

    assert_refused(response, ["body", "siren"], "clé de contrôle du SIREN invalide")


# References ---------------------------------------------------------------------------------


async def test_an_unknown_processor_is_refused(client):
    response = await client.post(SUBPROCESSORS, json=engagement_payload({"id": str(uuid.uuid4())}))

    assert_refused(response, ["body", "processor_id"], "organisme inconnu")


async def test_an_unknown_sub_processor_organisation_is_refused(client, ept):
    response = await client.post(
        SUBPROCESSORS, json=engagement_payload(ept, subprocessor_org_id=str(uuid.uuid4()))
    )

    assert_refused(response, ["body", "subprocessor_org_id"], "organisme inconnu")


async def test_a_processor_cannot_be_its_own_sub_processor(client, ept):
    response = await client.post(
        SUBPROCESSORS, json=engagement_payload(ept, subprocessor_org_id=ept["id"])
    )

    assert_refused(response, ["body", "subprocessor_org_id"], "son propre sous-traitant")


async def test_a_convention_is_linked_where_the_processor_acts_as_processor(client, ept):
    commune = await make_org(client)
    convention = await make_convention(client, processor=ept, controller=commune)

    engagement = await make_subprocessor(client, processor=ept, convention_ids=[convention["id"]])

    assert engagement["convention_ids"] == [convention["id"]]


async def test_a_convention_where_the_processor_is_controller_cannot_be_linked(client, ept):
    commune = await make_org(client)
    fine = await make_convention(client, processor=ept, controller=commune)
    reversed_roles = await make_convention(client, processor=commune, controller=ept)

    response = await client.post(
        SUBPROCESSORS,
        json=engagement_payload(ept, convention_ids=[fine["id"], reversed_roles["id"]]),
    )

    assert_refused(
        response, ["body", "convention_ids", 1], "n'est pas sous-traitant dans cette convention"
    )
    assert await SubprocessorEngagement.all().count() == 0


async def test_an_unknown_convention_cannot_be_linked(client, ept):
    response = await client.post(
        SUBPROCESSORS, json=engagement_payload(ept, convention_ids=[str(uuid.uuid4())])
    )

    assert_refused(response, ["body", "convention_ids", 0], "n'est pas sous-traitant")


async def test_an_unknown_activity_cannot_be_linked(client, ept):
    response = await client.post(
        SUBPROCESSORS, json=engagement_payload(ept, activity_ids=[str(uuid.uuid4())])
    )

    assert_refused(response, ["body", "activity_ids", 0], "activité inconnue")


# Chains of sub-processors (art. 28(4)) ------------------------------------------------------


async def test_a_chain_link_hires_from_the_parents_sub_processor(client, ept, host):
    backup = await make_org(client, kind="other", legal_name="Sauvegardes SARL")
    parent = await make_subprocessor(client, processor=ept, subprocessor_org_id=host["id"])

    child = await make_subprocessor(
        client, processor=host, subprocessor_org_id=backup["id"], parent_id=parent["id"]
    )

    assert child["parent_id"] == parent["id"]


async def test_a_chain_link_cannot_be_hired_by_someone_else_than_the_parents_sub_processor(
    client, ept, host
):
    stranger = await make_org(client)
    parent = await make_subprocessor(client, processor=ept, subprocessor_org_id=host["id"])

    response = await client.post(
        SUBPROCESSORS, json=engagement_payload(stranger, parent_id=parent["id"])
    )

    assert_refused(response, ["body", "parent_id"], "le maillon parent doit avoir")


async def test_a_parent_cannot_change_sub_processor_while_its_links_are_hired_by_the_old_one(
    client, ept, host
):
    backup = await make_org(client)
    replacement = await make_org(client)
    parent = await make_subprocessor(client, processor=ept, subprocessor_org_id=host["id"])
    await make_subprocessor(
        client, processor=host, subprocessor_org_id=backup["id"], parent_id=parent["id"]
    )

    response = await client.patch(
        f"{SUBPROCESSORS}/{parent['id']}",
        json={"version": 1, "subprocessor_org_id": replacement["id"]},
    )

    assert_refused(response, ["body", "subprocessor_org_id"], "maillons de la chaîne")
    stored = await read(client, f"/subprocessors/{parent['id']}")
    assert (stored["subprocessor_org_id"], stored["version"]) == (host["id"], 1)


async def test_a_parent_without_links_may_change_sub_processor(client, ept, host):
    replacement = await make_org(client)
    parent = await make_subprocessor(client, processor=ept, subprocessor_org_id=host["id"])

    response = await client.patch(
        f"{SUBPROCESSORS}/{parent['id']}",
        json={"version": 1, "subprocessor_org_id": replacement["id"]},
    )

    assert response.status_code == 200, response.text
    assert response.json()["subprocessor_org_id"] == replacement["id"]


async def test_an_unknown_parent_is_refused(client, ept):
    response = await client.post(
        SUBPROCESSORS, json=engagement_payload(ept, parent_id=str(uuid.uuid4()))
    )

    assert_refused(response, ["body", "parent_id"], "engagement inconnu")


async def test_a_chain_that_loops_on_itself_is_refused(client, ept, host):
    first = await make_subprocessor(client, processor=ept, subprocessor_org_id=host["id"])
    second = await make_subprocessor(
        client, processor=host, subprocessor_org_id=ept["id"], parent_id=first["id"]
    )

    response = await client.patch(
        f"{SUBPROCESSORS}/{first['id']}", json={"version": 1, "parent_id": second["id"]}
    )

    assert_refused(response, ["body", "parent_id"], "la chaîne boucle sur elle-même")
    stored = await read(client, f"/subprocessors/{first['id']}")
    assert (stored["parent_id"], stored["version"]) == (None, 1)


async def test_a_parent_still_heading_a_chain_cannot_be_deleted(client, ept, host):
    backup = await make_org(client)
    parent = await make_subprocessor(client, processor=ept, subprocessor_org_id=host["id"])
    child = await make_subprocessor(
        client, processor=host, subprocessor_org_id=backup["id"], parent_id=parent["id"]
    )

    response = await client.delete(f"{SUBPROCESSORS}/{parent['id']}")

    assert response.status_code == 409
    assert (await read(client, f"/subprocessors/{child['id']}"))["parent_id"] == parent["id"]
    assert await SubprocessorEngagement.exists(id=parent["id"])


# Concurrent edits -------------------------------------------------------------------------


async def test_a_second_sub_processor_edit_from_the_same_version_is_refused(client, ept):
    engagement = await make_subprocessor(client, processor=ept)
    url = f"{SUBPROCESSORS}/{engagement['id']}"

    first = await client.patch(url, json={"version": 1, "contract_ref": "MAR-1"})
    second = await client.patch(url, json={"version": 1, "contract_ref": "MAR-2"})

    assert (first.status_code, second.status_code) == (200, 409)
    stored = await read(client, f"/subprocessors/{engagement['id']}")
    assert (stored["contract_ref"], stored["version"]) == ("MAR-1", 2)


async def test_deleting_a_sub_processor_with_a_stale_version_is_refused(client, ept):
    engagement = await make_subprocessor(client, processor=ept)
    await client.patch(
        f"{SUBPROCESSORS}/{engagement['id']}", json={"version": 1, "contract_ref": "MAR-1"}
    )

    response = await client.delete(f"{SUBPROCESSORS}/{engagement['id']}", params={"version": 1})

    assert response.status_code == 409
    assert (await read(client, f"/subprocessors/{engagement['id']}"))["version"] == 2
