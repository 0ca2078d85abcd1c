"""How complete each body's register is: activities still drafts, finished ones missing a
mandatory art. 30(1) item, reviews overdue, processor conventions lacking an art. 28(3)
clause (what a DPO's dashboard shows first).

A transfer outside the EU/EEA made along an activity's sub-processor chain without a mechanism
(register.chains.transfers) is a missing art. 30(1)(e) item of that activity."""

from dataclasses import dataclass
from datetime import date
from uuid import UUID

from core.scope import Scope
from register.activities.models import ProcessingActivity
from register.chains.transfers import activities_with_transfer_gaps
from register.conventions.checklist import bodies_lacking_clauses
from register.enums import ActivityStatus, LegalBasis
from register.organisations.models import Organisation

_FIELDS = (
    "controller_id",
    "status",
    "purposes",
    "legal_basis",
    "data_subject_categories",
    "data_categories",
    "retention",
    "recipients",
    "next_review",
    "id",
)


@dataclass
class BodyCompleteness:
    organisation_id: UUID
    name: str
    activities: int = 0
    drafts: int = 0
    incomplete: int = 0  # missing at least one mandatory art. 30(1) item
    reviews_overdue: int = 0
    clauses_absent: int = 0  # processor conventions in force lacking an art. 28(3) clause
    transfer_gaps: int = 0  # activities whose chain transfers outside the EU with no mechanism

    @property
    def complete_share(self) -> int:
        """Percentage of activities with every mandatory item (100 for an empty register)."""
        if not self.activities:
            return 100
        return round(100 * (self.activities - self.incomplete) / self.activities)


def _missing_any(row: tuple) -> bool:
    _, _, purposes, basis, subjects, categories, retention, recipients, _, _ = row
    return (
        not purposes
        or basis == LegalBasis.TO_BE_DETERMINED
        or not subjects
        or not categories
        or not retention
        or not recipients
    )


async def register_completeness(*, scope: Scope, today: date) -> list[BodyCompleteness]:
    orgs = Organisation.filter(**Organisation.scope_filter(scope)).order_by("legal_name")
    bodies = {
        org_id: BodyCompleteness(org_id, name)
        for org_id, name in await orgs.values_list("id", "legal_name")
    }
    rows = await ProcessingActivity.filter(controller_id__in=list(bodies)).values_list(*_FIELDS)
    gaps = await activities_with_transfer_gaps(list(bodies))
    for row in rows:
        body = bodies[row[0]]
        body.activities += 1
        body.drafts += row[1] == ActivityStatus.DRAFT
        body.incomplete += _missing_any(row) or row[-1] in gaps
        body.transfer_gaps += row[-1] in gaps
        body.reviews_overdue += bool(row[-2] and row[-2] < today)
    for org_id in await bodies_lacking_clauses(list(bodies)):
        bodies[org_id].clauses_absent += 1
    return list(bodies.values())
