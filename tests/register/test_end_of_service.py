"""End of service as steps with dates (art. 28(3)(g)): GOSB–Juvisy's return then destruction
with written proof (seed 001 annex §IV), the archives outcome, and the refusals."""

from datetime import date, timedelta

from core.audit.chain import chain_of
from core.audit.models import AuditEvent
from core.clock import today_local
from register.conventions.end_of_service import StepStatus, expected_steps, step_lines
from register.enums import EndOfService, EndOfServiceStep
from tests.factories import (
    API,
    assert_refused,
    attach_document,
    gosb_juvisy,
    make_convention,
    make_org,
)

S = EndOfServiceStep


def test_the_steps_the_convention_asks_for():
    assert expected_steps(EndOfService.RETURN_THEN_DELETE, True) == (
        S.RETURNED,
        S.DESTROYED,
        S.PROOF_RECEIVED,
    )
    assert expected_steps(EndOfService.RETURN, True) == (S.RETURNED,)  # no destruction to prove
    assert expected_steps(EndOfService.DELETE, False) == (S.DESTROYED,)
    assert expected_steps(EndOfService.KEEP_FOR_ARCHIVES, False) == (S.ARCHIVED,)
    assert expected_steps(None, True) == ()


def test_a_step_is_overdue_from_the_day_after_its_due_day():
    expected = expected_steps(EndOfService.DELETE, True)
    due = date(2021, 7, 31)
    on_the_day = step_lines(expected, set(), due, due)
    assert [line.status for line in on_the_day if line.expected] == [StepStatus.TO_DO] * 2
    after = step_lines(expected, {S.DESTROYED}, due, due + timedelta(days=1))
    assert {line.step: line.status for line in after if line.expected} == {
        S.DESTROYED: StepStatus.DONE,
        S.PROOF_RECEIVED: StepStatus.OVERDUE,
    }
    archived = step_lines(expected, {S.ARCHIVED}, due, due + timedelta(days=1))
    assert all(not line.pending for line in archived)


async def _juvisy(client):
    world = await gosb_juvisy(client)
    return world, f"{API}/conventions/{world['convention']['id']}/end-of-service"


async def test_gosb_juvisy_return_then_destruction_with_written_proof(client):
    world, url = await _juvisy(client)
    state = (await client.get(url)).json()
    assert state["due_on"] == "2021-07-31"  # six months from 1 February 2021, not renewed
    (juvisy,) = state["controllers"]
    assert juvisy["controller_id"] == world["juvisy"]["id"]
    assert juvisy["overdue"] is True
    expected = {s["step"]: s["status"] for s in juvisy["steps"] if s["expected"]}
    assert expected == {"returned": "overdue", "destroyed": "overdue", "proof_received": "overdue"}

    steps = [
        {"step": "returned", "done_on": "2021-09-15", "how": "Disques et export des bases"},
        {"step": "destroyed", "done_on": "2021-10-01", "done_by": "Mission numérique de l'EPT"},
        {"step": "proof_received", "done_on": "2021-10-04", "reference": "Courrier 2021-118"},
    ]
    for step in steps:
        response = await client.post(url, json=step)
        assert response.status_code == 201, response.text
        assert response.json()["recorded_by"]

    (juvisy,) = (await client.get(url)).json()["controllers"]
    assert juvisy["overdue"] is False
    assert [s["status"] for s in juvisy["steps"] if s["expected"]] == ["done"] * 3
    proof = next(s for s in juvisy["steps"] if s["step"] == "proof_received")
    assert proof["record"]["reference"] == "Courrier 2021-118"
    # Journaled in the controller's chain and in the processor's.
    chains = set(
        await AuditEvent.filter(entity_type="end_of_service_record").values_list("chain", flat=True)
    )
    assert chains == {chain_of(world["juvisy"]["id"]), chain_of(world["gosb"]["id"])}


async def test_kept_for_the_archives_is_an_outcome_with_its_legal_ground(client):
    _, url = await _juvisy(client)
    await client.post(url, json={"step": "returned", "done_on": "2021-09-15", "how": "Export"})
    missing = await client.post(url, json={"step": "archived", "done_on": "2021-10-01"})
    assert_refused(missing, ["body", "legal_ground"], "fondement")
    ground = "Code du patrimoine, art. L212-2 ; tri selon le tableau de gestion"
    kept = await client.post(
        url, json={"step": "archived", "done_on": "2021-10-01", "legal_ground": ground}
    )
    assert kept.status_code == 201, kept.text

    (juvisy,) = (await client.get(url)).json()["controllers"]
    statuses = {s["step"]: s["status"] for s in juvisy["steps"]}
    assert statuses == {
        "returned": "done",
        "destroyed": "settled",
        "proof_received": "settled",
        "archived": "done",
    }
    assert juvisy["overdue"] is False


async def test_refusals_name_the_field(client):
    _, url = await _juvisy(client)
    tomorrow = (today_local() + timedelta(days=1)).isoformat()
    future = await client.post(url, json={"step": "returned", "done_on": tomorrow, "how": "X"})
    assert_refused(future, ["body", "done_on"], "futur")
    before_start = await client.post(
        url, json={"step": "returned", "done_on": "2021-01-31", "how": "X"}
    )
    assert_refused(before_start, ["body", "done_on"], "précède le début")
    no_how = await client.post(url, json={"step": "returned", "done_on": "2021-09-15"})
    assert_refused(no_how, ["body", "how"], "comment")
    stray = await client.post(
        url, json={"step": "returned", "done_on": "2021-09-15", "how": "X", "done_by": "Y"}
    )
    assert_refused(stray, ["body", "done_by"], "sans objet")

    destroyed = {"step": "destroyed", "done_on": "2021-09-14", "done_by": "EPT"}
    first = await client.post(url, json=destroyed)
    assert_refused(first, ["body", "step"], "d'abord la restitution")
    await client.post(url, json={"step": "returned", "done_on": "2021-09-15", "how": "Export"})
    early = await client.post(url, json=destroyed)  # one day before the return
    assert_refused(early, ["body", "done_on"], "ne peut précéder la restitution")
    proof = {"step": "proof_received", "done_on": "2021-09-20", "reference": "Lettre"}
    assert_refused(await client.post(url, json=proof), ["body", "step"], "d'abord")
    again = await client.post(url, json={"step": "returned", "done_on": "2021-09-16", "how": "Y"})
    assert again.status_code == 409 and "déjà enregistrée" in again.json()["detail"]


async def test_a_proof_document_must_be_a_destruction_proof_of_this_convention(client):
    world, url = await _juvisy(client)
    convention = world["convention"]
    annex = (await attach_document(client, convention=convention, kind="annex")).json()
    proof = (
        await attach_document(
            client, convention=convention, kind="destruction_proof", title="PV de destruction"
        )
    ).json()
    await client.post(url, json={"step": "returned", "done_on": "2021-09-15", "how": "Export"})
    await client.post(url, json={"step": "destroyed", "done_on": "2021-10-01", "done_by": "EPT"})
    wrong = {"step": "proof_received", "done_on": "2021-10-04", "document_id": annex["id"]}
    assert_refused(await client.post(url, json=wrong), ["body", "document_id"], "preuve")
    right = await client.post(url, json={**wrong, "document_id": proof["id"]})
    assert right.status_code == 201, right.text
    assert right.json()["document_id"] == proof["id"]


async def test_a_step_relied_on_is_withdrawn_last(client):
    _, url = await _juvisy(client)
    returned = (
        await client.post(url, json={"step": "returned", "done_on": "2021-09-15", "how": "X"})
    ).json()
    await client.post(url, json={"step": "destroyed", "done_on": "2021-10-01", "done_by": "EPT"})
    refused = await client.delete(f"{url}/{returned['id']}", params={"version": 1})
    assert refused.status_code == 409 and "s'appuie" in refused.json()["detail"]


async def test_no_end_of_service_without_a_processor(client):
    a, b = await make_org(client), await make_org(client)
    convention = await make_convention(
        client,
        parties=[
            {"organisation_id": a["id"], "role": "joint_controller"},
            {"organisation_id": b["id"], "role": "joint_controller"},
        ],
        kind="art26_arrangement",
    )
    url = f"{API}/conventions/{convention['id']}/end-of-service"
    assert (await client.get(url)).json()["controllers"] == []
    response = await client.post(
        url, json={"step": "returned", "done_on": "2024-02-01", "how": "X"}
    )
    assert response.status_code == 409 and "art. 28.3.g" in response.json()["detail"]
