"""What an ended convention still holds, and what it may no longer found.

An ended convention confers no role for new work: no new activity, no new sub-processor
engagement names it (art. 28(3): processing by a processor is governed by a contract in
force). What it already covers stays, since the data are still there: a breach on them fans
out to its parties, and every page, notice and record says since when it has ended.
"""

from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from datetime import date
from uuid import UUID

from core.clock import today_local
from core.errors import ValidationFailed
from core.scope import Scope
from register.conventions.life import convention_life, ended_words
from register.conventions.models import Convention
from register.enums import ConventionStatus


def ended_note(convention: Convention, today: date) -> str | None:
    """« … » : convention échue le …, once it has ended (records, exports, pages)."""
    words = ended_words(convention_life(convention, today))
    return f"« {convention.title} » : {words}" if words else None


async def ended_conventions(convention_ids: Iterable[UUID], today: date) -> dict[UUID, str]:
    """The conventions among these that have ended, with what to say of each (title and
    end: « … », convention échue le …)."""
    ids = list(set(convention_ids))
    if not ids:
        return {}
    found = {}
    for convention in await Convention.filter(id__in=ids, status=ConventionStatus.IN_FORCE):
        note = ended_note(convention, today)
        if note:
            found[convention.id] = note
    return found


_EXISTING: ContextVar[bool] = ContextVar("recording_existing_work", default=False)


@contextmanager
def recording_existing_work() -> Iterator[None]:
    """Recording processing that already existed while its convention was in force (the
    demo register, as the seed conventions left it): not new work, so not refused."""
    token = _EXISTING.set(True)
    try:
        yield
    finally:
        _EXISTING.reset(token)


async def refuse_new_work(
    convention_ids: list[UUID], *, kept: Iterable[UUID] = (), what: str
) -> None:
    """422 naming the convention and its end when a new link names an ended convention;
    `kept`: the links the record already had (existing work stays)."""
    if _EXISTING.get():
        return
    ended = await ended_conventions(set(convention_ids) - set(kept), today_local())
    for index, convention_id in enumerate(convention_ids):
        if convention_id in ended:
            raise ValidationFailed.one(
                "body",
                "convention_ids",
                index,
                msg=f"{ended[convention_id]} ; une convention qui a pris fin ne fonde plus "
                f"de nouvelle {what}",
            )


@dataclass(frozen=True)
class Reliance:
    """A processing that still relies on an ended convention (dashboard)."""

    convention_id: UUID
    convention_title: str
    ended_words: str
    kind: str  # "activity" or "engagement"
    item_id: UUID
    item_name: str


async def relying_on_ended(scope: Scope, today: date) -> list[Reliance]:
    """Activities linked to, and engagements serving, an ended convention, among those the
    caller's bodies hold (the activity's controller, the engagement's processor)."""
    conventions = await Convention.filter(
        **Convention.scope_filter(scope), status=ConventionStatus.IN_FORCE
    ).distinct()
    out: list[Reliance] = []
    for convention in conventions:
        life = convention_life(convention, today)
        if not life.has_ended:
            continue
        words = ended_words(life) or ""
        activities = convention.activities.all().order_by("name")
        engagements = convention.subprocessor_engagements.all().order_by("name")
        if not scope.is_unrestricted:
            activities = activities.filter(controller_id__in=list(scope.org_ids))
            engagements = engagements.filter(processor_id__in=list(scope.org_ids))
        for activity in await activities:
            out.append(
                Reliance(
                    convention.id, convention.title, words, "activity", activity.id, activity.name
                )
            )
        for engagement in await engagements:
            out.append(
                Reliance(
                    convention.id,
                    convention.title,
                    words,
                    "engagement",
                    engagement.id,
                    engagement.name,
                )
            )
    return out
