"""What the dashboard shows a signed-in person, each part within the scope of the permission
it needs: running breach clocks, dates of the coming weeks, failed messages, and how complete
each body's register is."""

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from breach.breaches.delivery import UndeliveredNotice, undelivered_notices
from breach.breaches.models import Breach
from breach.breaches.names import shown_refs
from breach.breaches.service import DeadlineOut, open_deadlines
from core.clock import today_local
from core.outbox.models import MessageStatus, OutboxMessage
from core.outbox.service import list_messages
from core.scope import Scope
from register.activities.models import ProcessingActivity
from register.completeness import BodyCompleteness, register_completeness
from register.conventions.alerts import ConventionEvent, events_of
from register.conventions.end_of_service_records import steps_due_by
from register.conventions.ended import Reliance, relying_on_ended
from register.conventions.models import Convention
from register.enums import label
from register.organisations.models import Organisation

UPCOMING_DAYS = 60


@dataclass
class UpcomingDate:
    day: date
    what: str
    body: str
    href: str
    overdue: bool = False  # past its day and not done (a convention's end of service)


@dataclass
class Dashboard:
    deadlines: list[DeadlineOut] = field(default_factory=list)
    # Notices to a controller whose e-mail is not accepted yet (breach.breaches.delivery).
    undelivered: list[UndeliveredNotice] = field(default_factory=list)
    breach_titles: dict = field(default_factory=dict)  # breach id → "VIO-… — controller"
    upcoming: list[UpcomingDate] = field(default_factory=list)
    failed_messages: list[OutboxMessage] = field(default_factory=list)
    completeness: list[BodyCompleteness] = field(default_factory=list)
    # Processing still relying on a convention that has ended (register.conventions.ended).
    ended_reliance: list[Reliance] = field(default_factory=list)


async def _upcoming(scope: Scope, today: date) -> list[UpcomingDate]:
    until = today + timedelta(days=UPCOMING_DAYS)
    names = dict(
        await Organisation.filter(**Organisation.scope_filter(scope)).values_list(
            "id", "legal_name"
        )
    )
    found = [
        UpcomingDate(
            a.next_review,
            f"Revue de la fiche « {a.name} »",
            names[a.controller_id],
            f"/registre/{a.id}",
        )
        for a in await ProcessingActivity.filter(
            controller_id__in=list(names), next_review__gte=today, next_review__lte=until
        )
    ]
    conventions = (
        await Convention.in_force().filter(parties__organisation_id__in=list(names)).distinct()
    )
    for convention in conventions:
        for event in events_of(convention, today):
            # The data's fate: from its steps, below, overdue ones included.
            if event.day <= until and event.event != ConventionEvent.DATA_FATE:
                found.append(
                    UpcomingDate(
                        event.day,
                        f"{label(event.event)} — {convention.title}",
                        "",
                        f"/conventions/{convention.id}",
                    )
                )
    for due in await steps_due_by(conventions, today, until):
        steps = ", ".join(label(s).lower() for s in due.steps)
        found.append(
            UpcomingDate(
                due.day,
                f"Fin de prestation : {steps} — {due.convention.title}",
                due.controller_name,
                f"/conventions/{due.convention.id}#fin-de-service",  # readable by every role
                overdue=due.overdue,
            )
        )
    return sorted(found, key=lambda u: u.day)


async def dashboard(
    *,
    breaches_scope: Scope,
    register_scope: Scope,
    messages_scope: Scope,
    now: datetime,
) -> Dashboard:
    board = Dashboard()
    today = today_local()
    if not breaches_scope.is_empty:
        board.deadlines = await open_deadlines(scope=breaches_scope, now=now)
        board.undelivered = await undelivered_notices(breaches_scope)
        ids = {d.breach_id for d in board.deadlines} | {u.breach_id for u in board.undelivered}
        rows = await Breach.filter(id__in=list(ids)).values_list("id", "ref", "controller_id")
        names = dict(
            await Organisation.filter(id__in=[r[2] for r in rows]).values_list("id", "legal_name")
        )
        refs = await shown_refs(rows)
        board.breach_titles = {i: f"{refs[i]} — {names.get(c, '')}" for i, _, c in rows}
    if not register_scope.is_empty:
        board.upcoming = await _upcoming(register_scope, today)
        board.completeness = await register_completeness(scope=register_scope, today=today)
        board.ended_reliance = await relying_on_ended(register_scope, today)
    if not messages_scope.is_empty:
        page = await list_messages(
            scope=messages_scope, limit=20, offset=0, status=MessageStatus.FAILED
        )
        board.failed_messages = page.items
    return board
