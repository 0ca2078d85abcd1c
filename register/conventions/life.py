"""A convention's life, derived from its dates: the one place that says whether it has ended.

Its terms (`convention_terms`) give the last possible end; an end date (fixed, or early:
démutualisation) cuts it. Once that day has passed, the convention confers no role for new
work (no new sub-processor, no new activity under it), while what it already covers (data
still held, a breach on them) keeps its parties, every page saying since when it has ended.
"""

from dataclasses import dataclass
from datetime import date

from register.conventions.models import Convention
from register.conventions.terms import ConventionTerms, convention_terms


@dataclass(frozen=True)
class ConventionLife:
    terms: ConventionTerms
    ended_on: date | None  # the last day it was in force, once past

    @property
    def has_ended(self) -> bool:
        return self.ended_on is not None


def terms_of(convention: Convention, today: date) -> ConventionTerms:
    return convention_terms(
        start=convention.start_date,
        duration_months=convention.duration_months,
        tacit_renewals=convention.tacit_renewals,
        notice_months=convention.notice_months,
        end_date=convention.end_date,
        today=today,
    )


def convention_life(convention: Convention, today: date) -> ConventionLife:
    terms = terms_of(convention, today)
    last = terms.last_possible_end
    return ConventionLife(terms, last if last is not None and last < today else None)
