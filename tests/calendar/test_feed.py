"""One body's calendar feed (reports.calendar), built through the API and read back with the
independent `icalendar` parser: the breach clocks the API shows, the reviews, the convention
dates, in French, with stable UIDs, and nothing from another body."""

from datetime import date, datetime, timedelta
from uuid import UUID

import icalendar
import pytest
from tortoise import connections

from core.clock import local_zone, utcnow
from core.errors import NotFound
from core.scope import Scope
from register.conventions.terms import add_months
from reports.calendar import organisation_calendar
from tests.factories import (
    ASSESS,
    DECIDE_UNLIKELY,
    INCOMPLETE,
    ago,
    declare_on,
    done,
    iso,
    make_activity,
    make_convention,
    make_org,
    read,
)

COMMUNE = "Commune d'Évry-Courcouronnes"
EPT = "EPT Grand-Orly Seine Bièvre"
CONVENTION = "Convention de mutualisation : hébergement, sauvegardes ; messagerie"
ACTIVITY = "Inscriptions périscolaires ; cantine, études"
REVIEW = date(2027, 3, 31)


def today() -> date:
    return utcnow().astimezone(local_zone()).date()


def first_of_month(months_from_now: int) -> date:
    return add_months(today().replace(day=1), months_from_now)


@pytest.fixture
async def world(client):
    """A commune, its EPT (processor under a convention renewed tacitly), one of the commune's
    activities under that convention, a breach on the commune's own system (its 72 h running)
    and one on the EPT's (its notice to the commune running)."""
    commune = await make_org(client, kind="commune", legal_name=COMMUNE)
    ept = await make_org(client, kind="ept", legal_name=EPT)
    start = first_of_month(-2)
    convention = await make_convention(
        client,
        processor=ept,
        controller=commune,
        title=CONVENTION,
        start_date=start.isoformat(),
        duration_months=12,
        tacit_renewals=2,
        notice_months=3,
        end_of_service="return_then_delete",
        breach_notice_hours=24,
    )
    activity = await make_activity(
        client,
        controller=commune,
        name=ACTIVITY,
        next_review=REVIEW.isoformat(),
        convention_ids=[convention["id"]],
    )
    own = await declare_on(client, commune, [activity["id"]], detected=ago(hours=2))
    assert own["path"] == "own_system"
    hosted = await declare_on(client, ept, [activity["id"]], detected=ago(hours=1))
    assert (hosted["path"], hosted["controller_id"]) == ("processor", commune["id"])
    return {
        "commune": commune,
        "ept": ept,
        "convention": convention,
        "activity": activity,
        "own": own,
        "hosted": hosted,
        "start": start,
    }


async def feed(org: dict, *, scope: Scope | None = None, now: datetime | None = None) -> str:
    return await organisation_calendar(
        scope=scope or Scope.everything(), organisation_id=UUID(org["id"]), now=now or utcnow()
    )


def events(text: str) -> dict[str, icalendar.Event]:
    calendar = icalendar.Calendar.from_ical(text)
    found = {str(e["UID"]): e for e in calendar.walk("VEVENT")}
    assert len(found) == len(calendar.walk("VEVENT")), "one event per UID"
    return found


async def api_deadline(client, breach: dict, kind: str) -> datetime:
    clocks = await read(client, f"/breaches/{breach['id']}/deadlines")
    (due,) = [c["due_at"] for c in clocks if c["kind"] == kind]
    # The feed writes seconds (RFC 5545 has no fractions), never later than the deadline.
    return datetime.fromisoformat(due.replace("Z", "+00:00")).replace(microsecond=0)


def triggers(event: icalendar.Event) -> list[timedelta]:
    return [a.decoded("TRIGGER") for a in event.walk("VALARM")]


async def test_the_controller_sees_its_72_hours_its_review_and_its_convention_dates(client, world):
    found = events(await feed(world["commune"]))
    own, hosted, convention = world["own"], world["hosted"], world["convention"]
    start = world["start"]

    assert set(found) == {
        f"breach-{own['id']}-cnil@registre-rgpd",
        f"review-{world['activity']['id']}@registre-rgpd",
        f"convention-{convention['id']}-notice_deadline-{add_months(start, 9) - timedelta(1)}"
        "@registre-rgpd",
        f"convention-{convention['id']}-last_end-{add_months(start, 36) - timedelta(1)}"
        "@registre-rgpd",
        f"convention-{convention['id']}-data_fate-{add_months(start, 36) - timedelta(1)}"
        "@registre-rgpd",
    }
    # The EPT's notice is its own deadline; the commune's 72 h for that breach start only once
    # it is informed.
    assert not any(hosted["id"] in uid for uid in found)

    cnil = found[f"breach-{own['id']}-cnil@registre-rgpd"]
    assert cnil.decoded("DTSTART") == await api_deadline(client, own, "cnil")
    assert cnil.decoded("DTEND") - cnil.decoded("DTSTART") == timedelta(minutes=15)
    assert str(cnil["SUMMARY"]) == f"Notification à la CNIL (72 h) — {own['ref']} ({COMMUNE})"
    description = str(cnil["DESCRIPTION"])
    assert description.startswith("Échéance : ") and "(heure de Paris" in description
    assert "art. 33.1 du RGPD" in description
    assert f"http://127.0.0.1:8000/violations/{own['id']}" in description
    assert str(cnil["URL"]) == f"http://127.0.0.1:8000/violations/{own['id']}"
    assert "Rançongiciel" not in description  # the incident's facts stay in the register
    assert triggers(cnil) == [-timedelta(hours=24), -timedelta(hours=1)]
    assert [str(c) for c in cnil["CATEGORIES"].cats] == ["RGPD", "Violation de données"]

    review = found[f"review-{world['activity']['id']}@registre-rgpd"]
    assert str(review["SUMMARY"]) == f"Revue de la fiche « {ACTIVITY} »"
    assert review.decoded("DTSTART") == REVIEW
    assert review.decoded("DTEND") == REVIEW + timedelta(days=1)
    assert "mercredi 31 mars 2027" in str(review["DESCRIPTION"])

    notice_day = add_months(start, 9) - timedelta(days=1)
    notice = found[f"convention-{convention['id']}-notice_deadline-{notice_day}@registre-rgpd"]
    assert notice.decoded("DTSTART") == notice_day
    assert str(notice["SUMMARY"]) == (
        f"Dernier jour pour dénoncer la convention avant sa reconduction tacite — « {CONVENTION} »"
    )
    text = str(notice["DESCRIPTION"])
    assert "préavis de 3 mois" in text
    assert f"Parties : {EPT} (Sous-traitant), {COMMUNE} (Responsable de traitement)." in text
    # 30 and 7 days before, at 08:00 local time (the hour of the convention reminders)
    assert triggers(notice) == [-timedelta(days=29, hours=16), -timedelta(days=6, hours=16)]
    fate = found[
        f"convention-{convention['id']}-data_fate-{add_months(start, 36) - timedelta(1)}"
        "@registre-rgpd"
    ]
    assert str(fate["SUMMARY"]).startswith("Restitution ou destruction des données")
    assert "restituer toutes les données" in str(fate["DESCRIPTION"])


async def test_the_processor_sees_its_notice_to_the_controller(client, world):
    hosted = world["hosted"]

    found = events(await feed(world["ept"]))

    uid = f"breach-{hosted['id']}-controller_notice@registre-rgpd"
    assert uid in found
    assert not any(world["own"]["id"] in u for u in found)  # the commune's own breach
    assert not any(u.startswith("review-") for u in found)  # the activity is the commune's
    notice = found[uid]
    assert notice.decoded("DTSTART") == await api_deadline(client, hosted, "controller_notice")
    assert str(notice["SUMMARY"]) == (
        f"Information du responsable de traitement — {hosted['ref']} ({COMMUNE})"
    )
    assert f"{EPT} doit informer {COMMUNE}" in str(notice["DESCRIPTION"])
    # The EPT is party to the convention too.
    assert sum(u.startswith(f"convention-{world['convention']['id']}-") for u in found) == 3


async def test_the_calendar_keeps_its_accents_and_its_lines_short(world):
    text = await feed(world["commune"])
    calendar = icalendar.Calendar.from_ical(text)

    assert calendar["X-WR-CALNAME"].to_ical().decode() == f"Échéances RGPD — {COMMUNE}"
    summaries = {str(e["SUMMARY"]) for e in calendar.walk("VEVENT")}
    assert f"Revue de la fiche « {ACTIVITY} »" in summaries
    assert any(COMMUNE in s for s in summaries)
    data = text.encode("utf-8")
    assert data.endswith(b"\r\n") and b"\n" not in data.replace(b"\r\n", b"")
    assert all(len(line) <= 75 for line in data.split(b"\r\n"))


async def test_uids_are_stable_from_one_render_to_the_next(world):
    now = utcnow()
    first = await feed(world["commune"], now=now)
    again = await feed(world["commune"], now=now)
    later = await feed(world["commune"], now=now + timedelta(minutes=5))

    assert first == again
    assert set(events(first)) == set(events(later))
    for uid, event in events(later).items():
        assert event.decoded("DTSTART") == events(first)[uid].decoded("DTSTART")


async def test_a_closed_breach_and_a_satisfied_notice_leave_the_feed(client, world):
    own, hosted = world["own"], world["hosted"]
    breach = await done(client, own, "assessment", **ASSESS)
    breach = await done(client, breach, "decision", **DECIDE_UNLIKELY)
    await done(
        client,
        breach,
        "close",
        reasons="Risque improbable, documenté (art. 33.5).",
        incomplete_reasons=INCOMPLETE,
    )
    informed_at = ago(minutes=10)
    await done(client, hosted, "controller-informed", informed_at=iso(informed_at))

    commune = events(await feed(world["commune"]))
    ept = events(await feed(world["ept"]))

    assert not any(own["id"] in uid for uid in commune)
    assert not any(u.startswith("breach-") for u in ept)
    # Informed, the commune's own 72 h for the EPT's breach now run.
    cnil = commune[f"breach-{hosted['id']}-cnil@registre-rgpd"]
    assert cnil.decoded("DTSTART") == await api_deadline(client, hosted, "cnil")
    assert cnil.decoded("DTSTART") == (informed_at + timedelta(hours=72)).replace(microsecond=0)


async def test_another_body_never_shows(client, world):
    other = await make_org(client, kind="commune", legal_name="Commune de Villejuif")
    activity = await make_activity(client, controller=other, name="État civil")
    theirs = await declare_on(client, other, [activity["id"]], detected=ago(hours=3))

    assert not any(theirs["id"] in uid for uid in events(await feed(world["commune"])))
    assert not any(theirs["id"] in uid for uid in events(await feed(world["ept"])))
    with pytest.raises(NotFound):
        await feed(world["commune"], scope=Scope.of([UUID(other["id"])]))
    with pytest.raises(NotFound):
        await feed(world["commune"], scope=Scope.of([]))


async def test_the_notices_a_body_owes_show_only_to_a_scope_that_answers_for_it(world):
    ept_id = UUID(world["ept"]["id"])
    uid = f"breach-{world['hosted']['id']}-controller_notice@registre-rgpd"

    as_member = events(await feed(world["ept"], scope=Scope.of([ept_id], sources=[ept_id])))
    register_only = events(await feed(world["ept"], scope=Scope.of([ept_id])))

    assert uid in as_member
    assert uid not in register_only
    assert any(u.startswith("convention-") for u in register_only)


async def test_no_base_url_no_link(world, settings_env):
    settings_env(base_url="")

    found = events(await feed(world["commune"]))

    assert all("URL" not in event for event in found.values())
    assert all("http" not in str(event["DESCRIPTION"]) for event in found.values())


class QueryCounter:
    def __init__(self, monkeypatch):
        self.count = 0
        connection = connections.get("default")
        for name in ("execute_query", "execute_query_dict"):
            original = getattr(connection, name)
            monkeypatch.setattr(connection, name, self._counting(original))

    def _counting(self, original):
        async def counted(*args, **kwargs):
            self.count += 1
            return await original(*args, **kwargs)

        return counted


async def test_queries_do_not_grow_with_the_breaches(client, world, monkeypatch):
    counter = QueryCounter(monkeypatch)
    await feed(world["commune"])
    with_one = counter.count
    # the body, its open breaches, the bodies they name, activities, conventions, parties,
    # its NIS 2 records (none here)
    assert with_one == 7, with_one
    for hours in (3, 4, 5, 6):
        await declare_on(
            client, world["commune"], [world["activity"]["id"]], detected=ago(hours=hours)
        )
        await declare_on(client, world["ept"], [world["activity"]["id"]], detected=ago(hours=hours))

    counter.count = 0
    found = events(await feed(world["commune"]))

    assert sum(u.startswith("breach-") for u in found) == 5
    assert counter.count == with_one, (counter.count, with_one)


async def test_an_overdue_clock_stays_and_says_so(client, world):
    late = await declare_on(
        client, world["commune"], [world["activity"]["id"]], detected=ago(hours=80)
    )

    event = events(await feed(world["commune"]))[f"breach-{late['id']}-cnil@registre-rgpd"]

    assert event.decoded("DTSTART") == await api_deadline(client, late, "cnil")
    assert event.decoded("DTSTART") < utcnow()
    assert "Échéance dépassée" in str(event["DESCRIPTION"])
    own = events(await feed(world["commune"]))[f"breach-{world['own']['id']}-cnil@registre-rgpd"]
    assert "Échéance dépassée" not in str(own["DESCRIPTION"])
