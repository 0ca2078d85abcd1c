"""A convention's dates stay plausible (1900–2200), and a row stored before that rule cannot
stop a page or the reminders of every body; a termination cannot come after the end; a
party's notice is told to the other parties (issue 16, review)."""

from datetime import date, timedelta
from uuid import UUID

import pytest

from core.clock import today_local, utcnow
from core.french import format_day
from register.conventions.alerts import events_of, next_alert_at, write_due_convention_alerts
from register.conventions.models import Convention
from tests.access.conftest import make_user
from tests.factories import (
    API,
    COMMUNE_DPO,
    EPT_DPO,
    assert_refused,
    bodies,
    make_convention,
    outbox,
    party,
    read,
)
from tests.web.conftest import browser

__all__ = ["browser", "make_user"]  # fixtures, for the pages read as the commune's DPO
YEARS = "l'année doit être comprise entre 1900 et 2200"


def _payload(world: dict, **fields) -> dict:
    return {
        "title": "Convention à dates saisies",
        "kind": "art28_contract",
        "start_date": "2024-01-01",
        "parties": [party(world["ept"], "processor"), party(world["commune"], "controller")],
        **fields,
    }


@pytest.mark.parametrize(
    ("fields", "loc", "says"),
    [
        # The reviewer's convention: its data's fate would fall past year 9999.
        (
            {"end_date": "9999-12-25", "end_of_service": "delete", "end_of_service_days": 30},
            ["body", "end_date"],
            YEARS,
        ),
        ({"start_date": "9999-06-01"}, ["body", "start_date"], YEARS),
        ({"start_date": "2201-01-01"}, ["body", "start_date"], YEARS),
        ({"signed_at": "1899-12-31"}, ["body", "signed_at"], YEARS),  # « le 31 mai 9 » no more
        ({"last_audit_at": "0009-05-31"}, ["body", "last_audit_at"], YEARS),
        (
            {
                "duration_months": 12,
                "express_renewals": 1,
                "terminated_on": "9999-01-01",
                "termination_reason": "Démutualisation",
            },
            ["body", "terminated_on"],
            YEARS,
        ),
        (
            {
                "duration_months": 12,
                "express_renewals": 1,
                "express_renewal_decisions": [{"decided_on": "2201-01-01", "reference": "D1"}],
            },
            ["body", "express_renewal_decisions", 0, "decided_on"],
            YEARS,
        ),
        # 100 years renewed twice from 2024 would run to 2324.
        (
            {"duration_months": 1200, "tacit_renewals": 1, "express_renewals": 1},
            ["body", "duration_months"],
            "la convention courrait au-delà de 2200",
        ),
    ],
)
async def test_an_implausible_date_is_refused_naming_its_field(client, fields, loc, says):
    world = await bodies(client)
    response = await client.post(f"{API}/conventions", json=_payload(world, **fields))
    assert_refused(response, loc, says)


async def test_the_bounds_themselves_are_accepted(client):
    world = await bodies(client)
    response = await client.post(
        f"{API}/conventions",
        json=_payload(
            world,
            start_date="1900-01-01",
            signed_at="1900-01-01",
            end_date="2200-12-31",
            end_of_service="delete",
            end_of_service_days=3650,
        ),
    )
    assert response.status_code == 201, response.text
    # 100 years renewed once from 2000: ends on the last day of 2199.
    renewed = await client.post(
        f"{API}/conventions",
        json=_payload(world, start_date="2000-01-01", duration_months=1200, tacit_renewals=1),
    )
    assert renewed.status_code == 201, renewed.text
    assert renewed.json()["last_possible_end"] == "2199-12-31"


async def _stored_far(client, world: dict, **columns) -> dict:
    """A convention written before the years were bounded (as the reviewer's was)."""
    convention = await make_convention(
        client,
        processor=world["ept"],
        controller=world["commune"],
        title="Convention d'avant la règle",
        duration_months=12,
        express_renewals=1,
        end_of_service="delete",
        end_of_service_days=30,
    )
    await Convention.filter(id=convention["id"]).update(**columns)
    return await read(client, f"/conventions/{convention['id']}")


async def test_a_stored_far_end_is_read_and_reminders_go_on_for_the_others(client):
    world = await bodies(client, duration_months=12, tacit_renewals=3, notice_months=3)
    far = await _stored_far(client, world, duration_months=None, end_date=date(9999, 12, 25))
    assert far["last_possible_end"] == "9999-12-25"
    steps = await read(client, f"/conventions/{far['id']}/end-of-service")
    assert steps["due_on"] == "9999-12-31"  # the calendar's last day, not an error
    # The pass over every convention still writes the other convention's reminder.
    other = await Convention.get(id=UUID(world["convention"]["id"]))
    moments = [m for e in events_of(other, today_local()) if (m := next_alert_at(e.day, utcnow()))]
    assert moments, "the other convention has a date to remind"
    result = await write_due_convention_alerts(now=min(moments))
    assert result.written >= 1
    reminded = await outbox(kind="convention_reminder", subject_id=other.id)
    assert reminded, "the other body's reminder was written"


async def test_a_stored_end_on_the_calendars_last_day_opens_every_page(client, make_user, browser):
    """The reviewer's dashboard, convention page and end-of-service answered 500."""
    world = await bodies(client)
    far = await _stored_far(client, world, duration_months=None, end_date=date.max)
    assert far["last_possible_end"] == "9999-12-31"
    steps = await read(client, f"/conventions/{far['id']}/end-of-service")
    assert steps["due_on"] == "9999-12-31"
    feed = await client.get(f"{API}/organisations/{world['commune']['id']}/calendar.ics")
    assert feed.status_code == 200, feed.text
    assert "Convention d'avant la règle" not in feed.text  # no day to place it on
    dpo = await make_user("dpd.dates@vitry-exemple.fr", (world["commune"]["id"], "dpo"))
    http = await browser(dpo)
    for path in ("/", f"/conventions/{far['id']}", f"/conventions/{far['id']}/vie"):
        page = await http.get(path)
        assert page.status_code == 200, (path, page.text[:300])
    sheet = (await http.get(f"/conventions/{far['id']}")).text
    assert "<dt>Fin au plus tard</dt><dd>31/12/9999</dd>" in sheet


async def test_a_stored_far_start_answers_a_renewal_with_a_field_not_a_crash(client):
    world = await bodies(client)
    far = await _stored_far(client, world, start_date=date(9999, 6, 1))
    assert far["start_date"] == "9999-06-01"
    response = await client.post(
        f"{API}/conventions/{far['id']}/express-renewals",
        json={"version": far["version"], "decided_on": "2025-01-10", "reference": "D2025-1"},
    )
    assert_refused(response, ["body", "start_date"], YEARS)


async def _terminate(client, convention: dict, day: date):
    return await client.post(
        f"{API}/conventions/{convention['id']}/termination",
        json={
            "version": convention["version"],
            "terminated_on": day.isoformat(),
            "reason": "Démutualisation",
        },
    )


async def test_a_termination_after_the_end_is_refused_saying_when_it_ended(client):
    world = await bodies(client)
    old = await make_convention(
        client,
        processor=world["ept"],
        controller=world["commune"],
        start_date="2020-01-01",
        duration_months=12,
    )
    assert old["ended_on"] == "2020-12-31"
    late = await _terminate(client, old, date(2021, 1, 1))
    assert_refused(
        late,
        ["body", "terminated_on"],
        f"la convention avait déjà pris fin le {format_day(date(2020, 12, 31))}",
    )
    on_its_last_day = await _terminate(client, old, date(2020, 12, 31))
    assert on_its_last_day.status_code == 200, on_its_last_day.text


async def test_a_termination_after_a_notice_takes_effect_is_refused(client):
    world = await bodies(client, notice_months=3, duration_months=12, tacit_renewals=9)
    convention = world["convention"]
    noticed = await client.post(
        f"{API}/conventions/{convention['id']}/notice",
        json={
            "version": convention["version"],
            "organisation_id": world["commune"]["id"],
            "given_on": today_local().isoformat(),
        },
    )
    assert noticed.status_code == 200, noticed.text
    ends = date.fromisoformat(noticed.json()["notice_effective_on"])
    assert ends > today_local()
    response = await _terminate(client, noticed.json(), ends + timedelta(days=1))
    assert_refused(
        response,
        ["body", "terminated_on"],
        f"la convention prend fin au plus tard le {format_day(ends)}",
    )


async def test_a_far_notice_end_is_refused(client):
    world = await bodies(client, notice_months=3)  # no duration: no last end to bound it
    convention = world["convention"]
    response = await client.post(
        f"{API}/conventions/{convention['id']}/notice",
        json={
            "version": convention["version"],
            "organisation_id": world["commune"]["id"],
            "given_on": today_local().isoformat(),
            "effective_on": "9999-12-25",
        },
    )
    assert_refused(response, ["body", "effective_on"], YEARS)


async def test_a_notice_is_told_to_the_other_parties_once(client):
    world = await bodies(client, notice_months=3, duration_months=12, tacit_renewals=9)
    convention = world["convention"]
    given = today_local() - timedelta(days=2)
    response = await client.post(
        f"{API}/conventions/{convention['id']}/notice",
        json={
            "version": convention["version"],
            "organisation_id": world["commune"]["id"],
            "given_on": given.isoformat(),
        },
    )
    assert response.status_code == 200, response.text
    ends = date.fromisoformat(response.json()["notice_effective_on"])
    (message,) = await outbox(kind="convention_notice")
    assert message.to_addrs == [EPT_DPO]  # the other party, not the commune that gave it
    assert COMMUNE_DPO not in message.to_addrs
    assert message.subject.startswith("[Convention] Préavis de la Commune de Vitry-sur-Seine")
    assert f"fin le {format_day(ends)}" in message.subject
    assert f"La Commune de Vitry-sur-Seine a donné son préavis le {format_day(given)}" in (
        message.body_text.replace("\n", " ")
    )
    assert "préavis de 3 mois" in message.body_text.replace("\n", " ")
