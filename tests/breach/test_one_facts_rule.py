"""One rule each, asked by the step, the CNIL document, the notice and the page:

- lateness: an initial notification to the CNIL is late from the first deadline when
  awareness moved after it (breach.breaches.awareness.missed_cnil_due), so the document
  keeps « Raisons du retard » where the step demands them;
- the facts still unknown (breach.phases.unknown_facts, art. 33(3)): the same list requires
  the follow-up date of an initial notification, makes the CNIL document say what follows and
  when, refuses a complete notification and warns in the notice to the controller.
"""

from datetime import UTC, datetime, timedelta
from uuid import UUID

import pytest

from breach.deadlines import format_local
from core.clock import to_local
from core.scope import Scope
from reports.calendar import organisation_calendar
from tests.factories import (
    ASSESS,
    DECIDE_RISK,
    FACTS,
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

PHASED = "Des informations complémentaires seront transmises par étapes"
TO_FOLLOW = "Éléments encore inconnus : "
FOLLOWUP_LINE = "Date à laquelle la notification sera complétée : "
LATE_REASONS = "Raisons du retard : "


def at(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


@pytest.fixture
async def world(client):
    return await bodies(client)


async def _decided(client, world, *, detected: datetime, **facts) -> dict:
    """The commune's own breach (aware at detection), with `facts`, assessed and decided."""
    breach = await declare_on(
        client, world["commune"], [world["activity"]["id"]], detected=detected
    )
    breach = await with_facts(client, breach, **(facts or FACTS))
    breach = await done(client, breach, "assessment", **ASSESS)
    return await done(client, breach, "decision", **DECIDE_RISK)


async def _cnil_preview(client, breach: dict, phase: str = "initial") -> dict:
    return await read(client, f"/breaches/{breach['id']}/previews/cnil?phase={phase}")


def _initial(**extra) -> dict:
    return {"recipient": "cnil", "phase": "initial", "sent_at": iso(ago(minutes=5)), **extra}


# Lateness -----------------------------------------------------------------------------------


async def test_awareness_moved_after_the_deadline_the_cnil_document_asks_the_reasons(client, world):
    detected = ago(hours=100).replace(microsecond=0)
    breach = await declare_on(
        client, world["commune"], [world["activity"]["id"]], detected=detected
    )
    first_due = at(breach["cnil_due_at"])
    assert breach["countdowns"][0]["overdue"] is True  # the premise: the deadline passed
    moved = await done(
        client,
        breach,
        "awareness",
        aware_at=iso(ago(hours=1).replace(microsecond=0)),
        rationale="Certitude ce matin.",
        later_reasons="Journaux analysés pendant deux jours avant la certitude.",
    )
    moved = await with_facts(client, moved)
    moved = await done(client, moved, "assessment", **ASSESS)
    moved = await done(client, moved, "decision", **DECIDE_RISK)
    assert moved["countdowns"][0]["overdue"] is False  # on time for the new clock
    assert at(moved["overdue_at"]) == first_due

    preview = await _cnil_preview(client, moved)

    body = preview["body"]
    assert LATE_REASONS in body
    assert f"Échéance : {format_local(first_due)} (première échéance" in body
    assert "Sans objet : notification dans les 72 heures" not in body
    assert any("raisons du retard sont obligatoires" in w for w in preview["warnings"])
    # The step agrees, and keeps the reasons in the document it records.
    refused = await post(client, moved, "notifications", **_initial())
    assert_refused(refused, ["body", "late_reason"], "raisons du retard")
    why = "Enquête sur les journaux avant la certitude."
    notified = await done(client, moved, "notifications", **_initial(late_reason=why))
    (cnil,) = [n for n in notified["notifications"] if n["recipient"] == "cnil"]
    assert cnil["late"] is True
    assert LATE_REASONS + why in cnil["message_body"]


async def test_the_calendar_keeps_the_missed_deadline_after_a_move(client, world):
    breach = await declare_on(
        client, world["commune"], [world["activity"]["id"]], detected=ago(hours=100)
    )
    first_due = at(breach["cnil_due_at"])
    moved = await done(
        client,
        breach,
        "awareness",
        aware_at=iso(ago(hours=1).replace(microsecond=0)),
        rationale="Certitude ce matin.",
        later_reasons="Journaux analysés pendant deux jours avant la certitude.",
    )
    assert moved["countdowns"][0]["overdue"] is False  # the premise: the clock runs again

    feed = await organisation_calendar(
        scope=Scope.everything(),
        organisation_id=UUID(world["commune"]["id"]),
        now=datetime.now(UTC),
    )

    unfolded = feed.replace("\r\n ", "").replace("\\,", ",").replace("\\;", ";")
    assert f"Délai dépassé le {format_local(first_due)}" in unfolded


async def test_on_time_the_document_says_no_delay(client, world):
    breach = await _decided(client, world, detected=ago(hours=5))
    assert breach["overdue_at"] is None  # the premise
    body = (await _cnil_preview(client, breach))["body"]
    assert "Sans objet : notification dans les 72 heures" in body
    assert LATE_REASONS not in body


# The facts still unknown ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("facts", "unknown"),
    [
        ({"data_categories": ["unknown_so_far"]}, "catégories de données"),
        ({"subject_categories": []}, "catégories de personnes"),
        ({"approx_records": None}, "nombre d'enregistrements"),
    ],
)
async def test_one_fact_unknown_asks_the_followup_date_and_the_document_says_it_follows(
    client, world, facts, unknown
):
    breach = await _decided(client, world, detected=ago(hours=5), **{**FACTS, **facts})

    preview = await _cnil_preview(client, breach)

    assert PHASED in preview["body"]
    assert TO_FOLLOW + unknown + ".\n" in preview["body"]  # that one alone
    assert FOLLOWUP_LINE + "À COMPLÉTER" in preview["body"]
    assert f"inconnus à ce stade : {unknown}" in preview["warnings"]
    refused = await post(client, breach, "notifications", **_initial())
    assert_refused(refused, ["body", "followup_due_at"], unknown)
    complete = await post(client, breach, "notifications", **_initial(phase="complete"))
    assert_refused(complete, ["body", "phase"], unknown)
    promised = (datetime.now(UTC) + timedelta(days=10)).replace(microsecond=0)

    notified = await done(
        client, breach, "notifications", **_initial(followup_due_at=iso(promised))
    )

    (cnil,) = notified["notifications"]
    assert FOLLOWUP_LINE + format_local(promised) in cnil["message_body"]
    assert f"à {to_local(promised):%H:%M}" in format_local(promised)  # Europe/Paris


async def test_every_fact_known_the_document_promises_nothing(client, world):
    breach = await _decided(client, world, detected=ago(hours=5))
    body = (await _cnil_preview(client, breach))["body"]
    assert "Nombre approximatif d'enregistrements" in body  # the premise: the facts are there
    assert PHASED not in body and FOLLOWUP_LINE not in body
    notified = await done(client, breach, "notifications", **_initial())
    assert notified["followup_due_at"] is None


async def test_the_notice_to_the_controller_lists_the_same_unknown_facts(client, world):
    breach = await declare_on(
        client, world["ept"], [world["activity"]["id"]], detected=ago(hours=2)
    )
    breach = await with_facts(client, breach, **{**FACTS, "subject_categories": []})
    assert breach["path"] == "processor" and breach["subject_categories"] == []  # premise
    notice = await read(client, f"/breaches/{breach['id']}/previews/controller-notice")
    (line,) = [w for w in notice["warnings"] if w.startswith("éléments encore inconnus")]
    assert line.endswith(": catégories de personnes")
