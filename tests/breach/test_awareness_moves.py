"""Awareness or detection moved later than recorded (issue 15): reasons required, the first
instant kept and shown, an overdue clock stays marked as such, and the CNIL notification's
late reason is judged from the first deadline (WP250rev.01, EDPB 9/2022 §II.A.4)."""

import csv
import html
import io
import re
from datetime import UTC, datetime, timedelta

import pytest

from breach.deadlines import format_local
from core.clock import to_local
from tests.factories import (
    API,
    ASSESS,
    DECIDE_RISK,
    ago,
    assert_refused,
    bodies,
    declare_on,
    done,
    iso,
    post,
    read,
    with_facts,
)
from tests.web.conftest import browser, client_as, csrf_of, make_user  # noqa: F401

LATER_REASONS = "Journaux analysés pendant deux jours : compromission confirmée ce matin."


def at(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


def text_of(page: str) -> str:
    return re.sub(r"\s+", " ", html.unescape(re.sub(r"<[^>]+>", " ", page)))


async def own_breach(client, *, detected: datetime) -> tuple[dict, dict]:
    """The commune's own system hit: its clock runs from detection (aware_at = detected)."""
    world = await bodies(client)
    breach = await declare_on(
        client, world["commune"], [world["activity"]["id"]], detected=detected
    )
    assert breach["path"] == "own_system"
    assert at(breach["aware_at"]) == detected
    return world, breach


async def register_rows(client, organisation_id: str) -> list[dict]:
    answer = await client.get(
        f"{API}/organisations/{organisation_id}/exports/breach-register", params={"format": "csv"}
    )
    assert answer.status_code == 200, answer.text
    return list(csv.DictReader(io.StringIO(answer.content.decode("utf-8-sig"))))


async def test_awareness_moved_later_after_the_deadline(client, browser, make_user):  # noqa: F811
    detected = ago(hours=100).replace(microsecond=0)
    world, breach = await own_breach(client, detected=detected)
    first_due = at(breach["cnil_due_at"])
    (clock,) = breach["countdowns"]
    assert clock["overdue"] is True  # the premise: 28 h overdue
    later = ago(hours=1).replace(microsecond=0)

    # Without reasons: refused, naming the field, nothing written.
    refused = await post(
        client, breach, "awareness", aware_at=iso(later), rationale="Certitude ce matin."
    )
    assert_refused(refused, ["body", "later_reasons"], "motifs du report sont obligatoires")
    unchanged = await read(client, f"/breaches/{breach['id']}")
    assert (unchanged["version"], unchanged["aware_at"]) == (breach["version"], breach["aware_at"])
    assert unchanged["aware_moves"] == [] and unchanged["overdue_at"] is None

    # With reasons: the clock runs again, the first instant and the overdue mark stay.
    moved = await done(
        client,
        breach,
        "awareness",
        aware_at=iso(later),
        rationale="Certitude ce matin.",
        later_reasons=LATER_REASONS,
    )
    assert at(moved["aware_at"]) == later
    assert at(moved["first_aware_at"]) == at(breach["aware_at"])
    assert at(moved["overdue_at"]) == first_due
    (clock,) = moved["countdowns"]
    assert clock["overdue"] is False  # « reste 70 h … »: the clock runs from the new instant
    (move,) = moved["aware_moves"]
    assert move["later"] is True and move["reasons"] == LATER_REASONS
    assert move["cause"] == "awareness" and move["author"]
    assert at(move["from_at"]) == at(breach["aware_at"]) and at(move["to_at"]) == later

    # The page shows the first instant, the reasons and « délai dépassé le … ».
    dpo = await make_user("dpd@vitry.fr", (world["commune"]["id"], "dpo"))
    http = await browser(dpo)
    page = text_of((await http.get(f"/violations/{breach['id']}")).text)
    assert f"initialement enregistrée le {format_local(at(breach['aware_at']))}" in page
    assert LATER_REASONS in page
    assert f"Délai dépassé le {format_local(first_due)}" in page

    # So does the breach register.
    (row,) = await register_rows(client, world["commune"]["id"])
    assert row["Retard de notification"] == f"délai dépassé le {format_local(first_due)}"
    assert row["Prise de connaissance déplacée (motifs)"] == (
        f"prise de connaissance initialement enregistrée le "
        f"{format_local(at(breach['aware_at']))} ; reportée au {format_local(later)} : "
        f"{LATER_REASONS}"
    )

    # The CNIL notification, on time for the new clock, is late for the first: reasons needed.
    moved = await with_facts(client, moved)  # complete: no follow-up date asked (art. 33(4))
    moved = await done(client, moved, "assessment", **ASSESS)
    moved = await done(client, moved, "decision", **DECIDE_RISK)
    assert moved["countdowns"][0]["overdue"] is False  # the premise: on time for the new clock
    page = (await http.get(f"/violations/{breach['id']}")).text
    assert 'name="cnil-late_reason"' in page  # the page asks for the reasons of the delay
    sent = iso(datetime.now(UTC).replace(microsecond=0))
    late = await post(client, moved, "notifications", sent_at=sent, external_ref="CNIL-1")
    assert_refused(late, ["body", "late_reason"], "raisons du retard")
    assert format_local(first_due) in late.text
    notified = await done(
        client,
        moved,
        "notifications",
        sent_at=sent,
        external_ref="CNIL-1",
        late_reason="Enquête sur les journaux avant la certitude.",
    )
    (cnil,) = [n for n in notified["notifications"] if n["recipient"] == "cnil"]
    assert cnil["late"] is True and at(cnil["due_at"]) == first_due
    # The mark stays once notified.
    assert at(notified["overdue_at"]) == first_due


async def test_a_move_before_the_deadline_leaves_no_overdue_mark(client):
    detected = ago(hours=10).replace(microsecond=0)
    _, breach = await own_breach(client, detected=detected)
    assert breach["countdowns"][0]["overdue"] is False  # the premise: 62 h left
    moved = await done(
        client,
        breach,
        "awareness",
        aware_at=iso(ago(hours=5)),
        rationale="Certitude après analyse.",
        later_reasons=LATER_REASONS,
    )
    assert moved["overdue_at"] is None
    assert at(moved["first_aware_at"]) == at(breach["aware_at"])


async def test_moving_earlier_needs_no_reason_and_keeps_the_first_instant(client):
    detected = ago(hours=10).replace(microsecond=0)
    _, breach = await own_breach(client, detected=detected)
    later = await done(
        client,
        breach,
        "awareness",
        aware_at=iso(ago(hours=4)),
        rationale="Certitude après analyse.",
        later_reasons=LATER_REASONS,
    )
    earlier = await done(
        client,
        later,
        "awareness",
        aware_at=iso(ago(hours=8)),
        rationale="Les journaux montrent une certitude plus tôt.",
    )
    assert at(earlier["first_aware_at"]) == at(breach["aware_at"])
    assert [m["later"] for m in earlier["aware_moves"]] == [True, False]
    assert earlier["aware_moves"][1]["reasons"] is None
    # Later than the current instant again: reasons again, even before the first one.
    again = await post(
        client, earlier, "awareness", aware_at=iso(ago(hours=7)), rationale="Autre lecture."
    )
    assert_refused(again, ["body", "later_reasons"], "motifs du report")


async def test_the_first_recorded_awareness_needs_no_move_reasons(client):
    """A body told by its host records its awareness for the first time: no move."""
    world = await bodies(client)
    breach = await declare_on(
        client, world["ept"], [world["activity"]["id"]], detected=ago(hours=3)
    )
    assert breach["aware_at"] is None  # the premise: nothing recorded yet
    informed = await done(client, breach, "controller-notice")
    assert informed["aware_moves"] == [] and informed["overdue_at"] is None
    assert informed["first_aware_at"] == informed["aware_at"]


async def test_detection_moved_later_after_the_deadline(client, browser, make_user):  # noqa: F811
    detected = ago(hours=100).replace(microsecond=0)
    world, breach = await own_breach(client, detected=detected)
    first_due = at(breach["cnil_due_at"])
    incident = await read(client, f"/incidents/{breach['incident_id']}")
    later = ago(hours=2).replace(microsecond=0)

    refused = await client.patch(
        f"{API}/incidents/{incident['id']}",
        json={"version": incident["version"], "detected_at": iso(later)},
    )
    assert_refused(refused, ["body", "detection_later_reasons"], "motifs du report")
    assert await read(client, f"/incidents/{incident['id']}") == incident

    answer = await client.patch(
        f"{API}/incidents/{incident['id']}",
        json={
            "version": incident["version"],
            "detected_at": iso(later),
            "detection_later_reasons": LATER_REASONS,
        },
    )
    assert answer.status_code == 200, answer.text
    moved_incident = answer.json()
    assert at(moved_incident["detected_at"]) == later
    assert at(moved_incident["first_detected_at"]) == detected
    assert moved_incident["detection_later_reasons"] == LATER_REASONS

    moved = await read(client, f"/breaches/{breach['id']}")
    assert at(moved["aware_at"]) == later
    assert at(moved["first_aware_at"]) == detected
    assert at(moved["overdue_at"]) == first_due
    (move,) = moved["aware_moves"]
    assert (move["cause"], move["later"], move["reasons"]) == ("detection", True, LATER_REASONS)

    # Moving it back earlier needs no reasons; the first instant stays.
    back = await client.patch(
        f"{API}/incidents/{incident['id']}",
        json={"version": moved_incident["version"], "detected_at": iso(later - timedelta(hours=1))},
    )
    assert back.status_code == 200, back.text
    assert at(back.json()["first_detected_at"]) == detected

    # The incident page shows the first detection.
    dpo = await make_user("dpd@vitry.fr", (world["commune"]["id"], "dpo"))
    http = await browser(dpo)
    page = text_of((await http.get(f"/incidents/{incident['id']}")).text)
    assert f"détection initialement enregistrée le {format_local(detected)}" in page


async def test_the_page_form_asks_for_the_reasons(client, browser, make_user):  # noqa: F811
    world, breach = await own_breach(client, detected=ago(hours=100).replace(microsecond=0))
    dpo = await make_user("dpd@vitry.fr", (world["commune"]["id"], "dpo"))
    http = await browser(dpo)
    url = f"/violations/{breach['id']}"
    page = (await http.get(url)).text
    assert 'name="aware-later_reasons"' in page
    later = to_local(ago(hours=1)).strftime("%Y-%m-%dT%H:%M")
    fields = {
        "csrf_token": csrf_of(page),
        "version": str(breach["version"]),
        "aware-aware_at": later,
        "aware-rationale": "Certitude ce matin.",
    }
    refused = await http.post(f"{url}/connaissance", data=fields)
    assert refused.status_code == 422
    assert "motifs du report" in refused.text.split('id="err-aware-later_reasons"')[1][:400]
    recorded = await http.post(
        f"{url}/connaissance", data={**fields, "aware-later_reasons": LATER_REASONS}
    )
    assert recorded.status_code == 303, recorded.text[:500]


@pytest.mark.parametrize("hours", [71, 73])
async def test_the_overdue_mark_follows_the_deadline_boundary(client, hours):
    """Moved one hour before the deadline: no mark; one hour after it: marked."""
    _, breach = await own_breach(client, detected=ago(hours=hours).replace(microsecond=0))
    assert breach["countdowns"][0]["overdue"] is (hours > 72)
    moved = await done(
        client,
        breach,
        "awareness",
        aware_at=iso(ago(minutes=30)),
        rationale="Certitude.",
        later_reasons=LATER_REASONS,
    )
    assert (moved["overdue_at"] is not None) is (hours > 72)
