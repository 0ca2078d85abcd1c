"""The processor's own people complete the facts of the notice they must send (art. 33(2),
33(3)): the numbers, categories, consequences and measures; never the controller's steps, and
never a fact the controller set itself (breach.breaches.source_facts)."""

import pytest

from breach.breaches.models import Breach, BreachEvent
from breach.incident_facts import complete_incident_facts
from breach.incidents.models import Incident
from core.accounts.roles import Role
from core.clock import to_local, utcnow
from core.scope import Scope
from tests.access.conftest import client_as, make_user  # noqa: F401  (fixtures)
from tests.factories import (
    ASSESS,
    BREACHES,
    ago,
    assert_refused,
    bodies,
    declare_on,
    make_org,
    read,
)
from tests.web.conftest import browser, csrf_of  # noqa: F401  (fixtures)


@pytest.fixture
async def world(client):
    world = await bodies(client)
    breach = await declare_on(
        client, world["ept"], [world["activity"]["id"]], detected=ago(hours=2)
    )
    assert breach["path"] == "processor" and breach["approx_subjects"] is None
    return {**world, "breach": breach}


@pytest.fixture
async def rssi(world, make_user, client_as):  # noqa: F811
    user = await make_user("rssi@ept-exemple.fr", (world["ept"]["id"], Role.SECURITY_OFFICER))
    return await client_as(user)


async def test_the_processors_rssi_completes_the_facts_and_the_notice_states_them(
    client, world, rssi
):
    breach = world["breach"]
    preview = await rssi.get(f"{BREACHES}/{breach['id']}/previews/controller-notice")
    assert "nombre de personnes" in " ".join(preview.json()["warnings"])  # the premise

    answer = await rssi.patch(
        f"{BREACHES}/{breach['id']}",
        json={
            "version": breach["version"],
            "approx_subjects": 1350,
            "subjects_is_estimate": False,
            "approx_records": 5400,
            "data_categories": ["contact_details"],
            "measures_taken": "Serveur isolé du réseau.",
        },
    )

    assert answer.status_code == 200, answer.text
    seen = answer.json()
    assert seen["view"] == "source"
    assert (seen["approx_subjects"], seen["approx_records"]) == (1350, 5400)
    assert seen["controller_facts"] == []  # the processor's facts stay completable by both
    notice = (await rssi.get(f"{BREACHES}/{breach['id']}/previews/controller-notice")).json()
    assert "1 350 personnes" in notice["body"]
    assert "5 400 enregistrements" in notice["body"]
    assert "nombre de personnes" not in " ".join(notice["warnings"])
    # The controller reads the same facts.
    assert (await read(client, f"/breaches/{breach['id']}"))["approx_subjects"] == 1350


async def test_the_source_never_takes_the_controllers_steps(world, rssi):
    breach = world["breach"]
    answer = await rssi.post(
        f"{BREACHES}/{breach['id']}/assessment", json={"version": breach["version"], **ASSESS}
    )
    assert answer.status_code == 403  # the RSSI assesses nothing, anywhere
    seen = (await rssi.get(f"{BREACHES}/{breach['id']}")).json()
    assert "update_facts" in seen["allowed_actions"]
    assert "assess" not in seen["allowed_actions"]


async def test_a_fact_the_controller_set_is_not_overwritten_by_the_source(client, world, rssi):
    breach = world["breach"]
    mine = await client.patch(
        f"{BREACHES}/{breach['id']}", json={"version": breach["version"], "approx_subjects": 900}
    )
    assert mine.status_code == 200, mine.text
    assert mine.json()["controller_facts"] == ["approx_subjects"]

    refused = await rssi.patch(
        f"{BREACHES}/{breach['id']}",
        json={"version": mine.json()["version"], "approx_subjects": 1350},
    )
    assert_refused(refused, ["body", "approx_subjects"], "établi par le responsable")
    assert (await Breach.get(id=breach["id"])).approx_subjects == 900  # nothing half-written

    # The same value is no change; the other facts stay the source's to complete.
    answer = await rssi.patch(
        f"{BREACHES}/{breach['id']}",
        json={"version": mine.json()["version"], "approx_subjects": 900, "approx_records": 12},
    )
    assert answer.status_code == 200, answer.text
    assert (answer.json()["approx_subjects"], answer.json()["approx_records"]) == (900, 12)


async def test_completing_every_breach_of_the_incident_leaves_the_controllers_facts(client, world):
    breach = world["breach"]
    mine = await client.patch(
        f"{BREACHES}/{breach['id']}", json={"version": breach["version"], "approx_subjects": 900}
    )
    assert mine.status_code == 200, mine.text
    source = Scope.of([], sources=[world["ept"]["id"]])

    (written,) = await complete_incident_facts(
        scope=source,
        incident_id=breach["incident_id"],
        patch={"approx_subjects": 1350, "approx_records": 5400},
        now=utcnow(),
    )

    assert (written.approx_subjects, written.approx_records) == (900, 5400)
    event = await BreachEvent.filter(breach_id=breach["id"], action="update_facts").last()
    assert event.note.startswith("approx_records ; conservés")
    assert "nombre de personnes" in event.note


async def test_another_body_still_gets_404(client, world, make_user, client_as):  # noqa: F811
    stranger = await make_org(client, legal_name="Autre commune")
    user = await make_user("rssi@autre.fr", (stranger["id"], Role.SECURITY_OFFICER))
    other = await client_as(user)
    breach = world["breach"]
    answer = await other.patch(
        f"{BREACHES}/{breach['id']}", json={"version": breach["version"], "approx_subjects": 1}
    )
    assert answer.status_code == 404


async def test_the_declaration_form_takes_the_numbers_and_the_notice_states_them(
    client,
    browser,  # noqa: F811
    make_user,  # noqa: F811
):
    world = await bodies(client)
    user = await make_user("rssi@ept.fr", (world["ept"]["id"], Role.SECURITY_OFFICER))
    http = await browser(user)
    html = (await http.get("/incidents/declarer")).text
    assert 'name="approx_subjects"' in html and 'name="approx_records"' in html
    form = {
        "csrf_token": csrf_of(html),
        "organisation_id": world["ept"]["id"],
        "title": "Rançongiciel sur le serveur de fichiers",
        "description": "Partages chiffrés, note de rançon trouvée à 2 h du matin.",
        "detected_at": to_local(ago(hours=1)).strftime("%Y-%m-%dT%H:%M"),
        "nature": ["confidentiality"],
        "activity_ids": [world["activity"]["id"]],
        "ongoing": "on",
    }

    refused = await http.post("/incidents/declarer", data={**form, "approx_subjects": "beaucoup"})
    assert refused.status_code == 422
    assert 'id="err-approx_subjects"' in refused.text
    assert await Incident.all().count() == 0  # nothing half-written

    answer = await http.post(
        "/incidents/declarer",
        data={**form, "approx_subjects": "1 350", "approx_records": "5400"},
    )
    assert answer.status_code == 303, answer.text
    (breach,) = (await read(client, "/breaches"))["items"]
    assert (breach["approx_subjects"], breach["subjects_is_estimate"]) == (1350, False)
    assert breach["approx_records"] == 5400
    assert breach["controller_facts"] == []  # the source's numbers, not the controller's
    preview = await read(client, f"/breaches/{breach['id']}/previews/controller-notice")
    assert "Nombre approximatif de personnes concernées : 1 350 personnes" in preview["body"]
