"""Joint controllers (art. 26) end to end, through HTTP and each body's own people.

A métropole and a commune jointly run a citizen portal under an art. 26 arrangement the
métropole proposed and the commune accepted, the métropole leading on breaches: the activity
is in both records; an incident gives each a breach on the `joint` path; the lead's clock runs
from its awareness and it notifies the CNIL for both; the commune's breach is documented
(art. 33(5)) with a link to the lead's breach and notification, and closes once that is made.
A third body still answers 404 everywhere (register.activities.joint, breach.breaches.joint).
"""

import html
import re

import pytest

from core.accounts.roles import Role
from tests.access.conftest import client_as, make_user  # noqa: F401  (fixtures)
from tests.breach.joint_world import (
    COMMUNE,
    ESSENCE,
    METRO,
    joint_bodies,
    joint_breaches,
    joint_convention,
)
from tests.factories import (
    API,
    ASSESS,
    BREACHES,
    DECIDE_RISK,
    FACTS,
    ago,
    assert_refused,
    iso,
    make_org,
    party,
    read,
)
from tests.web.conftest import browser  # noqa: F401  (fixture)

LEAD_SAYS = f"La {METRO} notifie la CNIL pour les responsables conjoints"


def text_of(page: str) -> str:
    return re.sub(r"\s+", " ", html.unescape(re.sub(r"<[^>]+>", " ", page)))


@pytest.fixture
async def people(client, make_user, client_as):  # noqa: F811
    """The three bodies, each with its own DPO signed in (no administrator in the story)."""
    metro = await make_org(client, kind="epci_fp", legal_name=METRO)
    commune = await make_org(client, kind="commune", legal_name=COMMUNE)
    third = await make_org(client, kind="commune", legal_name="Commune de Tiers (essai)")
    clients = {}
    for key, body in (("metro", metro), ("commune", commune), ("third", third)):
        user = await make_user(f"dpd@{key}.test", (body["id"], Role.DPO))
        clients[key] = await client_as(user)
    return {
        "metro": metro,
        "commune": commune,
        "third": third,
        **{f"{k}_dpo": c for k, c in clients.items()},
    }


async def _accepted_arrangement(people, **fields) -> dict:
    """Proposed by the métropole's DPO, accepted by the commune's: in force."""
    metro_dpo, commune_dpo = people["metro_dpo"], people["commune_dpo"]
    proposed = await metro_dpo.post(
        f"{API}/conventions",
        json={
            **joint_convention(people["metro"], people["commune"], **fields),
            "start_date": "2025-01-01",
        },
    )
    assert proposed.status_code == 201, proposed.text
    convention = proposed.json()
    assert convention["status"] == "proposed"  # the premise: it binds nobody yet
    accepted = await commune_dpo.post(
        f"{API}/convention-proposals/{convention['pending_proposal_id']}/accept", json={}
    )
    assert accepted.status_code == 200, accepted.text
    stored = (await metro_dpo.get(f"{API}/conventions/{convention['id']}")).json()
    assert stored["status"] == "in_force"
    return stored


async def _portal(people, convention: dict) -> dict:
    answer = await people["metro_dpo"].post(
        f"{API}/activities",
        json={
            "controller_id": people["metro"]["id"],
            "name": "Portail citoyen",
            "ref": "MET-12",
            "joint_controller_ids": [people["commune"]["id"]],
            "convention_ids": [convention["id"]],
        },
    )
    assert answer.status_code == 201, answer.text
    return answer.json()


async def _declare(dpo, body: dict, activity: dict, detected) -> list[dict]:
    answer = await dpo.post(
        f"{API}/incidents",
        json={
            "organisation_id": body["id"],
            "title": "Fuite de comptes du portail citoyen",
            "description": "Export de comptes usagers constaté sur le portail.",
            "detected_at": iso(detected),
            "nature": ["confidentiality"],
            "origin": "hacking_malware_phishing",
            "cause": "external_malicious",
            "activity_ids": [activity["id"]],
        },
    )
    assert answer.status_code == 201, answer.text
    return answer.json()["breach_ids"]


async def _step(dpo, breach: dict, action: str, **payload) -> dict:
    answer = await dpo.post(
        f"{BREACHES}/{breach['id']}/{action}", json={"version": breach["version"], **payload}
    )
    assert answer.status_code == 200, (action, answer.text)
    return answer.json()


async def _own(dpo, breach_id: str) -> dict:
    answer = await dpo.get(f"{BREACHES}/{breach_id}")
    assert answer.status_code == 200, answer.text
    return answer.json()


async def test_joint_controllers_end_to_end(client, people):
    metro_dpo, commune_dpo, third_dpo = (
        people[k] for k in ("metro_dpo", "commune_dpo", "third_dpo")
    )
    convention = await _accepted_arrangement(people)
    assert convention["joint_breach_duty"] == "lead_notifies"
    assert convention["arrangement_essence"] == ESSENCE
    activity = await _portal(people, convention)

    # The activity is in both records; the commune reads it, edits nothing.
    seen = await commune_dpo.get(f"{API}/activities/{activity['id']}")
    assert seen.status_code == 200, seen.text
    listed = (await commune_dpo.get(f"{API}/activities")).json()
    assert [a["id"] for a in listed["items"]] == [activity["id"]]
    assert listed["total"] == 1
    refused = await commune_dpo.patch(
        f"{API}/activities/{activity['id']}", json={"version": activity["version"], "name": "X"}
    )
    assert refused.status_code == 404  # as before: only the holder writes
    record = (
        await commune_dpo.get(f"{API}/organisations/{people['commune']['id']}/records/controller")
    ).json()
    assert record["activities"] == []  # it keeps none itself
    (joint,) = record["joint_activities"]
    assert joint["activity"]["id"] == activity["id"]
    assert joint["holder"]["legal_name"] == METRO
    assert [c["legal_name"] for c in joint["joint_controllers"]] == [METRO]
    (arrangement,) = joint["arrangements"]
    assert arrangement["essence"] == ESSENCE
    assert arrangement["breach_duty"].startswith(f"{METRO} (chef de file) notifie la CNIL")
    # The métropole's own record shows the arrangement's essence too.
    own = (
        await metro_dpo.get(f"{API}/organisations/{people['metro']['id']}/records/controller")
    ).json()
    assert own["activities"][0]["arrangements"][0]["essence"] == ESSENCE
    # So does the record as a document (JSON here; XLSX, ODS, CSV and PDF share its rows).
    exported = await commune_dpo.get(
        f"{API}/organisations/{people['commune']['id']}/exports/controller-record",
        params={"format": "json"},
    )
    assert exported.status_code == 200, exported.text
    (row,) = exported.json()["sheets"][0]["rows"]
    assert (row["name"], row["controller"]) == ("Portail citoyen", METRO)
    assert ESSENCE in row["conventions"]
    # A third body: 404, as for an id that does not exist.
    assert (await third_dpo.get(f"{API}/activities/{activity['id']}")).status_code == 404
    assert (await third_dpo.get(f"{API}/activities")).json()["total"] == 0

    # The métropole's people declare an incident on the portal: one breach each, path joint.
    detected = ago(hours=3).replace(microsecond=0)
    breach_ids = await _declare(metro_dpo, people["metro"], activity, detected)
    assert len(breach_ids) == 2
    by_body = {
        b["controller_id"]: b for b in [await read(client, f"/breaches/{i}") for i in breach_ids]
    }
    lead = await _own(metro_dpo, by_body[people["metro"]["id"]]["id"])
    other = await _own(commune_dpo, by_body[people["commune"]["id"]]["id"])
    assert (lead["path"], other["path"]) == ("joint", "joint")
    assert lead["aware_at"] is not None and [c["kind"] for c in lead["countdowns"]] == ["cnil"]
    assert other["lead_breach_id"] == lead["id"]
    assert other["joint"]["lead_notifies"] is True
    assert other["joint"]["lead_breach_ref"] == lead["ref"]
    assert other["joint"]["cnil_notified_at"] is None
    assert [c for c in other["countdowns"] if c["kind"] == "cnil"] == []  # no clock of its own
    # The third body does not reach either breach.
    for breach in (lead, other):
        assert (await third_dpo.get(f"{BREACHES}/{breach['id']}")).status_code == 404

    # The commune documents its breach; its CNIL step is neither offered nor accepted.
    other = await _step(
        commune_dpo,
        other,
        "awareness",
        aware_at=iso(ago(hours=2)),
        rationale="Informée par la Métropole.",
    )
    assert [c for c in other["countdowns"] if c["kind"] == "cnil"] == []
    other = await _step(commune_dpo, other, "assessment", **ASSESS)
    other = await _step(commune_dpo, other, "decision", **DECIDE_RISK)
    assert "notify_cnil_initial" not in other["allowed_actions"]
    assert "close" not in other["allowed_actions"]
    refused = await commune_dpo.post(
        f"{BREACHES}/{other['id']}/notifications",
        json={"version": other["version"], "recipient": "cnil", "sent_at": iso(ago(minutes=5))},
    )
    assert refused.status_code == 409, refused.text
    assert LEAD_SAYS in refused.json()["detail"]
    early = await commune_dpo.post(
        f"{BREACHES}/{other['id']}/close", json={"version": other["version"], "reasons": "Fait."}
    )
    assert early.status_code == 409, early.text
    assert LEAD_SAYS in early.json()["detail"]

    # The lead notifies the CNIL for both.
    lead = (
        await metro_dpo.patch(
            f"{BREACHES}/{lead['id']}", json={"version": lead["version"], **FACTS}
        )
    ).json()
    lead = await _step(metro_dpo, lead, "assessment", **ASSESS)
    lead = await _step(metro_dpo, lead, "decision", **DECIDE_RISK)
    lead = await _step(
        metro_dpo,
        lead,
        "notifications",
        recipient="cnil",
        sent_at=iso(ago(minutes=10)),
        external_ref="CNIL-2026-0077",
    )
    assert lead["status"] == "notified"

    # The commune's breach links to that notification and closes.
    other = await _own(commune_dpo, other["id"])
    assert other["joint"]["cnil_notified_at"] is not None
    assert other["joint"]["cnil_external_ref"] == "CNIL-2026-0077"
    assert "close" in other["allowed_actions"]
    closed = await _step(
        commune_dpo,
        other,
        "close",
        reasons="Notifiée par la Métropole (chef de file).",
        incomplete_reasons="Les faits sont tenus par la Métropole, chef de file.",
    )
    assert closed["status"] == "closed"

    # The commune's people still do not read the lead's breach as a controller.
    answer = await commune_dpo.get(f"{BREACHES}/{lead['id']}")
    assert answer.status_code == 404, answer.text  # the lead declared: no source side either


async def test_each_notifies_gives_each_its_own_clock(client, people):
    convention = await _accepted_arrangement(people, joint_breach_duty="each_notifies")
    activity = await _portal(people, convention)
    commune_dpo, metro_dpo = people["commune_dpo"], people["metro_dpo"]
    # The commune's people declare this time (the portal serves its citizens).
    breach_ids = await _declare(commune_dpo, people["commune"], activity, ago(hours=1))
    by_body = {
        b["controller_id"]: b for b in [await read(client, f"/breaches/{i}") for i in breach_ids]
    }
    commune_breach = await _own(commune_dpo, by_body[people["commune"]["id"]]["id"])
    metro_breach = await _own(metro_dpo, by_body[people["metro"]["id"]]["id"])
    assert commune_breach["joint_duty"] == metro_breach["joint_duty"] == "each_notifies"
    assert commune_breach["joint"]["lead_notifies"] is False  # a link, not a duty
    assert [c["kind"] for c in commune_breach["countdowns"]] == ["cnil"]  # aware at detection
    assert metro_breach["aware_at"] is None and metro_breach["countdowns"] == []
    # The métropole's clock starts when it records its awareness.
    metro_breach = await _step(
        metro_dpo,
        metro_breach,
        "awareness",
        aware_at=iso(ago(minutes=30)),
        rationale="Informée par la commune.",
    )
    assert [c["kind"] for c in metro_breach["countdowns"]] == ["cnil"]
    # The commune notifies for itself.
    commune_breach = await _step(commune_dpo, commune_breach, "assessment", **ASSESS)
    assert (
        "notify_cnil_initial" in commune_breach["allowed_actions"]
        or commune_breach["notify_cnil"] is None
    )
    commune_breach = await _step(commune_dpo, commune_breach, "decision", **DECIDE_RISK)
    assert "notify_cnil_initial" in commune_breach["allowed_actions"]


async def test_without_a_lead_each_notifies(client):
    world = await joint_bodies(client, breach_lead_id=None)
    metro, commune = await joint_breaches(
        client, world, declaring=world["metro"], detected=ago(hours=1)
    )
    assert (metro["joint_duty"], commune["joint_duty"]) == ("each_notifies", "each_notifies")
    assert (metro["lead_breach_id"], commune["lead_breach_id"]) == (None, None)
    assert [c["kind"] for c in metro["countdowns"]] == ["cnil"]


async def test_a_proposed_arrangement_draws_nobody_into_a_record(client, people):
    metro_dpo = people["metro_dpo"]
    proposed = await metro_dpo.post(
        f"{API}/conventions",
        json={**joint_convention(people["metro"], people["commune"]), "start_date": "2025-01-01"},
    )
    assert proposed.status_code == 201 and proposed.json()["status"] == "proposed"
    # The administrator records the activity naming the commune before it accepted.
    activity = await client.post(
        f"{API}/activities",
        json={
            "controller_id": people["metro"]["id"],
            "name": "Portail citoyen",
            "joint_controller_ids": [people["commune"]["id"]],
            "convention_ids": [proposed.json()["id"]],
        },
    )
    if activity.status_code != 201:  # a proposed convention cannot even be linked: fine too
        assert activity.status_code == 422, activity.text
        return
    answer = await people["commune_dpo"].get(f"{API}/activities/{activity.json()['id']}")
    assert answer.status_code == 404
    assert (await people["commune_dpo"].get(f"{API}/activities")).json()["total"] == 0


async def test_the_lead_must_be_a_joint_controller(client):
    metro = await make_org(client, kind="epci_fp", legal_name=METRO)
    commune = await make_org(client, kind="commune", legal_name=COMMUNE)
    host = await make_org(client, kind="syndicat", legal_name="Syndicat informatique (essai)")
    payload = joint_convention(metro, commune, breach_lead_id=host["id"], start_date="2025-01-01")
    payload["parties"].append(party(host, "processor"))
    answer = await client.post(f"{API}/conventions", json=payload)
    assert_refused(answer, ["body", "breach_lead_id"], "l'un des responsables conjoints")


async def test_the_pages_name_the_lead_and_the_joint_record(client, browser, make_user):  # noqa: F811
    world = await joint_bodies(client)
    metro, commune = await joint_breaches(
        client, world, declaring=world["metro"], detected=ago(hours=1)
    )
    user = await make_user("dpd@saint-max.test", (world["commune"]["id"], Role.DPO))
    http = await browser(user)
    page = await http.get(f"/violations/{commune['id']}")
    assert page.status_code == 200, page.text
    text = text_of(page.text)
    assert "Responsables conjoints (art. 26)" in text
    assert f"{LEAD_SAYS} (art. 26)" in text
    assert f"Violation du chef de file : {metro['ref']}" in text
    assert "Notification du chef de file à la CNIL : pas encore enregistrée" in text
    assert "Enregistrer la notification à la CNIL" not in text
    # The activity's sheet, read-only, with the arrangement's essence.
    sheet = await http.get(f"/registre/{world['activity']['id']}")
    assert sheet.status_code == 200, sheet.text
    text = text_of(sheet.text)
    assert f"Traitement tenu au registre de la {METRO}, dont votre organisme" in text
    assert ESSENCE in text
    assert "Modifier la fiche" not in text
    # The convention's page: who notifies, and the arrangement's essence.
    convention = await http.get(f"/conventions/{world['convention']['id']}")
    assert convention.status_code == 200, convention.text
    text = text_of(convention.text)
    assert "Responsabilité conjointe (art. 26)" in text
    assert "Le chef de file notifie la CNIL pour tous les responsables conjoints" in text
    assert ESSENCE in text
    lead_page = await http.get(f"/violations/{metro['id']}")
    assert lead_page.status_code == 404  # the lead's breach is not the commune's to read
