"""What every answer shares: French 422 bodies naming the field, paging, health, catalogue."""

import uuid

import pytest

from tests.factories import API, assert_refused, make_activity, make_org, problem_at


@pytest.mark.parametrize(
    ("path", "required"),
    [
        ("/organisations", ["legal_name", "kind"]),
        ("/dpos", ["mode", "name", "email"]),
        ("/contacts", ["organisation_id", "name", "roles"]),
        ("/conventions", ["title", "kind", "start_date", "parties"]),
        ("/activities", ["controller_id", "name"]),
        ("/subprocessors", ["processor_id", "name", "services", "authorisation"]),
        ("/measures", ["organisation_id", "title"]),
    ],
)
async def test_each_missing_required_field_is_named_in_french(client, path, required):
    response = await client.post(f"{API}{path}", json={})

    assert response.status_code == 422
    for field in required:
        assert problem_at(response, ["body", field]) == "champ obligatoire manquant"
    assert len(response.json()["detail"]) == len(required)


async def test_a_value_outside_a_closed_list_is_refused_with_the_allowed_values(client):
    response = await client.post(
        f"{API}/organisations", json={"legal_name": "Ville", "kind": "ville"}
    )

    message = problem_at(response, ["body", "kind"])
    assert message.startswith("valeur non admise ; valeurs possibles : 'commune', 'epci_fp'")
    assert message.endswith("'etat' ou 'other'")


async def test_a_malformed_identifier_in_the_body_is_refused(client):
    response = await client.post(
        f"{API}/activities", json={"controller_id": "juvisy", "name": "Paie"}
    )

    assert_refused(response, ["body", "controller_id"], "identifiant invalide (UUID attendu)")


@pytest.mark.parametrize(
    ("resource", "parameter"),
    [
        ("organisations", "organisation_id"),
        ("dpos", "dpo_id"),
        ("contacts", "contact_id"),
        ("conventions", "convention_id"),
        ("activities", "activity_id"),
        ("subprocessors", "engagement_id"),
        ("measures", "measure_id"),
    ],
)
async def test_a_malformed_identifier_in_the_path_is_refused(client, resource, parameter):
    response = await client.get(f"{API}/{resource}/123")

    assert_refused(response, ["path", parameter], "identifiant invalide (UUID attendu)")


async def test_a_malformed_date_is_refused(client):
    org = await make_org(client)

    for bad in ("2024-13-01", "01/02/2024", "2024-02-30"):
        response = await client.post(
            f"{API}/activities",
            json={"controller_id": org["id"], "name": "Paie", "next_review": bad},
        )

        assert_refused(
            response, ["body", "next_review"], "date invalide (format attendu AAAA-MM-JJ)"
        )


async def test_a_malformed_date_in_a_query_is_refused(client):
    response = await client.get(f"{API}/activities", params={"review_due_before": "demain"})

    assert_refused(response, ["query", "review_due_before"], "date invalide")


async def test_a_field_of_the_wrong_type_is_refused(client):
    response = await client.post(
        f"{API}/organisations",
        json={"legal_name": "Ville", "kind": "commune", "population": "beaucoup"},
    )

    assert_refused(response, ["body", "population"], "doit être un nombre entier")


async def test_a_negative_count_is_refused(client):
    response = await client.post(
        f"{API}/organisations", json={"legal_name": "Ville", "kind": "commune", "staff_count": -1}
    )

    assert_refused(response, ["body", "staff_count"], "doit être supérieur ou égal à 0")


async def test_an_unknown_field_is_refused(client):
    response = await client.post(
        f"{API}/organisations", json={"legal_name": "Ville", "kind": "commune", "maire": "X"}
    )

    assert_refused(response, ["body", "maire"], "champ inconnu")


async def test_an_over_long_text_is_refused(client):
    response = await client.post(
        f"{API}/organisations", json={"legal_name": "V" * 301, "kind": "commune"}
    )

    assert_refused(response, ["body", "legal_name"], "trop long (au plus 300 caractères)")


async def test_an_unreadable_json_body_is_refused(client):
    response = await client.post(
        f"{API}/organisations",
        content=b'{"legal_name": "Ville",',
        headers={"content-type": "application/json"},
    )

    assert response.status_code == 422
    assert response.json()["detail"][0]["msg"] == "JSON illisible"


async def test_a_patch_without_its_version_is_refused(client):
    org = await make_org(client)

    response = await client.patch(f"{API}/organisations/{org['id']}", json={"population": 3})

    assert_refused(response, ["body", "version"], "champ obligatoire manquant")


async def test_a_patch_with_a_version_below_one_is_refused(client):
    org = await make_org(client)

    response = await client.patch(f"{API}/organisations/{org['id']}", json={"version": 0})

    assert_refused(response, ["body", "version"], "doit être supérieur ou égal à 1")


async def test_a_patch_cannot_blank_a_required_field(client):
    org = await make_org(client, legal_name="Commune de Meudon")

    response = await client.patch(
        f"{API}/organisations/{org['id']}", json={"version": 1, "legal_name": None}
    )

    assert_refused(response, ["body", "legal_name"], "doit être un texte")
    assert (await client.get(f"{API}/organisations/{org['id']}")).json()[
        "legal_name"
    ] == "Commune de Meudon"


async def test_a_not_found_answer_is_in_french(client):
    missing = uuid.uuid4()

    response = await client.get(f"{API}/activities/{missing}")

    assert response.status_code == 404
    assert response.json() == {"detail": f"activité de traitement introuvable : {missing}"}


async def test_deleting_an_unknown_record_is_not_found(client):
    response = await client.delete(f"{API}/measures/{uuid.uuid4()}")

    assert response.status_code == 404


async def test_updating_an_unknown_record_is_not_found(client):
    response = await client.patch(f"{API}/contacts/{uuid.uuid4()}", json={"version": 1})

    assert response.status_code == 404


# Paging -------------------------------------------------------------------------------------


async def test_a_page_holds_fifty_items_by_default(client):
    org = await make_org(client)
    for _ in range(51):
        await make_activity(client, controller=org)

    page = (await client.get(f"{API}/activities")).json()

    assert (len(page["items"]), page["total"], page["limit"], page["offset"]) == (50, 51, 50, 0)


async def test_a_page_beyond_the_last_item_is_empty_but_counts_the_total(client):
    await make_org(client)

    page = (await client.get(f"{API}/organisations", params={"offset": 10})).json()

    assert (page["items"], page["total"], page["offset"]) == ([], 1, 10)


async def test_a_page_size_is_capped_at_the_maximum(client):
    page = (await client.get(f"{API}/organisations", params={"limit": 100000})).json()

    assert page["limit"] == 500


@pytest.mark.parametrize(
    ("params", "loc", "says"),
    [
        ({"limit": 0}, ["query", "limit"], "doit être supérieur ou égal à 1"),
        ({"offset": -1}, ["query", "offset"], "doit être supérieur ou égal à 0"),
        ({"limit": "dix"}, ["query", "limit"], "doit être un nombre entier"),
    ],
)
async def test_a_bad_page_request_is_refused(client, params, loc, says):
    response = await client.get(f"{API}/conventions", params=params)

    assert_refused(response, loc, says)


# Health, schema, catalogue ------------------------------------------------------------------


async def test_the_health_probe_says_degraded_while_no_scheduler_runs(client):
    response = await client.get("/healthz")

    assert response.status_code == 200  # the web still serves
    body = response.json()
    assert (body["status"], body["database"]) == ("degraded", "ok")
    assert body["scheduler"]["leader"] == "absent"
    assert body["outbox"] == {"pending": 0, "failed": 0, "oldest_failed_at": None}


async def test_the_health_probe_reports_the_leader_and_the_messages_stuck(client):
    from datetime import timedelta

    from core.clock import utcnow
    from core.outbox.models import MessageStatus, OutboxMessage
    from core.outbox.service import Draft, enqueue
    from core.scheduling import SchedulerState

    now = utcnow()
    await SchedulerState.create(
        name="scheduler", leader="scheduler:hote:42:ab", leader_since=now, last_run_at=now
    )
    body = (await client.get("/healthz")).json()
    assert (body["status"], body["scheduler"]["leader"]) == ("ok", "present")

    draft = Draft(kind="test", to_addrs=("dpd@commune-exemple.fr",), subject="s", body_text="b")
    await enqueue(draft, now=now - timedelta(hours=2))
    stuck = await enqueue(draft, now=now - timedelta(hours=1))
    await OutboxMessage.filter(id=stuck.id).update(status=MessageStatus.FAILED, last_error="550")
    body = (await client.get("/healthz")).json()
    assert body["status"] == "degraded"
    assert (body["outbox"]["pending"], body["outbox"]["failed"]) == (1, 1)
    assert body["outbox"]["oldest_failed_at"].startswith(
        (now - timedelta(hours=1)).date().isoformat()
    )
    assert "dpd@" not in str(body), "no address in a health report"

    await SchedulerState.filter(name="scheduler").update(last_run_at=now - timedelta(hours=1))
    body = (await client.get("/healthz")).json()
    assert body["scheduler"]["leader"] == "absent", "a leader that stopped running is not there"


async def test_the_openapi_schema_is_served(client):
    response = await client.get("/openapi.json")

    assert response.status_code == 200
    schema = response.json()
    assert schema["info"]["title"] == "registre-rgpd"
    assert f"{API}/activities" in schema["paths"]


async def test_the_catalogue_gives_each_closed_list_with_french_labels(client):
    response = await client.get(f"{API}/catalogue")

    assert response.status_code == 200
    catalogue = response.json()
    assert {"value": "public_task", "label": "Mission d'intérêt public (art. 6.1.e)"} in catalogue[
        "LegalBasis"
    ]
    assert {"value": "processor", "label": "Sous-traitant"} in catalogue["PartyRole"]
    assert [e["value"] for e in catalogue["DataCategory"]][:2] == [
        "civil_status",
        "personal_life",
    ]
    assert len(catalogue["CnilGuideSheet"]) == 25
    assert all(e["label"] for entries in catalogue.values() for e in entries)
