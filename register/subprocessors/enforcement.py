"""What the conventions' regimes allow when an engagement is recorded or changed (art. 28(2)).

The rules are in register.subprocessors.regime; this module applies them to a creation, a
replacement (a new change: new notices, a new period to object) and a new start date.
"""

from dataclasses import dataclass, field
from datetime import date
from uuid import UUID

from core.errors import ValidationFailed
from register.conventions.models import Convention
from register.subprocessors.enums import EngagementState
from register.subprocessors.models import SubprocessorEngagement
from register.subprocessors.regime import (
    ASKS_AUTHORISATION,
    Deadline,
    general_ones,
    objection_deadlines,
    refuse_forbidden,
    refuse_start_before_deadline,
    served_conventions,
)
from register.subprocessors.schemas import EngagementIn
from register.subprocessors.states import standings


@dataclass(frozen=True)
class ChangePlan:
    """The conventions whose controllers are written to: the general ones, each with its
    deadline to object; those asking a specific authorisation (or silent on the regime)."""

    general: list[Convention] = field(default_factory=list)
    deadlines: dict[UUID, Deadline] = field(default_factory=dict)
    asking: list[Convention] = field(default_factory=list)

    @property
    def deadline(self) -> date | None:
        return max((d.day for d in self.deadlines.values()), default=None)


async def plan_change(
    data: EngagementIn, *, today: date, notify: bool, set_deadline: date | None
) -> ChangePlan:
    """Refuse a sub-processor a convention forbids; under a general authorisation, the
    deadline to object of a change notified today and a start after it; under a specific one,
    a request to each controller. `notify=False` records a past engagement: no message, no
    deadline."""
    served = await served_conventions(data.processor_id, data.convention_ids)
    refuse_forbidden(served, data.convention_ids)
    if not notify:
        return ChangePlan()
    asking = [c for c in served if c.subprocessor_authorisation in ASKS_AUTHORISATION]
    general = general_ones(served)
    if not general:
        return ChangePlan(asking=asking)
    deadlines = objection_deadlines(general, today=today, set_deadline=set_deadline)
    plan = ChangePlan(general, deadlines, asking)
    refuse_start_before_deadline(data.contract_start, plan.deadline)
    return plan


async def refuse_silent_start(
    engagement: SubprocessorEngagement, merged: EngagementIn, *, today: date
) -> None:
    """A new start date that makes the sub-processor start now (or in the past) while an
    objection stands or an authorisation is awaited is refused: it cannot start silently."""
    start = merged.contract_start
    if start is None or start == engagement.contract_start or start > today:
        return
    standing = (await standings([engagement], {engagement.id: merged.convention_ids}, today=today))[
        engagement.id
    ]
    if standing.state == EngagementState.OBJECTED:
        titles = sorted({p.convention_title for p in standing.objections})
        raise ValidationFailed.one(
            "body",
            "contract_start",
            msg="une objection est en cours (convention « "
            + " », « ".join(titles)
            + " ») : le sous-traitant ultérieur ne peut commencer tant qu'elle n'est pas levée",
        )
    if standing.state == EngagementState.REQUESTED:
        raise ValidationFailed.one(
            "body",
            "contract_start",
            msg="l'autorisation écrite de chaque responsable de traitement est attendue : le "
            "sous-traitant ultérieur ne peut commencer avant (art. 28(2) RGPD)",
        )
    deadline = engagement.objection_deadline
    if deadline is not None and general_ones(standing.conventions) and start <= deadline:
        refuse_start_before_deadline(start, deadline)
