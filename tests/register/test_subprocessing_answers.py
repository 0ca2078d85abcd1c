"""The controllers' answers to a sub-processor (art. 28(2)): recorded by the controller's DPO
or administrator only, dated and signed, journaled; an objection is flagged on both sides and
the sub-processor cannot start while it stands."""

from datetime import timedelta

import httpx
import pytest

from api.app import create_app
from core.accounts.roles import Role
from core.accounts.service import create_user, grant
from core.accounts.tokens import issue_token
from core.audit.models import AuditEvent
from core.clock import today_local, utcnow
from tests.factories import API, assert_refused, bodies, make_org

SUBPROCESSORS = f"{API}/subprocessors"


async def _client_of(org: dict, role: Role, email: str) -> httpx.AsyncClient:
    user = await create_user(email=email, name=email, password=None)
    await grant(user, organisation_id=org["id"], role=role)
    issued = await issue_token(user=user, name="tests", days=1, now=utcnow())
    return httpx.AsyncClient(
        transport=httpx.ASGITransport(app=create_app(manage_database=False)),
        base_url="http://test",
        headers={"Authorization": f"Bearer {issued.secret}"},
    )


@pytest.fixture
async def notified(client):
    """The EPT's new sub-processor under a general authorisation, notified to the commune."""
    world = await bodies(client, subprocessor_authorisation="general", subprocessor_notice_days=30)
    start = today_local() + timedelta(days=31)
    response = await client.post(
        SUBPROCESSORS,
        json={
            "processor_id": world["ept"]["id"],
            "name": "Cloud Atlantique Inc.",
            "services": "Sauvegardes externalisées",
            "country": "US",
            "data_locations": ["US"],
            "transfer_mechanism": "scc_46_2c",
            "authorisation": "general",
            "contract_start": start.isoformat(),
        },
    )
    assert response.status_code == 201, response.text
    assert response.json()["state"] == "notified"
    return world, response.json()


async def test_an_objection_is_recorded_dated_and_flagged_on_both_sides(client, notified):
    world, made = notified
    path = f"{SUBPROCESSORS}/{made['id']}"

    async with (
        await _client_of(world["commune"], Role.DPO, "dpd-commune@essai.test") as commune,
        await _client_of(world["ept"], Role.DPO, "dpd-ept@essai.test") as ept,
    ):
        answered = await commune.post(
            f"{path}/answers",
            json={
                "controller_id": world["commune"]["id"],
                "answer": "object",
                "comment": "Transfert hors de l'Union refusé pour l'état civil",
            },
        )
        assert answered.status_code == 201, answered.text
        seen_by_controller = (await commune.get(path)).json()
        seen_by_processor = (await ept.get(path)).json()
        listed = (await ept.get(f"{path}/answers")).json()
        start_now = await ept.patch(
            path, json={"version": made["version"], "contract_start": str(today_local())}
        )

    answer = answered.json()
    assert (answer["answer"], answer["answered_by"]) == ("object", "dpd-commune@essai.test")
    assert answer["engagement_state"] == "objected"
    for seen in (seen_by_controller, seen_by_processor):
        assert (seen["state"], seen["state_label"]) == ("objected", "Objection en cours")
        assert any(
            r.startswith("Objection de la Commune de Vitry-sur-Seine (convention « ")
            and r.endswith(" : Transfert hors de l'Union refusé pour l'état civil.")
            for r in seen["state_reasons"]
        ), seen["state_reasons"]
    assert [(a["answer"], a["controller_id"]) for a in listed] == [
        ("object", world["commune"]["id"])
    ]
    assert_refused(start_now, ["body", "contract_start"], "une objection est en cours")


async def test_an_objection_withdrawn_by_a_later_acceptance_no_longer_stands(client, notified):
    world, made = notified
    path = f"{SUBPROCESSORS}/{made['id']}/answers"
    commune_id = world["commune"]["id"]

    await client.post(path, json={"controller_id": commune_id, "answer": "object"})
    later = await client.post(path, json={"controller_id": commune_id, "answer": "accept"})

    assert later.status_code == 201, later.text
    assert later.json()["engagement_state"] == "authorised"  # accepted, starts in 31 days
    assert len((await client.get(path)).json()) == 2  # both kept


async def test_each_answer_is_journaled_in_the_controllers_chain_and_the_state_in_the_processors(
    client, notified
):
    world, made = notified

    response = await client.post(
        f"{SUBPROCESSORS}/{made['id']}/answers",
        json={"controller_id": world["commune"]["id"], "answer": "object"},
    )

    assert response.status_code == 201, response.text
    in_commune = await AuditEvent.filter(
        chain=world["commune"]["id"], action="subprocessor_answer.create"
    )
    in_ept = await AuditEvent.filter(
        chain=world["ept"]["id"], action="subprocessor_engagement.answer"
    )
    assert [e.entity_id for e in in_commune] == [response.json()["id"]]
    assert len(in_ept) == 1
    assert in_ept[0].before == {"state": "notified"}
    assert in_ept[0].after["state"] == "objected"


async def test_the_processor_cannot_answer_for_its_controller(client, notified):
    world, made = notified

    async with await _client_of(world["ept"], Role.DPO, "dpd-ept@essai.test") as ept:
        response = await ept.post(
            f"{SUBPROCESSORS}/{made['id']}/answers",
            json={"controller_id": world["commune"]["id"], "answer": "accept"},
        )
        own = await ept.post(
            f"{SUBPROCESSORS}/{made['id']}/answers",
            json={"controller_id": world["ept"]["id"], "answer": "accept"},
        )

    assert_refused(response, ["body", "controller_id"], "vous n'agissez pas pour cet organisme")
    assert_refused(own, ["body", "controller_id"], "vous n'agissez pas pour cet organisme")
    assert (await client.get(f"{SUBPROCESSORS}/{made['id']}/answers")).json() == []


async def test_a_controllers_security_officer_cannot_answer(client, notified):
    world, made = notified

    async with await _client_of(world["commune"], Role.SECURITY_OFFICER, "rssi@essai.test") as rssi:
        readable = await rssi.get(f"{SUBPROCESSORS}/{made['id']}")
        response = await rssi.post(
            f"{SUBPROCESSORS}/{made['id']}/answers",
            json={"controller_id": world["commune"]["id"], "answer": "object"},
        )

    assert readable.status_code == 200
    assert response.status_code in (403, 404), response.text
    assert (await client.get(f"{SUBPROCESSORS}/{made['id']}/answers")).json() == []


async def test_a_third_body_gets_404_as_for_a_missing_engagement(client, notified):
    _, made = notified
    other = await make_org(client, legal_name="Commune de Villejuif (essai)")

    async with await _client_of(other, Role.DPO, "dpd-villejuif@essai.test") as outsider:
        read = await outsider.get(f"{SUBPROCESSORS}/{made['id']}")
        answers = await outsider.get(f"{SUBPROCESSORS}/{made['id']}/answers")
        answer = await outsider.post(
            f"{SUBPROCESSORS}/{made['id']}/answers",
            json={"controller_id": other["id"], "answer": "object"},
        )
        listed = (await outsider.get(SUBPROCESSORS)).json()

    assert (read.status_code, answers.status_code, answer.status_code) == (404, 404, 404)
    assert listed["items"] == []


async def test_the_controller_lists_the_sub_processors_serving_it(client, notified):
    world, made = notified

    async with await _client_of(world["commune"], Role.AUDITOR, "audit@essai.test") as auditor:
        listed = (await auditor.get(SUBPROCESSORS)).json()

    assert [(e["id"], e["state"]) for e in listed["items"]] == [(made["id"], "notified")]


async def test_an_answered_engagement_cannot_be_deleted_by_its_processor(client, notified):
    world, made = notified
    await client.post(
        f"{SUBPROCESSORS}/{made['id']}/answers",
        json={"controller_id": world["commune"]["id"], "answer": "object"},
    )

    response = await client.delete(f"{SUBPROCESSORS}/{made['id']}", params={"version": 1})

    assert response.status_code == 409
    assert "a reçu 1 réponse des responsables de traitement" in response.json()["detail"]
    assert (await client.get(f"{SUBPROCESSORS}/{made['id']}")).status_code == 200


async def test_a_replaced_sub_processor_needs_new_answers(client):
    # An authorisation given to one sub-processor says nothing of the one that replaces it.
    world = await bodies(client, subprocessor_authorisation="specific")
    created = await client.post(
        SUBPROCESSORS,
        json={
            "processor_id": world["ept"]["id"],
            "name": "Hébergeur Ouest",
            "services": "Hébergement",
            "authorisation": "specific",
        },
    )
    made = created.json()
    authorised = await client.post(
        f"{SUBPROCESSORS}/{made['id']}/answers",
        json={"controller_id": world["commune"]["id"], "answer": "authorise"},
    )
    assert authorised.json()["engagement_state"] == "active"

    replaced = await client.patch(
        f"{SUBPROCESSORS}/{made['id']}", json={"version": 1, "name": "Hébergeur Est"}
    )

    assert replaced.status_code == 200, replaced.text
    assert replaced.json()["state"] == "requested"
    assert [s["answer"] for s in replaced.json()["standing"]] == [None]
    listed = (await client.get(f"{SUBPROCESSORS}/{made['id']}/answers")).json()
    assert [a["answer"] for a in listed] == ["authorise"]  # kept, no longer standing
