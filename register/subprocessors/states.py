"""Where each engagement stands with the controllers it serves: derived, never stored.

From the conventions it serves (their regime), each controller party's latest answer and the
dates: a forbidden one, a request awaiting authorisations, a notice whose period to object
runs, an objection standing, authorised before its start, active. The same answer for the
processor's and the controllers' pages and API output.
"""

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime
from uuid import UUID

from core.articles import of
from core.french import format_day
from core.scope import Scope
from register.conventions.models import Convention, ConventionParty
from register.enums import PROCESSOR_ROLES, PartyRole, SubprocessorAuthorisation
from register.organisations.models import Organisation
from register.subprocessors.enums import AnswerKind, EngagementState
from register.subprocessors.models import SubprocessorAnswer, SubprocessorEngagement
from register.subprocessors.regime import ASKS_AUTHORISATION

# The parties a processor answers to under the convention (art. 28(2): "the controller").
CONTROLLER_ROLES = (
    PartyRole.CONTROLLER,
    PartyRole.JOINT_CONTROLLER,
    PartyRole.SERVICE_COMMUN_MEMBER,
)


@dataclass(frozen=True)
class Standing:
    """One controller of one served convention, and its answer standing (None: none yet)."""

    convention_id: UUID
    convention_title: str
    regime: SubprocessorAuthorisation
    controller_id: UUID
    controller_name: str
    answer: AnswerKind | None
    comment: str | None
    answered_at: datetime | None
    answered_by: str | None


@dataclass(frozen=True)
class EngagementStanding:
    state: EngagementState
    conventions: list[Convention]
    parties: list[Standing]

    def seen_by(self, scope: Scope, processor_id: UUID) -> "EngagementStanding":
        """The processor's people see every controller; a controller, the conventions it is
        party to (a co-party's answer under another convention is that body's business)."""
        if scope.allows(processor_id):
            return self
        mine = {p.convention_id for p in self.parties if scope.allows(p.controller_id)}
        return EngagementStanding(
            self.state,
            [c for c in self.conventions if c.id in mine],
            [p for p in self.parties if p.convention_id in mine],
        )

    @property
    def objections(self) -> list[Standing]:
        return [p for p in self.parties if p.answer == AnswerKind.OBJECT]

    @property
    def awaited(self) -> list[Standing]:
        """The controllers whose specific authorisation is still missing."""
        return [
            p
            for p in self.parties
            if p.regime in ASKS_AUTHORISATION and p.answer != AnswerKind.AUTHORISE
        ]


def derive_state(
    engagement: SubprocessorEngagement,
    conventions: list[Convention],
    parties: list[Standing],
    today: date,
) -> EngagementState:
    regimes = {c.subprocessor_authorisation for c in conventions}
    if SubprocessorAuthorisation.NONE in regimes:
        return EngagementState.FORBIDDEN
    if any(p.answer == AnswerKind.OBJECT for p in parties):
        return EngagementState.OBJECTED
    if any(p.regime in ASKS_AUTHORISATION and p.answer != AnswerKind.AUTHORISE for p in parties):
        return EngagementState.REQUESTED
    general = [p for p in parties if p.regime == SubprocessorAuthorisation.GENERAL]
    deadline = engagement.objection_deadline
    running = deadline is not None and today <= deadline
    if running and any(p.answer != AnswerKind.ACCEPT for p in general):
        return EngagementState.NOTIFIED
    if engagement.contract_start and engagement.contract_start > today:
        return EngagementState.AUTHORISED
    return EngagementState.ACTIVE


async def _served(
    engagements: list[SubprocessorEngagement], named: dict[UUID, list[UUID]]
) -> dict[UUID, list[UUID]]:
    """Each engagement's conventions: those named, or every one of its processor's."""
    implicit = {e.processor_id for e in engagements if not named.get(e.id)}
    by_processor: dict[UUID, list[UUID]] = defaultdict(list)
    if implicit:
        rows = (
            await ConventionParty.in_force()
            .filter(organisation_id__in=list(implicit), role__in=PROCESSOR_ROLES)
            .values_list("organisation_id", "convention_id")
        )
        for org_id, convention_id in rows:
            by_processor[org_id].append(convention_id)
    return {e.id: named.get(e.id) or by_processor[e.processor_id] for e in engagements}


async def _latest_answers(
    engagements: list[SubprocessorEngagement],
) -> dict[tuple, SubprocessorAnswer]:
    """Each controller's answer standing: the last one given since the controllers were last
    written to (an answer about a replaced sub-processor says nothing of its successor)."""
    since = {e.id: e.change_notified_at for e in engagements}
    latest: dict[tuple, SubprocessorAnswer] = {}
    answers = await SubprocessorAnswer.filter(engagement_id__in=list(since)).order_by(
        "answered_at", "id"
    )
    for a in answers:  # in time order: the last one stands
        notified = since[a.engagement_id]
        if notified is None or a.answered_at >= notified:
            latest[(a.engagement_id, a.convention_id, a.controller_id)] = a
    return latest


async def standings(
    engagements: list[SubprocessorEngagement], named: dict[UUID, list[UUID]], *, today: date
) -> dict[UUID, EngagementStanding]:
    """Every engagement's standing, in five queries whatever their number."""
    served = await _served(engagements, named)
    all_ids = {c for ids in served.values() for c in ids}
    conventions = {
        c.id: c
        for c in await Convention.in_force().filter(id__in=list(all_ids)).order_by("title", "id")
    }
    controllers: dict[UUID, list[UUID]] = defaultdict(list)
    rows = await ConventionParty.filter(
        convention_id__in=list(conventions), role__in=CONTROLLER_ROLES
    ).values_list("convention_id", "organisation_id")
    for convention_id, org_id in sorted(rows, key=lambda r: (str(r[0]), str(r[1]))):
        controllers[convention_id].append(org_id)
    latest = await _latest_answers(engagements)
    names = dict(
        await Organisation.filter(
            id__in=list({o for orgs in controllers.values() for o in orgs})
        ).values_list("id", "legal_name")
    )
    result = {}
    for e in engagements:
        mine = sorted(
            (conventions[c] for c in served[e.id] if c in conventions),
            key=lambda c: (c.title, str(c.id)),
        )
        parties = list(_parties(e, mine, controllers, latest, names))
        result[e.id] = EngagementStanding(derive_state(e, mine, parties, today), mine, parties)
    return result


def _parties(
    engagement: SubprocessorEngagement,
    conventions: list[Convention],
    controllers: dict[UUID, list[UUID]],
    latest: dict[tuple, SubprocessorAnswer],
    names: dict[UUID, str],
) -> Iterable[Standing]:
    for c in conventions:
        for org_id in controllers[c.id]:
            if org_id == engagement.processor_id:
                continue
            a = latest.get((engagement.id, c.id, org_id))
            yield Standing(
                convention_id=c.id,
                convention_title=c.title,
                regime=SubprocessorAuthorisation(c.subprocessor_authorisation),
                controller_id=org_id,
                controller_name=names.get(org_id, ""),
                answer=AnswerKind(a.answer) if a else None,
                comment=a.comment if a else None,
                answered_at=a.answered_at if a else None,
                answered_by=a.answered_by if a else None,
            )


def state_reasons(engagement: SubprocessorEngagement, standing: EngagementStanding) -> list[str]:
    """What the state rests on, in French, for both sides' pages and API output."""
    reasons = []
    for c in standing.conventions:
        if c.subprocessor_authorisation == SubprocessorAuthorisation.NONE:
            reasons.append(
                f"La convention « {c.title} » n'autorise pas la sous-traitance ultérieure "
                "(art. 28(2) RGPD)."
            )
        elif c.subprocessor_authorisation == SubprocessorAuthorisation.UNKNOWN:
            reasons.append(
                f"La convention « {c.title} » ne précise pas le régime de sous-traitance "
                "ultérieure : l'autorisation écrite spécifique de chaque responsable de "
                "traitement est requise (art. 28(2) RGPD)."
            )
    for p in standing.objections:
        said = f" : {p.comment}" if p.comment else ""
        reasons.append(
            f"Objection {of(p.controller_name)} (convention « {p.convention_title} »), "
            f"le {format_day(p.answered_at.date())}{said}."
        )
    for p in standing.awaited:
        if p.answer is None:
            reasons.append(
                f"Autorisation écrite attendue : {p.controller_name} "
                f"(convention « {p.convention_title} »)."
            )
    if standing.state == EngagementState.NOTIFIED and engagement.objection_deadline:
        reasons.append(f"Délai d'opposition jusqu'au {format_day(engagement.objection_deadline)}.")
    return reasons
