"""The controller's answers to the CNIL's form — whom it told (ANSSI, police, other data
protection authorities) and whether its processing is cross-border — are its own statements:
the body whose system was hit completes the incident's facts, never these
(breach.breaches.source_facts): refused naming the field, withheld from its view, left out of
the incident-wide completion and of its page form."""

import pytest

from breach.breaches.models import Breach
from breach.incident_facts import complete_incident_facts
from core.accounts.roles import Role
from core.clock import utcnow
from core.errors import ValidationFailed
from core.scope import Scope
from tests.access.conftest import client_as, make_user  # noqa: F401  (fixtures)
from tests.factories import (
    BREACHES,
    ago,
    assert_refused,
    bodies,
    declare_on,
    read,
)
from tests.web.conftest import browser, csrf_of  # noqa: F401  (fixtures)

RESERVED = "réservée au responsable de traitement"
COMPLAINT = {
    "kind": "police",
    "name": "Commissariat de Vitry-sur-Seine",
    "on": "2026-03-02",
    "reference": "PV 2026/00417",
}


@pytest.fixture
async def world(client):
    world = await bodies(client)
    breach = await declare_on(
        client, world["ept"], [world["activity"]["id"]], detected=ago(hours=2)
    )
    assert breach["path"] == "processor"
    return {**world, "breach": breach}


@pytest.fixture
async def rssi(world, make_user, client_as):  # noqa: F811
    user = await make_user("rssi@ept-exemple.fr", (world["ept"]["id"], Role.SECURITY_OFFICER))
    return await client_as(user)


async def _unchanged(breach: dict) -> None:
    row = await Breach.get(id=breach["id"])
    assert row.version == breach["version"]
    assert (row.other_authorities, row.cross_border) == (None, None)
    assert row.approx_subjects is None  # nothing half-written


async def test_the_source_may_not_answer_for_the_controller(world, rssi):
    breach = world["breach"]
    answer = await rssi.patch(
        f"{BREACHES}/{breach['id']}",
        json={
            "version": breach["version"],
            "approx_subjects": 1350,
            "other_authorities": [],
            "cross_border": False,
        },
    )

    assert_refused(answer, ["body", "other_authorities"], RESERVED)
    assert_refused(answer, ["body", "cross_border"], RESERVED)
    await _unchanged(breach)
    states = await rssi.patch(
        f"{BREACHES}/{breach['id']}",
        json={"version": breach["version"], "other_member_states": ["DE"]},
    )
    assert_refused(states, ["body", "other_member_states"], RESERVED)
    # Its incident facts stay its own to complete.
    facts = await rssi.patch(
        f"{BREACHES}/{breach['id']}", json={"version": breach["version"], "approx_subjects": 1350}
    )
    assert facts.status_code == 200, facts.text
    assert facts.json()["approx_subjects"] == 1350


async def test_the_controllers_answers_are_withheld_from_the_source(client, world, rssi):
    breach = world["breach"]
    mine = await client.patch(
        f"{BREACHES}/{breach['id']}",
        json={
            "version": breach["version"],
            "other_authorities": [COMPLAINT],
            "cross_border": True,
            "other_member_states": ["DE"],
        },
    )
    assert mine.status_code == 200, mine.text
    assert mine.json()["cross_border"] is True  # the premise: the controller answered
    assert set(mine.json()["controller_facts"]) >= {"other_authorities", "cross_border"}

    seen = (await rssi.get(f"{BREACHES}/{breach['id']}")).json()

    assert seen["view"] == "source"
    assert (seen["other_authorities"], seen["cross_border"]) == (None, None)
    assert seen["other_member_states"] == []
    assert seen["controller_facts"] == []
    listed = (await rssi.get(BREACHES)).json()["items"]
    assert [b["cross_border"] for b in listed] == [None]
    # The controller still reads its answers.
    assert (await read(client, f"/breaches/{breach['id']}"))["other_member_states"] == ["DE"]


async def test_the_incident_wide_completion_leaves_the_controllers_answers(world):
    breach = world["breach"]
    source = Scope.of([], sources=[world["ept"]["id"]])

    with pytest.raises(ValidationFailed) as refused:
        await complete_incident_facts(
            scope=source,
            incident_id=breach["incident_id"],
            patch={"approx_subjects": 1350, "cross_border": False},
            now=utcnow(),
        )

    (problem,) = refused.value.problems
    assert problem.loc == ("body", "cross_border") and RESERVED in problem.msg
    await _unchanged(breach)
    (written,) = await complete_incident_facts(
        scope=source,
        incident_id=breach["incident_id"],
        patch={"approx_subjects": 1350},
        now=utcnow(),
    )
    assert written.approx_subjects == 1350


async def test_the_source_page_form_has_no_controllers_answers(
    client,
    world,
    browser,  # noqa: F811
    make_user,  # noqa: F811
):
    breach = world["breach"]
    mine = await client.patch(
        f"{BREACHES}/{breach['id']}",
        json={"version": breach["version"], "other_authorities": [], "cross_border": False},
    )
    assert mine.status_code == 200, mine.text
    user = await make_user("rssi@ept.fr", (world["ept"]["id"], Role.SECURITY_OFFICER))
    http = await browser(user)
    page = (await http.get(f"/violations/{breach['id']}")).text
    assert 'name="facts-approx_subjects"' in page  # the premise: the facts form is offered
    assert 'name="facts-cross_border"' not in page
    assert 'name="facts-other_authorities_answer"' not in page
    form = {
        "csrf_token": csrf_of(page),
        "version": str(mine.json()["version"]),
        "facts-approx_subjects": "1 350",
    }

    answer = await http.post(f"/violations/{breach['id']}/faits", data=form)

    assert answer.status_code == 303, answer.text
    row = await Breach.get(id=breach["id"])
    assert row.approx_subjects == 1350
    assert (row.other_authorities, row.cross_border) == ([], False)  # the controller's, kept
    forged = await http.post(
        f"/violations/{breach['id']}/faits",
        data={**form, "version": str(row.version), "facts-cross_border": "oui"},
    )
    assert forged.status_code == 422
    assert RESERVED in forged.text
    assert (await Breach.get(id=breach["id"])).cross_border is False
