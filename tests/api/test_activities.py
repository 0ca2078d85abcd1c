"""Processing activities: the entries of a controller's record (art. 30(1))."""

import uuid

import pytest

from tests.factories import (
    API,
    assert_refused,
    complete_record,
    make_activity,
    make_convention,
    make_measure,
    make_org,
    read,
)

ACTIVITIES = f"{API}/activities"


@pytest.fixture
async def juvisy(client):
    return await make_org(client, kind="commune", legal_name="Commune de Juvisy-sur-Orge")


def activity_payload(controller: dict, **fields) -> dict:
    return {"controller_id": controller["id"], "name": "État civil", **fields}


def names(page: dict) -> list[str]:
    return [a["name"] for a in page["items"]]


# Create, read, update, delete, list ---------------------------------------------------------


async def test_a_finished_record_is_registered_with_every_field(client, juvisy):
    ept = await make_org(client, kind="ept")
    meudon = await make_org(client)
    convention = await make_convention(client, processor=ept, controller=juvisy)
    measure = await make_measure(client, organisation=juvisy)
    payload = {
        "controller_id": juvisy["id"],
        "ref": "EC-01",
        "name": "État civil",
        "status": "finished",
        "description": "Actes de naissance, de mariage et de décès",
        "purposes": ["Établir les actes", "Délivrer les copies et extraits"],
        "legal_basis": "legal_obligation",
        "legal_basis_detail": "Code civil, art. 34 et suivants",
        "performed_in_public_tasks": True,
        "special_categories": ["health", "nir"],
        "art9_condition": "Art. 9.2.g : motif d'intérêt public important",
        "art10_basis": None,
        "data_subject_categories": ["citizens", "minors"],
        "data_subject_details": "Personnes nées, mariées ou décédées dans la commune",
        "data_categories": ["civil_status", "personal_life"],
        "data_category_details": "Filiation",
        "retention": [
            {
                "data_category": "civil_status",
                "value": 75,
                "unit": "year",
                "start_event": "clôture du registre",
                "criteria": None,
                "final_disposition": "versement",
            },
            {
                "data_category": "personal_life",
                "value": None,
                "unit": None,
                "start_event": None,
                "criteria": "durée d'utilité administrative fixée par l'instruction DAF",
                "final_disposition": "tri",
            },
        ],
        "recipients": [
            {"kind": "internal", "name": "Service population", "organisation_id": None},
            {"kind": "public_authority", "name": "INSEE", "organisation_id": None},
        ],
        "transfers": [
            {
                "country": "US",
                "recipient": "Éditeur du logiciel",
                "mechanism": "scc_46_2c",
                "safeguards_doc_url": "https://example.fr/clauses-types",
            }
        ],
        "software": "Logiciel d'état civil",
        "collection_method": "paper_form",
        "dpia_criteria": ["sensitive_data", "vulnerable_people"],
        "dpia_ref": "AIPD-2024-01",
        "representative": None,
        "next_review": "2030-01-01",
        "joint_controller_ids": [meudon["id"]],
        "convention_ids": [convention["id"]],
        "security_measure_ids": [measure["id"]],
    }

    response = await client.post(ACTIVITIES, json=payload)

    assert response.status_code == 201, response.text
    activity = response.json()
    assert {k: activity[k] for k in payload} == payload
    assert activity["version"] == 1
    assert activity["dpia_required"] is True
    assert activity["has_sensitive_data"] is True
    assert activity["missing_fields"] == []
    assert activity["review_overdue"] is False
    assert await read(client, f"/activities/{activity['id']}") == activity


async def test_a_draft_may_be_incomplete_and_lists_what_is_missing(client, juvisy):
    activity = await make_activity(client, controller=juvisy)

    assert activity["status"] == "draft"
    assert activity["missing_fields"] == [
        "purposes",
        "legal_basis",
        "data_subject_categories",
        "data_categories",
        "retention",
        "recipients",
    ]
    assert activity["dpia_required"] is False
    assert activity["has_sensitive_data"] is False


async def test_a_record_whose_review_date_has_passed_is_overdue(client, juvisy):
    activity = await make_activity(client, controller=juvisy, next_review="2020-01-01")

    assert activity["review_overdue"] is True


async def test_an_unknown_activity_is_not_found(client):
    response = await client.get(f"{ACTIVITIES}/{uuid.uuid4()}")

    assert response.status_code == 404
    assert "activité de traitement introuvable" in response.json()["detail"]


async def test_an_activity_update_is_saved_and_bumps_the_version(client, juvisy):
    activity = await make_activity(client, controller=juvisy, name="État civil")

    response = await client.patch(
        f"{ACTIVITIES}/{activity['id']}",
        json={"version": 1, "purposes": ["Établir les actes"], "software": "Logiciel EC"},
    )

    assert response.status_code == 200, response.text
    stored = await read(client, f"/activities/{activity['id']}")
    assert (stored["purposes"], stored["software"]) == (["Établir les actes"], "Logiciel EC")
    assert (stored["name"], stored["version"]) == ("État civil", 2)
    assert "purposes" not in stored["missing_fields"]


async def test_a_draft_completed_by_an_update_can_be_finished(client, juvisy):
    activity = await make_activity(client, controller=juvisy)

    response = await client.patch(
        f"{ACTIVITIES}/{activity['id']}",
        json={"version": 1, "status": "finished", **complete_record()},
    )

    assert response.status_code == 200, response.text
    stored = await read(client, f"/activities/{activity['id']}")
    assert (stored["status"], stored["missing_fields"]) == ("finished", [])


async def test_an_update_replaces_the_linked_conventions_and_measures(client, juvisy):
    ept = await make_org(client, kind="ept")
    old = await make_convention(client, processor=ept, controller=juvisy)
    new = await make_convention(client, processor=ept, controller=juvisy)
    measure = await make_measure(client, organisation=juvisy)
    activity = await make_activity(client, controller=juvisy, convention_ids=[old["id"]])

    response = await client.patch(
        f"{ACTIVITIES}/{activity['id']}",
        json={"version": 1, "convention_ids": [new["id"]], "security_measure_ids": [measure["id"]]},
    )

    assert response.status_code == 200, response.text
    stored = await read(client, f"/activities/{activity['id']}")
    assert stored["convention_ids"] == [new["id"]]
    assert stored["security_measure_ids"] == [measure["id"]]


async def test_a_deleted_activity_is_gone(client, juvisy):
    activity = await make_activity(client, controller=juvisy)

    response = await client.delete(f"{ACTIVITIES}/{activity['id']}", params={"version": 1})

    assert response.status_code == 204
    assert (await client.get(f"{ACTIVITIES}/{activity['id']}")).status_code == 404


async def test_activities_are_listed_by_page_in_name_order(client, juvisy):
    for name in ("Paie", "Cantine", "Listes électorales"):
        await make_activity(client, controller=juvisy, name=name)

    first = (await client.get(ACTIVITIES, params={"limit": 2})).json()
    rest = (await client.get(ACTIVITIES, params={"limit": 2, "offset": 2})).json()

    assert names(first) == ["Cantine", "Listes électorales"]
    assert names(rest) == ["Paie"]
    assert (first["total"], first["limit"], rest["total"], rest["offset"]) == (3, 2, 3, 2)


# Lawfulness (arts. 6, 9, 10) ---------------------------------------------------------------


async def test_a_public_body_in_its_tasks_cannot_rely_on_legitimate_interest(client, juvisy):
    response = await client.post(
        ACTIVITIES, json=activity_payload(juvisy, legal_basis="legitimate_interest")
    )

    assert_refused(response, ["body", "legal_basis"], "l'intérêt légitime ne peut pas fonder")
    assert (await client.get(ACTIVITIES)).json()["total"] == 0


async def test_legitimate_interest_is_allowed_outside_the_public_tasks(client, juvisy):
    activity = await make_activity(
        client,
        controller=juvisy,
        legal_basis="legitimate_interest",
        performed_in_public_tasks=False,
    )

    assert (activity["legal_basis"], activity["performed_in_public_tasks"]) == (
        "legitimate_interest",
        False,
    )


async def test_an_update_to_legitimate_interest_is_refused_and_changes_nothing(client, juvisy):
    activity = await make_activity(client, controller=juvisy, legal_basis="public_task")

    response = await client.patch(
        f"{ACTIVITIES}/{activity['id']}",
        json={"version": 1, "legal_basis": "legitimate_interest", "software": "Nouveau"},
    )

    assert_refused(response, ["body", "legal_basis"], "art. 6.1, dernier alinéa")
    stored = await read(client, f"/activities/{activity['id']}")
    assert (stored["legal_basis"], stored["software"], stored["version"]) == (
        "public_task",
        None,
        1,
    )


async def test_sensitive_data_need_an_art9_condition(client, juvisy):
    response = await client.post(
        ACTIVITIES, json=activity_payload(juvisy, special_categories=["health"])
    )

    assert_refused(response, ["body", "art9_condition"], "exigent l'exception de l'art. 9.2")


async def test_sensitive_data_with_their_art9_condition_are_accepted(client, juvisy):
    activity = await make_activity(
        client,
        controller=juvisy,
        special_categories=["health"],
        art9_condition="Art. 9.2.h : médecine du travail",
    )

    assert activity["has_sensitive_data"] is True


async def test_the_nir_alone_needs_no_art9_condition(client, juvisy):
    activity = await make_activity(client, controller=juvisy, special_categories=["nir"])

    assert activity["special_categories"] == ["nir"]
    assert activity["has_sensitive_data"] is True


async def test_offence_data_need_an_art10_basis(client, juvisy):
    response = await client.post(
        ACTIVITIES, json=activity_payload(juvisy, special_categories=["offences"])
    )

    assert_refused(response, ["body", "art10_basis"], "fondement de l'art. 10")


async def test_offence_data_with_their_art10_basis_are_accepted(client, juvisy):
    activity = await make_activity(
        client,
        controller=juvisy,
        special_categories=["offences"],
        art10_basis="Code de la route, art. L130-4 (police municipale)",
    )

    assert activity["special_categories"] == ["offences"]


# A finished record gives every art. 30(1) item ------------------------------------------------


@pytest.mark.parametrize(
    ("field", "emptied", "says"),
    [
        ("purposes", [], "finalités"),
        ("legal_basis", "to_be_determined", "base légale"),
        ("data_subject_categories", [], "catégories de personnes"),
        ("data_categories", [], "catégories de données"),
        ("retention", [], "durées de conservation"),
        ("recipients", [], "destinataires"),
    ],
)
async def test_a_finished_record_must_give_each_mandatory_item(
    client, juvisy, field, emptied, says
):
    payload = activity_payload(juvisy, status="finished", **complete_record())
    payload[field] = emptied

    response = await client.post(ACTIVITIES, json=payload)

    assert_refused(response, ["body", field], f"{says} : obligatoire pour une fiche")


async def test_a_checked_record_must_be_complete_too(client, juvisy):
    payload = activity_payload(juvisy, status="checked", **complete_record())
    payload["recipients"] = []

    response = await client.post(ACTIVITIES, json=payload)

    assert_refused(response, ["body", "recipients"], "destinataires")


async def test_finishing_an_incomplete_draft_is_refused_and_it_stays_a_draft(client, juvisy):
    activity = await make_activity(client, controller=juvisy, purposes=["Paie des agents"])

    response = await client.patch(
        f"{ACTIVITIES}/{activity['id']}", json={"version": 1, "status": "finished"}
    )

    assert_refused(response, ["body", "legal_basis"], "base légale : obligatoire")
    stored = await read(client, f"/activities/{activity['id']}")
    assert (stored["status"], stored["version"]) == ("draft", 1)


# Retention (art. 30(1)(f)) ------------------------------------------------------------------


def retention(**rule) -> dict:
    return {"data_category": "civil_status", "final_disposition": "destruction", **rule}


async def test_a_retention_value_needs_its_unit(client, juvisy):
    response = await client.post(
        ACTIVITIES, json=activity_payload(juvisy, retention=[retention(value=5)])
    )

    assert_refused(response, ["body", "retention", 0, "unit"], "sa valeur et son unité")


async def test_a_retention_unit_needs_its_value(client, juvisy):
    response = await client.post(
        ACTIVITIES, json=activity_payload(juvisy, retention=[retention(unit="year")])
    )

    assert_refused(response, ["body", "retention", 0, "value"], "sa valeur et son unité")


async def test_a_retention_rule_needs_a_duration_or_its_criteria(client, juvisy):
    response = await client.post(ACTIVITIES, json=activity_payload(juvisy, retention=[retention()]))

    assert_refused(
        response, ["body", "retention", 0, "value"], "indiquez une durée ou les critères"
    )


async def test_a_retention_rule_may_give_criteria_instead_of_a_duration(client, juvisy):
    activity = await make_activity(
        client,
        controller=juvisy,
        retention=[retention(criteria="3 ans après la fin de la relation")],
    )

    assert activity["retention"][0]["criteria"] == "3 ans après la fin de la relation"


async def test_a_retention_rule_must_concern_a_category_of_the_data_processed(client, juvisy):
    response = await client.post(
        ACTIVITIES,
        json=activity_payload(
            juvisy,
            data_categories=["civil_status"],
            retention=[
                retention(value=1, unit="year"),
                retention(data_category="location", value=1, unit="year"),
            ],
        ),
    )

    assert_refused(
        response, ["body", "retention", 1, "data_category"], "absente des données traitées"
    )


# Transfers (art. 30(1)(e), arts. 44-49) --------------------------------------------------------


async def test_a_country_of_the_eea_is_not_a_transfer(client, juvisy):
    response = await client.post(
        ACTIVITIES,
        json=activity_payload(
            juvisy, transfers=[{"country": "NO", "recipient": "Hébergeur", "mechanism": "bcr_47"}]
        ),
    )

    assert_refused(
        response, ["body", "transfers", 0, "country"], "n'est pas un transfert hors de l'Union"
    )


async def test_a_transfer_outside_the_eea_needs_a_mechanism(client, juvisy):
    response = await client.post(
        ACTIVITIES,
        json=activity_payload(juvisy, transfers=[{"country": "us", "recipient": "Éditeur"}]),
    )

    assert_refused(
        response, ["body", "transfers", 0, "mechanism"], "mécanisme des articles 45 à 49"
    )


async def test_a_compelling_interest_transfer_needs_its_safeguards_documentation(client, juvisy):
    transfer = {
        "country": "CH",
        "recipient": "Prestataire",
        "mechanism": "compelling_interest_49_1_2",
    }

    refused = await client.post(ACTIVITIES, json=activity_payload(juvisy, transfers=[transfer]))
    accepted = await make_activity(
        client,
        controller=juvisy,
        transfers=[{**transfer, "safeguards_doc_url": "https://example.fr/garanties"}],
    )

    assert_refused(refused, ["body", "transfers", 0, "safeguards_doc_url"], "art. 49.1 al. 2")
    assert accepted["transfers"][0]["safeguards_doc_url"] == "https://example.fr/garanties"


async def test_a_transfer_country_is_stored_as_an_upper_case_iso_code(client, juvisy):
    activity = await make_activity(
        client,
        controller=juvisy,
        transfers=[{"country": "gb", "recipient": "Éditeur", "mechanism": "adequacy_45"}],
    )

    assert activity["transfers"][0]["country"] == "GB"


async def test_a_transfer_country_must_be_two_letters(client, juvisy):
    response = await client.post(
        ACTIVITIES,
        json=activity_payload(
            juvisy, transfers=[{"country": "U1", "recipient": "X", "mechanism": "scc_46_2c"}]
        ),
    )

    assert_refused(response, ["body", "transfers", 0, "country"], "ISO 3166-1")


# References to other records -----------------------------------------------------------------


async def test_an_activity_of_an_unknown_controller_is_refused(client):
    response = await client.post(
        ACTIVITIES, json={"controller_id": str(uuid.uuid4()), "name": "Paie"}
    )

    assert_refused(response, ["body", "controller_id"], "organisme inconnu")


async def test_a_controller_cannot_be_its_own_joint_controller(client, juvisy):
    response = await client.post(
        ACTIVITIES, json=activity_payload(juvisy, joint_controller_ids=[juvisy["id"]])
    )

    assert_refused(response, ["body", "joint_controller_ids"], "son propre co-responsable")


async def test_an_unknown_joint_controller_is_refused(client, juvisy):
    meudon = await make_org(client)

    response = await client.post(
        ACTIVITIES,
        json=activity_payload(juvisy, joint_controller_ids=[meudon["id"], str(uuid.uuid4())]),
    )

    assert_refused(response, ["body", "joint_controller_ids", 1], "organisme inconnu")


async def test_an_activity_links_conventions_where_its_controller_is_controller(client, juvisy):
    ept = await make_org(client, kind="ept")
    art28 = await make_convention(client, processor=ept, controller=juvisy)
    service_commun = await make_convention(
        client,
        parties=[
            {"organisation_id": ept["id"], "role": "service_commun_host"},
            {"organisation_id": juvisy["id"], "role": "service_commun_member"},
        ],
    )

    activity = await make_activity(
        client, controller=juvisy, convention_ids=[art28["id"], service_commun["id"]]
    )

    assert sorted(activity["convention_ids"]) == sorted([art28["id"], service_commun["id"]])


async def test_an_activity_cannot_link_a_convention_where_its_controller_is_processor(
    client, juvisy
):
    ept = await make_org(client, kind="ept")
    fine = await make_convention(client, processor=ept, controller=juvisy)
    reversed_roles = await make_convention(client, processor=juvisy, controller=ept)

    response = await client.post(
        ACTIVITIES,
        json=activity_payload(juvisy, convention_ids=[fine["id"], reversed_roles["id"]]),
    )

    assert_refused(
        response, ["body", "convention_ids", 1], "n'est pas responsable dans cette convention"
    )
    assert (await client.get(ACTIVITIES)).json()["total"] == 0


async def test_an_activity_cannot_link_a_convention_its_controller_is_not_party_to(client, juvisy):
    ept = await make_org(client, kind="ept")
    meudon = await make_org(client)
    elsewhere = await make_convention(client, processor=ept, controller=meudon)

    response = await client.post(
        ACTIVITIES, json=activity_payload(juvisy, convention_ids=[elsewhere["id"]])
    )

    assert_refused(response, ["body", "convention_ids", 0], "n'est pas responsable")


async def test_an_unknown_convention_is_refused(client, juvisy):
    response = await client.post(
        ACTIVITIES, json=activity_payload(juvisy, convention_ids=[str(uuid.uuid4())])
    )

    assert_refused(response, ["body", "convention_ids", 0], "convention inconnue")


async def test_an_activity_may_rely_on_its_processors_measures(client, juvisy):
    ept = await make_org(client, kind="ept")
    convention = await make_convention(client, processor=ept, controller=juvisy)
    backup = await make_measure(client, organisation=ept, title="Sauvegardes quotidiennes")

    activity = await make_activity(
        client,
        controller=juvisy,
        convention_ids=[convention["id"]],
        security_measure_ids=[backup["id"]],
    )

    assert activity["security_measure_ids"] == [backup["id"]]
    assert (await read(client, f"/measures/{backup['id']}"))["activity_ids"] == [activity["id"]]


async def test_an_activity_cannot_claim_a_stranger_organisations_measure(client, juvisy):
    stranger = await make_org(client)
    measure = await make_measure(client, organisation=stranger)

    response = await client.post(
        ACTIVITIES, json=activity_payload(juvisy, security_measure_ids=[measure["id"]])
    )

    assert_refused(response, ["body", "security_measure_ids", 0], "organisme étranger")


async def test_an_unknown_security_measure_is_refused(client, juvisy):
    response = await client.post(
        ACTIVITIES, json=activity_payload(juvisy, security_measure_ids=[str(uuid.uuid4())])
    )

    assert_refused(response, ["body", "security_measure_ids", 0], "mesure de sécurité inconnue")


# Search and filters --------------------------------------------------------------------------


async def test_search_ignores_case_and_accents(client, juvisy):
    await make_activity(client, controller=juvisy, name="État civil")
    await make_activity(client, controller=juvisy, name="Paie")

    for query in ("etat civil", "ÉTAT CIVIL", "Etat", "état"):
        found = (await client.get(ACTIVITIES, params={"q": query})).json()

        assert names(found) == ["État civil"], query


async def test_search_words_must_all_be_found(client, juvisy):
    await make_activity(client, controller=juvisy, name="État civil")
    await make_activity(client, controller=juvisy, name="État des lieux")
    await make_activity(client, controller=juvisy, name="Service civil")

    both = (await client.get(ACTIVITIES, params={"q": "civil etat"})).json()
    one = (await client.get(ACTIVITIES, params={"q": "etat"})).json()

    assert (names(both), both["total"]) == (["État civil"], 1)
    assert names(one) == ["État civil", "État des lieux"]


async def test_search_looks_into_ref_purposes_and_software(client, juvisy):
    await make_activity(
        client,
        controller=juvisy,
        name="Cantine",
        ref="RES-07",
        purposes=["Facturer les repas des élèves"],
        software="Logiciel Périscolaire",
    )
    await make_activity(client, controller=juvisy, name="Paie")

    for query in ("res-07", "eleves", "periscolaire"):
        assert names((await client.get(ACTIVITIES, params={"q": query})).json()) == ["Cantine"]


async def test_search_follows_an_update(client, juvisy):
    activity = await make_activity(client, controller=juvisy, name="Paie")
    await client.patch(
        f"{ACTIVITIES}/{activity['id']}", json={"version": 1, "name": "Rémunération"}
    )

    assert names((await client.get(ACTIVITIES, params={"q": "remuneration"})).json()) == [
        "Rémunération"
    ]
    assert (await client.get(ACTIVITIES, params={"q": "paie"})).json()["total"] == 0


async def test_search_treats_percent_and_underscore_as_plain_characters(client, juvisy):
    await make_activity(client, controller=juvisy, name="Paie")

    assert (await client.get(ACTIVITIES, params={"q": "%"})).json()["total"] == 0
    assert (await client.get(ACTIVITIES, params={"q": "p_ie"})).json()["total"] == 0


async def test_activities_are_filtered_by_status_and_legal_basis(client, juvisy):
    await make_activity(
        client, controller=juvisy, name="Paie", status="finished", **complete_record()
    )
    await make_activity(client, controller=juvisy, name="Cantine", legal_basis="public_task")

    finished = (await client.get(ACTIVITIES, params={"status": "finished"})).json()
    public_task = (await client.get(ACTIVITIES, params={"legal_basis": "public_task"})).json()
    both = (
        await client.get(ACTIVITIES, params={"status": "draft", "legal_basis": "legal_obligation"})
    ).json()

    assert (names(finished), finished["total"]) == (["Paie"], 1)
    assert names(public_task) == ["Cantine"]
    assert both["total"] == 0


async def test_activities_are_filtered_by_controller(client, juvisy):
    meudon = await make_org(client)
    await make_activity(client, controller=juvisy, name="Paie de Juvisy")
    await make_activity(client, controller=meudon, name="Paie de Meudon")

    page = (await client.get(ACTIVITIES, params={"controller_id": meudon["id"]})).json()

    assert (names(page), page["total"]) == (["Paie de Meudon"], 1)


async def test_activities_are_filtered_by_convention(client, juvisy):
    ept = await make_org(client, kind="ept")
    convention = await make_convention(client, processor=ept, controller=juvisy)
    await make_activity(
        client, controller=juvisy, name="Messagerie", convention_ids=[convention["id"]]
    )
    await make_activity(client, controller=juvisy, name="Paie")

    page = (await client.get(ACTIVITIES, params={"convention_id": convention["id"]})).json()

    assert (names(page), page["total"]) == (["Messagerie"], 1)


async def test_activities_are_filtered_by_data_and_subject_category(client, juvisy):
    await make_activity(
        client,
        controller=juvisy,
        name="Vidéoprotection",
        data_categories=["civil_status", "location"],
        data_subject_categories=["users"],
    )
    await make_activity(
        client,
        controller=juvisy,
        name="Paie",
        data_categories=["civil_status", "economic_financial"],
        data_subject_categories=["employees"],
    )

    location = (await client.get(ACTIVITIES, params={"data_category": "location"})).json()
    civil = (await client.get(ACTIVITIES, params={"data_category": "civil_status"})).json()
    employees = (await client.get(ACTIVITIES, params={"subject_category": "employees"})).json()

    assert names(location) == ["Vidéoprotection"]
    assert names(civil) == ["Paie", "Vidéoprotection"]
    assert names(employees) == ["Paie"]


async def test_activities_are_filtered_by_sensitive_data(client, juvisy):
    await make_activity(
        client,
        controller=juvisy,
        name="Médecine du travail",
        special_categories=["health"],
        art9_condition="Art. 9.2.h",
    )
    await make_activity(client, controller=juvisy, name="Cantine")

    sensitive = (await client.get(ACTIVITIES, params={"has_sensitive_data": "true"})).json()
    ordinary = (await client.get(ACTIVITIES, params={"has_sensitive_data": "false"})).json()

    assert names(sensitive) == ["Médecine du travail"]
    assert names(ordinary) == ["Cantine"]


async def test_sensitive_data_removed_by_an_update_are_no_longer_flagged(client, juvisy):
    activity = await make_activity(client, controller=juvisy, special_categories=["nir"])

    await client.patch(
        f"{ACTIVITIES}/{activity['id']}", json={"version": 1, "special_categories": []}
    )

    assert (await client.get(ACTIVITIES, params={"has_sensitive_data": "true"})).json()[
        "total"
    ] == 0


async def test_activities_are_filtered_by_review_due_before_a_date(client, juvisy):
    await make_activity(client, controller=juvisy, name="Paie", next_review="2025-03-01")
    await make_activity(client, controller=juvisy, name="Cantine", next_review="2025-09-01")
    await make_activity(client, controller=juvisy, name="Sans révision")

    due = (await client.get(ACTIVITIES, params={"review_due_before": "2025-06-01"})).json()
    on_the_day = (await client.get(ACTIVITIES, params={"review_due_before": "2025-03-01"})).json()

    assert names(due) == ["Paie"]
    assert on_the_day["total"] == 0


async def test_an_activity_filter_with_a_bad_value_is_refused_in_french(client):
    response = await client.get(ACTIVITIES, params={"status": "archived"})

    assert_refused(response, ["query", "status"], "valeur non admise")


# Concurrent edits --------------------------------------------------------------------------


async def test_a_second_activity_edit_from_the_same_version_is_refused(client, juvisy):
    ept = await make_org(client, kind="ept")
    convention = await make_convention(client, processor=ept, controller=juvisy)
    activity = await make_activity(client, controller=juvisy, name="Paie")
    url = f"{ACTIVITIES}/{activity['id']}"

    first = await client.patch(url, json={"version": 1, "software": "Logiciel RH"})
    second = await client.patch(
        url, json={"version": 1, "name": "Écrasé", "convention_ids": [convention["id"]]}
    )

    assert (first.status_code, second.status_code) == (200, 409)
    stored = await read(client, f"/activities/{activity['id']}")
    assert (stored["software"], stored["name"], stored["version"]) == ("Logiciel RH", "Paie", 2)
    assert stored["convention_ids"] == []


async def test_deleting_an_activity_with_a_stale_version_is_refused(client, juvisy):
    activity = await make_activity(client, controller=juvisy)
    await client.patch(f"{ACTIVITIES}/{activity['id']}", json={"version": 1, "software": "X"})

    response = await client.delete(f"{ACTIVITIES}/{activity['id']}", params={"version": 1})

    assert response.status_code == 409
    assert (await read(client, f"/activities/{activity['id']}"))["software"] == "X"
