"""A convention's life through the API: an ended convention founds no new work (issue 16)."""

from datetime import timedelta

from core.clock import today_local
from core.french import format_day
from tests.factories import (
    assert_refused,
    bodies,
    make_activity,
    make_convention,
    make_subprocessor,
    read,
)


async def _terminate(client, convention: dict, last_day) -> dict:
    response = await client.post(
        f"/api/v1/conventions/{convention['id']}/termination",
        json={
            "version": convention["version"],
            "terminated_on": last_day.isoformat(),
            "reason": "Démutualisation : la commune reprend son informatique",
            "decided_by": "Délibérations concordantes",
        },
    )
    assert response.status_code == 200, response.text  # the administrator acts for both
    return response.json()


async def test_a_terminated_convention_refuses_a_new_activity_and_keeps_the_old_one(client):
    world = await bodies(client, subprocessor_authorisation="specific")
    yesterday = today_local() - timedelta(days=1)
    ended = await _terminate(client, world["convention"], yesterday)
    assert (ended["state"], ended["ended_on"]) == ("terminated_early", yesterday.isoformat())
    assert ended["terminated_by"] == "Délibérations concordantes"

    response = await client.post(
        "/api/v1/activities",
        json={
            "controller_id": world["commune"]["id"],
            "name": "Cantine scolaire",
            "convention_ids": [world["convention"]["id"]],
        },
    )
    assert_refused(
        response,
        ["body", "convention_ids", 0],
        f"« Convention de services informatiques partagés » : convention résiliée avant son "
        f"terme, fin le {format_day(yesterday)} ; une convention qui a pris fin ne fonde plus "
        "de nouvelle activité de traitement",
    )
    # The activity already under it stays editable, its link kept (the data are still there).
    activity = world["activity"]
    edited = await client.patch(
        f"/api/v1/activities/{activity['id']}",
        json={"version": activity["version"], "description": "Toujours hébergée par l'EPT"},
    )
    assert edited.status_code == 200, edited.text
    assert edited.json()["convention_ids"] == [world["convention"]["id"]]


async def test_a_terminated_convention_refuses_a_new_sub_processor(client):
    world = await bodies(client, subprocessor_authorisation="specific")
    yesterday = today_local() - timedelta(days=1)
    await _terminate(client, world["convention"], yesterday)
    response = await client.post(
        "/api/v1/subprocessors",
        json={
            "processor_id": world["ept"]["id"],
            "name": "Hébergeur de sauvegardes",
            "services": "Sauvegardes externalisées",
            "authorisation": "specific",
            "convention_ids": [world["convention"]["id"]],
        },
    )
    assert_refused(
        response,
        ["body", "convention_ids", 0],
        f"fin le {format_day(yesterday)} ; une convention qui a pris fin ne fonde plus de "
        "nouvelle sous-traitance ultérieure",
    )


async def test_on_its_last_day_a_convention_still_founds_new_work(client):
    world = await bodies(client, subprocessor_authorisation="specific")
    today = today_local()
    running = await _terminate(client, world["convention"], today)
    assert (running["state"], running["ended_on"]) == ("in_notice", None)
    await make_activity(
        client, controller=world["commune"], convention_ids=[world["convention"]["id"]]
    )
    await make_subprocessor(
        client,
        processor=world["ept"],
        authorisation="specific",
        convention_ids=[world["convention"]["id"]],
    )


async def test_a_convention_past_its_term_refuses_new_work_without_any_event(client):
    world = await bodies(client)
    old = await make_convention(
        client,
        processor=world["ept"],
        controller=world["commune"],
        title="Convention de 2020",
        start_date="2020-01-01",
        duration_months=12,
    )
    assert (old["state"], old["ended_on"]) == ("ended", "2020-12-31")
    assert old["ended_words"] == "convention échue le jeudi 31 décembre 2020"
    response = await client.post(
        "/api/v1/activities",
        json={
            "controller_id": world["commune"]["id"],
            "name": "Archives",
            "convention_ids": [old["id"]],
        },
    )
    assert_refused(
        response,
        ["body", "convention_ids", 0],
        "« Convention de 2020 » : convention échue le jeudi 31 décembre 2020",
    )


async def test_a_notice_under_the_clause_ends_the_convention_after_its_period(client):
    """Seed 000 art. 7: three months' notice, then the convention ends."""
    world = await bodies(client, notice_months=3, duration_months=12, tacit_renewals=9)
    convention = world["convention"]
    given = today_local() - timedelta(days=10)
    response = await client.post(
        f"/api/v1/conventions/{convention['id']}/notice",
        json={
            "version": convention["version"],
            "organisation_id": world["commune"]["id"],
            "given_on": given.isoformat(),
        },
    )
    assert response.status_code == 200, response.text
    noticed = response.json()
    assert noticed["state"] == "in_notice"
    assert noticed["notice_party"] == world["commune"]["id"]
    assert noticed["last_possible_end"] == noticed["notice_effective_on"]
    assert noticed["next_notice_deadline"] is None  # nothing left to give notice of
    # A second notice is refused; so is an end before the notice period is over.
    again = await client.post(
        f"/api/v1/conventions/{convention['id']}/notice",
        json={
            "version": noticed["version"],
            "organisation_id": world["ept"]["id"],
            "given_on": given.isoformat(),
        },
    )
    assert again.status_code == 409 and "déjà été donné" in again.text


async def test_a_notice_shorter_than_the_clause_is_refused(client):
    world = await bodies(client, notice_months=3, duration_months=12, tacit_renewals=9)
    convention = world["convention"]
    given = today_local() - timedelta(days=1)
    response = await client.post(
        f"/api/v1/conventions/{convention['id']}/notice",
        json={
            "version": convention["version"],
            "organisation_id": world["ept"]["id"],
            "given_on": given.isoformat(),
            "effective_on": given.isoformat(),
        },
    )
    assert_refused(response, ["body", "effective_on"], "un préavis de 3 mois court au moins")


async def test_a_notice_needs_a_notice_clause(client):
    world = await bodies(client)
    convention = world["convention"]
    response = await client.post(
        f"/api/v1/conventions/{convention['id']}/notice",
        json={
            "version": convention["version"],
            "organisation_id": world["ept"]["id"],
            "given_on": today_local().isoformat(),
        },
    )
    assert_refused(response, ["body", "given_on"], "ne prévoit pas de préavis")
    unchanged = await read(client, f"/conventions/{convention['id']}")
    assert unchanged["notice_given_on"] is None and unchanged["state"] == "in_force"


async def test_an_express_renewal_beyond_those_allowed_or_after_the_term_is_refused(client):
    world = await bodies(client)
    convention = await make_convention(
        client,
        processor=world["ept"],
        controller=world["commune"],
        start_date="2021-02-01",
        duration_months=6,
        express_renewals=1,
    )
    late = await client.post(
        f"/api/v1/conventions/{convention['id']}/express-renewals",
        json={"version": 1, "decided_on": "2021-08-01", "reference": "Courrier"},
    )
    assert_refused(
        late,
        ["body", "express_renewal_decisions"],
        "une reconduction expresse se décide avant l'échéance (samedi 31 juillet 2021)",
    )
    on_time = await client.post(
        f"/api/v1/conventions/{convention['id']}/express-renewals",
        json={"version": 1, "decided_on": "2021-07-31", "reference": "Courrier"},
    )
    assert on_time.status_code == 200, on_time.text
    assert on_time.json()["last_possible_end"] == "2022-01-31"
    second = await client.post(
        f"/api/v1/conventions/{convention['id']}/express-renewals",
        json={"version": 2, "decided_on": "2022-01-01", "reference": "Courrier"},
    )
    assert_refused(
        second, ["body", "express_renewal_decisions"], "ne permet que 1 reconduction expresse"
    )


async def test_a_termination_needs_its_reason(client):
    world = await bodies(client)
    convention = world["convention"]
    response = await client.patch(
        f"/api/v1/conventions/{convention['id']}",
        json={"version": convention["version"], "terminated_on": "2025-06-30"},
    )
    assert_refused(response, ["body", "termination_reason"], "dites pourquoi")
