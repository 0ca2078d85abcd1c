"""Guards on the breach clocks: no deadline pushed back by a future or corrected time, no
closing before the people are told, no server error from extreme input."""

from datetime import UTC, datetime, timedelta

from register.demo import load_demo
from tests.api.test_incidents_and_breaches import (
    H72,
    act,
    assert_conflict,
    breaches_of,
    declare,
    declared,
    demo_activities,
    done,
    moment,
    totals,
)
from tests.factories import API, FOLLOWUP_DUE, INCOMPLETE, assert_refused, read


async def test_a_detection_in_the_future_is_refused_and_nothing_is_written(client, db):
    demo = await load_demo()
    refs = await demo_activities(client)
    future = (datetime.now(UTC) + timedelta(days=3)).isoformat()

    response = await declare(
        client, demo.bodies["gosb"], detected_at=future, activity_ids=[refs["GOSB-01"]]
    )

    assert_refused(response, ["body", "detected_at"], "dans le futur")
    assert await totals(client) == (0, 0)


async def test_an_implausible_year_is_refused_not_a_server_error(client, db):
    demo = await load_demo()
    refs = await demo_activities(client)
    response = await declare(
        client,
        demo.bodies["gosb"],
        detected_at="0001-01-01T00:30:00+01:00",
        activity_ids=[refs["GOSB-01"]],
    )
    assert_refused(response, ["body", "detected_at"], "année")


async def test_correcting_the_detection_time_moves_the_clocks_derived_from_it(client, db):
    demo = await load_demo()
    refs = await demo_activities(client)
    incident = await declared(
        client,
        demo.bodies["gosb"],
        detected_at="2025-06-10T10:00:00Z",
        activity_ids=[refs["GOSB-01"], refs["JUV-01"]],
    )
    before = await breaches_of(client, incident)
    own = before[str(demo.bodies["gosb"])]
    juvisy = before[str(demo.bodies["juvisy"])]

    response = await client.patch(
        f"{API}/incidents/{incident['id']}",
        json={"version": incident["version"], "detected_at": "2025-06-01T10:00:00Z"},
    )

    assert response.status_code == 200, response.text
    own = await read(client, f"/breaches/{own['id']}")
    juvisy = await read(client, f"/breaches/{juvisy['id']}")
    assert own["cnil_due_at"] == "2025-06-04T10:00:00Z"
    assert moment(own["cnil_due_at"]) - moment(own["aware_at"]) == H72
    assert juvisy["controller_notice_due_at"] == "2025-06-04T10:00:00Z"  # convention: 72 h
    assert own["events"][-1]["action"] == "follow_detection"


async def test_a_clock_that_moved_on_is_not_moved_by_a_corrected_detection(client, db):
    demo = await load_demo()
    refs = await demo_activities(client)
    incident = await declared(
        client,
        demo.bodies["gosb"],
        detected_at="2025-06-10T10:00:00Z",
        activity_ids=[refs["JUV-01"]],
    )
    juvisy = (await breaches_of(client, incident))[str(demo.bodies["juvisy"])]
    juvisy = await done(client, juvisy, "controller-informed", informed_at="2025-06-10T12:00:00Z")

    await client.patch(
        f"{API}/incidents/{incident['id']}",
        json={"version": incident["version"], "detected_at": "2025-06-09T10:00:00Z"},
    )

    again = await read(client, f"/breaches/{juvisy['id']}")
    assert again["cnil_due_at"] == juvisy["cnil_due_at"] == "2025-06-13T12:00:00Z"


async def test_a_decision_to_inform_people_blocks_closing_until_they_are_told(client, db):
    demo = await load_demo()
    refs = await demo_activities(client)
    detected = (datetime.now(UTC) - timedelta(hours=5)).isoformat()
    incident = await declared(
        client, demo.bodies["gosb"], detected_at=detected, activity_ids=[refs["GOSB-01"]]
    )
    breach = (await breaches_of(client, incident))[str(demo.bodies["gosb"])]
    breach = await done(
        client,
        breach,
        "assessment",
        context="sensitive",
        identification="maximum",
        confidentiality="unknown_recipients",
    )
    breach = await done(
        client,
        breach,
        "decision",
        risk_level="high",
        notify_cnil=True,
        inform_people="yes",
        reasons="Données de santé exposées",
    )
    sent = (datetime.now(UTC) - timedelta(hours=1)).isoformat()
    breach = await done(client, breach, "notifications", sent_at=sent, followup_due_at=FOLLOWUP_DUE)

    refused = await act(client, breach, "close", reasons="Fin")
    await assert_conflict(client, refused, breach, "doivent encore être informées")

    breach = await done(
        client, breach, "notifications", recipient="data_subjects", channel="letter", sent_at=sent
    )
    closed = await done(client, breach, "close", reasons="Fin", incomplete_reasons=INCOMPLETE)
    assert closed["status"] == "closed"


async def test_out_of_range_numbers_get_a_422_not_a_server_error(client, db):
    demo = await load_demo()
    refs = await demo_activities(client)
    incident = await declared(client, demo.bodies["gosb"], activity_ids=[refs["GOSB-01"]])
    breach = (await breaches_of(client, incident))[str(demo.bodies["gosb"])]

    assessment = await act(
        client,
        breach,
        "assessment",
        context="simple",
        identification="limited",
        adjustments=[{"delta": "1e30", "justification": "j"}],
    )
    facts = await client.patch(
        f"{API}/breaches/{breach['id']}",
        json={"version": breach["version"], "approx_subjects": 10**20},
    )
    paging = await client.get(f"{API}/breaches", params={"offset": 10**20})

    assert assessment.status_code == facts.status_code == paging.status_code == 422
    assert_refused(facts, ["body", "approx_subjects"], "inférieur ou égal")
