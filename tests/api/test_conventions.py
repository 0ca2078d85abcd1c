"""Conventions between bodies: parties' roles (arts. 26, 28), art. 28(3) clauses, terms."""

import uuid

import pytest

from register.conventions.models import Convention, ConventionParty
from tests.factories import (
    API,
    assert_refused,
    make_activity,
    make_convention,
    make_org,
    party,
    read,
)

CONVENTIONS = f"{API}/conventions"


@pytest.fixture
async def ept(client):
    return await make_org(client, kind="ept", legal_name="EPT Grand-Orly Seine Bièvre")


@pytest.fixture
async def juvisy(client):
    return await make_org(client, kind="commune", legal_name="Commune de Juvisy-sur-Orge")


def convention_payload(parties: list[dict], **fields) -> dict:
    return {
        "title": "Convention",
        "kind": "service_commun",
        "start_date": "2024-01-01",
        "parties": parties,
        **fields,
    }


async def test_a_convention_is_registered_with_its_parties_and_clauses(client, ept, juvisy):
    payload = {
        "title": "Convention de service commun numérique",
        "kind": "service_commun",
        "legal_instrument": "deliberation",
        "legal_basis": "CGCT L5211-4-2",
        "subject": "Mise en commun du service informatique",
        "deliberation_refs": ["DEL-2023-112", "DEL-2023-113"],
        "signed_at": "2023-12-15",
        "start_date": "2024-01-01",
        "duration_months": 12,
        "tacit_renewals": 3,
        "notice_months": 3,
        "end_date": None,
        "parties": [party(ept, "service_commun_host"), party(juvisy, "service_commun_member")],
        "documented_instructions": True,
        "staff_confidentiality": True,
        "assists_data_subject_rights": True,
        "assists_security_obligations": True,
        "informs_unlawful_instruction": True,
        "subprocessor_authorisation": "general",
        "subprocessor_notice_days": 30,
        "breach_notice_hours": 24,
        "breach_notice_channels": ["email", "phone"],
        "breach_phased_information": True,
        "breach_lead_id": ept["id"],
        "audit_right": True,
        "last_audit_at": "2024-06-30",
        "end_of_service": "return_then_delete",
        "end_of_service_proof": True,
        "notes": "Voir l'annexe 2",
    }

    response = await client.post(CONVENTIONS, json=payload)

    assert response.status_code == 201, response.text
    convention = response.json()
    assert {k: convention[k] for k in payload} == payload
    assert convention["version"] == 1
    assert convention["last_possible_end"] == "2027-12-31"
    assert await read(client, f"/conventions/{convention['id']}") == convention


async def test_an_open_ended_convention_has_no_computed_end(client, ept, juvisy):
    convention = await make_convention(client, processor=ept, controller=juvisy)

    assert convention["current_term_end"] is None
    assert convention["last_possible_end"] is None
    assert convention["next_notice_deadline"] is None
    assert convention["renewals_left"] is None


async def test_an_unknown_convention_is_not_found(client):
    response = await client.get(f"{CONVENTIONS}/{uuid.uuid4()}")

    assert response.status_code == 404
    assert "convention introuvable" in response.json()["detail"]


async def test_a_convention_update_is_saved_and_bumps_the_version(client, ept, juvisy):
    convention = await make_convention(client, processor=ept, controller=juvisy)

    response = await client.patch(
        f"{CONVENTIONS}/{convention['id']}",
        json={"version": 1, "title": "Avenant n° 1", "breach_notice_hours": 48},
    )

    assert response.status_code == 200, response.text
    stored = await read(client, f"/conventions/{convention['id']}")
    assert (stored["title"], stored["breach_notice_hours"]) == ("Avenant n° 1", 48)
    assert stored["version"] == 2
    assert stored["parties"] == convention["parties"]


async def test_an_update_can_replace_the_parties(client, ept, juvisy):
    meudon = await make_org(client)
    convention = await make_convention(client, processor=ept, controller=juvisy)
    parties = [party(ept, "processor"), party(juvisy, "controller"), party(meudon, "controller")]

    response = await client.patch(
        f"{CONVENTIONS}/{convention['id']}", json={"version": 1, "parties": parties}
    )

    assert response.status_code == 200, response.text
    assert (await read(client, f"/conventions/{convention['id']}"))["parties"] == parties
    assert await ConventionParty.filter(convention_id=convention["id"]).count() == 3


async def test_a_deleted_convention_is_gone_with_its_parties(client, ept, juvisy):
    convention = await make_convention(client, processor=ept, controller=juvisy)

    response = await client.delete(f"{CONVENTIONS}/{convention['id']}", params={"version": 1})

    assert response.status_code == 204
    assert (await client.get(f"{CONVENTIONS}/{convention['id']}")).status_code == 404
    assert await ConventionParty.filter(convention_id=convention["id"]).count() == 0


async def test_conventions_are_listed_by_page_in_title_order(client, ept, juvisy):
    for title in ("Convention C", "Convention A", "Convention B"):
        await make_convention(client, processor=ept, controller=juvisy, title=title)

    first = (await client.get(CONVENTIONS, params={"limit": 2})).json()
    rest = (await client.get(CONVENTIONS, params={"limit": 2, "offset": 2})).json()

    assert [c["title"] for c in first["items"]] == ["Convention A", "Convention B"]
    assert [c["title"] for c in rest["items"]] == ["Convention C"]
    assert (first["total"], first["limit"], rest["offset"]) == (3, 2, 2)


async def test_conventions_are_filtered_by_organisation_role_and_kind(client, ept, juvisy):
    meudon = await make_org(client)
    await make_convention(client, processor=ept, controller=juvisy, title="EPT pour Juvisy")
    await make_convention(
        client,
        parties=[party(juvisy, "processor"), party(meudon, "controller")],
        title="Juvisy pour Meudon",
        kind="prestation_de_services",
    )

    def titles(page):
        return [c["title"] for c in page["items"]]

    of_juvisy = (await client.get(CONVENTIONS, params={"organisation_id": juvisy["id"]})).json()
    juvisy_processor = (
        await client.get(CONVENTIONS, params={"organisation_id": juvisy["id"], "role": "processor"})
    ).json()
    any_controller = (await client.get(CONVENTIONS, params={"role": "controller"})).json()
    services = (await client.get(CONVENTIONS, params={"kind": "prestation_de_services"})).json()

    assert titles(of_juvisy) == ["EPT pour Juvisy", "Juvisy pour Meudon"]
    assert titles(juvisy_processor) == ["Juvisy pour Meudon"]
    assert juvisy_processor["total"] == 1
    assert titles(any_controller) == ["EPT pour Juvisy", "Juvisy pour Meudon"]
    assert titles(services) == ["Juvisy pour Meudon"]


# Roles of the parties ---------------------------------------------------------------------


async def test_a_convention_binds_at_least_two_organisations(client, juvisy):
    response = await client.post(
        CONVENTIONS, json=convention_payload([party(juvisy, "controller")])
    )

    assert_refused(response, ["body", "parties"], "au moins 2 éléments")


async def test_the_same_organisation_cannot_be_party_twice(client, juvisy):
    response = await client.post(
        CONVENTIONS,
        json=convention_payload([party(juvisy, "controller"), party(juvisy, "processor")]),
    )

    assert_refused(response, ["body", "parties"], "un même organisme figure deux fois")


async def test_a_processor_needs_a_controller_among_the_parties(client, ept, juvisy):
    response = await client.post(
        CONVENTIONS,
        json=convention_payload([party(ept, "processor"), party(juvisy, "processor")]),
    )

    assert_refused(response, ["body", "parties"], "un sous-traitant agit pour un responsable")


async def test_a_processor_may_act_for_joint_controllers(client, ept, juvisy):
    meudon = await make_org(client)

    convention = await make_convention(
        client,
        parties=[
            party(ept, "processor"),
            party(juvisy, "joint_controller"),
            party(meudon, "joint_controller"),
        ],
    )

    assert [p["role"] for p in convention["parties"]] == [
        "processor",
        "joint_controller",
        "joint_controller",
    ]


async def test_a_sub_processor_needs_a_processor_among_the_parties(client, ept, juvisy):
    response = await client.post(
        CONVENTIONS,
        json=convention_payload([party(ept, "sub_processor"), party(juvisy, "controller")]),
    )

    assert_refused(response, ["body", "parties"], "un sous-traitant ultérieur suppose")


async def test_joint_control_needs_two_joint_controllers(client, ept, juvisy):
    response = await client.post(
        CONVENTIONS,
        json=convention_payload([party(ept, "joint_controller"), party(juvisy, "controller")]),
    )

    assert_refused(response, ["body", "parties"], "au moins deux responsables conjoints")


async def test_a_service_commun_host_needs_a_member(client, ept, juvisy):
    response = await client.post(
        CONVENTIONS,
        json=convention_payload(
            [party(ept, "service_commun_host"), party(juvisy, "independent_controller")]
        ),
    )

    assert_refused(response, ["body", "parties"], "un porteur et au moins un adhérent")


async def test_a_service_commun_member_needs_a_host(client, ept, juvisy):
    response = await client.post(
        CONVENTIONS,
        json=convention_payload(
            [party(ept, "service_commun_member"), party(juvisy, "service_commun_member")]
        ),
    )

    assert_refused(response, ["body", "parties"], "un porteur et au moins un adhérent")


async def test_a_service_commun_has_a_single_host(client, ept, juvisy):
    meudon = await make_org(client)

    response = await client.post(
        CONVENTIONS,
        json=convention_payload(
            [
                party(ept, "service_commun_host"),
                party(meudon, "service_commun_host"),
                party(juvisy, "service_commun_member"),
            ]
        ),
    )

    assert_refused(response, ["body", "parties"], "un seul porteur")


async def test_an_unknown_party_is_refused_and_nothing_is_written(client, ept):
    payload = convention_payload(
        [
            party(ept, "service_commun_host"),
            {"organisation_id": str(uuid.uuid4()), "role": "service_commun_member"},
        ]
    )

    response = await client.post(CONVENTIONS, json=payload)

    assert_refused(response, ["body", "parties", 1, "organisation_id"], "organisme inconnu")
    assert await Convention.all().count() == 0
    assert await ConventionParty.all().count() == 0


async def test_a_party_with_an_unknown_role_is_refused(client, ept, juvisy):
    response = await client.post(
        CONVENTIONS,
        json=convention_payload([party(ept, "prestataire"), party(juvisy, "controller")]),
    )

    assert_refused(response, ["body", "parties", 0, "role"], "valeur non admise")


# Dates and clauses ------------------------------------------------------------------------


async def test_a_convention_cannot_end_before_it_starts(client, ept, juvisy):
    response = await client.post(
        CONVENTIONS,
        json=convention_payload(
            [party(ept, "processor"), party(juvisy, "controller")],
            start_date="2024-01-01",
            end_date="2023-12-31",
        ),
    )

    assert_refused(response, ["body", "end_date"], "la date de fin précède la date de début")


async def test_a_convention_cannot_be_signed_after_it_ended(client, ept, juvisy):
    response = await client.post(
        CONVENTIONS,
        json=convention_payload(
            [party(ept, "processor"), party(juvisy, "controller")],
            end_date="2024-12-31",
            signed_at="2025-01-15",
        ),
    )

    assert_refused(response, ["body", "signed_at"], "signature est postérieure à la fin")


async def test_tacit_renewals_need_a_duration(client, ept, juvisy):
    response = await client.post(
        CONVENTIONS,
        json=convention_payload(
            [party(ept, "processor"), party(juvisy, "controller")], tacit_renewals=2
        ),
    )

    assert_refused(response, ["body", "tacit_renewals"], "une reconduction tacite suppose")


async def test_the_breach_lead_must_be_a_party(client, ept, juvisy):
    outsider = await make_org(client)

    response = await client.post(
        CONVENTIONS,
        json=convention_payload(
            [party(ept, "joint_controller"), party(juvisy, "joint_controller")],
            kind="art26_arrangement",
            breach_lead_id=outsider["id"],
        ),
    )

    assert_refused(response, ["body", "breach_lead_id"], "doit être partie à la convention")


async def test_an_update_cannot_drop_the_breach_lead_from_the_parties(client, ept, juvisy):
    meudon = await make_org(client)
    convention = await make_convention(
        client,
        parties=[party(ept, "joint_controller"), party(juvisy, "joint_controller")],
        kind="art26_arrangement",
        breach_lead_id=ept["id"],
    )

    response = await client.patch(
        f"{CONVENTIONS}/{convention['id']}",
        json={
            "version": 1,
            "parties": [party(juvisy, "joint_controller"), party(meudon, "joint_controller")],
        },
    )

    assert_refused(response, ["body", "breach_lead_id"], "doit être partie à la convention")
    stored = await read(client, f"/conventions/{convention['id']}")
    assert (stored["parties"], stored["breach_lead_id"]) == (convention["parties"], ept["id"])


async def test_a_notice_period_for_new_sub_processors_needs_a_general_authorisation(
    client, ept, juvisy
):
    response = await client.post(
        CONVENTIONS,
        json=convention_payload(
            [party(ept, "processor"), party(juvisy, "controller")],
            subprocessor_authorisation="specific",
            subprocessor_notice_days=30,
        ),
    )

    assert_refused(response, ["body", "subprocessor_notice_days"], "art. 28.2")


async def test_a_breach_notice_delay_above_thirty_days_is_refused(client, ept, juvisy):
    response = await client.post(
        CONVENTIONS,
        json=convention_payload(
            [party(ept, "processor"), party(juvisy, "controller")], breach_notice_hours=721
        ),
    )

    assert_refused(response, ["body", "breach_notice_hours"], "inférieur ou égal à 720")


async def test_the_gpso_convention_ends_at_the_latest_on_31_december_2027(client, ept, juvisy):
    # Seed 000: one year from 1 January 2024, tacitly renewable three times.
    convention = await make_convention(
        client,
        processor=ept,
        controller=juvisy,
        start_date="2024-01-01",
        duration_months=12,
        tacit_renewals=3,
    )

    assert convention["last_possible_end"] == "2027-12-31"


async def test_an_early_end_date_caps_the_computed_end(client, ept, juvisy):
    convention = await make_convention(
        client,
        processor=ept,
        controller=juvisy,
        start_date="2024-01-01",
        duration_months=12,
        tacit_renewals=3,
        end_date="2025-06-30",
    )

    assert convention["last_possible_end"] == "2025-06-30"


# Concurrent edits and refused writes -------------------------------------------------------


async def test_a_second_convention_edit_from_the_same_version_is_refused(client, ept, juvisy):
    convention = await make_convention(client, processor=ept, controller=juvisy)
    url = f"{CONVENTIONS}/{convention['id']}"

    first = await client.patch(url, json={"version": 1, "audit_right": True})
    second = await client.patch(
        url,
        json={
            "version": 1,
            "title": "Écrase",
            "parties": [party(ept, "controller"), party(juvisy, "processor")],
        },
    )

    assert (first.status_code, second.status_code) == (200, 409)
    stored = await read(client, f"/conventions/{convention['id']}")
    assert stored["audit_right"] is True
    assert stored["title"] == convention["title"]
    assert stored["parties"] == convention["parties"]
    assert stored["version"] == 2


async def test_an_update_refused_by_validation_leaves_the_convention_unchanged(client, ept, juvisy):
    convention = await make_convention(client, processor=ept, controller=juvisy)

    response = await client.patch(
        f"{CONVENTIONS}/{convention['id']}",
        json={"version": 1, "title": "Nouveau titre", "end_date": "2023-01-01"},
    )

    assert_refused(response, ["body", "end_date"], "la date de fin précède")
    stored = await read(client, f"/conventions/{convention['id']}")
    assert (stored["title"], stored["end_date"], stored["version"]) == (
        convention["title"],
        None,
        1,
    )


async def test_an_update_naming_an_unknown_party_leaves_the_parties_unchanged(client, ept, juvisy):
    convention = await make_convention(client, processor=ept, controller=juvisy)
    parties = [
        party(ept, "processor"),
        {"organisation_id": str(uuid.uuid4()), "role": "controller"},
    ]

    response = await client.patch(
        f"{CONVENTIONS}/{convention['id']}", json={"version": 1, "parties": parties}
    )

    assert_refused(response, ["body", "parties", 1, "organisation_id"], "organisme inconnu")
    stored = await read(client, f"/conventions/{convention['id']}")
    assert (stored["parties"], stored["version"]) == (convention["parties"], 1)
    assert await ConventionParty.filter(convention_id=convention["id"]).count() == 2


async def test_deleting_a_convention_with_a_stale_version_is_refused(client, ept, juvisy):
    convention = await make_convention(client, processor=ept, controller=juvisy)
    await client.patch(f"{CONVENTIONS}/{convention['id']}", json={"version": 1, "notes": "x"})

    response = await client.delete(f"{CONVENTIONS}/{convention['id']}", params={"version": 1})

    assert response.status_code == 409
    assert (await read(client, f"/conventions/{convention['id']}"))["notes"] == "x"
    assert await ConventionParty.filter(convention_id=convention["id"]).count() == 2


async def test_an_activity_cannot_rely_on_a_convention_where_its_controller_is_processor(
    client, ept, juvisy
):
    convention = await make_convention(client, processor=ept, controller=juvisy)

    response = await client.post(
        f"{API}/activities",
        json={
            "controller_id": ept["id"],
            "name": "Messagerie",
            "convention_ids": [convention["id"]],
        },
    )

    assert_refused(
        response, ["body", "convention_ids", 0], "n'est pas responsable dans cette convention"
    )
    linked = await make_activity(client, controller=juvisy, convention_ids=[convention["id"]])
    assert linked["convention_ids"] == [convention["id"]]
