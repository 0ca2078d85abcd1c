"""A convention binds a body only once that body agreed (issue 13), played through HTTP.

A (a commune's IT service, processor) and B (another commune) share nothing at first. A's DPO
proposes a convention naming B as controller; until B's DPO accepts, it gives nobody a role,
fans out no breach, sends no message and shows in no record. Changes to a convention in force
are proposals too; refusals and withdrawals end them; each step is in both journals.
"""

from datetime import timedelta

import pytest

from core.outbox.models import OutboxMessage
from tests.factories import ago, iso, make_activity, make_dpo, make_org, party

API = "/api/v1"
B_DPO_MAIL = "dpd@commune-b.fr"


@pytest.fixture
async def two_bodies(client, make_user, client_as):
    """A and B with a DPO record each, an activity of B, and people of each with their roles."""
    a = await make_org(client, kind="commune", legal_name="Commune Alpha")
    b_dpo = await make_dpo(client, name="Béatrice Délégué", email=B_DPO_MAIL)
    b = await make_org(
        client,
        kind="commune",
        legal_name="Commune Beta",
        dpo_id=b_dpo["id"],
        legal_rep_email="maire@commune-b.fr",
    )
    b_activity = await make_activity(client, controller=b, name="État civil de Beta")
    people = {
        "a_dpo": await make_user("dpd@commune-a.fr", (a["id"], "dpo")),
        "a_rssi": await make_user("rssi@commune-a.fr", (a["id"], "security_officer")),
        "b_dpo": await make_user(B_DPO_MAIL, (b["id"], "dpo")),
        "b_rssi": await make_user("rssi@commune-b.fr", (b["id"], "security_officer")),
        "b_auditor": await make_user("audit@commune-b.fr", (b["id"], "auditor")),
        "c_dpo": await make_user("dpd@commune-c.fr"),
        "ab_dpo": await make_user("dpd@cdg.fr", (a["id"], "dpo"), (b["id"], "dpo")),
    }
    clients = {name: await client_as(user) for name, user in people.items()}
    return {"a": a, "b": b, "b_activity": b_activity, **clients}


def _proposal(a: dict, b: dict, **fields) -> dict:
    return {
        "title": "Hébergement de l'état civil de Beta",
        "kind": "art28_contract",
        "start_date": "2026-01-01",
        "breach_notice_hours": 24,
        "audit_right": True,
        "parties": [party(a, "processor"), party(b, "controller")],
        **fields,
    }


async def _declare_on_convention(http, org: dict, convention_id: str):
    return await http.post(
        f"{API}/incidents",
        json={
            "organisation_id": org["id"],
            "title": "Rançongiciel sur le serveur d'état civil",
            "description": "Chiffrement des partages et copie de fichiers constatée.",
            "detected_at": iso(ago(days=4)),
            "started_at": iso(ago(days=4) - timedelta(hours=2)),
            "nature": ["confidentiality"],
            "origin": "hacking_malware_phishing",
            "cause": "external_malicious",
            "convention_ids": [convention_id],
        },
    )


async def _messages_for_b() -> list[OutboxMessage]:
    rows = await OutboxMessage.all()
    return [m for m in rows if any("commune-b" in addr for addr in m.to_addrs)]


async def _b_footprint(client, b: dict) -> dict:
    """What B's own records say, read by the administrator."""
    return {
        "record": (await client.get(f"{API}/organisations/{b['id']}/records/controller")).json(),
        "breaches": (await client.get(f"{API}/breaches", params={"controller_id": b["id"]})).json(),
        "activities": (
            await client.get(f"{API}/activities", params={"controller_id": b["id"]})
        ).json(),
    }


async def test_a_proposal_binds_nobody_until_the_other_party_accepts(two_bodies, client):
    a, b = two_bodies["a"], two_bodies["b"]
    before = await _b_footprint(client, b)

    created = await two_bodies["a_dpo"].post(f"{API}/conventions", json=_proposal(a, b))
    assert created.status_code == 201, created.text
    convention = created.json()
    assert convention["status"] == "proposed"
    assert convention["pending_proposal_id"]

    # B's DPO sees who proposed what, waiting for B's answer.
    waiting = (
        await two_bodies["b_dpo"].get(f"{API}/convention-proposals", params={"awaiting": True})
    ).json()
    assert [p["convention_id"] for p in waiting] == [convention["id"]]
    (proposal,) = waiting
    assert proposal["kind"] == "creation"
    assert proposal["proposed_by"] == "dpd@commune-a.fr"
    assert proposal["awaiting_you"] == [b["id"]]
    answers = {x["organisation_name"]: x["answer"] for x in proposal["answers"]}
    assert answers == {"Commune Alpha": "accepted", "Commune Beta": "pending"}

    # Meanwhile: no breach can be declared through it, nothing reaches B's records or mail.
    declared = await _declare_on_convention(two_bodies["a_rssi"], a, convention["id"])
    assert declared.status_code == 422, declared.text
    assert "convention inconnue" in declared.text
    assert await _b_footprint(client, b) == before
    assert await _messages_for_b() == []
    processor_record = (
        await two_bodies["a_dpo"].get(f"{API}/organisations/{a['id']}/records/processor")
    ).json()
    assert convention["id"] not in str(processor_record)

    # B's DPO accepts: the convention is in force, and the incident now reaches B.
    accepted = await two_bodies["b_dpo"].post(
        f"{API}/convention-proposals/{proposal['id']}/accept", json={}
    )
    assert accepted.status_code == 200, accepted.text
    assert accepted.json()["status"] == "accepted"
    stored = (await client.get(f"{API}/conventions/{convention['id']}")).json()
    assert (stored["status"], stored["pending_proposal_id"]) == ("in_force", None)

    declared = await _declare_on_convention(two_bodies["a_rssi"], a, convention["id"])
    assert declared.status_code == 201, declared.text
    breaches = (await client.get(f"{API}/breaches", params={"controller_id": b["id"]})).json()[
        "items"
    ]
    assert len(breaches) == 1

    # Both journals hold the proposal and the acceptance.
    for http, body in ((two_bodies["a_dpo"], a), (two_bodies["b_dpo"], b)):
        events = (
            await http.get(
                f"{API}/organisations/{body['id']}/journal",
                params={"entity_id": convention["id"], "limit": 100},
            )
        ).json()["items"]
        actions = {e["action"] for e in events}
        assert {"convention.create", "convention.propose", "convention.accept"} <= actions, actions


async def test_a_refusal_ends_the_proposal_and_nothing_binds(two_bodies, client):
    a, b = two_bodies["a"], two_bodies["b"]
    convention = (await two_bodies["a_dpo"].post(f"{API}/conventions", json=_proposal(a, b))).json()
    proposal_id = convention["pending_proposal_id"]

    # A refusal says why.
    silent = await two_bodies["b_dpo"].post(
        f"{API}/convention-proposals/{proposal_id}/refuse", json={}
    )
    assert silent.status_code == 422
    assert silent.json()["detail"][0]["loc"] == ["body", "comment"]

    refused = await two_bodies["b_dpo"].post(
        f"{API}/convention-proposals/{proposal_id}/refuse",
        json={"comment": "Aucune délibération ne confie cet hébergement à Alpha."},
    )
    assert refused.status_code == 200, refused.text
    assert refused.json()["status"] == "refused"
    stored = (await client.get(f"{API}/conventions/{convention['id']}")).json()
    assert stored["status"] == "refused"
    again = await two_bodies["b_dpo"].post(
        f"{API}/convention-proposals/{proposal_id}/accept", json={}
    )
    assert again.status_code == 409
    declared = await _declare_on_convention(two_bodies["a_rssi"], a, convention["id"])
    assert declared.status_code == 422
    assert await _messages_for_b() == []


async def test_only_the_dpo_or_administrator_of_the_awaited_body_answers(two_bodies):
    a, b = two_bodies["a"], two_bodies["b"]
    convention = (await two_bodies["a_dpo"].post(f"{API}/conventions", json=_proposal(a, b))).json()
    proposal_id = convention["pending_proposal_id"]
    url = f"{API}/convention-proposals/{proposal_id}"

    # B's security officer and auditor read it but may not answer: no role of theirs edits.
    assert (await two_bodies["b_rssi"].get(url)).status_code == 200
    for name in ("b_rssi", "b_auditor"):
        assert (await two_bodies[name].post(f"{url}/accept", json={})).status_code == 403
    # Someone with no role at all is refused before anything is read.
    assert (await two_bodies["c_dpo"].get(url)).status_code == 403
    # A's DPO already accepted by proposing: nothing left to answer for A.
    own = await two_bodies["a_dpo"].post(f"{url}/accept", json={})
    assert own.status_code == 422
    assert own.json()["detail"][0]["loc"] == ["body", "organisation_id"]


async def test_a_body_outside_the_proposal_gets_404_like_a_missing_one(
    two_bodies, client, make_user, client_as
):
    a, b = two_bodies["a"], two_bodies["b"]
    c = await make_org(client, kind="commune", legal_name="Commune Gamma")
    c_dpo = await client_as(await make_user("dpd@gamma.fr", (c["id"], "dpo")))
    convention = (await two_bodies["a_dpo"].post(f"{API}/conventions", json=_proposal(a, b))).json()
    url = f"{API}/convention-proposals/{convention['pending_proposal_id']}"
    missing = f"{API}/convention-proposals/00000000-0000-4000-8000-000000000000"
    for path in (url, missing):
        assert (await c_dpo.get(path)).status_code == 404
        response = await c_dpo.post(f"{path}/accept", json={})
        assert response.status_code == 404
    assert (await c_dpo.get(f"{API}/conventions/{convention['id']}")).status_code == 404


async def test_the_author_may_withdraw_its_proposal(two_bodies, client):
    a, b = two_bodies["a"], two_bodies["b"]
    convention = (await two_bodies["a_dpo"].post(f"{API}/conventions", json=_proposal(a, b))).json()
    url = f"{API}/convention-proposals/{convention['pending_proposal_id']}"
    assert (await two_bodies["b_dpo"].post(f"{url}/withdraw")).status_code == 422
    withdrawn = await two_bodies["a_dpo"].post(f"{url}/withdraw")
    assert withdrawn.status_code == 200, withdrawn.text
    assert withdrawn.json()["status"] == "withdrawn"
    stored = (await client.get(f"{API}/conventions/{convention['id']}")).json()
    assert stored["status"] == "withdrawn"
    assert (await two_bodies["b_dpo"].post(f"{url}/accept", json={})).status_code == 409


async def test_whoever_acts_for_every_party_puts_it_in_force_at_once(two_bodies, client):
    a, b = two_bodies["a"], two_bodies["b"]
    by_admin = await client.post(f"{API}/conventions", json=_proposal(a, b, title="Signée 1"))
    assert by_admin.json()["status"] == "in_force"
    by_shared_dpo = await two_bodies["ab_dpo"].post(
        f"{API}/conventions", json=_proposal(a, b, title="Signée 2")
    )
    assert by_shared_dpo.status_code == 201
    assert (by_shared_dpo.json()["status"], by_shared_dpo.json()["pending_proposal_id"]) == (
        "in_force",
        None,
    )
    assert (
        await two_bodies["b_dpo"].get(f"{API}/convention-proposals", params={"awaiting": True})
    ).json() == []


async def test_a_change_is_proposed_and_the_accepted_version_stays_in_force(two_bodies, client):
    a, b = two_bodies["a"], two_bodies["b"]
    convention = (await client.post(f"{API}/conventions", json=_proposal(a, b))).json()
    url = f"{API}/conventions/{convention['id']}"

    # A's DPO alone tries to flip B's role, stretch the notice delay and drop the audit right.
    change = {
        "version": convention["version"],
        "breach_notice_hours": 720,
        "audit_right": False,
        "parties": [party(a, "controller"), party(b, "processor")],
    }
    proposed = await two_bodies["a_dpo"].patch(url, json=change)
    assert proposed.status_code == 202, proposed.text
    in_force = (await client.get(url)).json()
    assert (in_force["breach_notice_hours"], in_force["audit_right"]) == (24, True)
    assert {p["role"] for p in in_force["parties"] if p["organisation_id"] == b["id"]} == {
        "controller"
    }
    assert in_force["version"] == convention["version"]
    proposal_id = in_force["pending_proposal_id"]
    shown = (await two_bodies["b_dpo"].get(f"{API}/convention-proposals/{proposal_id}")).json()
    changed = {c["field"]: (c["in_force"], c["proposed"]) for c in shown["changes"]}
    assert changed["breach_notice_hours"] == (24, 720)
    # The audit right is read from the art. 28(3) checklist: unticked, the clause is unchecked.
    in_force_clauses, proposed_clauses = changed["clauses"]
    assert in_force_clauses["audits"]["status"] == "present"
    assert proposed_clauses["audits"]["status"] == "not_checked"
    assert "parties" in changed

    # One change at a time: a second proposal waits for the first.
    second = await two_bodies["a_dpo"].patch(
        url, json={"version": convention["version"], "notes": "x"}
    )
    assert second.status_code == 409

    refused = await two_bodies["b_dpo"].post(
        f"{API}/convention-proposals/{proposal_id}/refuse",
        json={"comment": "Le délai de 72 h de l'annexe 1 ne se négocie pas."},
    )
    assert refused.status_code == 200
    assert (await client.get(url)).json()["breach_notice_hours"] == 24

    # A fair change, accepted by B, is applied as proposed.
    fair = await two_bodies["a_dpo"].patch(
        url, json={"version": convention["version"], "breach_notice_hours": 48}
    )
    assert fair.status_code == 202
    accepted = await two_bodies["b_dpo"].post(
        f"{API}/convention-proposals/{fair.json()['pending_proposal_id']}/accept", json={}
    )
    assert accepted.status_code == 200, accepted.text
    now_in_force = (await client.get(url)).json()
    assert now_in_force["breach_notice_hours"] == 48
    assert now_in_force["version"] == convention["version"] + 1
    assert now_in_force["pending_proposal_id"] is None

    # The history shows both: the change journaled in B's chain with its values.
    events = (
        await two_bodies["b_dpo"].get(
            f"{API}/organisations/{b['id']}/journal",
            params={"entity_id": convention["id"], "limit": 100},
        )
    ).json()["items"]
    assert [e["action"] for e in events].count("convention.propose") == 2
    assert any(
        e["action"] == "convention.update" and (e["after"] or {}).get("breach_notice_hours") == 48
        for e in events
    )


async def test_a_shared_convention_in_force_is_not_deleted_by_one_party(two_bodies, client):
    a, b = two_bodies["a"], two_bodies["b"]
    convention = (await client.post(f"{API}/conventions", json=_proposal(a, b))).json()
    response = await two_bodies["a_dpo"].delete(f"{API}/conventions/{convention['id']}")
    assert response.status_code == 403
    assert "proposez plutôt d'y mettre fin" in response.json()["detail"]
    assert (await client.get(f"{API}/conventions/{convention['id']}")).status_code == 200


async def test_a_proposal_sends_no_mail_and_the_accepted_one_only_what_it_allows(two_bodies):
    a, b = two_bodies["a"], two_bodies["b"]
    await two_bodies["a_dpo"].post(
        f"{API}/conventions",
        json=_proposal(a, b, subprocessor_authorisation="general", subprocessor_notice_days=30),
    )
    assert await _messages_for_b() == []
