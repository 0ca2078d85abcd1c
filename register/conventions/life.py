"""A convention's life, derived from its dates and events: the one place that says where it
stands (in force, renewed, in notice, ended, terminated early) and since when it has ended.

Only events are stored: a notice given by one party (with the day it takes effect), an early
termination (day, reason, who decided), the express renewals the convention allows and those
decided. Its terms (`convention_terms`) give the last possible end; an end date (fixed, or
early: démutualisation), a termination or a notice cuts it. Once that day has passed, the
convention confers no role for new work (no new sub-processor, no new activity under it),
while what it already covers (data still held, a breach on them) keeps its parties, every page
saying since when it has ended.

Who records what: a notice is the unilateral act the clause gives each party (seed 000 art. 7,
seed 004 art. 10), so a party records it alone; an early termination or an express renewal is
a decision of all the parties, so it changes the text they agreed and goes through the
proposals (register.conventions.consent).
"""

from dataclasses import dataclass, replace
from datetime import date

from core.french import format_day
from register.conventions.models import Convention
from register.conventions.terms import ConventionTerms, add_days, add_months, convention_terms
from register.enums import ConventionState


@dataclass(frozen=True)
class LifeEvents:
    """What happened to a convention, as stored (every field optional)."""

    notice_effective_on: date | None = None  # the last day in force after a notice
    terminated_on: date | None = None  # the last day in force after an early termination
    express_renewals: int = 0  # express renewals decided (within those the convention allows)


@dataclass(frozen=True)
class ConventionLife:
    terms: ConventionTerms
    ended_on: date | None  # the last day it was in force, once past
    state: ConventionState = ConventionState.IN_FORCE
    renewal: str | None = None  # "tacit" or "express": how the term in progress came about

    @property
    def has_ended(self) -> bool:
        return self.ended_on is not None


def _term_index(start: date, duration_months: int, today: date) -> int:
    """0 for the first term, k for the k-th renewal (the term holding `today`)."""
    index = 0
    while add_months(start, duration_months * (index + 1)) <= today:
        index += 1
    return index


def counted_events(
    *, tacit_renewals: int, end_date: date | None, events: LifeEvents
) -> tuple[int, date | None]:
    """The renewals and the end date the terms run on once the events count: the express
    renewals decided follow the tacit ones; a termination or a notice cuts like an end date."""
    cuts = [d for d in (end_date, events.terminated_on, events.notice_effective_on) if d]
    return tacit_renewals + events.express_renewals, min(cuts) if cuts else None


def life_of(
    *,
    start: date,
    duration_months: int | None,
    tacit_renewals: int,
    notice_months: int | None,
    end_date: date | None,
    events: LifeEvents,
    today: date,
) -> ConventionLife:
    """The state of a convention on `today`. Express renewals come after the tacit ones
    (seed 001/003 art. 6: « renouvelée pour une même durée une fois maximum par reconduction
    expresse »): one not decided means the convention ends at its term."""
    renewals, end = counted_events(tacit_renewals=tacit_renewals, end_date=end_date, events=events)
    terms = convention_terms(
        start=start,
        duration_months=duration_months,
        tacit_renewals=renewals,
        notice_months=notice_months,
        end_date=end,
        today=today,
    )
    last = terms.last_possible_end
    ended_on = last if last is not None and last < today else None
    if ended_on is not None:
        early = events.terminated_on is not None and last == events.terminated_on
        state = ConventionState.TERMINATED_EARLY if early else ConventionState.ENDED
        return ConventionLife(terms, ended_on, state)
    if last is not None and last in (events.notice_effective_on, events.terminated_on):
        # Its end is set: no renewal left to give notice against.
        terms = replace(terms, next_notice_deadline=None)
        return ConventionLife(terms, None, ConventionState.IN_NOTICE)
    index = _term_index(start, duration_months, today) if duration_months else 0
    if index == 0 or today < start:
        return ConventionLife(terms, None, ConventionState.IN_FORCE)
    renewal = "tacit" if index <= tacit_renewals else "express"
    return ConventionLife(terms, None, ConventionState.RENEWED, renewal)


def notice_end(*, given_on: date, notice_months: int) -> date:
    """The last day in force after a notice given on `given_on`: the notice period counted
    in months from that day (seed 000 art. 7: « sous réserve de respecter un préavis de trois
    mois, il pourra être mis fin à la présente convention à tout moment »)."""
    return add_days(add_months(given_on, notice_months), -1)


def past_end_problem(last: date | None, day: date, today: date) -> str | None:
    """Why an event dated `day` (a termination) cannot end a convention whose last possible
    end is `last`: it would come after that end (None when it does not)."""
    if last is None or day <= last:
        return None
    if last < today:
        return f"la convention avait déjà pris fin le {format_day(last)}"
    return f"la convention prend fin au plus tard le {format_day(last)}, avant ce jour"


def events_of_convention(convention: Convention) -> LifeEvents:
    decided = len(convention.express_renewal_decisions or [])
    return LifeEvents(
        notice_effective_on=convention.notice_effective_on,
        terminated_on=convention.terminated_on,
        express_renewals=min(decided, convention.express_renewals or 0),
    )


def terms_of(convention: Convention, today: date) -> ConventionTerms:
    return convention_life(convention, today).terms


def convention_life(convention: Convention, today: date) -> ConventionLife:
    return life_of(
        start=convention.start_date,
        duration_months=convention.duration_months,
        tacit_renewals=convention.tacit_renewals,
        notice_months=convention.notice_months,
        end_date=convention.end_date,
        events=events_of_convention(convention),
        today=today,
    )


def ended_words(life: ConventionLife) -> str | None:
    """What every page, notice and record says of an ended convention (None while in force)."""
    if life.ended_on is None:
        return None
    if life.state == ConventionState.TERMINATED_EARLY:
        return f"convention résiliée avant son terme, fin le {format_day(life.ended_on)}"
    return f"convention échue le {format_day(life.ended_on)}"
