"""The processor's people see of a controller's breach what they need to inform it: the facts,
the notice and its delivery, the controller's informed instant, their own clock; never the
assessment, the decision, the CNIL document, the people's letter (issue 13)."""

import pytest

from core.accounts.roles import Role
from tests.factories import API, INCOMPLETE, ago, bodies, declare_on, done, iso, with_facts

JUSTIFICATION = "JUSTIF-SECRETE-ENISA des fichiers de paie"
REASONS = "MOTIFS-SECRETS de la décision du maire"
CNIL_SUMMARY = "RESUME-SECRET de la notification à la CNIL"
PEOPLE_SUMMARY = "RESUME-SECRET de la lettre aux personnes"
VICTIM = "victime.secrete@exemple.fr"
CLOSING = "CLOTURE-SECRETE"
SECRETS = (JUSTIFICATION, REASONS, CNIL_SUMMARY, PEOPLE_SUMMARY, VICTIM)

WITHHELD = {
    "aware_at": None,
    "aware_rationale": None,
    "cnil_due_at": None,
    "assessment": None,
    "severity_band": None,
    "risk_level": None,
    "notify_cnil": None,
    "inform_people": None,
    "art34_exemption": None,
    "decision_reasons": None,
    "closed_at": None,
    "closing_reasons": None,
    "status": None,
}


async def _scenario(client) -> dict:
    """P (an EPT) reports to A (a commune); A assesses, decides, notifies the CNIL and tells
    the people, each step carrying a secret only A's side may read."""
    world = await bodies(client)
    breach = await declare_on(
        client, world["ept"], [world["activity"]["id"]], detected=ago(hours=5)
    )
    breach = await done(client, breach, "controller-notice")
    breach = await with_facts(client, breach)
    breach = await done(
        client,
        breach,
        "assessment",
        context="financial",
        identification="significant",
        confidentiality="unknown_recipients",
        adjustments=[{"delta": "1", "justification": JUSTIFICATION}],
    )
    breach = await done(
        client,
        breach,
        "decision",
        risk_level="high",
        notify_cnil=True,
        inform_people="yes",
        reasons=REASONS,
    )
    breach = await done(
        client, breach, "notifications", sent_at=iso(ago(seconds=0)), summary=CNIL_SUMMARY
    )
    breach = await done(
        client,
        breach,
        "notifications",
        recipient="data_subjects",
        channel="email",
        sent_at=iso(ago(seconds=0)),
        summary=PEOPLE_SUMMARY,
        addresses=[VICTIM],
    )
    texts = [
        n["message_subject"] for n in breach["notifications"] if n["recipient"] != "controller"
    ]
    texts += [
        n["message_body"][:200] for n in breach["notifications"] if n["recipient"] != "controller"
    ]
    documents = [t for t in texts if t]
    assert len(documents) == 4  # the CNIL document and the people's letter: subject, body
    return {**world, "breach": breach, "documents": documents}


def assert_nothing_secret(text: str, scenario: dict) -> None:
    for secret in SECRETS:
        assert secret not in text, secret
    for document in scenario["documents"]:
        assert document not in text, document


@pytest.mark.parametrize("role", [Role.DPO, Role.SECURITY_OFFICER])
async def test_the_processors_people_see_the_notice_side_only(client, make_user, client_as, role):
    s = await _scenario(client)
    breach = s["breach"]
    user = await make_user(f"{role.value}@ept-exemple.fr", (s["ept"]["id"], role))
    p = await client_as(user)

    answer = await p.get(f"{API}/breaches/{breach['id']}")
    assert answer.status_code == 200, answer.text
    seen = answer.json()
    assert seen["view"] == "source"
    # What informing the controller needs.
    assert seen["ref"] == breach["ref"]
    assert seen["controller_informed_at"] == breach["controller_informed_at"]
    assert seen["controller_notice_due_at"] == breach["controller_notice_due_at"]
    assert seen["measures_taken"] == breach["measures_taken"]
    assert [n["recipient"] for n in seen["notifications"]] == ["controller"]
    assert seen["notifications"][0]["message_body"]
    assert {e["action"] for e in seen["events"]} == {"declare", "record_controller_informed"}
    assert all(e["to_status"] is None and e["from_status"] is None for e in seen["events"])
    # Never the controller's side.
    assert {k: seen[k] for k in WITHHELD} == WITHHELD
    assert_nothing_secret(answer.text, s)

    listed = await p.get(f"{API}/breaches")
    assert [b["id"] for b in listed.json()["items"]] == [breach["id"]]
    assert listed.json()["items"][0]["view"] == "source"
    assert_nothing_secret(listed.text, s)
    # Filtering by a status would tell it: the source's rows never match one.
    for status in ("notified", "assessed", "declared", "closed"):
        filtered = await p.get(f"{API}/breaches", params={"status": status})
        assert filtered.json()["items"] == [], status

    for path in ("previews/cnil", "previews/people", "previews/cnil?phase=complementary"):
        refused = await p.get(f"{API}/breaches/{breach['id']}/{path}")
        missing = await p.get(f"{API}/breaches/{s['activity']['id']}/{path}")
        assert refused.status_code == missing.status_code == 404, path
        assert refused.json()["detail"].split(" : ")[0] == missing.json()["detail"].split(" : ")[0]
        assert_nothing_secret(refused.text, s)

    notice = await p.get(f"{API}/breaches/{breach['id']}/previews/controller-notice")
    assert notice.status_code == 200
    assert "Gravité évaluée" not in notice.text
    assert_nothing_secret(notice.text, s)

    clocks = await p.get(f"{API}/breaches/{breach['id']}/deadlines")
    assert all(c["kind"] == "controller_notice" for c in clocks.json())
    everywhere = await p.get(f"{API}/deadlines")
    assert all(c["kind"] == "controller_notice" for c in everywhere.json())

    incident = await p.get(f"{API}/incidents/{breach['incident_id']}")
    assert incident.status_code == 200
    assert_nothing_secret(incident.text, s)

    for page in (
        f"/violations/{breach['id']}",
        "/violations?etat=toutes",
        f"/incidents/{breach['incident_id']}",
    ):
        html = await p.get(page)
        assert html.status_code == 200, page
        assert_nothing_secret(html.text, s)
        assert "Évaluation de la gravité" not in html.text and "Décision" not in html.text
        assert "Notification à la CNIL" not in html.text

    if role == Role.DPO:  # reads messages: only P's own, never A's CNIL or people messages
        messages = await p.get(f"{API}/messages", params={"subject_id": breach["id"]})
        assert messages.status_code == 200
        assert all(m["organisation_id"] == s["ept"]["id"] for m in messages.json()["items"])
        assert VICTIM not in messages.text


async def test_a_role_in_the_controller_sees_everything(client, make_user, client_as):
    s = await _scenario(client)
    breach = s["breach"]
    # A's DPO, who is also P's RSSI: the controller side wins.
    user = await make_user(
        "dpd@vitry-exemple.fr",
        (s["commune"]["id"], Role.DPO),
        (s["ept"]["id"], Role.SECURITY_OFFICER),
    )
    a = await client_as(user)
    seen = (await a.get(f"{API}/breaches/{breach['id']}")).json()
    assert seen["view"] == "controller"
    assert seen["decision_reasons"] == REASONS
    assert seen["assessment"]["inputs"]["adjustments"][0]["justification"] == JUSTIFICATION
    assert {n["recipient"] for n in seen["notifications"]} == {
        "controller",
        "cnil",
        "data_subjects",
    }
    assert (await a.get(f"{API}/breaches/{breach['id']}/previews/cnil")).status_code == 200
    assert (await a.get(f"{API}/breaches/{breach['id']}/previews/people")).status_code == 200
    html = await a.get(f"/violations/{breach['id']}")
    assert REASONS in html.text and JUSTIFICATION in html.text


async def test_the_open_list_does_not_tell_the_source_that_the_controller_closed(
    client, make_user, client_as
):
    s = await _scenario(client)
    closed = await done(
        client, s["breach"], "close", reasons=CLOSING, incomplete_reasons=INCOMPLETE
    )
    assert closed["status"] == "closed"  # the premise: closed on the controller's side
    user = await make_user("rssi@ept-exemple.fr", (s["ept"]["id"], Role.SECURITY_OFFICER))
    p = await client_as(user)

    still_open = await p.get(f"{API}/breaches", params={"open_only": True})
    assert [b["id"] for b in still_open.json()["items"]] == [closed["id"]]
    assert (await p.get(f"{API}/breaches", params={"status": "closed"})).json()["items"] == []
    html = (await p.get("/violations")).text
    assert closed["ref"] in html and CLOSING not in html
    # The controller's own people see it closed, out of the open list.
    assert (await client.get(f"{API}/breaches", params={"open_only": True})).json()["total"] == 0
