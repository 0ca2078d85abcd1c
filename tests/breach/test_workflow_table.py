"""The workflow table (breach.breaches.workflow): in every state a breach can reach, a step is
offered (`allowed_actions`) if and only if taking it is accepted; a refused one answers 409
with the table's reason. Each state is rebuilt for each step tried, through HTTP."""

import pytest

from breach.breaches import workflow
from tests.breach.joint_world import joint_bodies, joint_breaches
from tests.factories import (
    API,
    ASSESS,
    DECIDE_HIGH,
    DECIDE_HIGH_INFORM,
    DECIDE_RISK,
    DECIDE_UNLIKELY,
    FACTS,
    ago,
    bodies,
    declare_on,
    iso,
    make_activity,
    make_convention,
    party,
    post,
    with_facts,
)


def _cnil(phase: str) -> dict:
    sent = {"recipient": "cnil", "phase": phase, "sent_at": iso(ago(seconds=1))}
    if phase == "initial":  # facts unknown: the date of the complement (art. 33.4)
        sent["followup_due_at"] = iso(ago(hours=-48))
    return sent


PEOPLE = {
    "recipient": "data_subjects",
    "channel": "letter",
    "sent_at": iso(ago(seconds=1)),
    "summary": "Courrier aux personnes concernées.",
}
INFORMED = ("controller-informed", {"informed_at": iso(ago(hours=1))})

# A canonical, valid request per step: a refusal can only come from the state.
TRY = {
    "update_facts": ("PATCH", "", {"measures_taken": "Serveur isolé."}),
    "record_controller_informed": ("POST", "/controller-informed", INFORMED[1]),
    "record_awareness": (
        "POST",
        "/awareness",
        {
            "aware_at": iso(ago(hours=1)),
            "rationale": "Constat du RSSI.",
            "later_reasons": "Enquête du RSSI.",
        },
    ),
    "assess": ("POST", "/assessment", ASSESS),
    "decide": ("POST", "/decision", DECIDE_RISK),
    "notify_cnil_initial": ("POST", "/notifications", _cnil("initial")),
    "notify_cnil_complementary": ("POST", "/notifications", _cnil("complementary")),
    "inform_people": ("POST", "/notifications", PEOPLE),
    "close": (
        "POST",
        "/close",
        {"reasons": "Mesures faites.", "incomplete_reasons": "Incident toujours en cours."},
    ),
}
# breach.phases: every fact known, the complement nothing promised, the public communication.
FACTS_STEP = ("facts", FACTS)
CNIL_COMPLETE_FACTS = ("notifications", {"recipient": "cnil", "sent_at": iso(ago(seconds=1))})
DECIDE_PUBLIC = {
    **DECIDE_HIGH,
    "inform_people": "no",
    "art34_exemption": "c_disproportionate",
}
PUBLIC = {
    "recipient": "data_subjects",
    "channel": "public_communication",
    "sent_at": iso(ago(seconds=1)),
    "published_where": "Site de la commune",
    "summary": "Texte publié.",
}

OWN = "own"
JOINT_LEAD = "joint lead"
JOINT_OTHER = "joint other"
REPORTED = "reported"
INDEPENDENT = "independent"
AWARE = ("awareness", {"aware_at": iso(ago(minutes=30)), "rationale": "Courriel lu."})
# (path, the steps taken to reach the state): every status, both paths, and the boundaries
# where the old hand-written list disagreed with the steps (close before the people are told).
STATES = {
    "declared": (OWN, []),
    "assessed": (OWN, [("assessment", ASSESS)]),
    "decided not to notify": (OWN, [("assessment", ASSESS), ("decision", DECIDE_UNLIKELY)]),
    "decided to notify": (OWN, [("assessment", ASSESS), ("decision", DECIDE_RISK)]),
    "notified, people still to tell": (
        OWN,
        [
            ("assessment", ASSESS),
            ("decision", DECIDE_HIGH_INFORM),
            ("notifications", _cnil("initial")),
        ],
    ),
    "complemented": (
        OWN,
        [
            ("assessment", ASSESS),
            ("decision", DECIDE_RISK),
            ("notifications", _cnil("initial")),
            ("notifications", _cnil("complementary")),
        ],
    ),
    "notified, people told": (
        OWN,
        [
            ("assessment", ASSESS),
            ("decision", DECIDE_HIGH_INFORM),
            ("notifications", _cnil("initial")),
            ("notifications", PEOPLE),
        ],
    ),
    "closed": (
        OWN,
        [
            ("assessment", ASSESS),
            ("decision", DECIDE_UNLIKELY),
            ("close", {"reasons": "Documentée.", "incomplete_reasons": "Faits inconnus."}),
        ],
    ),
    "facts known, incident ongoing": (
        OWN,
        [FACTS_STEP, ("assessment", ASSESS), ("decision", DECIDE_UNLIKELY)],
    ),
    "notified, complement pending": (
        OWN,
        [("assessment", ASSESS), ("decision", DECIDE_RISK), ("notifications", _cnil("initial"))],
    ),
    "notified, nothing to follow": (
        OWN,
        [FACTS_STEP, ("assessment", ASSESS), ("decision", DECIDE_RISK), CNIL_COMPLETE_FACTS],
    ),
    "notified, people to tell later": (
        OWN,
        [FACTS_STEP, ("assessment", ASSESS), ("decision", DECIDE_HIGH), CNIL_COMPLETE_FACTS],
    ),
    "notified, public communication pending": (
        OWN,
        [FACTS_STEP, ("assessment", ASSESS), ("decision", DECIDE_PUBLIC), CNIL_COMPLETE_FACTS],
    ),
    "notified, public communication made": (
        OWN,
        [
            FACTS_STEP,
            ("assessment", ASSESS),
            ("decision", DECIDE_PUBLIC),
            CNIL_COMPLETE_FACTS,
            ("notifications", PUBLIC),
        ],
    ),
    # Joint controllers (art. 26), the métropole leading and declaring (tests/breach/joint_world).
    "joint, the lead aware at detection": (JOINT_LEAD, []),
    "joint, the lead decided to notify": (
        JOINT_LEAD,
        [("assessment", ASSESS), ("decision", DECIDE_RISK)],
    ),
    "joint, the other declared": (JOINT_OTHER, []),
    "joint, the other decided, the lead not yet notified": (
        JOINT_OTHER,
        [("assessment", ASSESS), ("decision", DECIDE_RISK)],
    ),
    "reported, controller not yet informed": (REPORTED, []),
    "reported, controller informed": (REPORTED, [INFORMED]),
    "reported, informed and assessed": (REPORTED, [INFORMED, ("assessment", ASSESS)]),
    # Independent controllers on a shared system (seed 000): the host informs, the other
    # records its own awareness.
    "independent, not yet informed": (INDEPENDENT, []),
    "independent, informed": (INDEPENDENT, [INFORMED]),
    "independent, informed and aware": (INDEPENDENT, [INFORMED, AWARE]),
}


@pytest.fixture
async def world(client):
    return await bodies(client)


async def _joint(client, path: str) -> dict:
    joint = await joint_bodies(client)
    lead, other = await joint_breaches(
        client, joint, declaring=joint["metro"], detected=ago(hours=5)
    )
    assert (lead["path"], other["lead_breach_id"]) == ("joint", lead["id"])
    return lead if path == JOINT_LEAD else other


async def _reach(client, world, path: str, steps) -> dict:
    if path in (JOINT_LEAD, JOINT_OTHER):
        return await _walk(client, await _joint(client, path), steps)
    if path == INDEPENDENT:
        return await _walk(client, await _independent(client, world), steps)
    declaring = world["commune"] if path == OWN else world["ept"]
    breach = await declare_on(client, declaring, [world["activity"]["id"]], detected=ago(hours=5))
    assert breach["path"] == ("own_system" if path == OWN else "processor")
    return await _walk(client, breach, steps)


async def _independent(client, world) -> dict:
    """The EPT hosts an activity of the commune, each controller of its own (seed 000)."""
    shared = await make_convention(
        client,
        parties=[
            party(world["ept"], "independent_controller"),
            party(world["commune"], "independent_controller"),
        ],
    )
    activity = await make_activity(
        client, controller=world["commune"], name="Adressage", convention_ids=[shared["id"]]
    )
    breach = await declare_on(client, world["ept"], [activity["id"]], detected=ago(hours=5))
    assert breach["path"] == "independent"
    return breach


async def _walk(client, breach: dict, steps) -> dict:
    for action, payload in steps:
        if action == "facts":
            breach = await with_facts(client, breach, **payload)
            continue
        answer = await post(client, breach, action, **payload)
        assert answer.status_code == 200, (action, answer.text)
        breach = answer.json()
    return breach


async def _try(client, breach: dict, step: str):
    method, suffix, payload = TRY[step]
    url = f"{API}/breaches/{breach['id']}{suffix}"
    return await client.request(method, url, json={"version": breach["version"], **payload})


@pytest.mark.parametrize("state", list(STATES))
async def test_a_step_is_offered_if_and_only_if_it_is_accepted(client, world, state):
    path, steps = STATES[state]
    offered = set((await _reach(client, world, path, steps))["allowed_actions"])
    assert offered <= set(workflow.STEPS), offered
    for step in TRY:
        breach = await _reach(client, world, path, steps)  # the same state, afresh
        answer = await _try(client, breach, step)
        assert answer.status_code in (200, 409), (state, step, answer.text)
        accepted = answer.status_code == 200
        assert accepted == (step in offered), (state, step, answer.text)
        if not accepted:  # the table's reason, as the API says it
            assert answer.json()["detail"], (state, step)


async def test_close_is_not_offered_before_the_people_are_told(client, world):
    """The disagreement the table removed: « Clôturer » was offered here and answered 409."""
    path, steps = STATES["notified, people still to tell"]
    breach = await _reach(client, world, path, steps)
    assert breach["status"] == "notified" and breach["inform_people"] == "yes"
    assert "close" not in breach["allowed_actions"]
    refused = await _try(client, breach, "close")
    assert refused.status_code == 409
    assert "les personnes concernées doivent encore être informées" in refused.json()["detail"]


async def test_the_cnil_file_number_is_offered_once_the_cnil_was_notified(client, world):
    declared = await _reach(client, world, *STATES["decided to notify"])
    assert "record_cnil_reference" not in declared["allowed_actions"]
    notified = await _reach(client, world, *STATES["complemented"])
    assert "record_cnil_reference" in notified["allowed_actions"]
    cnil = [n for n in notified["notifications"] if n["recipient"] == "cnil"]
    answer = await client.patch(
        f"{API}/breaches/{notified['id']}/notifications/{cnil[0]['id']}",
        json={"version": notified["version"], "external_ref": "CNIL-2026-0042"},
    )
    assert answer.status_code == 200, answer.text
