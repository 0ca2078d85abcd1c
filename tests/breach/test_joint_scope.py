"""What a joint controller's breach holds (breach.fanout): only the activities of the
arrangement (art. 26) that binds it, never the declaring body's other activities; and a joint
controller reached through another convention too keeps that path (its notice, its clock).

The world of tests/breach/joint_world.py (the Métropole leads, the Commune is joint
controller of the citizen portal) with activities of one body only beside the portal.
"""

import csv
import html
import io
import re

from core.accounts.roles import Role
from tests.access.conftest import client_as, make_user  # noqa: F401  (fixtures)
from tests.breach.joint_world import joint_bodies
from tests.factories import API, BREACHES, ago, iso, make_activity, make_convention, read
from tests.web.conftest import browser  # noqa: F401  (fixture)

SECRET = "Paie des agents SECRET"


def text_of(page: str) -> str:
    return re.sub(r"\s+", " ", html.unescape(re.sub(r"<[^>]+>", " ", page)))


async def declare(client, body: dict, activities: list[dict]) -> dict[str, dict]:
    """The incident declared by `body` on `activities`: each breach by its controller's id."""
    answer = await client.post(
        f"{API}/incidents",
        json={
            "organisation_id": body["id"],
            "title": "Fuite de comptes du portail citoyen",
            "description": "Export de comptes usagers constaté sur le portail.",
            "detected_at": iso(ago(hours=2)),
            "nature": ["confidentiality"],
            "origin": "hacking_malware_phishing",
            "cause": "external_malicious",
            "activity_ids": [a["id"] for a in activities],
        },
    )
    assert answer.status_code == 201, answer.text
    breaches = [await read(client, f"/breaches/{i}") for i in answer.json()["breach_ids"]]
    return {b["controller_id"]: b for b in breaches}


async def test_the_other_controller_never_sees_the_declaring_body_s_other_activity(
    client,
    make_user,  # noqa: F811
    client_as,  # noqa: F811
    browser,  # noqa: F811
):
    world = await joint_bodies(client)
    metro, commune, portal = world["metro"], world["commune"], world["activity"]
    payroll = await make_activity(client, controller=metro, name=SECRET, ref="MET-99")
    user = await make_user("dpd@saint-max.test", (commune["id"], Role.DPO))
    commune_dpo = await client_as(user)
    # The premise: the payroll is the Métropole's alone.
    assert (await commune_dpo.get(f"{API}/activities/{payroll['id']}")).status_code == 404

    by_body = await declare(client, metro, [portal, payroll])
    lead, other = by_body[metro["id"]], by_body[commune["id"]]
    # The payroll stays on the declaring body's own breach, beside the portal.
    assert sorted(lead["activity_ids"]) == sorted([portal["id"], payroll["id"]])
    assert other["activity_ids"] == [portal["id"]]
    assert other["path"] == "joint" and other["lead_breach_id"] == lead["id"]

    # Its JSON, as the Commune's DPO reads it.
    own = await commune_dpo.get(f"{BREACHES}/{other['id']}")
    assert own.status_code == 200, own.text
    assert own.json()["activity_ids"] == [portal["id"]]
    assert payroll["id"] not in own.text and "SECRET" not in own.text
    # Its CNIL document.
    preview = await commune_dpo.get(f"{BREACHES}/{other['id']}/previews/cnil")
    assert preview.status_code == 200, preview.text
    assert "Portail citoyen" in preview.text  # the premise: the document lists the activities
    assert "SECRET" not in preview.text
    # Its breach register, as JSON and as a document.
    register = await commune_dpo.get(f"{API}/organisations/{commune['id']}/breach-register")
    assert register.status_code == 200, register.text
    (entry,) = register.json()["entries"]
    assert entry["breach"]["activity_ids"] == [portal["id"]]
    assert payroll["id"] not in register.text and "SECRET" not in register.text
    exported = await commune_dpo.get(
        f"{API}/organisations/{commune['id']}/exports/breach-register", params={"format": "csv"}
    )
    assert exported.status_code == 200, exported.text
    document = exported.content.decode("utf-8-sig")
    (row,) = csv.DictReader(io.StringIO(document))
    assert row["Identifiant"] == other["id"]  # the premise: the Commune's breach is the row
    assert "SECRET" not in document and payroll["id"] not in document
    # Its page.
    http = await browser(user)
    page = await http.get(f"/violations/{other['id']}")
    assert page.status_code == 200, page.text
    text = text_of(page.text)
    assert "Portail citoyen" in text
    assert "SECRET" not in text


async def test_a_non_lead_declaring_body_keeps_its_own_activity_and_its_clock(client):
    """The Commune declares on the portal and on an activity of its own: the Métropole's
    breach holds only the portal; the Commune's breach holds both and, since the lead does not
    notify for the Commune's own activity, runs its own CNIL clock."""
    world = await joint_bodies(client)
    metro, commune, portal = world["metro"], world["commune"], world["activity"]
    own = await make_activity(client, controller=commune, name="Cantine SECRET", ref="STM-3")

    by_body = await declare(client, commune, [portal, own])
    lead, other = by_body[metro["id"]], by_body[commune["id"]]
    assert lead["activity_ids"] == [portal["id"]]
    assert sorted(other["activity_ids"]) == sorted([portal["id"], own["id"]])
    assert other["path"] == "joint" and other["lead_breach_id"] == lead["id"]
    assert other["joint_duty"] == "each_notifies"
    assert [c["kind"] for c in other["countdowns"]] == ["cnil"]
    assert "notify_cnil_initial" not in other["allowed_actions"]  # the premise: not assessed
    assert lead["joint_duty"] == "lead_notifies"


async def test_a_joint_controller_also_reached_as_controller_keeps_the_processor_path(client):
    """The Métropole is also the Commune's processor for another activity (art. 28): an
    incident on both keeps the Commune's processor path (the notice the Métropole owes it,
    its clock from being informed) and puts the portal on that breach too."""
    world = await joint_bodies(client)
    metro, commune, portal = world["metro"], world["commune"], world["activity"]
    contract = await make_convention(
        client, processor=metro, controller=commune, breach_notice_hours=24
    )
    civil = await make_activity(
        client,
        controller=commune,
        name="État civil",
        ref="STM-1",
        convention_ids=[contract["id"]],
    )

    by_body = await declare(client, metro, [portal, civil])
    lead, other = by_body[metro["id"]], by_body[commune["id"]]
    assert lead["activity_ids"] == [portal["id"]]  # the Commune's activity is not the lead's
    assert other["path"] == "processor"
    assert other["convention_id"] == contract["id"]
    assert other["controller_notice_due_at"] is not None
    assert sorted(other["activity_ids"]) == sorted([portal["id"], civil["id"]])


async def test_a_lead_reached_as_controller_leaves_the_others_their_own_clock(client):
    """The Commune is also the Métropole's processor for another activity: an incident the
    Commune declares on both gives the Métropole its processor path (the notice the Commune
    owes it) whatever the order of the activities; the Commune's breach then follows no
    joint breach of a lead and runs its own CNIL clock."""
    world = await joint_bodies(client)
    metro, commune, portal = world["metro"], world["commune"], world["activity"]
    contract = await make_convention(
        client, processor=commune, controller=metro, breach_notice_hours=24
    )
    mail = await make_activity(
        client, controller=metro, name="Messagerie", ref="MET-5", convention_ids=[contract["id"]]
    )
    for order in ([portal, mail], [mail, portal]):
        by_body = await declare(client, commune, order)
        lead, other = by_body[metro["id"]], by_body[commune["id"]]
        assert lead["path"] == "processor", order
        assert lead["controller_notice_due_at"] is not None
        assert sorted(lead["activity_ids"]) == sorted([portal["id"], mail["id"]])
        assert other["path"] == "joint" and other["activity_ids"] == [portal["id"]]
        assert other["joint_duty"] == "each_notifies"
        assert [c["kind"] for c in other["countdowns"]] == ["cnil"]
