"""A convention's dates: terms, tacit renewals, notice deadlines, early end."""

from datetime import date

import pytest

from register.conventions.terms import ConventionTerms, add_months, convention_terms


def gpso(today: date, **changes) -> ConventionTerms:
    """Seed 000 (GPSO – Boulogne-Billancourt): from 1 January 2024, one year, renewable
    three times by tacit renewal, "so that it ends at the latest on 31 December 2027";
    three months' notice."""
    arrangement = {
        "start": date(2024, 1, 1),
        "duration_months": 12,
        "tacit_renewals": 3,
        "notice_months": 3,
        "end_date": None,
        **changes,
    }
    return convention_terms(**arrangement, today=today)


# Adding months -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("day", "months", "expected"),
    [
        (date(2024, 1, 15), 1, date(2024, 2, 15)),
        (date(2024, 1, 31), 1, date(2024, 2, 29)),  # leap year: the last day of February
        (date(2023, 1, 31), 1, date(2023, 2, 28)),
        (date(2024, 8, 31), 1, date(2024, 9, 30)),
        (date(2024, 3, 31), -1, date(2024, 2, 29)),
        (date(2023, 11, 30), 3, date(2024, 2, 29)),  # across the year end
        (date(2024, 1, 1), -3, date(2023, 10, 1)),
        (date(2024, 1, 1), 48, date(2028, 1, 1)),
        (date(2024, 5, 31), 0, date(2024, 5, 31)),
    ],
)
def test_adding_months_keeps_the_day_or_falls_back_to_the_months_last_day(day, months, expected):
    assert add_months(day, months) == expected


# The GPSO convention through time -------------------------------------------------------------


def test_the_gpso_convention_ends_at_the_latest_on_31_december_2027():
    assert gpso(today=date(2024, 6, 1)).last_possible_end == date(2027, 12, 31)


def test_before_it_starts_the_first_term_is_the_current_one():
    assert gpso(today=date(2023, 6, 1)) == ConventionTerms(
        current_term_end=date(2024, 12, 31),
        last_possible_end=date(2027, 12, 31),
        next_notice_deadline=date(2024, 9, 30),
        renewals_left=3,
    )


def test_during_the_first_year_three_renewals_are_left_and_notice_is_due_by_30_september():
    assert gpso(today=date(2024, 6, 1)) == ConventionTerms(
        current_term_end=date(2024, 12, 31),
        last_possible_end=date(2027, 12, 31),
        next_notice_deadline=date(2024, 9, 30),
        renewals_left=3,
    )


def test_on_the_last_day_of_a_term_that_term_is_still_current():
    terms = gpso(today=date(2024, 12, 31))

    assert (terms.current_term_end, terms.renewals_left) == (date(2024, 12, 31), 3)


def test_the_day_after_a_term_the_renewed_term_is_current():
    assert gpso(today=date(2025, 1, 1)) == ConventionTerms(
        current_term_end=date(2025, 12, 31),
        last_possible_end=date(2027, 12, 31),
        next_notice_deadline=date(2025, 9, 30),
        renewals_left=2,
    )


def test_in_the_last_term_no_renewal_is_left_and_no_notice_is_due():
    assert gpso(today=date(2027, 3, 1)) == ConventionTerms(
        current_term_end=date(2027, 12, 31),
        last_possible_end=date(2027, 12, 31),
        next_notice_deadline=None,
        renewals_left=0,
    )


def test_after_the_last_term_the_convention_is_over():
    terms = gpso(today=date(2028, 1, 1))

    assert (terms.current_term_end, terms.renewals_left, terms.next_notice_deadline) == (
        date(2027, 12, 31),
        0,
        None,
    )


@pytest.mark.parametrize(
    ("notice_months", "deadline"),
    [(0, date(2024, 12, 31)), (1, date(2024, 11, 30)), (6, date(2024, 6, 30))],
)
def test_the_notice_deadline_is_the_day_before_the_notice_period_starts(notice_months, deadline):
    terms = gpso(today=date(2024, 3, 1), notice_months=notice_months)

    assert terms.next_notice_deadline == deadline


def test_without_a_notice_period_no_notice_deadline_is_computed():
    assert gpso(today=date(2024, 3, 1), notice_months=None).next_notice_deadline is None


def test_without_tacit_renewal_the_first_term_is_the_last():
    assert gpso(today=date(2024, 3, 1), tacit_renewals=0) == ConventionTerms(
        current_term_end=date(2024, 12, 31),
        last_possible_end=date(2024, 12, 31),
        next_notice_deadline=None,
        renewals_left=0,
    )


# An end date (fixed, or early: démutualisation) -------------------------------------------------


def test_an_early_end_caps_the_last_possible_end_and_the_renewals_left():
    terms = gpso(today=date(2024, 6, 1), end_date=date(2025, 6, 30))

    assert terms == ConventionTerms(
        current_term_end=date(2024, 12, 31),
        last_possible_end=date(2025, 6, 30),
        next_notice_deadline=date(2024, 9, 30),
        renewals_left=1,
    )


def test_in_the_term_cut_short_by_an_early_end_nothing_is_left_to_renew():
    terms = gpso(today=date(2025, 3, 1), end_date=date(2025, 6, 30))

    assert terms == ConventionTerms(
        current_term_end=date(2025, 6, 30),
        last_possible_end=date(2025, 6, 30),
        next_notice_deadline=None,
        renewals_left=0,
    )


def test_a_convention_ending_with_its_first_term_has_no_renewal_and_no_notice():
    terms = gpso(today=date(2024, 6, 1), end_date=date(2024, 12, 31))

    assert (terms.current_term_end, terms.renewals_left, terms.next_notice_deadline) == (
        date(2024, 12, 31),
        0,
        None,
    )


def test_an_end_date_after_the_last_renewal_changes_nothing():
    assert gpso(today=date(2024, 6, 1), end_date=date(2030, 12, 31)) == gpso(today=date(2024, 6, 1))


def test_an_open_ended_convention_only_reports_its_end_date():
    terms = convention_terms(
        start=date(2024, 1, 1),
        duration_months=None,
        tacit_renewals=0,
        notice_months=3,
        end_date=date(2026, 6, 30),
        today=date(2024, 6, 1),
    )

    assert terms == ConventionTerms(date(2026, 6, 30), date(2026, 6, 30), None, None)


# Month-end starts ---------------------------------------------------------------------------


def test_monthly_terms_from_31_january_follow_each_other_without_gap():
    terms = convention_terms(
        start=date(2024, 1, 31),
        duration_months=1,
        tacit_renewals=2,
        notice_months=None,
        end_date=None,
        today=date(2024, 2, 29),
    )

    # Terms start on the 31st, or on the month's last day when it has none (31 Jan, 29 Feb,
    # 31 Mar), and each ends the day before the next one starts.
    assert terms == ConventionTerms(
        current_term_end=date(2024, 3, 30),
        last_possible_end=date(2024, 4, 29),
        next_notice_deadline=None,
        renewals_left=1,
    )


def test_a_notice_before_a_renewal_on_1_march_falls_at_the_end_of_a_short_month():
    terms = convention_terms(
        start=date(2023, 3, 1),
        duration_months=12,
        tacit_renewals=1,
        notice_months=1,
        end_date=None,
        today=date(2023, 6, 1),
    )

    assert (terms.current_term_end, terms.next_notice_deadline) == (
        date(2024, 2, 29),
        date(2024, 1, 31),
    )
