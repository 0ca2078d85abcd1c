"""A convention's state from its dates and events: the one rule (register.conventions.life)."""

from datetime import date

import pytest

from register.conventions.life import ConventionLife, LifeEvents, ended_words, life_of, notice_end
from register.enums import ConventionState


def juvisy(today: date, renewals_decided: int = 0) -> ConventionLife:
    """Seeds 001/003 art. 6: from 1 February 2021 for six months, « renouvelée pour une même
    durée une fois maximum par reconduction expresse »."""
    return life_of(
        start=date(2021, 2, 1),
        duration_months=6,
        tacit_renewals=0,
        notice_months=None,
        end_date=None,
        events=LifeEvents(express_renewals=renewals_decided),
        today=today,
    )


def gpso(today: date, **events) -> ConventionLife:
    """Seed 000 art. 7: from 1 January 2024, one year, renewable three times by tacit
    renewal « soit du 01/01/2024 au 31/12/2027 », three months' notice."""
    return life_of(
        start=date(2024, 1, 1),
        duration_months=12,
        tacit_renewals=3,
        notice_months=3,
        end_date=None,
        events=LifeEvents(**events),
        today=today,
    )


def montpellier(today: date) -> ConventionLife:
    """Seed 004 art. 7: « conclue pour la période 2019-2020-2021 »."""
    return life_of(
        start=date(2019, 1, 1),
        duration_months=None,
        tacit_renewals=0,
        notice_months=None,
        end_date=date(2021, 12, 31),
        events=LifeEvents(),
        today=today,
    )


def test_juvisy_without_an_express_renewal_ends_at_its_first_term():
    assert juvisy(date(2021, 7, 31)).state == ConventionState.IN_FORCE
    life = juvisy(date(2021, 8, 1))
    assert (life.state, life.ended_on) == (ConventionState.ENDED, date(2021, 7, 31))
    assert ended_words(life) == "convention échue le samedi 31 juillet 2021"


def test_juvisy_expressly_renewed_runs_six_more_months():
    life = juvisy(date(2021, 8, 1), renewals_decided=1)
    assert (life.state, life.renewal, life.ended_on) == (ConventionState.RENEWED, "express", None)
    assert life.terms.last_possible_end == date(2022, 1, 31)
    assert juvisy(date(2022, 2, 1), renewals_decided=1).ended_on == date(2022, 1, 31)


def test_montpellier_ends_with_its_period():
    assert montpellier(date(2021, 12, 31)).state == ConventionState.IN_FORCE
    life = montpellier(date(2022, 1, 1))
    assert (life.state, life.ended_on) == (ConventionState.ENDED, date(2021, 12, 31))


@pytest.mark.parametrize(
    ("today", "state", "renewal"),
    [
        (date(2024, 12, 31), ConventionState.IN_FORCE, None),
        (date(2025, 1, 1), ConventionState.RENEWED, "tacit"),
        (date(2026, 12, 7), ConventionState.RENEWED, "tacit"),
        (date(2027, 12, 31), ConventionState.RENEWED, "tacit"),
        (date(2028, 1, 1), ConventionState.ENDED, None),
    ],
)
def test_gpso_in_force_through_its_tacit_renewals(today, state, renewal):
    life = gpso(today)
    assert (life.state, life.renewal) == (state, renewal)
    assert life.terms.last_possible_end == date(2027, 12, 31)


def test_a_notice_puts_the_convention_in_notice_until_its_end():
    ends = notice_end(given_on=date(2026, 10, 1), notice_months=3)
    assert ends == date(2026, 12, 31)
    running = gpso(date(2026, 12, 31), notice_effective_on=ends)
    assert (running.state, running.terms.last_possible_end) == (ConventionState.IN_NOTICE, ends)
    assert running.terms.renewals_left == 0
    ended = gpso(date(2027, 1, 1), notice_effective_on=ends)
    assert (ended.state, ended.ended_on) == (ConventionState.ENDED, ends)


def test_an_early_termination_is_told_apart_from_an_end_at_term():
    life = gpso(date(2025, 7, 1), terminated_on=date(2025, 6, 30))
    assert (life.state, life.ended_on) == (ConventionState.TERMINATED_EARLY, date(2025, 6, 30))
    assert ended_words(life) == "convention résiliée avant son terme, fin le lundi 30 juin 2025"
    coming = gpso(date(2025, 6, 30), terminated_on=date(2025, 6, 30))
    assert (coming.state, coming.ended_on) == (ConventionState.IN_NOTICE, None)


def test_a_termination_after_the_last_end_changes_nothing():
    life = gpso(date(2028, 1, 1), terminated_on=date(2028, 6, 30))
    assert (life.state, life.ended_on) == (ConventionState.ENDED, date(2027, 12, 31))


def test_an_open_ended_convention_never_ends_by_itself():
    life = life_of(
        start=date(2020, 1, 1),
        duration_months=None,
        tacit_renewals=0,
        notice_months=None,
        end_date=None,
        events=LifeEvents(),
        today=date(2040, 1, 1),
    )
    assert (life.state, life.ended_on, ended_words(life)) == (ConventionState.IN_FORCE, None, None)
