"""The demo conventions' states, from their dates and recorded events (issue 16)."""

from datetime import date

from core.scope import Scope
from register.conventions import life_events
from register.conventions.life import convention_life
from register.conventions.models import Convention
from register.demo import load_demo
from register.enums import ConventionState

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
