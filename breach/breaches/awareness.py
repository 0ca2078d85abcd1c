"""Awareness (or detection) moved: what a move writes and when it needs reasons.

The controller may take a short investigation before it is "reasonably certain" that personal
data were compromised, and its 72 h run from then (WP250rev.01 and EDPB 9/2022, §II.A.2);
that period must be documented. So a move later than the instant recorded needs reasons, the
first instant is kept (written once), every move is kept with its author and reasons, and a
breach whose CNIL deadline had already passed when the move came stays marked as overdue
since that deadline: the late-reason rule of the CNIL notification judges from it.
Moving earlier shortens the clock and needs no reason.
"""

from datetime import datetime
from typing import Any

from breach.deadlines import CNIL, cnil_deadline, countdown, format_local, running_clocks
from core.errors import ValidationFailed

AWARENESS = "awareness"
DETECTION = "detection"


def require_reasons(
    current: datetime | None, moved_to: datetime, reasons: str | None, *, field: str, what: str
) -> None:
    """422 on `field` when `moved_to` is later than `current` and no reasons are given."""
    if current is None or moved_to <= current or (reasons and reasons.strip()):
        return
    raise ValidationFailed.one(
        "body",
        field,
        msg=f"{what} reportée après celle enregistrée ({format_local(current)}) : les motifs "
        "du report sont obligatoires (courte enquête documentée, lignes directrices 9/2022 "
        "du CEPD)",
    )


def missed_deadline(breach: Any, now: datetime) -> datetime | None:
    """The CNIL deadline of `breach` if its clock runs and is overdue at `now`."""
    for clock in running_clocks(breach):
        if clock.kind == CNIL and countdown(clock.deadline, now).overdue:
            return clock.deadline
    return None


def first_cnil_due(breach: Any) -> datetime | None:
    """The deadline lateness is judged from: the first one missed, if awareness moved after
    it, else the current one."""
    due = breach.cnil_due_at
    if breach.overdue_at and (due is None or breach.overdue_at < due):
        return breach.overdue_at
    return due


def missed_cnil_due(breach: Any, at: datetime) -> datetime | None:
    """The deadline an initial (or complete) notification to the CNIL made at `at` misses,
    judged from `first_cnil_due`, else None: the one lateness rule the step (late_reason
    required), the CNIL document (« Raisons du retard ») and the breach page ask."""
    due = first_cnil_due(breach)
    return due if due is not None and at > due else None


def move_values(
    breach: Any,
    aware_at: datetime,
    *,
    now: datetime,
    reasons: str | None,
    author: str | None,
    cause: str = AWARENESS,
) -> dict[str, Any]:
    """The columns a new awareness instant writes on `breach` (a Breach as stored now)."""
    values: dict[str, Any] = {"aware_at": aware_at, "cnil_due_at": cnil_deadline(aware_at)}
    before = breach.aware_at
    if before is None or before == aware_at:
        return values
    later = aware_at > before
    move = {
        "at": now.isoformat(),
        "author": author,
        "from_at": before.isoformat(),
        "to_at": aware_at.isoformat(),
        "later": later,
        "reasons": reasons,
        "cause": cause,
    }
    values["aware_moves"] = [*(breach.aware_moves or []), move]
    if breach.first_aware_at is None:
        values["first_aware_at"] = before
    missed = missed_deadline(breach, now)
    if later and missed is not None and breach.overdue_at is None:
        values["overdue_at"] = missed
    return values


def moved_text(out: Any) -> str | None:
    """« prise de connaissance initialement enregistrée le … ; reportée au … : motifs » for a
    breach (BreachOut) whose awareness moved, else None."""
    moves = out.aware_moves or []
    if not moves:
        return None
    parts = [
        f"prise de connaissance initialement enregistrée le {format_local(out.first_aware_at)}"
    ]
    for move in moves:
        verb = "reportée au" if move.later else "avancée au"
        text = f"{verb} {format_local(move.to_at)}"
        if move.cause == DETECTION:
            text += " (détection corrigée)"
        if move.reasons:
            text += f" : {move.reasons}"
        parts.append(text)
    return " ; ".join(parts)


def overdue_text(out: Any) -> str | None:
    """« délai dépassé le … » for a breach marked overdue before its awareness moved."""
    if out.overdue_at is None:
        return None
    return f"délai dépassé le {format_local(out.overdue_at)}"
