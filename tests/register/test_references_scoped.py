"""Every reference is scoped (issue 13): an id a write names is looked up only among the bodies
the caller may act for, plus, where the reference is legitimately cross-body (a joint
controller, a recipient, a sub-processor body, the controller served), the bodies bound to
theirs by a convention in force. Another body's object answers exactly as one that does not
exist, nothing of that body changes and no message is queued for it.

A's DPO (roles in A only) names B's objects; B shares nothing with A. P is A's processor under a
convention in force.
"""

from dataclasses import dataclass
from uuid import uuid4

import httpx
import pytest

from register.conventions.models import Convention, ConventionParty
from register.enums import ConventionStatus
from tests.access.conftest import client_as, make_user
from tests.factories import (
    API,
    make_activity,
    make_contact,
    make_convention,
    make_dpo,
    make_measure,
    make_org,
    make_subprocessor,
    party,
    read,
)

__all__ = ["client_as", "make_user"]  # the fixtures, shared with the access tests

SHARED_DPO = (
    "ce DPD est désigné aussi par d'autres organismes : seul qui agit pour chacun d'eux "
    "peut le modifier"
)


@dataclass
class Bodies:
    a: dict
    b: dict
    p: dict  # A's processor, under a convention in force
    a_activity: dict
    a_contact: dict
    a_convention: dict  # A controller, P processor: in force
    a_engagement: dict  # P's sub-processor: P is A's partner, not A's own body
    b_dpo: dict
    b_contact: dict
    b_activity: dict
    b_measure: dict
    b_convention: dict  # B controller, Q processor
    b_engagement: dict  # B is processor under b_convention's mirror
    a_dpo: httpx.AsyncClient  # A's DPO's client
    a_own_engagement: dict  # A as processor for P: an engagement A may edit
    a_measure: dict


async def _bodies(client, make_user, client_as, role: str = "dpo") -> Bodies:
    a = await make_org(client, legal_name="Commune Alpha")
    b = await make_org(client, legal_name="Commune Beta")
    p = await make_org(client, kind="ept", legal_name="EPT Partenaire")
    q = await make_org(client, kind="ept", legal_name="EPT de Beta")
    b_dpo = await make_dpo(client, name="DPD de Beta", email="dpd@beta.fr")
    response = await client.patch(
        f"{API}/organisations/{b['id']}", json={"version": b["version"], "dpo_id": b_dpo["id"]}
    )
    assert response.status_code == 200, response.text
    a_convention = await make_convention(client, processor=p, controller=a)
    assert a_convention["status"] == ConventionStatus.IN_FORCE
    # A processes for P too, so that A's DPO may record engagements of A's own.
    a_for_p = await make_convention(client, processor=a, controller=p)
    b_convention = await make_convention(client, processor=q, controller=b)
    b_for_q = await make_convention(client, processor=b, controller=q)
    b_activity = await make_activity(client, controller=b, convention_ids=[b_convention["id"]])
    user = await make_user("dpd@alpha.fr", (a["id"], role))
    return Bodies(
        a=a,
        b=b,
        p=p,
        a_activity=await make_activity(client, controller=a),
        a_contact=await make_contact(client, organisation=a),
        a_convention=a_convention,
        a_engagement=await make_subprocessor(client, processor=p, authorisation="specific"),
        b_dpo=b_dpo,
        b_contact=await make_contact(client, organisation=b),
        b_activity=b_activity,
        b_measure=await make_measure(client, organisation=b),
        b_convention=b_convention,
        b_engagement=await make_subprocessor(
            client, processor=b, convention_ids=[b_for_q["id"]], authorisation="specific"
        ),
        a_dpo=await client_as(user),
        a_own_engagement=await make_subprocessor(
            client, processor=a, convention_ids=[a_for_p["id"]], authorisation="specific"
        ),
        a_measure=await make_measure(client, organisation=a),
    )


async def _b_state(client, w: Bodies) -> dict:
    """Everything of B an administrator reads, to compare before and after."""
    b = w.b["id"]
    return {
        "org": await read(client, f"/organisations/{b}"),
        "dpo": await read(client, f"/dpos/{w.b_dpo['id']}"),
        "contacts": await read(client, f"/contacts?organisation_id={b}"),
        "activities": await read(client, f"/activities?controller_id={b}"),
        "measures": await read(client, f"/measures?organisation_id={b}"),
        "engagements": await read(client, f"/subprocessors?processor_id={b}"),
        "conventions": await read(client, f"/conventions?organisation_id={b}"),
        "messages": await read(client, f"/messages?organisation_id={b}"),
        "record": await read(client, f"/organisations/{b}/records/controller"),
    }


def _same_answer(theirs: httpx.Response, missing: httpx.Response) -> None:
    """Another body's object and an id nobody has get the very same answer."""
    assert theirs.status_code == missing.status_code, (theirs.text, missing.text)
    assert theirs.status_code in (404, 422), theirs.text
    assert theirs.json() == missing.json()


def _with(payload: dict, **changes) -> dict:
    return {**payload, **changes}


@pytest.fixture(params=["dpo", "administrator"])
async def world(request, client, make_user, client_as) -> Bodies:
    """A's world, A's client holding one of the roles that may edit A's register."""
    return await _bodies(client, make_user, client_as, request.param)


async def test_every_reference_to_another_body_answers_as_a_missing_one(client, world: Bodies):
    w, dpo = world, world.a_dpo
    before = await _b_state(client, w)
    a, b, nobody = w.a["id"], w.b["id"], str(uuid4())
    activity = {"controller_id": a, "name": "Traitement de A"}
    engagement = {
        "processor_id": a,
        "name": "Hébergeur de A",
        "services": "Hébergement",
        "authorisation": "specific",
    }
    own = w.a_own_engagement

    # (method, path, payload naming B's object, the same naming nobody's)
    cases = [
        # an organisation's DPO
        ("patch", f"/organisations/{a}", {"version": w.a["version"]}, "dpo_id", w.b_dpo["id"]),
        # contacts
        ("post", "/contacts", {"name": "X", "roles": []}, "organisation_id", b),
        (
            "patch",
            f"/contacts/{w.a_contact['id']}",
            {"version": w.a_contact["version"]},
            "organisation_id",
            b,
        ),
        # measures
        ("post", "/measures", {"title": "Sauvegardes"}, "organisation_id", b),
        # activities: the controller, joint controllers, conventions, measures
        ("post", "/activities", {"name": "T"}, "controller_id", b),
        ("post", "/activities", activity, "joint_controller_ids", [b]),
        ("post", "/activities", activity, "convention_ids", [w.b_convention["id"]]),
        ("post", "/activities", activity, "security_measure_ids", [w.b_measure["id"]]),
        (
            "patch",
            f"/activities/{w.a_activity['id']}",
            {"version": w.a_activity["version"]},
            "joint_controller_ids",
            [b],
        ),
        (
            "patch",
            f"/activities/{w.a_activity['id']}",
            {"version": w.a_activity["version"]},
            "convention_ids",
            [w.b_convention["id"]],
        ),
        (
            "patch",
            f"/activities/{w.a_activity['id']}",
            {"version": w.a_activity["version"]},
            "security_measure_ids",
            [w.b_measure["id"]],
        ),
        # sub-processor engagements
        ("post", "/subprocessors", _with(engagement, processor_id=b), None, None),
        ("post", "/subprocessors", engagement, "subprocessor_org_id", b),
        ("post", "/subprocessors", engagement, "activity_ids", [w.b_activity["id"]]),
        ("post", "/subprocessors", engagement, "convention_ids", [w.b_convention["id"]]),
        (
            "patch",
            f"/subprocessors/{own['id']}",
            {"version": own["version"]},
            "subprocessor_org_id",
            b,
        ),
        (
            "patch",
            f"/subprocessors/{own['id']}",
            {"version": own["version"]},
            "activity_ids",
            [w.b_activity["id"]],
        ),
        (
            "patch",
            f"/subprocessors/{own['id']}",
            {"version": own["version"]},
            "parent_id",
            w.b_engagement["id"],
        ),
        (
            "patch",
            f"/measures/{w.a_measure['id']}",
            {"version": w.a_measure["version"]},
            "organisation_id",
            b,
        ),
    ]
    for method, path, payload, field, value in cases:
        if field is None:  # the processor itself: compared with a processor nobody is
            theirs = await getattr(dpo, method)(f"{API}{path}", json=payload)
            missing = await getattr(dpo, method)(
                f"{API}{path}", json=_with(payload, processor_id=nobody)
            )
        else:
            unknown = [nobody] if isinstance(value, list) else nobody
            theirs = await getattr(dpo, method)(f"{API}{path}", json={**payload, field: value})
            missing = await getattr(dpo, method)(f"{API}{path}", json={**payload, field: unknown})
        _same_answer(theirs, missing)
        assert theirs.status_code == 422, (method, path, field, theirs.text)

    # Recipients' bodies and the parent link, inside nested or single references.
    recipients = [{"kind": "external_org", "name": "Beta", "organisation_id": b}]
    theirs = await dpo.post(f"{API}/activities", json={**activity, "recipients": recipients})
    recipients[0]["organisation_id"] = nobody
    missing = await dpo.post(f"{API}/activities", json={**activity, "recipients": recipients})
    _same_answer(theirs, missing)
    assert theirs.json()["detail"][0]["loc"] == ["body", "recipients", 0, "organisation_id"]

    after = await _b_state(client, w)
    assert after == before
    assert after["messages"]["total"] == 0


async def test_a_partner_under_a_convention_in_force_may_be_named_until_it_is_only_proposed(
    client, world: Bodies
):
    w, dpo = world, world.a_dpo
    p = w.p["id"]
    recipients = [{"kind": "processor", "name": "EPT", "organisation_id": p}]
    payload = {
        "controller_id": w.a["id"],
        "name": "Paie",
        "joint_controller_ids": [p],
        "recipients": recipients,
        "convention_ids": [w.a_convention["id"]],
    }
    response = await dpo.post(f"{API}/activities", json=payload)
    assert response.status_code == 201, response.text
    # The partner's engagement may serve A's activity.
    engagement = w.a_engagement
    response = await client.patch(
        f"{API}/subprocessors/{engagement['id']}",
        json={"version": engagement["version"], "activity_ids": [response.json()["id"]]},
    )
    assert response.status_code == 200, response.text

    # P's conventions with A only proposed: P is no partner of A, the convention no one's.
    with_p = await ConventionParty.filter(organisation_id=p).values_list("convention_id", flat=True)
    await Convention.filter(id__in=list(with_p)).update(status=ConventionStatus.PROPOSED)
    nobody = str(uuid4())
    for field, theirs_value, missing_value in (
        ("joint_controller_ids", [p], [nobody]),
        (
            "recipients",
            recipients,
            [{**recipients[0], "organisation_id": nobody}],
        ),
    ):
        base = {"controller_id": w.a["id"], "name": f"Traitement {field}"}
        theirs = await dpo.post(f"{API}/activities", json={**base, field: theirs_value})
        missing = await dpo.post(f"{API}/activities", json={**base, field: missing_value})
        _same_answer(theirs, missing)
    response = await dpo.post(
        f"{API}/activities",
        json={
            "controller_id": w.a["id"],
            "name": "Proposée",
            "convention_ids": [payload["convention_ids"][0]],
        },
    )
    assert response.status_code == 422
    assert "n'est pas en vigueur" in response.json()["detail"][0]["msg"]

    # A's controller record no longer shows P as its processor (the convention binds nobody).
    record = await read(client, f"/organisations/{w.a['id']}/records/controller")
    assert all(entry["processors"] == [] for entry in record["activities"])
    record = await read(client, f"/organisations/{p}/records/processor")
    assert all(c["controller"]["organisation_id"] != w.a["id"] for c in record["controllers"])


async def test_a_shared_dpo_record_is_changed_only_by_who_acts_for_every_body_it_serves(
    client, world: Bodies
):
    w, dpo = world, world.a_dpo
    # A and B designate the same DPO (a centre de gestion's).
    response = await client.patch(
        f"{API}/organisations/{w.a['id']}",
        json={"version": w.a["version"], "dpo_id": w.b_dpo["id"]},
    )
    assert response.status_code == 200, response.text
    shared = await read(client, f"/dpos/{w.b_dpo['id']}")
    before = await _b_state(client, w)

    response = await dpo.patch(
        f"{API}/dpos/{shared['id']}", json={"version": shared["version"], "email": "moi@alpha.fr"}
    )
    assert response.status_code == 403, response.text
    assert response.json() == {"detail": SHARED_DPO}
    response = await dpo.delete(f"{API}/dpos/{shared['id']}?version={shared['version']}")
    assert response.status_code == 403, response.text
    assert await _b_state(client, w) == before

    # An instance administrator may.
    response = await client.patch(
        f"{API}/dpos/{shared['id']}", json={"version": shared["version"], "phone": "0102030405"}
    )
    assert response.status_code == 200, response.text


async def test_a_dpo_designated_only_by_a_or_by_nobody_is_a_s_to_use_and_edit(
    client, world: Bodies
):
    w, dpo = world, world.a_dpo
    # Made by A's DPO: designated by nobody yet, so A may designate it.
    made = await dpo.post(
        f"{API}/dpos", json={"mode": "internal", "name": "DPD d'Alpha", "email": "dpd@alpha.fr"}
    )
    assert made.status_code == 201, made.text
    response = await dpo.patch(
        f"{API}/organisations/{w.a['id']}",
        json={"version": w.a["version"], "dpo_id": made.json()["id"]},
    )
    assert response.status_code == 200, response.text
    assert response.json()["dpo_id"] == made.json()["id"]
    response = await dpo.patch(
        f"{API}/dpos/{made.json()['id']}",
        json={"version": made.json()["version"], "phone": "0102030405"},
    )
    assert response.status_code == 200, response.text
    assert response.json()["organisation_ids"] == [w.a["id"]]


async def test_b_s_dpo_record_is_not_visible_to_a(client, world: Bodies):
    w, dpo = world, world.a_dpo
    theirs = await dpo.patch(f"{API}/dpos/{w.b_dpo['id']}", json={"version": 1, "name": "X"})
    missing = await dpo.patch(f"{API}/dpos/{uuid4()}", json={"version": 1, "name": "X"})
    assert theirs.status_code == missing.status_code == 404


async def test_a_sub_processor_notice_goes_only_to_controllers_of_conventions_in_force(
    client, world: Bodies
):
    w = world
    convention = await make_convention(
        client,
        parties=[party(w.p, "processor"), party(w.b, "controller")],
        subprocessor_authorisation="general",
        subprocessor_notice_days=30,
    )
    await Convention.filter(id=convention["id"]).update(status=ConventionStatus.PROPOSED)
    # Named explicitly, a convention not in force is refused ...
    response = await client.post(
        f"{API}/subprocessors",
        json={
            "processor_id": w.p["id"],
            "name": "Nuage",
            "services": "Hébergement",
            "authorisation": "general",
            "convention_ids": [convention["id"]],
        },
    )
    assert response.status_code == 422, response.text
    assert "n'est pas en vigueur" in response.json()["detail"][0]["msg"]
    # ... and an engagement serving all of P's conventions tells no controller of it.
    await make_subprocessor(client, processor=w.p, authorisation="general")
    messages = await read(client, f"/messages?organisation_id={w.b['id']}")
    assert messages["total"] == 0
