"""Body A's world, built by the instance administrator: A (a commune, controller) and P (an
EPT, A's processor) with every kind of object, a breach P must report to A, A's own breach
notified to the CNIL, a message, A's DPO with a token, and a convention that DPO proposed to
P, awaiting P's answer. Body B is another commune."""

from dataclasses import dataclass, field
from uuid import UUID

import httpx

from api.app import create_app
from core.accounts.service import create_user, grant
from core.accounts.tokens import issue_token
from core.clock import utcnow
from tests.factories import (
    ASSESS_FINANCIAL,
    DECIDE_HIGH,
    ago,
    attach_document,
    bodies,
    declare_on,
    done,
    iso,
    make_measure,
    make_org,
    make_subprocessor,
    party,
    with_facts,
)


@dataclass
class World:
    ids: dict[str, str] = field(default_factory=dict)
    markers: set[str] = field(default_factory=set)  # what B must never read

    def __getitem__(self, key: str) -> str:
        return self.ids[key]


async def build_world(client: httpx.AsyncClient) -> World:
    w = World()
    base = await bodies(client)  # ept (P) and commune (A), DPOs, contacts, convention, activity
    a, p = base["commune"], base["ept"]
    w.ids.update(
        a=a["id"],
        p=p["id"],
        a_dpo=a["dpo_id"],
        p_dpo=p["dpo_id"],
        convention=base["convention"]["id"],
        activity=base["activity"]["id"],
    )
    contacts = (await client.get("/api/v1/contacts", params={"organisation_id": a["id"]})).json()
    w.ids["contact"] = contacts["items"][0]["id"]
    p_contacts = (await client.get("/api/v1/contacts", params={"organisation_id": p["id"]})).json()
    w.ids["p_contact"] = p_contacts["items"][0]["id"]
    w.ids["measure"] = (await make_measure(client, organisation=a))["id"]
    w.ids["engagement"] = (await make_subprocessor(client, processor=p))["id"]
    # A step of the end of service done (art. 28(3)(g)): A's data returned by P.
    returned = await client.post(
        f"/api/v1/conventions/{base['convention']['id']}/end-of-service",
        json={"step": "returned", "done_on": "2024-02-01", "how": "Export des bases"},
    )
    assert returned.status_code == 201, returned.text
    w.ids["end_of_service"] = returned.json()["id"]
    attached = await attach_document(client, convention=base["convention"])
    assert attached.status_code == 201, attached.text
    w.ids["document"] = attached.json()["id"]

    # A breach P must report to A (P's system), the notice e-mailed to A: a message of A.
    reported = await declare_on(client, p, [base["activity"]["id"]], detected=ago(hours=5))
    w.ids["incident_p"] = reported["incident_id"]
    w.ids["breach_p"] = reported["id"]
    noticed = await done(client, reported, "controller-notice")
    assert noticed["controller_informed_at"]
    messages = (await client.get("/api/v1/messages", params={"organisation_id": a["id"]})).json()
    w.ids["message"] = messages["items"][0]["id"]

    # A's own breach, assessed, decided and notified to the CNIL.
    own = await declare_on(client, a, [base["activity"]["id"]], detected=ago(hours=6))
    w.ids["incident_a"] = own["incident_id"]
    w.ids["breach_a"] = own["id"]
    own = await with_facts(client, own)
    own = await done(client, own, "assessment", **ASSESS_FINANCIAL)
    own = await done(client, own, "decision", **DECIDE_HIGH)
    own = await done(client, own, "notifications", sent_at=iso(ago(hours=1)))
    w.ids["notification"] = own["notifications"][0]["id"]

    # A's DPO, with a token of their own.
    dpo = await create_user(email="dpd@commune-a.fr", name="DPD de A", password=None)
    await grant(dpo, organisation_id=UUID(a["id"]), role="dpo")
    token = await issue_token(user=dpo, name="outil de A", days=10, now=utcnow())
    w.ids["a_user"] = str(dpo.id)
    w.ids["a_token"] = str(token.token.id)

    # A proposal from A's DPO (who does not act for P) to P, awaiting P's answer.
    app = create_app(manage_database=False)
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app),
        base_url="http://test",
        headers={"Authorization": f"Bearer {token.secret}"},
    ) as as_dpo:
        proposed = await as_dpo.post(
            "/api/v1/conventions",
            json={
                "title": "Avenant proposé par A",
                "kind": "art28_contract",
                "start_date": "2025-01-01",
                "parties": [party(p, "processor"), party(a, "controller")],
            },
        )
    assert proposed.status_code == 201 and proposed.json()["status"] == "proposed", proposed.text
    w.ids["proposed_convention"] = proposed.json()["id"]
    w.ids["proposal"] = proposed.json()["pending_proposal_id"]

    b = await make_org(client, kind="commune", legal_name="Commune B")
    w.ids["b"] = b["id"]
    w.markers = {v for k, v in w.ids.items() if k != "b"} | {
        "Vitry-sur-Seine",
        "Grand-Orly",
        "dpd@commune-a.fr",
    }
    return w
