"""The sub-processing regime of each convention an engagement serves, enforced (art. 28(2)).

A convention forbids sub-processing (`none`: refused, the convention named), asks the prior
specific written authorisation of each controller (`specific`, and `unknown`: a convention
that does not state its regime lets nothing pass silently), or gives a general authorisation
with a notice *before* the change and a period to object (`general`).
"""

from dataclasses import dataclass
from datetime import date, timedelta
from uuid import UUID

from core.errors import ValidationFailed
from core.french import format_day, plural
from register.conventions.models import Convention, ConventionParty
from register.enums import PROCESSOR_ROLES, SubprocessorAuthorisation

# GOSB–Juvisy annex 1 §II.6 only says « dans les plus brefs délais »: when the convention fixes
# no period and the engagement sets no date, its controllers get this many days to object.
DEFAULT_OBJECTION_DAYS = 30

ASKS_AUTHORISATION = frozenset(
    {SubprocessorAuthorisation.SPECIFIC, SubprocessorAuthorisation.UNKNOWN}
)


async def served_conventions(processor_id: UUID, convention_ids: list[UUID]) -> list[Convention]:
    """The conventions in force an engagement serves: those named, or (none named) every one
    where its processor acts as processor."""
    if not convention_ids:
        convention_ids = (
            await ConventionParty.in_force()
            .filter(organisation_id=processor_id, role__in=PROCESSOR_ROLES)
            .values_list("convention_id", flat=True)
        )
    return await Convention.in_force().filter(id__in=list(convention_ids)).order_by("title", "id")


def forbidding(conventions: list[Convention]) -> Convention | None:
    return next(
        (c for c in conventions if c.subprocessor_authorisation == SubprocessorAuthorisation.NONE),
        None,
    )


def refuse_forbidden(conventions: list[Convention], convention_ids: list[UUID]) -> None:
    """Art. 28(2): no sub-processor without the controller's prior written authorisation."""
    convention = forbidding(conventions)
    if convention is None:
        return
    loc: tuple = ("body", "convention_ids")
    if convention.id in convention_ids:
        loc = (*loc, convention_ids.index(convention.id))
    raise ValidationFailed.one(
        *loc,
        msg=f"la convention « {convention.title} » n'autorise pas la sous-traitance "
        "ultérieure (art. 28(2) RGPD)",
    )


@dataclass(frozen=True)
class Deadline:
    day: date  # the last day a controller may object
    days: int | None  # the convention's period, when it fixes one
    source: str  # "convention", "engagement" (a date set on it) or "default"


def objection_deadlines(
    general: list[Convention], *, today: date, set_deadline: date | None
) -> dict[UUID, Deadline]:
    """Each general convention's objection deadline for a change notified today: the date set
    on the engagement, never shorter than the convention's period; else the convention's
    period, or DEFAULT_OBJECTION_DAYS when it fixes none."""
    if set_deadline is not None:
        _refuse_short_deadline(general, today=today, deadline=set_deadline)
        return {
            c.id: Deadline(set_deadline, c.subprocessor_notice_days, "engagement") for c in general
        }
    return {
        c.id: (
            Deadline(
                today + timedelta(days=c.subprocessor_notice_days),
                c.subprocessor_notice_days,
                "convention",
            )
            if c.subprocessor_notice_days is not None
            else Deadline(today + timedelta(days=DEFAULT_OBJECTION_DAYS), None, "default")
        )
        for c in general
    }


def _refuse_short_deadline(general: list[Convention], *, today: date, deadline: date) -> None:
    if deadline <= today:
        raise ValidationFailed.one(
            "body",
            "objection_deadline",
            msg="la date limite d'opposition doit suivre la notification (au plus tôt demain)",
        )
    for convention in general:
        days = convention.subprocessor_notice_days
        if days is not None and deadline < today + timedelta(days=days):
            raise ValidationFailed.one(
                "body",
                "objection_deadline",
                msg=f"délai d'opposition plus court que celui de la convention « "
                f"{convention.title} » ({plural(days, 'jour')}, jusqu'au "
                f"{format_day(today + timedelta(days=days))} au moins)",
            )


def refuse_start_before_deadline(contract_start: date | None, deadline: date) -> None:
    """Under a general authorisation the controllers are told before the change (art. 28(2)):
    the sub-processor starts only once their period to object has run."""
    if contract_start is None:
        raise ValidationFailed.one(
            "body",
            "contract_start",
            msg="date de début du contrat requise : sous autorisation générale, les responsables "
            "de traitement sont informés avant le début, avec un délai pour s'y opposer "
            "(art. 28(2) RGPD)",
        )
    if contract_start <= deadline:
        raise ValidationFailed.one(
            "body",
            "contract_start",
            msg=f"le contrat ne peut commencer qu'après la fin du délai d'opposition (le "
            f"{format_day(deadline)}) : l'information doit précéder le changement "
            "(art. 28(2) RGPD)",
        )


def general_ones(conventions: list[Convention]) -> list[Convention]:
    return [
        c for c in conventions if c.subprocessor_authorisation == SubprocessorAuthorisation.GENERAL
    ]
