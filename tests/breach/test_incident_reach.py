"""An incident declared by a body reaches only its own activities and those held under a
convention in force it is party to; a proposed convention fans out nothing, and another
body's ids answer exactly as ids that do not exist (issue 13)."""

import uuid

from breach.breaches.models import Breach
from breach.incidents.models import Incident
from core.outbox.models import OutboxMessage
from register.conventions.models import Convention
from register.enums import ConventionStatus
from tests.factories import API, ago, bodies, iso, make_activity, make_convention, make_org


def incident(org: dict, **links) -> dict:
    return {
        "organisation_id": org["id"],
        "title": "Rançongiciel sur le serveur de fichiers",
        "description": "Chiffrement des partages réseau.",
        "detected_at": iso(ago(hours=2)),
        "nature": ["availability"],
        **links,
    }


async def counts() -> tuple[int, int, int]:
    return (
        await Incident.all().count(),
        await Breach.all().count(),
        await OutboxMessage.all().count(),
    )


def problem(response) -> list[dict]:
    assert response.status_code == 422, response.text
    return [{"loc": p["loc"], "msg": p["msg"]} for p in response.json()["detail"]]


async def test_a_proposed_convention_fans_out_nothing_then_in_force_it_does(client, db):
    world = await bodies(client)
    ept, commune = world["ept"], world["commune"]
    convention_id = world["convention"]["id"]
    await Convention.filter(id=convention_id).update(status=ConventionStatus.PROPOSED)
    before = await counts()

    # Through the convention's activity, or naming the convention: as if neither existed.
    by_activity = await client.post(
        f"{API}/incidents", json=incident(ept, activity_ids=[world["activity"]["id"]])
    )
    assert problem(by_activity) == [
        {"loc": ["body", "activity_ids", 0], "msg": "activité inconnue"}
    ]
    by_convention = await client.post(
        f"{API}/incidents", json=incident(ept, convention_ids=[convention_id])
    )
    assert problem(by_convention) == [
        {"loc": ["body", "convention_ids", 0], "msg": "convention inconnue"}
    ]
    assert await counts() == before
    assert not await Breach.filter(controller_id=commune["id"]).exists()

    # The declaration form offers neither.
    form = await client.get("/incidents/declarer", params={"organisme": ept["id"]})
    assert form.status_code == 200
    assert world["activity"]["id"] not in form.text and convention_id not in form.text

    # Once in force, the same declaration fans out to the commune as before.
    await Convention.filter(id=convention_id).update(status=ConventionStatus.IN_FORCE)
    response = await client.post(
        f"{API}/incidents", json=incident(ept, activity_ids=[world["activity"]["id"]])
    )
    assert response.status_code == 201, response.text
    (breach_id,) = response.json()["breach_ids"]
    breach = await Breach.get(id=breach_id)
    assert str(breach.controller_id) == commune["id"] and str(breach.source_org_id) == ept["id"]
    assert str(breach.convention_id) == convention_id


async def test_another_bodys_activity_or_convention_answers_as_an_unknown_id(client, db):
    world = await bodies(client)
    ept = world["ept"]
    other = await make_org(client, kind="commune", legal_name="Commune Beta")
    their_activity = await make_activity(client, controller=other, name="État civil de Beta")
    stranger = await make_org(client, kind="ept", legal_name="EPT étranger")
    their_convention = await make_convention(client, processor=stranger, controller=other)
    before = await counts()

    answers = []
    for activity_id in (their_activity["id"], str(uuid.uuid4())):
        response = await client.post(
            f"{API}/incidents", json=incident(ept, activity_ids=[activity_id])
        )
        answers.append(problem(response))
    assert (
        answers[0]
        == answers[1]
        == [{"loc": ["body", "activity_ids", 0], "msg": "activité inconnue"}]
    )

    answers = []
    for convention_id in (their_convention["id"], str(uuid.uuid4())):
        response = await client.post(
            f"{API}/incidents", json=incident(ept, convention_ids=[convention_id])
        )
        answers.append(problem(response))
    assert (
        answers[0]
        == answers[1]
        == [{"loc": ["body", "convention_ids", 0], "msg": "convention inconnue"}]
    )

    # Mixed with a legitimate activity: refused as a whole, at the foreign id's index.
    response = await client.post(
        f"{API}/incidents",
        json=incident(ept, activity_ids=[world["activity"]["id"], their_activity["id"]]),
    )
    assert problem(response) == [{"loc": ["body", "activity_ids", 1], "msg": "activité inconnue"}]
    assert await counts() == before
    assert not await Breach.filter(controller_id=other["id"]).exists()
