"""Dates of a convention's life, derived from its start, duration and tacit renewals.

Example (seed 000, GPSO – Boulogne-Billancourt): starts 1 January 2024, one year, renewable
three times by tacit renewal, "so that it ends at the latest on 31 December 2027".
"""

import calendar
import logging
from dataclasses import dataclass
from datetime import MAXYEAR, MINYEAR, date, timedelta

log = logging.getLogger(__name__)


def add_months(day: date, months: int) -> date:
    """`months` later (earlier if negative), the day kept or the month's last (EU law).
    Beyond the calendar (a row stored before the years were bounded, core.validators.DAY_YEARS)
    the answer is its first or last day rather than an error that would stop every reader."""
    month_index = day.month - 1 + months
    year, month = day.year + month_index // 12, month_index % 12 + 1
    if not MINYEAR <= year <= MAXYEAR:
        log.warning("date beyond the calendar: %s plus %d months", day, months)
        return date.max if year > MAXYEAR else date.min
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def add_days(day: date, days: int) -> date:
    """`days` later (earlier if negative), clamped to the calendar like `add_months`."""
    try:
        return day + timedelta(days=days)
    except OverflowError:
        log.warning("date beyond the calendar: %s plus %d days", day, days)
        return date.max if days > 0 else date.min


@dataclass(frozen=True)
class ConventionTerms:
    current_term_end: date | None
    last_possible_end: date | None
    next_notice_deadline: date | None  # last day to give notice before the next renewal
    renewals_left: int | None


def convention_terms(
    *,
    start: date,
    duration_months: int | None,
    tacit_renewals: int,
    notice_months: int | None,
    end_date: date | None,
    today: date,
) -> ConventionTerms:
    if duration_months is None:
        return ConventionTerms(end_date, end_date, None, None)
    term_ends = [
        add_days(add_months(start, duration_months * (k + 1)), -1)
        for k in range(tacit_renewals + 1)
    ]
    last = min(term_ends[-1], end_date) if end_date else term_ends[-1]
    # An end date (fixed, or early: démutualisation) cuts the terms that would run past it:
    # no renewal is left once the term in progress ends on that date.
    term_ends = [e for e in term_ends if e < last] + [last]
    current = next((e for e in term_ends if e >= today), last)
    index = term_ends.index(current)
    renewals_left = len(term_ends) - 1 - index if current >= today else 0
    notice = None
    if renewals_left and notice_months is not None:
        notice = add_days(add_months(add_days(current, 1), -notice_months), -1)
    return ConventionTerms(current, last, notice, renewals_left)


def renewable_term_end(
    *, start: date, duration_months: int, tacit_renewals: int, decided: int
) -> date:
    """The end of the term the next express renewal would extend: after the tacit renewals
    and the express ones already decided. Its decision must come before that day."""
    return add_days(add_months(start, duration_months * (tacit_renewals + decided + 1)), -1)
