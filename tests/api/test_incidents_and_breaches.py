"""Incidents and breaches through the API: who must act, the clocks, the guarded workflow,
the breach register (docs/regulatory.md §3, §4, §5, §8).

Countdowns read the real clock for `remaining`: the tests assert on `due_at` and `due_local`,
and on the sign only for dates that are clearly past or future.
"""

from datetime import UTC, datetime, timedelta

import httpx
import pytest

from breach.breaches.service import get_breach as get_breach_in_scope
from breach.breaches.service import list_breaches
from breach.incidents.service import list_incidents
from breach.register import breach_register
from core.errors import NotFound
from core.scope import Scope
from register.demo import load_demo
from tests.factories import (
    API,
    ASSESS,
    DECIDE_HIGH,
    DECIDE_RISK,
    DECIDE_UNLIKELY,
    FOLLOWUP_DUE,
    INCOMPLETE,
    assert_refused,
    make_activity,
    make_convention,
    make_org,
    read,
)

INCIDENTS = f"{API}/incidents"
BREACHES = f"{API}/breaches"
H72 = timedelta(hours=72)

# An own-system incident detected on Monday 3 March 2025 at 09:00 in Paris (08:00 UTC):
# the CNIL is due on Thursday 6 March at 08:00 UTC.
DETECTED = "2025-03-03T09:00:00+01:00"
CNIL_DUE = "2025-03-06T08:00:00Z"
ON_TIME = "2025-03-05T10:00:00+01:00"
LATE = "2025-03-06T10:00:00+01:00"  # one hour after the deadline

NOTIFY = {"sent_at": ON_TIME, "external_ref": "CNIL-2025-0001", "followup_due_at": FOLLOWUP_DUE}
CLOSE = {
    "reasons": "Mesures correctives en place, dossier CNIL clos.",
    "incomplete_reasons": INCOMPLETE,
}


# Helpers --------------------------------------------------------------------------------------


def moment(text: str) -> datetime:
    """An aware datetime from the API's ISO text (`Z` or an offset)."""
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


async def declare(
    client: httpx.AsyncClient,
    organisation_id: str,
    *,
    detected_at: str = DETECTED,
    activity_ids: list[str] = (),
    convention_ids: list[str] = (),
    **fields,
) -> httpx.Response:
    payload = {
        "organisation_id": str(organisation_id),
        "title": "Rançongiciel sur le serveur de fichiers",
        "description": "Chiffrement des partages réseau constaté par le support au matin.",
        "detected_at": detected_at,
        "nature": ["confidentiality", "availability"],
        "origin": "hacking_malware_phishing",
        "cause": "external_malicious",
        "activity_ids": [str(a) for a in activity_ids],
        "convention_ids": [str(c) for c in convention_ids],
        **fields,
    }
    return await client.post(INCIDENTS, json=payload)


async def declared(client: httpx.AsyncClient, organisation_id: str, **kwargs) -> dict:
    response = await declare(client, organisation_id, **kwargs)
    assert response.status_code == 201, response.text
    return response.json()


async def breaches_of(client: httpx.AsyncClient, incident: dict) -> dict[str, dict]:
    """The incident's breaches, by controller id."""
    breaches = [await read(client, f"/breaches/{b}") for b in incident["breach_ids"]]
    by_controller = {b["controller_id"]: b for b in breaches}
    assert len(by_controller) == len(breaches), "one breach per controller"
    return by_controller


async def fetch(client: httpx.AsyncClient, breach: dict) -> dict:
    return await read(client, f"/breaches/{breach['id']}")


async def act(client: httpx.AsyncClient, breach: dict, action: str, **payload) -> httpx.Response:
    """POST /breaches/{id}/{action} with the breach's version unless one is given."""
    payload.setdefault("version", breach["version"])
    return await client.post(f"{BREACHES}/{breach['id']}/{action}", json=payload)


async def done(client: httpx.AsyncClient, breach: dict, action: str, **payload) -> dict:
    response = await act(client, breach, action, **payload)
    assert response.status_code == 200, response.text
    return response.json()


async def patch_facts(client: httpx.AsyncClient, breach: dict, **payload) -> httpx.Response:
    payload.setdefault("version", breach["version"])
    return await client.patch(f"{BREACHES}/{breach['id']}", json=payload)


def state(breach: dict) -> dict:
    """Everything stored about a breach; countdowns reduced to what does not move with time."""
    kept = dict(breach)
    kept["countdowns"] = [(c["kind"], c["due_at"], c["due_local"]) for c in breach["countdowns"]]
    return kept


async def assert_unchanged(client: httpx.AsyncClient, before: dict) -> None:
    after = await fetch(client, before)
    assert state(after) == state(before)


async def assert_conflict(
    client: httpx.AsyncClient, response: httpx.Response, before: dict, says: str
) -> None:
    """409 with a French message, and the breach re-read exactly as it was."""
    assert response.status_code == 409, response.text
    detail = response.json()["detail"]
    assert says in detail, f"{detail!r} does not say {says!r}"
    await assert_unchanged(client, before)


async def assert_invalid(
    client: httpx.AsyncClient, response: httpx.Response, before: dict, loc: list, says: str
) -> None:
    assert_refused(response, loc, says)
    await assert_unchanged(client, before)


async def totals(client: httpx.AsyncClient) -> tuple[int, int]:
    incidents = await read(client, "/incidents")
    breaches = await read(client, "/breaches")
    return incidents["total"], breaches["total"]


async def demo_activities(client: httpx.AsyncClient) -> dict[str, str]:
    """The demo's processing activities, by ref (GOSB-01, JUV-01, ESS-01...)."""
    page = await read(client, "/activities?limit=500")
    return {a["ref"]: a["id"] for a in page["items"]}


def actions(breach: dict) -> list[str]:
    return [e["action"] for e in breach["events"]]


# Fixtures: a commune hit on its own system, and a commune whose EPT is its processor ----------


@pytest.fixture
async def commune(client):
    return await make_org(client, kind="commune", legal_name="Commune de Vitry-sur-Seine")


@pytest.fixture
async def own_activity(client, commune):
    return await make_activity(client, controller=commune, name="État civil")


@pytest.fixture
async def own_breach(client, commune, own_activity):
    incident = await declared(client, commune["id"], activity_ids=[own_activity["id"]])
    (breach,) = (await breaches_of(client, incident)).values()
    assert breach["path"] == "own_system"
    return breach


@pytest.fixture
async def ept(client):
    return await make_org(client, kind="ept", legal_name="EPT Paris Est Marne et Bois")


@pytest.fixture
async def hosted(client, ept, commune):
    """A convention giving the EPT 24 h to tell the commune, and a commune activity under it."""
    convention = await make_convention(
        client, processor=ept, controller=commune, breach_notice_hours=24
    )
    activity = await make_activity(
        client, controller=commune, name="Paie", convention_ids=[convention["id"]]
    )
    return convention, activity


@pytest.fixture
async def processor_breach(client, ept, commune, hosted):
    _, activity = hosted
    incident = await declared(client, ept["id"], activity_ids=[activity["id"]])
    (breach,) = (await breaches_of(client, incident)).values()
    assert (breach["controller_id"], breach["path"]) == (commune["id"], "processor")
    return breach


# On the demo data: who must act ----------------------------------------------------------------


async def test_gosb_incident_on_juvisy_server_gives_juvisy_a_processor_breach(client, db):
    demo = await load_demo()
    refs = await demo_activities(client)
    gosb, juvisy = str(demo.bodies["gosb"]), str(demo.bodies["juvisy"])
    convention_id = str(demo.convention_ids["gosb_juvisy"])
    # Friday 24 October 2025, 10:00 in Paris: the clocks go back on Sunday 26.
    detected = "2025-10-24T10:00:00+02:00"

    incident = await declared(
        client, gosb, detected_at=detected, activity_ids=[refs["JUV-01"], refs["JUV-05"]]
    )

    by_controller = await breaches_of(client, incident)
    assert list(by_controller) == [juvisy]  # GOSB's own activities are not touched
    breach = by_controller[juvisy]
    assert breach["path"] == "processor"
    assert breach["convention_id"] == convention_id
    assert breach["source_org_id"] == gosb
    assert sorted(breach["activity_ids"]) == sorted([refs["JUV-01"], refs["JUV-05"]])
    assert breach["status"] == "declared"
    # The convention's 72 h from detection (annexe 1 §II.8), by e-mail and phone.
    assert moment(breach["controller_notice_due_at"]) == moment(detected) + H72
    assert breach["controller_notice_due_at"] == "2025-10-27T08:00:00Z"
    convention = await read(client, f"/conventions/{breach['convention_id']}")
    assert convention["breach_notice_hours"] == 72
    assert sorted(convention["breach_notice_channels"]) == ["email", "phone"]
    # Juvisy's own 72 h have not started: it does not know yet.
    assert breach["aware_at"] is None
    assert breach["cnil_due_at"] is None
    assert [(c["kind"], c["due_local"]) for c in breach["countdowns"]] == [
        ("controller_notice", "lundi 27 octobre 2025 à 09:00 (heure de Paris)")
    ]
    assert "record_controller_informed" in breach["allowed_actions"]
    assert "record_awareness" not in breach["allowed_actions"]
    assert (await read(client, f"/breaches?controller_id={gosb}"))["total"] == 0

    # GOSB phones Juvisy on Saturday 25 October at 15:30.
    informed = "2025-10-25T15:30:00+02:00"
    breach = await done(
        client, breach, "controller-informed", informed_at=informed, channel="phone"
    )

    assert moment(breach["controller_informed_at"]) == moment(informed)
    assert moment(breach["aware_at"]) == moment(informed)
    assert moment(breach["cnil_due_at"]) - moment(breach["aware_at"]) == H72
    assert breach["cnil_due_at"] == "2025-10-28T13:30:00Z"
    assert [(c["kind"], c["due_local"]) for c in breach["countdowns"]] == [
        ("cnil", "mardi 28 octobre 2025 à 14:30 (heure de Paris)")
    ]
    (notice,) = breach["notifications"]
    assert (notice["recipient"], notice["channel"], notice["late"]) == (
        "controller",
        "phone",
        False,
    )
    assert notice["due_at"] == "2025-10-27T08:00:00Z"
    assert actions(breach) == ["declare", "record_controller_informed"]
    assert "record_controller_informed" not in breach["allowed_actions"]


async def test_grand_nancy_dsit_incident_makes_essey_the_controller_told_at_once(client, db):
    demo = await load_demo()
    refs = await demo_activities(client)
    grand_nancy, essey = str(demo.bodies["grand_nancy"]), str(demo.bodies["essey"])
    # Friday 28 March 2025, 10:00 in Paris: the clocks go forward on Sunday 30.
    detected = "2025-03-28T10:00:00+01:00"

    incident = await declared(
        client,
        grand_nancy,
        detected_at=detected,
        activity_ids=[refs["ESS-01"], refs["ESS-03"]],
        convention_ids=[demo.convention_ids["grand_nancy_essey"]],
    )

    by_controller = await breaches_of(client, incident)
    assert list(by_controller) == [essey]  # no breach of its own for the host
    breach = by_controller[essey]
    assert breach["path"] == "service_commun"
    assert breach["convention_id"] == str(demo.convention_ids["grand_nancy_essey"])
    assert breach["source_org_id"] == grand_nancy
    assert moment(breach["controller_notice_due_at"]) == moment(detected)
    assert moment(breach["aware_at"]) == moment(detected)
    assert moment(breach["cnil_due_at"]) == moment(detected) + H72
    assert breach["cnil_due_at"] == "2025-03-31T09:00:00Z"
    countdowns = {c["kind"]: c["due_local"] for c in breach["countdowns"]}
    assert countdowns == {
        "controller_notice": "vendredi 28 mars 2025 à 10:00 (heure de Paris)",
        "cnil": "lundi 31 mars 2025 à 11:00 (heure de Paris)",
    }
    assert (await read(client, f"/breaches?controller_id={grand_nancy}"))["total"] == 0


async def test_grand_nancy_own_activities_give_it_its_own_breach_apart_from_essey(client, db):
    demo = await load_demo()
    refs = await demo_activities(client)
    grand_nancy, essey = str(demo.bodies["grand_nancy"]), str(demo.bodies["essey"])

    incident = await declared(client, grand_nancy, activity_ids=[refs["GN-03"], refs["ESS-03"]])

    by_controller = await breaches_of(client, incident)
    assert {c: b["path"] for c, b in by_controller.items()} == {
        grand_nancy: "own_system",
        essey: "service_commun",
    }
    assert by_controller[grand_nancy]["source_org_id"] is None
    assert by_controller[grand_nancy]["convention_id"] is None


async def test_gpso_on_the_boulogne_convention_independent_controllers(client, db):
    demo = await load_demo()
    refs = await demo_activities(client)
    gpso, boulogne = str(demo.bodies["gpso"]), str(demo.bodies["boulogne"])
    convention_id = str(demo.convention_ids["gpso_boulogne"])
    detected = "2025-06-06T18:00:00+02:00"

    incident = await declared(
        client,
        gpso,
        detected_at=detected,
        activity_ids=[refs["GPSO-01"], refs["GPSO-03"]],
        convention_ids=[convention_id],
    )

    by_controller = await breaches_of(client, incident)
    assert set(by_controller) == {gpso, boulogne}
    own = by_controller[gpso]
    assert (own["path"], own["convention_id"], own["source_org_id"]) == ("own_system", None, None)
    assert moment(own["aware_at"]) == moment(detected)
    assert moment(own["cnil_due_at"]) == moment(detected) + H72
    # Whit Monday is a holiday: it counts like any other day (Reg. 1182/71 art. 3(3)).
    assert [c["due_local"] for c in own["countdowns"]] == [
        "lundi 9 juin 2025 à 18:00 (heure de Paris)"
    ]

    other = by_controller[boulogne]
    assert other["path"] == "independent"
    assert other["convention_id"] == convention_id
    assert other["source_org_id"] == gpso
    # The host informs the other controller at once (a notice due at detection); the other's
    # 72 h run only from the awareness it records.
    assert (other["aware_at"], other["cnil_due_at"], other["controller_notice_due_at"]) == (
        None,
        None,
        "2025-06-06T16:00:00Z",
    )
    assert [c["kind"] for c in other["countdowns"]] == ["controller_notice"]
    assert "record_awareness" in other["allowed_actions"]
    # The host informs Boulogne at once: that step is offered (tests/breach/test_shared_system).
    assert "record_controller_informed" in other["allowed_actions"]

    # Boulogne's clock starts when it records its own awareness.
    aware = "2025-06-10T09:15:00+02:00"
    other = await done(
        client,
        other,
        "awareness",
        aware_at=aware,
        rationale="Alerte de la DIGIT reçue et analysée par le DPD de la Ville",
    )
    assert moment(other["aware_at"]) == moment(aware)
    assert moment(other["cnil_due_at"]) - moment(other["aware_at"]) == H72
    assert other["aware_rationale"] == "Alerte de la DIGIT reçue et analysée par le DPD de la Ville"
    # The host's notice, not yet recorded as given, still runs beside Boulogne's own 72 h.
    assert [c["due_local"] for c in other["countdowns"]] == [
        "vendredi 6 juin 2025 à 18:00 (heure de Paris)",
        "vendredi 13 juin 2025 à 09:15 (heure de Paris)",
    ]
    # GPSO's own clock did not move.
    assert state(await fetch(client, own)) == state(own)


async def test_an_activity_the_declaring_body_does_not_touch_is_refused_nothing_written(client, db):
    demo = await load_demo()
    refs = await demo_activities(client)
    before = await totals(client)

    # GOSB is no party to the GPSO–Boulogne convention.
    response = await declare(
        client, demo.bodies["gosb"], activity_ids=[refs["BB-01"], refs["GOSB-01"]]
    )
    assert_refused(response, ["body", "activity_ids", 0], "activité inconnue")

    # Nor may it declare for Boulogne's activities outside any convention; index is kept.
    response = await declare(
        client, demo.bodies["gosb"], activity_ids=[refs["GOSB-01"], refs["BB-02"]]
    )
    assert_refused(response, ["body", "activity_ids", 1], "activité inconnue")

    assert await totals(client) == before == (0, 0)


# Incident validation ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("fields", "loc", "says"),
    [
        ({"detected_at": "2025-03-03T09:00:00"}, ["body", "detected_at"], "fuseau"),
        (
            {"started_at": "2025-03-01T10:00:00", "detected_at": DETECTED},
            ["body", "started_at"],
            "fuseau",
        ),
        (
            {"started_at": "2025-03-03T10:00:00+01:00"},
            ["body", "started_at"],
            "le début ne peut pas suivre la détection",
        ),
        (
            {"ongoing": True, "ended_at": "2025-03-03T12:00:00+01:00"},
            ["body", "ended_at"],
            "un incident en cours n'a pas encore de fin",
        ),
        (
            {
                "started_at": "2025-03-02T10:00:00+01:00",
                "ongoing": False,
                "ended_at": "2025-03-01T12:00:00+01:00",
            },
            ["body", "ended_at"],
            "la fin précède le début",
        ),
    ],
)
async def test_incident_timeline_is_checked_and_nothing_is_written(
    client, commune, own_activity, fields, loc, says
):
    response = await declare(client, commune["id"], activity_ids=[own_activity["id"]], **fields)

    assert_refused(response, loc, says)
    assert await totals(client) == (0, 0)


async def test_incident_with_nothing_touched_or_unknown_ids_is_refused(client, commune):
    response = await declare(client, commune["id"])
    assert_refused(response, ["body", "activity_ids"], "indiquez les traitements")

    unknown = "00000000-0000-4000-8000-000000000000"
    response = await declare(client, commune["id"], activity_ids=[unknown])
    assert_refused(response, ["body", "activity_ids", 0], "activité inconnue")

    response = await declare(client, unknown, convention_ids=[unknown])
    assert_refused(response, ["body", "organisation_id"], "organisme inconnu")
    assert await totals(client) == (0, 0)


async def test_incident_facts_are_corrected_with_history_kept(client, own_breach):
    incident = await read(client, f"/incidents/{own_breach['incident_id']}")
    assert incident["history"] == []
    assert incident["breach_ids"] == [own_breach["id"]]

    response = await client.patch(
        f"{INCIDENTS}/{incident['id']}?on_behalf_of=DPD",
        json={
            "version": incident["version"],
            "description": "Chiffrement de deux partages ; sauvegarde du 2 mars intacte.",
            "ongoing": False,
            "ended_at": "2025-03-03T12:00:00+01:00",
        },
    )
    assert response.status_code == 200, response.text
    changed = response.json()
    assert changed["version"] == incident["version"] + 1
    assert changed["ongoing"] is False

    reread = await read(client, f"/incidents/{incident['id']}")
    assert reread == changed
    (entry,) = reread["history"]
    assert entry["author"] == "admin-tests@registre-rgpd.test, pour le compte de : DPD"
    assert set(entry["changes"]) == {"description", "ongoing", "ended_at"}
    assert entry["changes"]["description"] == {
        "before": "Chiffrement des partages réseau constaté par le support au matin.",
        "after": "Chiffrement de deux partages ; sauvegarde du 2 mars intacte.",
    }
    assert entry["changes"]["ongoing"] == {"before": True, "after": False}
    assert entry["changes"]["ended_at"]["before"] is None
    assert moment(entry["changes"]["ended_at"]["after"]) == moment("2025-03-03T11:00:00Z")

    # A second correction appends; the first is kept.
    response = await client.patch(
        f"{INCIDENTS}/{incident['id']}",
        json={"version": changed["version"], "system": "Serveur de fichiers FS-02"},
    )
    assert response.status_code == 200, response.text
    history = (await read(client, f"/incidents/{incident['id']}"))["history"]
    assert [set(h["changes"]) for h in history] == [
        {"description", "ongoing", "ended_at"},
        {"system"},
    ]
    assert history[1]["changes"]["system"] == {"before": None, "after": "Serveur de fichiers FS-02"}


async def test_incident_facts_stale_or_incoherent_are_refused_and_history_unchanged(
    client, own_breach
):
    incident = await read(client, f"/incidents/{own_breach['incident_id']}")
    url = f"{INCIDENTS}/{incident['id']}"
    response = await client.patch(url, json={"version": incident["version"], "system": "FS-01"})
    assert response.status_code == 200, response.text
    current = response.json()

    stale = await client.patch(url, json={"version": incident["version"], "system": "FS-09"})
    assert stale.status_code == 409
    assert "modifiée entre-temps" in stale.json()["detail"]

    incoherent = await client.patch(
        url,
        json={"version": current["version"], "started_at": "2025-03-04T09:00:00+01:00"},
    )
    assert_refused(incoherent, ["body", "started_at"], "le début ne peut pas suivre la détection")

    naive = await client.patch(
        url, json={"version": current["version"], "detected_at": "2025-03-03T09:00:00"}
    )
    assert_refused(naive, ["body", "detected_at"], "fuseau")

    assert await read(client, f"/incidents/{incident['id']}") == current


async def test_same_instant_written_in_paris_time_is_not_a_change(client, own_breach):
    incident = await read(client, f"/incidents/{own_breach['incident_id']}")
    url = f"{INCIDENTS}/{incident['id']}"
    assert moment(incident["detected_at"]) == moment(DETECTED)

    response = await client.patch(
        url, json={"version": incident["version"], "detected_at": DETECTED}
    )
    assert response.status_code == 200, response.text
    assert response.json()["history"] == []

    response = await client.patch(
        url,
        json={"version": response.json()["version"], "detected_at": "2025-03-03T07:30:00+01:00"},
    )
    assert response.status_code == 200, response.text
    ((change,),) = [list(h["changes"].items()) for h in response.json()["history"]]
    assert change == (
        "detected_at",
        {"before": "2025-03-03T08:00:00Z", "after": "2025-03-03T06:30:00Z"},
    )


# Deadlines through the API: changes of time, weekends -------------------------------------------


@pytest.mark.parametrize(
    ("detected", "due_at", "due_local"),
    [
        # Friday before the autumn change: 72 real hours read 71 on the wall clock.
        (
            "2025-10-24T10:00:00+02:00",
            "2025-10-27T08:00:00Z",
            "lundi 27 octobre 2025 à 09:00 (heure de Paris)",
        ),
        # Friday before the spring change: they read 73.
        (
            "2025-03-28T10:00:00+01:00",
            "2025-03-31T09:00:00Z",
            "lundi 31 mars 2025 à 11:00 (heure de Paris)",
        ),
        # A weekend without a change of time: Saturday → Tuesday, same hour.
        (
            "2025-02-01T23:30:00+01:00",
            "2025-02-04T22:30:00Z",
            "mardi 4 février 2025 à 23:30 (heure de Paris)",
        ),
        # Deadlines inside the repeated hour say which 02:30 they mean.
        (
            "2025-10-23T02:30:00+02:00",
            "2025-10-26T00:30:00Z",
            "dimanche 26 octobre 2025 à 02:30 (heure de Paris, heure d'été)",
        ),
        (
            "2025-10-23T03:30:00+02:00",
            "2025-10-26T01:30:00Z",
            "dimanche 26 octobre 2025 à 02:30 (heure de Paris, heure d'hiver)",
        ),
    ],
)
async def test_cnil_deadline_is_72_real_hours_shown_in_paris_time(
    client, commune, own_activity, detected, due_at, due_local
):
    incident = await declared(
        client, commune["id"], detected_at=detected, activity_ids=[own_activity["id"]]
    )
    (breach,) = (await breaches_of(client, incident)).values()

    assert breach["cnil_due_at"] == due_at
    assert moment(breach["cnil_due_at"]) - moment(detected) == H72
    (clock,) = breach["countdowns"]
    assert clock["kind"] == "cnil"
    assert clock["due_at"] == due_at
    assert clock["due_local"] == due_local
    assert clock["overdue"] is True  # 2025 is past
    assert clock["remaining_seconds"] < 0
    assert clock["display"].startswith("dépassé de ")


async def test_deadlines_endpoint_gives_the_same_countdowns(client, own_breach):
    clocks = await read(client, f"/breaches/{own_breach['id']}/deadlines")

    assert [(c["kind"], c["due_at"], c["due_local"]) for c in clocks] == [
        ("cnil", CNIL_DUE, "jeudi 6 mars 2025 à 09:00 (heure de Paris)")
    ]


async def test_awareness_recorded_across_the_spring_change(client, own_breach):
    breach = await done(
        client,
        own_breach,
        "awareness",
        aware_at="2025-03-29T12:00:00+01:00",
        rationale="Courte enquête : compromission confirmée le samedi midi",
        later_reasons="Analyse des journaux jusqu'au samedi midi",
    )

    assert breach["cnil_due_at"] == "2025-04-01T11:00:00Z"
    assert [c["due_local"] for c in breach["countdowns"]] == [
        "mardi 1er avril 2025 à 13:00 (heure de Paris)"
    ]
    assert actions(breach) == ["declare", "record_awareness"]


async def test_processor_default_notice_crosses_the_spring_change(client, ept, commune):
    convention = await make_convention(client, processor=ept, controller=commune)
    assert convention["breach_notice_hours"] is None
    activity = await make_activity(client, controller=commune, convention_ids=[convention["id"]])

    incident = await declared(
        client,
        ept["id"],
        detected_at="2025-03-29T12:00:00+01:00",  # Saturday
        activity_ids=[activity["id"]],
    )
    (breach,) = (await breaches_of(client, incident)).values()

    # The configured default, 24 real hours.
    assert breach["controller_notice_due_at"] == "2025-03-30T11:00:00Z"
    assert [(c["kind"], c["due_local"]) for c in breach["countdowns"]] == [
        ("controller_notice", "dimanche 30 mars 2025 à 13:00 (heure de Paris)")
    ]


async def test_a_future_deadline_counts_down(client, commune, own_activity):
    detected = datetime.now(UTC) - timedelta(hours=1)

    incident = await declared(
        client, commune["id"], detected_at=detected.isoformat(), activity_ids=[own_activity["id"]]
    )
    (breach,) = (await breaches_of(client, incident)).values()

    (clock,) = breach["countdowns"]
    assert clock["overdue"] is False
    assert 0 < clock["remaining_seconds"] <= 71 * 3600
    assert clock["display"].startswith("reste ")


# ENISA through the API -------------------------------------------------------------------------


async def test_enisa_assessment_is_stored_with_its_arithmetic(client, own_breach):
    breach = await done(client, own_breach, "assessment", **ASSESS)

    assert breach["status"] == "assessed"
    assert breach["version"] == own_breach["version"] + 1
    assessment = breach["assessment"]
    assert assessment["se"] == "0.75"
    assert assessment["band"] == "low"
    assert breach["severity_band"] == "low"
    assert assessment["recommendation"] == "document_only"
    assert any("1 × 0,5 + 0,25 = 0,75" in line for line in assessment["explanation"])
    assert assessment["inputs"]["confidentiality"] == "known_recipients"
    assert actions(breach) == ["declare", "assess"]


async def test_special_categories_in_the_facts_raise_the_recommendation(client, own_breach):
    response = await patch_facts(client, own_breach, data_categories=["health"])
    assert response.status_code == 200, response.text

    breach = await done(client, response.json(), "assessment", **ASSESS)

    assert breach["assessment"]["band"] == "low"
    assert breach["assessment"]["recommendation"] == "notify_cnil"


async def test_assessment_with_a_bad_adjustment_is_refused(client, own_breach):
    response = await act(
        client,
        own_breach,
        "assessment",
        **ASSESS,
        adjustments=[{"delta": "0.5", "justification": "volume"}],
    )

    await assert_invalid(
        client, response, own_breach, ["body", "adjustments"], "n'est pas un nombre entier"
    )


# Happy paths -----------------------------------------------------------------------------------


async def test_notified_breach_path_declared_to_closed(client, own_breach):
    breach = await done(client, own_breach, "assessment", **ASSESS)
    breach = await done(client, breach, "decision", **DECIDE_RISK, on_behalf_of="DPD mutualisé")
    assert (breach["status"], breach["risk_level"], breach["notify_cnil"]) == (
        "assessed",
        "risk",
        True,
    )
    assert breach["decision_reasons"] == DECIDE_RISK["reasons"]
    assert "notify_cnil_initial" in breach["allowed_actions"]
    assert "close" not in breach["allowed_actions"]

    breach = await done(client, breach, "notifications", **NOTIFY)
    assert breach["status"] == "notified"
    # the 72 h clock has done its job; the complement promised runs (art. 33.4)
    assert [c["kind"] for c in breach["countdowns"]] == ["cnil_followup"]
    (initial,) = breach["notifications"]
    assert (initial["recipient"], initial["phase"], initial["channel"]) == (
        "cnil",
        "initial",
        "teleservice",
    )
    assert initial["due_at"] == CNIL_DUE
    assert (initial["late"], initial["late_reason"]) == (False, None)
    assert initial["external_ref"] == "CNIL-2025-0001"

    breach = await done(
        client,
        breach,
        "notifications",
        phase="complementary",
        sent_at="2025-03-07T11:00:00+01:00",
        summary="Nombre de personnes concernées précisé : 1 200.",
    )
    assert breach["status"] == "complemented"
    assert [n["phase"] for n in breach["notifications"]] == ["initial", "complementary"]
    assert breach["notifications"][1]["due_at"] is None
    assert breach["notifications"][1]["late"] is False

    breach = await done(client, breach, "close", **CLOSE)
    assert breach["status"] == "closed"
    assert breach["closing_reasons"] == CLOSE["reasons"]
    assert breach["closed_at"] is not None
    # Only documentation is left: the CNIL's file number may come after closing.
    assert breach["allowed_actions"] == ["record_cnil_reference"]
    assert actions(breach) == [
        "declare",
        "assess",
        "decide",
        "notify_cnil_initial",
        "notify_cnil_complementary",
        "close",
    ]
    assert [(e["from_status"], e["to_status"]) for e in breach["events"]] == [
        (None, "declared"),
        ("declared", "assessed"),
        ("assessed", "assessed"),
        ("assessed", "notified"),
        ("notified", "complemented"),
        ("complemented", "closed"),
    ]
    assert breach["version"] == own_breach["version"] + 5
    assert state(await fetch(client, breach)) == state(breach)


async def test_unlikely_risk_is_closed_unnotified_with_its_reasoning(client, own_breach):
    breach = await done(client, own_breach, "assessment", **ASSESS)
    breach = await done(client, breach, "decision", **DECIDE_UNLIKELY)
    assert breach["notify_cnil"] is False
    assert breach["countdowns"] == []  # no CNIL clock once the decision is not to notify
    assert "close" in breach["allowed_actions"]
    assert "notify_cnil_initial" not in breach["allowed_actions"]

    breach = await done(
        client,
        breach,
        "close",
        reasons="Risque improbable : documenté au registre (art. 33.5).",
        incomplete_reasons=INCOMPLETE,
    )

    assert breach["status"] == "closed"
    assert breach["notifications"] == []
    assert breach["decision_reasons"] == DECIDE_UNLIKELY["reasons"]
    assert breach["closing_reasons"] == "Risque improbable : documenté au registre (art. 33.5)."
    assert actions(breach) == ["declare", "assess", "decide", "close"]


async def test_high_risk_people_informed_later_then_closed(client, own_breach):
    breach = await done(client, own_breach, "assessment", **ASSESS)
    breach = await done(client, breach, "decision", **DECIDE_HIGH)
    breach = await done(client, breach, "notifications", **NOTIFY)
    assert breach["inform_people"] == "later"
    assert "inform_people" in breach["allowed_actions"]

    response = await act(client, breach, "close", **CLOSE)
    await assert_conflict(client, response, breach, "doivent encore être informées")

    breach = await done(
        client,
        breach,
        "notifications",
        recipient="data_subjects",
        channel="letter",
        sent_at="2025-03-07T09:00:00+01:00",
        summary="Courrier aux 1 200 usagers concernés (art. 34.2).",
    )
    assert breach["inform_people"] == "yes"
    assert breach["status"] == "notified"
    people = [n for n in breach["notifications"] if n["recipient"] == "data_subjects"]
    assert [(n["channel"], n["phase"]) for n in people] == [("letter", "initial")]

    breach = await done(client, breach, "close", **CLOSE)
    assert breach["status"] == "closed"
    assert actions(breach) == [
        "declare",
        "assess",
        "decide",
        "notify_cnil_initial",
        "inform_people",
        "close",
    ]


# Illegal transitions: 409, a French reason, nothing changed -------------------------------------


async def test_decide_before_assess_is_refused(client, own_breach):
    response = await act(client, own_breach, "decision", **DECIDE_RISK)

    await assert_conflict(client, response, own_breach, "évaluez d'abord la gravité")


async def test_notify_cnil_before_assess_is_refused(client, own_breach):
    response = await act(client, own_breach, "notifications", **NOTIFY)

    await assert_conflict(client, response, own_breach, "évaluez la violation avant de notifier")


async def test_initial_notification_twice_is_refused(client, own_breach):
    breach = await done(client, own_breach, "assessment", **ASSESS)
    breach = await done(client, breach, "decision", **DECIDE_RISK)
    breach = await done(client, breach, "notifications", **NOTIFY)

    response = await act(client, breach, "notifications", **NOTIFY)

    await assert_conflict(client, response, breach, "la notification initiale est déjà faite")


async def test_complementary_before_initial_is_refused(client, own_breach):
    breach = await done(client, own_breach, "assessment", **ASSESS)

    complementary = {**NOTIFY, "followup_due_at": None, "phase": "complementary"}
    response = await act(client, breach, "notifications", **complementary)

    await assert_conflict(
        client, response, breach, "une notification complémentaire suit une notification initiale"
    )


async def test_close_from_declared_is_refused(client, own_breach):
    response = await act(client, own_breach, "close", **CLOSE)

    await assert_conflict(client, response, own_breach, "ne se clôt qu'après son évaluation")


@pytest.mark.parametrize("decision", [None, DECIDE_RISK])
async def test_close_from_assessed_without_a_decision_not_to_notify_is_refused(
    client, own_breach, decision
):
    breach = await done(client, own_breach, "assessment", **ASSESS)
    if decision:
        breach = await done(client, breach, "decision", **decision)

    response = await act(client, breach, "close", **CLOSE)

    await assert_conflict(client, response, breach, "notifiez d'abord la CNIL")


async def test_close_while_people_are_still_to_be_informed_is_refused(client, own_breach):
    breach = await done(client, own_breach, "assessment", **ASSESS)
    breach = await done(
        client,
        breach,
        "decision",
        risk_level="unlikely",
        notify_cnil=False,
        inform_people="later",
        reasons="Pas de risque, mais les agents concernés seront prévenus par courtoisie.",
    )

    response = await act(client, breach, "close", **CLOSE)

    await assert_conflict(client, response, breach, "doivent encore être informées")


async def test_notify_after_deciding_not_to_is_refused(client, own_breach):
    breach = await done(client, own_breach, "assessment", **ASSESS)
    breach = await done(client, breach, "decision", **DECIDE_UNLIKELY)

    response = await act(client, breach, "notifications", **NOTIFY)

    await assert_conflict(
        client, response, breach, "la décision enregistrée est de ne pas notifier"
    )


async def test_deciding_not_to_notify_after_notifying_is_refused(client, own_breach):
    breach = await done(client, own_breach, "assessment", **ASSESS)
    breach = await done(client, breach, "decision", **DECIDE_RISK)
    breach = await done(client, breach, "notifications", **NOTIFY)

    response = await act(client, breach, "decision", **DECIDE_UNLIKELY)

    await assert_conflict(client, response, breach, "la CNIL a déjà été notifiée")


async def test_informing_people_without_such_a_decision_is_refused(client, own_breach):
    breach = await done(client, own_breach, "assessment", **ASSESS)
    breach = await done(client, breach, "decision", **DECIDE_RISK)  # inform_people "no"

    response = await act(
        client,
        breach,
        "notifications",
        recipient="data_subjects",
        channel="letter",
        sent_at=ON_TIME,
    )

    await assert_conflict(client, response, breach, "ne prévoit pas d'informer les personnes")


async def test_a_future_notification_and_a_controller_recipient_are_refused(client, own_breach):
    breach = await done(client, own_breach, "assessment", **ASSESS)
    future = (datetime.now(UTC) + timedelta(days=1)).isoformat()

    response = await act(client, breach, "notifications", sent_at=future)
    await assert_invalid(client, response, breach, ["body", "sent_at"], "à venir")

    response = await act(client, breach, "notifications", sent_at=ON_TIME, recipient="controller")
    await assert_invalid(
        client, response, breach, ["body", "recipient"], "record_controller_informed"
    )


@pytest.fixture
async def closed_breach(client, own_breach):
    breach = await done(client, own_breach, "assessment", **ASSESS)
    breach = await done(client, breach, "decision", **DECIDE_UNLIKELY)
    return await done(client, breach, "close", **CLOSE)


@pytest.mark.parametrize(
    ("action", "payload"),
    [
        ("assessment", ASSESS),
        ("decision", DECIDE_UNLIKELY),
        ("notifications", NOTIFY),
        ("notifications", {**NOTIFY, "phase": "complementary", "followup_due_at": None}),
        ("notifications", {"recipient": "data_subjects", "sent_at": ON_TIME}),
        ("close", CLOSE),
        ("awareness", {"aware_at": DETECTED, "rationale": "Réexamen"}),
        ("controller-informed", {"informed_at": DETECTED}),
    ],
)
async def test_any_action_on_a_closed_breach_is_refused(client, closed_breach, action, payload):
    response = await act(client, closed_breach, action, **payload)

    await assert_conflict(client, response, closed_breach, "est close")
    assert closed_breach["ref"] in response.json()["detail"]


async def test_facts_of_a_closed_breach_cannot_change(client, closed_breach):
    response = await patch_facts(client, closed_breach, approx_subjects=12)

    await assert_conflict(client, response, closed_breach, "est close")


async def test_controller_informed_on_an_own_system_breach_is_refused(client, own_breach):
    response = await act(client, own_breach, "controller-informed", informed_at=DETECTED)

    await assert_conflict(client, response, own_breach, "survenue chez le responsable lui-même")


async def test_informing_the_controller_twice_is_refused(client, processor_breach):
    breach = await done(
        client, processor_breach, "controller-informed", informed_at="2025-03-03T15:00:00+01:00"
    )

    response = await act(client, breach, "controller-informed", informed_at=ON_TIME)

    await assert_conflict(client, response, breach, "déjà enregistrée")


async def test_awareness_on_a_processor_breach_is_refused(client, processor_breach):
    response = await act(
        client, processor_breach, "awareness", aware_at=DETECTED, rationale="Appel de l'EPT"
    )

    await assert_conflict(client, response, processor_breach, "quand il en est informé")


async def test_awareness_cannot_move_once_the_cnil_is_notified(client, own_breach):
    breach = await done(client, own_breach, "assessment", **ASSESS)
    breach = await done(client, breach, "decision", **DECIDE_RISK)
    breach = await done(client, breach, "notifications", **NOTIFY)

    response = await act(
        client, breach, "awareness", aware_at=ON_TIME, rationale="Connaissance plus tardive"
    )

    await assert_conflict(client, response, breach, "la CNIL a déjà été notifiée")


async def test_controller_informed_before_detection_or_in_the_future_is_refused(
    client, processor_breach
):
    before = "2025-03-03T08:59:00+01:00"  # a minute before the EPT detected the incident
    response = await act(client, processor_breach, "controller-informed", informed_at=before)
    await assert_invalid(
        client, response, processor_breach, ["body", "informed_at"], "avant la détection"
    )
    assert "lundi 3 mars 2025 à 09:00 (heure de Paris)" in response.json()["detail"][0]["msg"]

    future = (datetime.now(UTC) + timedelta(hours=2)).isoformat()
    response = await act(client, processor_breach, "controller-informed", informed_at=future)
    await assert_invalid(client, response, processor_breach, ["body", "informed_at"], "à venir")


async def test_awareness_in_the_future_is_refused(client, own_breach):
    future = (datetime.now(UTC) + timedelta(days=3)).isoformat()

    response = await act(client, own_breach, "awareness", aware_at=future, rationale="Plus tard")

    await assert_invalid(client, response, own_breach, ["body", "aware_at"], "à venir")


async def test_closing_a_notified_breach_needs_the_dpo_decision(client, own_breach):
    # Urgent case: notified on a provisional assessment, before any decision.
    breach = await done(client, own_breach, "assessment", **ASSESS)
    breach = await done(client, breach, "notifications", **NOTIFY)
    assert "close" not in breach["allowed_actions"]

    response = await act(client, breach, "close", **CLOSE)
    await assert_conflict(client, response, breach, "enregistrez d'abord la décision motivée")

    breach = await done(client, breach, "decision", **DECIDE_RISK)
    assert "close" in breach["allowed_actions"]
    breach = await done(client, breach, "close", **CLOSE)
    assert breach["status"] == "closed"


async def test_processor_breach_cannot_be_notified_before_the_controller_knows(
    client, processor_breach
):
    breach = await done(client, processor_breach, "assessment", **ASSESS)

    response = await act(client, breach, "notifications", **NOTIFY)

    await assert_conflict(client, response, breach, "n'a pas encore connaissance")


# Late notifications ----------------------------------------------------------------------------


async def test_late_cnil_notification_needs_its_reasons(client, own_breach):
    breach = await done(client, own_breach, "assessment", **ASSESS)
    breach = await done(client, breach, "decision", **DECIDE_RISK)

    response = await act(client, breach, "notifications", sent_at=LATE)
    await assert_invalid(
        client, response, breach, ["body", "late_reason"], "les raisons du retard sont obligatoires"
    )
    assert "jeudi 6 mars 2025 à 09:00 (heure de Paris)" in response.json()["detail"][0]["msg"]

    reason = "Prestataire d'investigation joignable seulement le jeudi."
    breach = await done(
        client,
        breach,
        "notifications",
        sent_at=LATE,
        late_reason=reason,
        followup_due_at=FOLLOWUP_DUE,
    )

    assert breach["status"] == "notified"
    (notice,) = breach["notifications"]
    assert notice["due_at"] == CNIL_DUE
    assert (notice["late"], notice["late_reason"]) == (True, reason)


async def test_cnil_notification_at_the_deadline_itself_is_on_time(client, own_breach):
    breach = await done(client, own_breach, "assessment", **ASSESS)

    breach = await done(
        client, breach, "notifications", sent_at=CNIL_DUE, followup_due_at=FOLLOWUP_DUE
    )

    (notice,) = breach["notifications"]
    assert notice["late"] is False


async def test_late_processor_notice_needs_its_reasons(client, processor_breach):
    assert processor_breach["controller_notice_due_at"] == "2025-03-04T08:00:00Z"  # 24 h
    late = "2025-03-04T10:00:00+01:00"

    response = await act(client, processor_breach, "controller-informed", informed_at=late)
    await assert_invalid(
        client,
        response,
        processor_breach,
        ["body", "late_reason"],
        "les raisons du retard sont obligatoires",
    )
    assert "mardi 4 mars 2025 à 09:00 (heure de Paris)" in response.json()["detail"][0]["msg"]

    reason = "Astreinte de l'EPT injoignable la nuit."
    breach = await done(
        client, processor_breach, "controller-informed", informed_at=late, late_reason=reason
    )

    assert breach["controller_notice_late_reason"] == reason
    (notice,) = breach["notifications"]
    assert (notice["recipient"], notice["late"], notice["late_reason"]) == (
        "controller",
        True,
        reason,
    )
    # The controller's own 72 h still run from the moment it was told.
    assert moment(breach["aware_at"]) == moment(late)
    assert moment(breach["cnil_due_at"]) == moment(late) + H72


# Decision rules --------------------------------------------------------------------------------


@pytest.fixture
async def assessed(client, own_breach):
    return await done(client, own_breach, "assessment", **ASSESS)


@pytest.mark.parametrize("risk", ["risk", "high"])
async def test_a_risk_must_be_notified(client, assessed, risk):
    response = await act(
        client,
        assessed,
        "decision",
        risk_level=risk,
        notify_cnil=False,
        inform_people="yes",
        reasons="On préfère ne pas notifier.",
    )

    await assert_invalid(
        client, response, assessed, ["body", "notify_cnil"], "doit être notifiée à la CNIL"
    )


async def test_high_risk_without_informing_needs_an_art34_exemption(client, assessed):
    response = await act(
        client,
        assessed,
        "decision",
        risk_level="high",
        notify_cnil=True,
        inform_people="no",
        reasons="Risque élevé.",
    )

    await assert_invalid(
        client, response, assessed, ["body", "art34_exemption"], "exception de l'art. 34.3"
    )


async def test_art34_exemption_is_recorded(client, assessed):
    breach = await done(
        client,
        assessed,
        "decision",
        risk_level="high",
        notify_cnil=True,
        inform_people="no",
        art34_exemption="a_unintelligible",
        reasons="Disque chiffré (AES-256), clé non compromise : art. 34.3.a.",
    )

    assert (breach["risk_level"], breach["inform_people"], breach["art34_exemption"]) == (
        "high",
        "no",
        "a_unintelligible",
    )
    assert (
        breach["decision_reasons"] == "Disque chiffré (AES-256), clé non compromise : art. 34.3.a."
    )
    assert breach["events"][-1]["note"] == breach["decision_reasons"]


@pytest.mark.parametrize("risk", ["unlikely", "risk"])
async def test_art34_exemption_only_for_a_high_risk(client, assessed, risk):
    response = await act(
        client,
        assessed,
        "decision",
        risk_level=risk,
        notify_cnil=True,
        inform_people="no",
        art34_exemption="b_risk_removed",
        reasons="Mesures prises.",
    )

    await assert_invalid(
        client,
        response,
        assessed,
        ["body", "art34_exemption"],
        "ne concernent que les violations à risque élevé",
    )


async def test_a_decision_needs_its_reasons(client, assessed):
    response = await act(client, assessed, "decision", **{**DECIDE_RISK, "reasons": "  "})

    await assert_invalid(client, response, assessed, ["body", "reasons"], "ne doit pas être vide")


# Stale version: 409 and nothing changed ---------------------------------------------------------

STEPS = {
    "assessed": [("assessment", ASSESS)],
    "decided": [("assessment", ASSESS), ("decision", DECIDE_RISK)],
    "unlikely": [("assessment", ASSESS), ("decision", DECIDE_UNLIKELY)],
    "to_inform": [
        ("assessment", ASSESS),
        ("decision", DECIDE_HIGH),
        ("notifications", NOTIFY),
    ],
    "notified": [("assessment", ASSESS), ("decision", DECIDE_RISK), ("notifications", NOTIFY)],
}


@pytest.mark.parametrize(
    ("kind", "steps", "action", "payload"),
    [
        ("own", [], "assessment", ASSESS),
        (
            "own",
            [],
            "awareness",
            {"aware_at": ON_TIME, "rationale": "Enquête close", "later_reasons": "Enquête"},
        ),
        ("own", [], "facts", {"approx_subjects": 40}),
        ("own", STEPS["assessed"], "decision", DECIDE_RISK),
        ("own", STEPS["decided"], "notifications", NOTIFY),
        (
            "own",
            STEPS["notified"],
            "notifications",
            {**NOTIFY, "phase": "complementary", "followup_due_at": None},
        ),
        (
            "own",
            STEPS["to_inform"],
            "notifications",
            {"recipient": "data_subjects", "channel": "letter", "sent_at": LATE},
        ),
        ("own", STEPS["unlikely"], "close", CLOSE),
        ("own", STEPS["notified"], "close", CLOSE),
        ("processor", [], "controller-informed", {"informed_at": "2025-03-03T15:00:00+01:00"}),
    ],
)
async def test_a_stale_version_is_refused_and_nothing_changes(
    client, own_breach, processor_breach, kind, steps, action, payload
):
    breach = own_breach if kind == "own" else processor_breach
    for step, step_payload in steps:
        breach = await done(client, breach, step, **step_payload)
    stale = breach["version"]
    # Someone else edits the facts in between.
    response = await patch_facts(client, breach, measures_taken="Serveur isolé du réseau")
    assert response.status_code == 200, response.text
    current = response.json()
    assert current["version"] == stale + 1

    if action == "facts":
        response = await patch_facts(client, breach, version=stale, **payload)
    else:
        response = await act(client, breach, action, version=stale, **payload)

    await assert_conflict(client, response, current, "modifiée entre-temps")
    assert f"version envoyée {stale}, version actuelle {stale + 1}" in response.json()["detail"]


# Breach facts ----------------------------------------------------------------------------------


async def test_breach_facts_are_completed_in_phases(client, own_breach):
    response = await patch_facts(
        client,
        own_breach,
        data_categories=["civil_status", "contact_details"],
        subject_categories=["users"],
        approx_subjects=1200,
        consequences=["identity_theft"],
    )
    assert response.status_code == 200, response.text
    breach = response.json()
    response = await patch_facts(client, breach, approx_records=3400, subjects_is_estimate=False)
    assert response.status_code == 200, response.text
    breach = response.json()

    assert breach["approx_subjects"] == 1200
    assert breach["approx_records"] == 3400
    assert breach["data_categories"] == ["civil_status", "contact_details"]
    assert breach["status"] == "declared"
    assert actions(breach) == ["declare", "update_facts", "update_facts"]

    response = await patch_facts(client, breach, approx_subjects=-1)
    await assert_invalid(
        client, response, breach, ["body", "approx_subjects"], "supérieur ou égal à 0"
    )


# Breach register (art. 33(5)) ------------------------------------------------------------------


async def test_breach_register_lists_every_breach_of_the_controller_with_reasoning(
    client, commune, own_activity, processor_breach
):
    # 1. told late by its processor, then closed as unlikely
    told_late = "Astreinte de l'EPT injoignable la nuit."
    processor = await done(
        client,
        processor_breach,
        "controller-informed",
        informed_at="2025-03-05T10:00:00+01:00",
        late_reason=told_late,
    )
    processor = await done(client, processor, "assessment", **ASSESS)
    processor = await done(client, processor, "decision", **DECIDE_UNLIKELY)
    processor = await done(client, processor, "close", **CLOSE)
    # 2. its own system, notified late
    incident = await declared(
        client,
        commune["id"],
        title="Courriel au mauvais destinataire",
        description="Liste d'usagers envoyée à une association.",
        activity_ids=[own_activity["id"]],
        detected_at="2025-04-01T09:00:00+02:00",
    )
    (late,) = (await breaches_of(client, incident)).values()
    late = await done(client, late, "assessment", **ASSESS)
    late = await done(client, late, "decision", **DECIDE_RISK)
    notified_late = "Retour du DPD de congés."
    late = await done(
        client,
        late,
        "notifications",
        sent_at="2025-04-07T09:00:00+02:00",
        late_reason=notified_late,
        followup_due_at=FOLLOWUP_DUE,
    )
    # 3. just declared, nothing decided
    incident = await declared(
        client,
        commune["id"],
        title="Ordinateur portable volé",
        description="Vol dans un véhicule de service.",
        activity_ids=[own_activity["id"]],
        detected_at="2025-05-02T09:00:00+02:00",
        origin="equipment_lost_stolen",
    )
    (fresh,) = (await breaches_of(client, incident)).values()
    # Another controller's breach must not appear.
    other = await make_org(client, legal_name="Commune voisine")
    other_activity = await make_activity(client, controller=other)
    await declared(client, other["id"], activity_ids=[other_activity["id"]])

    register = await read(client, f"/organisations/{commune['id']}/breach-register")

    assert register["controller_id"] == commune["id"]
    assert register["controller_name"] == "Commune de Vitry-sur-Seine"
    entries = {e["breach"]["id"]: e for e in register["entries"]}
    assert list(entries) == [processor["id"], late["id"], fresh["id"]]

    first = entries[processor["id"]]
    assert first["breach"]["status"] == "closed"
    assert first["breach"]["controller_notice_late_reason"] == told_late
    assert first["breach"]["decision_reasons"] == DECIDE_UNLIKELY["reasons"]
    assert first["breach"]["closing_reasons"] == CLOSE["reasons"]
    assert first["breach"]["notify_cnil"] is False
    assert first["facts"] == "Chiffrement des partages réseau constaté par le support au matin."
    assert first["nature"] == ["confidentiality", "availability"]
    assert (first["origin"], first["cause"]) == ("hacking_malware_phishing", "external_malicious")

    second = entries[late["id"]]
    assert second["incident_title"] == "Courriel au mauvais destinataire"
    assert second["facts"] == "Liste d'usagers envoyée à une association."
    assert second["breach"]["decision_reasons"] == DECIDE_RISK["reasons"]
    ((late_reason, is_late),) = [
        (n["late_reason"], n["late"]) for n in second["breach"]["notifications"]
    ]
    assert (late_reason, is_late) == (notified_late, True)

    third = entries[fresh["id"]]
    assert third["breach"]["status"] == "declared"
    assert third["breach"]["notifications"] == []
    assert third["breach"]["decision_reasons"] is None
    assert third["origin"] == "equipment_lost_stolen"
    assert moment(third["detected_at"]) == moment("2025-05-02T09:00:00+02:00")


# Scope: another body's rows do not leak ---------------------------------------------------------


async def test_list_filters_do_not_leak_another_bodys_breaches_and_incidents(client, db):
    demo = await load_demo()
    refs = await demo_activities(client)
    gosb, juvisy = str(demo.bodies["gosb"]), str(demo.bodies["juvisy"])
    gpso, boulogne = str(demo.bodies["gpso"]), str(demo.bodies["boulogne"])
    on_juvisy = await declared(client, gosb, activity_ids=[refs["JUV-01"], refs["GOSB-01"]])
    on_gpso = await declared(
        client,
        gpso,
        activity_ids=[refs["GPSO-03"]],
        convention_ids=[demo.convention_ids["gpso_boulogne"]],
    )

    for controller in (gosb, juvisy, gpso, boulogne):
        page = await read(client, f"/breaches?controller_id={controller}")
        assert page["total"] == 1
        assert {b["controller_id"] for b in page["items"]} == {controller}
    essey = str(demo.bodies["essey"])
    assert (await read(client, f"/breaches?controller_id={essey}"))["total"] == 0

    page = await read(client, f"/incidents?organisation_id={gosb}")
    assert [i["id"] for i in page["items"]] == [on_juvisy["id"]]
    page = await read(client, f"/incidents?organisation_id={juvisy}")
    assert page["items"] == []  # the incident is GOSB's, on GOSB's server

    register = await read(client, f"/organisations/{juvisy}/breach-register")
    assert [e["breach"]["controller_id"] for e in register["entries"]] == [juvisy]

    # A caller seeing only Juvisy: a filter on another body cannot widen what it sees.
    now = datetime.now(UTC)
    only_juvisy = Scope.of([demo.bodies["juvisy"]])
    page = await list_breaches(scope=only_juvisy, limit=50, offset=0, now=now)
    assert {str(b.controller_id) for b in page.items} == {juvisy}
    page = await list_breaches(
        scope=only_juvisy, limit=50, offset=0, now=now, controller_id=demo.bodies["gosb"]
    )
    assert (page.total, page.items) == (0, [])
    page = await list_incidents(scope=only_juvisy, limit=50, offset=0)
    assert page.total == 0
    boulogne_breach = (await breaches_of(client, on_gpso))[boulogne]
    with pytest.raises(NotFound):
        await get_breach_in_scope(scope=only_juvisy, breach_id=boulogne_breach["id"])
    with pytest.raises(NotFound):
        await breach_register(scope=only_juvisy, organisation_id=demo.bodies["gpso"], now=now)


async def test_the_deadlines_list_shows_every_running_clock_soonest_first(client, db):
    demo = await load_demo()
    refs = await demo_activities(client)
    gosb = str(demo.bodies["gosb"])
    later = await declared(
        client, gosb, detected_at="2025-10-24T10:00:00+02:00", activity_ids=[refs["JUV-01"]]
    )
    sooner = await declared(
        client, gosb, detected_at="2025-10-20T10:00:00+02:00", activity_ids=[refs["GOSB-01"]]
    )

    deadlines = await read(client, "/deadlines")

    assert [(d["breach_id"], d["kind"]) for d in deadlines] == [
        (sooner["breach_ids"][0], "cnil"),
        (later["breach_ids"][0], "controller_notice"),
    ]
    assert deadlines[0]["due_local"] == "jeudi 23 octobre 2025 à 10:00 (heure de Paris)"
    assert all(d["overdue"] for d in deadlines)  # both dates are long past
    juvisy_only = await read(client, f"/deadlines?controller_id={demo.bodies['juvisy']}")
    assert [d["breach_id"] for d in juvisy_only] == [later["breach_ids"][0]]
