"""Recording the events of a convention's life (register.conventions.life explains who may).

A notice is one party's act under the clause: written at once, journaled in every party's
chain. An early termination or an express renewal changes what the parties agreed: it goes
through `service.update_convention`, so it is a proposal until each other party accepts it.
"""

from dataclasses import replace
from datetime import date
from uuid import UUID

from tortoise.transactions import in_transaction

from core.actor import current_actor
from core.clock import today_local
from core.errors import Conflict, ValidationFailed
from core.french import format_day, plural
from core.persistence import update_versioned
from core.scope import Scope
from core.validators import day_problem
from register.conventions import service
from register.conventions.life import (
    convention_life,
    events_of_convention,
    life_of,
    notice_end,
    past_end_problem,
)
from register.conventions.models import Convention, ConventionParty
from register.conventions.notice_mail import tell_other_parties
from register.conventions.schemas import ConventionOut
from register.enums import ConventionStatus


async def _accepted(scope: Scope, convention_id: UUID) -> Convention:
    """A convention its parties accepted. A decision may be recorded after the fact (an
    express renewal decided in 2021): only a notice needs the convention still running."""
    convention = await service.get_convention(scope=scope, convention_id=convention_id)
    if convention.status != ConventionStatus.IN_FORCE:
        raise Conflict("la convention n'est pas en vigueur : elle n'a pas été acceptée")
    return convention


async def _check_notice_party(scope: Scope, convention: Convention, organisation_id: UUID):
    parties = await ConventionParty.filter(convention_id=convention.id).values_list(
        "organisation_id", flat=True
    )
    if organisation_id not in parties or not scope.allows(organisation_id):
        raise ValidationFailed.one(
            "body",
            "organisation_id",
            msg="seule une partie pour laquelle vous agissez peut donner son préavis",
        )


def _notice_end(convention: Convention, given_on: date, effective_on: date | None) -> date:
    """The last day in force after the notice: the notice period at least, the convention's
    last possible end at most."""
    today = today_local()
    if effective_on is not None and day_problem(effective_on):
        raise ValidationFailed.one("body", "effective_on", msg=day_problem(effective_on))
    if given_on > today or given_on < convention.start_date:
        raise ValidationFailed.one(
            "body",
            "given_on",
            msg="le préavis se date entre le début de la convention et aujourd'hui",
        )
    months = convention.notice_months or 0
    earliest = notice_end(given_on=given_on, notice_months=months) if months else given_on
    last = convention_life(convention, today).terms.last_possible_end
    chosen = effective_on or (min(earliest, last) if last else earliest)
    if chosen < earliest and (last is None or chosen < last):
        raise ValidationFailed.one(
            "body",
            "effective_on",
            msg=f"un préavis de {plural(months, 'mois', 'mois')} court au moins jusqu'au "
            f"{format_day(earliest)}",
        )
    if last is not None and chosen > last:
        raise ValidationFailed.one(
            "body",
            "effective_on",
            msg=f"la convention prend fin au plus tard le {format_day(last)}",
        )
    return chosen


async def record_notice(
    *,
    scope: Scope,
    convention_id: UUID,
    version: int,
    organisation_id: UUID,
    given_on: date,
    effective_on: date | None = None,
) -> ConventionOut:
    """One party's notice under the convention's clause (seed 000 art. 7: « sous réserve de
    respecter un préavis de trois mois »): the convention is then in notice until its end."""
    convention = await _accepted(scope, convention_id)
    life = convention_life(convention, today_local())
    if life.has_ended:
        raise Conflict(f"la convention a déjà pris fin le {format_day(life.ended_on)}")
    await _check_notice_party(scope, convention, organisation_id)
    if convention.notice_months is None:
        raise ValidationFailed.one(
            "body",
            "given_on",
            msg="la convention ne prévoit pas de préavis : proposez plutôt aux autres parties "
            "de la résilier",
        )
    if convention.notice_given_on is not None:
        raise Conflict(f"un préavis a déjà été donné le {format_day(convention.notice_given_on)}")
    ends = _notice_end(convention, given_on, effective_on)
    async with in_transaction():
        await update_versioned(
            Convention,
            obj_id=convention.id,
            expected_version=version,
            values={
                "notice_given_on": given_on,
                "notice_party": organisation_id,
                "notice_effective_on": ends,
                "notice_recorded_by": current_actor(),
            },
        )
        noticed = await Convention.get(id=convention.id)
        await tell_other_parties(noticed)
    return await service.convention_out(noticed)


async def record_termination(
    *,
    scope: Scope,
    convention_id: UUID,
    version: int,
    terminated_on: date,
    reason: str,
    decided_by: str | None = None,
) -> tuple[ConventionOut, bool]:
    """An early termination agreed by the parties: a change of the convention (proposed to
    the parties the caller does not act for). Answers the convention and whether proposed."""
    convention = await _accepted(scope, convention_id)
    _check_termination_day(convention, terminated_on)
    patch = {
        "terminated_on": terminated_on,
        "termination_reason": reason,
        "terminated_by": decided_by or current_actor(),
    }
    return await service.update_convention(
        scope=scope, convention_id=convention_id, version=version, patch=patch
    )


def _check_termination_day(convention: Convention, terminated_on: date) -> None:
    """A termination ends the convention before its end as it stands without it (its terms,
    an end date, a notice given); the text's own dates are checked by ConventionIn."""
    today = today_local()
    events = replace(events_of_convention(convention), terminated_on=None)
    life = life_of(
        start=convention.start_date,
        duration_months=convention.duration_months,
        tacit_renewals=convention.tacit_renewals,
        notice_months=convention.notice_months,
        end_date=convention.end_date,
        events=events,
        today=today,
    )
    problem = past_end_problem(life.terms.last_possible_end, terminated_on, today)
    if problem:
        raise ValidationFailed.one("body", "terminated_on", msg=problem)


async def record_express_renewal(
    *, scope: Scope, convention_id: UUID, version: int, decided_on: date, reference: str
) -> tuple[ConventionOut, bool]:
    """An express renewal decided by the parties (seed 001/003 art. 6): a change of the
    convention, like any other the parties must agree to."""
    convention = await _accepted(scope, convention_id)
    decisions = [*(convention.express_renewal_decisions or [])]
    decisions.append({"decided_on": decided_on.isoformat(), "reference": reference})
    return await service.update_convention(
        scope=scope,
        convention_id=convention_id,
        version=version,
        patch={"express_renewal_decisions": decisions},
    )
