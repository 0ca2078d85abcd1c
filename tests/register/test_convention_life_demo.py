"""The demo conventions' states, from their dates and recorded events (issue 16)."""

from datetime import date

import pytest

from core.errors import ValidationFailed
from core.scope import Scope
from register import records
from register.activities.schemas import ActivityIn
from register.activities.service import create_activity
from register.conventions import life_events
from register.conventions.alerts import events_of
from register.conventions.ended import relying_on_ended
from register.conventions.life import convention_life
from register.conventions.models import Convention
from register.demo import load_demo
from register.enums import ConventionState
from register.export.records import controller_record_document, processor_rows

ALL = Scope.everything()
DAY = date(2026, 12, 7)


async def _life(key: str, demo, today: date = DAY):
    return convention_life(await Convention.get(id=demo.convention_ids[key]), today)


async def test_the_demo_conventions_states(db):
    demo = await load_demo()
    juvisy = await _life("gosb_juvisy", demo)
    assert (juvisy.state, juvisy.ended_on) == (ConventionState.ENDED, date(2021, 7, 31))
    montpellier = await _life("montpellier_ccas", demo)
    assert (montpellier.state, montpellier.ended_on) == (ConventionState.ENDED, date(2021, 12, 31))
    gpso = await _life("gpso_boulogne", demo)
    assert (gpso.state, gpso.renewal, gpso.ended_on) == (ConventionState.RENEWED, "tacit", None)
    assert gpso.terms.last_possible_end == date(2027, 12, 31)
    assert (await _life("gpso_boulogne", demo, date(2028, 1, 1))).ended_on == date(2027, 12, 31)


async def test_juvisy_expressly_renewed_runs_until_31_january_2022(db):
    demo = await load_demo()
    convention = await Convention.get(id=demo.convention_ids["gosb_juvisy"])
    assert convention.express_renewals == 1  # art. 6: « une fois maximum »
    out, proposed = await life_events.record_express_renewal(
        scope=ALL,
        convention_id=convention.id,
        version=convention.version,
        decided_on=date(2021, 6, 15),
        reference="Délibération du conseil municipal du 15 juin 2021",
    )
    assert not proposed  # the administrator acts for both parties
    assert (out.state, out.renewal) == (ConventionState.ENDED, None)
    assert out.ended_on == date(2022, 1, 31)
    renewed = await _life("gosb_juvisy", demo, date(2021, 9, 1))
    assert (renewed.state, renewed.renewal) == (ConventionState.RENEWED, "express")
    # The reminders and the calendar count it too.
    stored = await Convention.get(id=convention.id)
    ends = [e.day for e in events_of(stored, date(2021, 9, 1)) if e.event == "last_end"]
    assert ends == [date(2022, 1, 31)]


JUVISY_ENDED = "convention échue le samedi 31 juillet 2021"


async def test_the_records_say_since_when_the_convention_has_ended(db):
    demo = await load_demo()
    juvisy = await records.controller_record(scope=ALL, organisation_id=demo.bodies["juvisy"])
    hosted = [e for e in juvisy.activities if e.processors]
    assert hosted, "Juvisy's activities hosted by GOSB are still in its record"
    assert all(any(JUVISY_ENDED in w for w in e.ended_conventions) for e in hosted)
    gosb = await records.processor_record(scope=ALL, organisation_id=demo.bodies["gosb"])
    served = [s for s in gosb.controllers if s.convention_id == demo.convention_ids["gosb_juvisy"]]
    assert served and all(s.convention_ended == JUVISY_ENDED for s in served)
    gpso = await records.controller_record(scope=ALL, organisation_id=demo.bodies["gpso"])
    assert all(e.ended_conventions == [] for e in gpso.activities)  # in force until 2027


async def test_the_exported_registers_say_it_too(db):
    demo = await load_demo()
    document = await controller_record_document(scope=ALL, organisation_id=demo.bodies["juvisy"])
    rows = [row for sheet in document.sheets async for row in sheet.rows()]
    cells = [row.get("conventions") or "" for row in rows]
    assert any(f"({JUVISY_ENDED})" in cell for cell in cells)
    rows = processor_rows(
        await records.processor_record(scope=ALL, organisation_id=demo.bodies["gosb"])
    )
    assert any(JUVISY_ENDED in (row["convention"] or "") for row in rows)


async def test_no_new_activity_under_the_ended_demo_convention(db):
    demo = await load_demo()
    with pytest.raises(ValidationFailed) as refused:
        await create_activity(
            scope=ALL,
            data=ActivityIn(
                controller_id=demo.bodies["juvisy"],
                name="Nouveau portail",
                convention_ids=[demo.convention_ids["gosb_juvisy"]],
            ),
        )
    (problem,) = refused.value.problems
    assert problem.loc == ("body", "convention_ids", 0)
    assert JUVISY_ENDED in problem.msg


async def test_the_dashboard_lists_what_relies_on_an_ended_convention_in_scope(db):
    demo = await load_demo()
    juvisy_only = Scope.of({demo.bodies["juvisy"]})
    listed = await relying_on_ended(juvisy_only, DAY)
    assert listed and {r.convention_id for r in listed} == {demo.convention_ids["gosb_juvisy"]}
    assert all(r.kind == "activity" and r.ended_words == JUVISY_ENDED for r in listed)
    everything = await relying_on_ended(ALL, DAY)
    conventions = {r.convention_id for r in everything}
    assert demo.convention_ids["montpellier_ccas"] in conventions
    assert demo.convention_ids["gpso_boulogne"] not in conventions
    gosb_side = await relying_on_ended(Scope.of({demo.bodies["gosb"]}), DAY)
    assert {r.kind for r in gosb_side} == {"engagement"}  # SIIM94, hired by GOSB for Juvisy
