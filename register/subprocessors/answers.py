"""The controllers' answers to a sub-processor (art. 28(2)): a specific written authorisation,
no objection, or an objection, dated and signed by whoever records it for the controller.

Only the controller answers for itself (its DPO or administrator: the route asks for the
register's edit permission in the controller's body); the processor reads the answers but
cannot give them. Each answer is journaled in the controller's chain, and the engagement's
new state in the processor's.
"""

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime
from uuid import UUID

from tortoise.transactions import in_transaction

from core.actor import current_actor
from core.audit.trail import record_created, record_event
from core.clock import to_local, utcnow
from core.errors import ValidationFailed
from core.scope import Scope
from register.enums import SubprocessorAuthorisation, label
from register.subprocessors.enums import AnswerKind, EngagementState
from register.subprocessors.models import SubprocessorAnswer, SubprocessorEngagement
from register.subprocessors.regime import ASKS_AUTHORISATION
from register.subprocessors.schemas import AnswerIn, AnswerOut
from register.subprocessors.states import EngagementStanding, Standing, standings
from register.subprocessors.visibility import served_engagement_ids


async def _standing(engagement: SubprocessorEngagement, today) -> EngagementStanding:
    named = await engagement.conventions.all().values_list("id", flat=True)
    return (await standings([engagement], {engagement.id: list(named)}, today=today))[engagement.id]


def _answering(scope: Scope, standing: EngagementStanding, data: AnswerIn) -> Standing:
    """The (convention, controller) the answer is for: a controller the caller acts for."""
    mine = [
        p
        for p in standing.parties
        if p.controller_id == data.controller_id and scope.allows(p.controller_id)
    ]
    if not mine:
        raise ValidationFailed.one(
            "body",
            "controller_id",
            msg="seul un responsable de traitement que sert ce sous-traitant ultérieur répond, "
            "par son délégué à la protection des données ou son administrateur : vous "
            "n'agissez pas pour cet organisme",
        )
    if data.convention_id is not None:
        mine = [p for p in mine if p.convention_id == data.convention_id]
        if not mine:
            raise ValidationFailed.one(
                "body",
                "convention_id",
                msg="ce sous-traitant ultérieur ne sert pas cette convention pour cet organisme",
            )
    if len(mine) > 1:
        raise ValidationFailed.one(
            "body", "convention_id", msg="précisez la convention au titre de laquelle vous répondez"
        )
    return mine[0]


def _refuse_answer_of_other_regime(party: Standing, answer: AnswerKind) -> None:
    if answer == AnswerKind.AUTHORISE and party.regime not in ASKS_AUTHORISATION:
        raise ValidationFailed.one(
            "body",
            "answer",
            msg=f"la convention « {party.convention_title} » donne une autorisation générale : "
            "répondez par une absence d'objection (accept) ou une objection (object)",
        )
    if answer == AnswerKind.ACCEPT and party.regime != SubprocessorAuthorisation.GENERAL:
        raise ValidationFailed.one(
            "body",
            "answer",
            msg=f"sous la convention « {party.convention_title} », chaque sous-traitant "
            "ultérieur demande une autorisation écrite spécifique : répondez par une "
            "autorisation (authorise) ou un refus (object)",
        )


async def record_answer(
    *,
    scope: Scope,
    engagement: SubprocessorEngagement,
    data: AnswerIn,
    now: datetime | None = None,
) -> AnswerOut:
    """Record one controller's answer; the latest of a controller under a convention stands."""
    now = now or utcnow()
    today = to_local(now).date()
    before = await _standing(engagement, today)
    party = _answering(scope, before, data)
    _refuse_answer_of_other_regime(party, data.answer)
    async with in_transaction():
        answer = await SubprocessorAnswer.create(
            engagement_id=engagement.id,
            convention_id=party.convention_id,
            controller_id=party.controller_id,
            answer=data.answer,
            comment=data.comment,
            answered_at=now,
            answered_by=current_actor(),
        )
        await record_created(SubprocessorAnswer, answer.id)
        after = await _standing(engagement, today)
        await record_event(
            [engagement.processor_id],
            action="subprocessor_engagement.answer",
            entity_type="subprocessor_engagement",
            entity_id=engagement.id,
            before={"state": before.state.value},
            after={
                "state": after.state.value,
                "answer_id": str(answer.id),
                "controller_id": str(party.controller_id),
                "convention_id": str(party.convention_id),
                "answer": data.answer.value,
            },
        )
    return _answer_out(answer, after)


def _answer_out(answer: SubprocessorAnswer, standing: EngagementStanding) -> AnswerOut:
    return AnswerOut(
        id=answer.id,
        engagement_id=answer.engagement_id,
        convention_id=answer.convention_id,
        controller_id=answer.controller_id,
        answer=AnswerKind(answer.answer),
        comment=answer.comment,
        answered_at=answer.answered_at,
        answered_by=answer.answered_by,
        engagement_state=standing.state,
    )


async def list_answers(
    *, scope: Scope, engagement: SubprocessorEngagement, now: datetime | None = None
) -> list[AnswerOut]:
    """Every answer, oldest first, as the caller may see them (register.subprocessors.states:
    a controller sees the conventions it is party to)."""
    standing = (await _standing(engagement, to_local(now or utcnow()).date())).seen_by(
        scope, engagement.processor_id
    )
    conventions = {c.id for c in standing.conventions}
    answers = await SubprocessorAnswer.filter(
        engagement_id=engagement.id, convention_id__in=list(conventions)
    ).order_by("answered_at", "id")
    return [_answer_out(a, standing) for a in answers]


@dataclass(frozen=True)
class Awaited:
    """An engagement waiting for an answer of one of the caller's controllers."""

    engagement_id: UUID
    name: str
    state_label: str
    controllers: list[str]
    objection_deadline: date | None


async def awaiting_answers(*, scope: Scope, today: date, limit: int = 20) -> list[Awaited]:
    """Sub-processors a controller the caller answers for has not answered yet: a request
    (specific, or a regime not stated) or a notice whose period to object still runs."""
    if scope.is_empty or scope.is_unrestricted:
        return []  # an instance administrator answers for no body of its own
    ids = await served_engagement_ids(list(scope.org_ids))
    engagements = await SubprocessorEngagement.filter(id__in=ids).order_by("name", "id")
    named: dict[UUID, list[UUID]] = defaultdict(list)
    rows = await SubprocessorEngagement.filter(id__in=ids).values_list("id", "conventions__id")
    for engagement_id, convention_id in rows:
        if convention_id is not None:
            named[engagement_id].append(convention_id)
    found = await standings(engagements, named, today=today)
    waiting = []
    for e in engagements:
        standing = found[e.id]
        if standing.state not in (EngagementState.REQUESTED, EngagementState.NOTIFIED):
            continue
        mine = [p for p in standing.parties if p.answer is None and scope.allows(p.controller_id)]
        if mine:
            names = list(dict.fromkeys(p.controller_name for p in mine))
            waiting.append(
                Awaited(e.id, e.name, label(standing.state), names, e.objection_deadline)
            )
    return waiting[:limit]
