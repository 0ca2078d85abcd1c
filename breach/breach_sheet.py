"""The breach page's view model: what a signed-in person sees of one breach, which steps the
page offers them, and the messages those steps would send, as they would be sent now.

Built here, in the domain, so the page route only renders it
(api/web/routes/violations/breach_page.py), from the rules that decide it elsewhere: what the
caller sees (breach.breaches.visibility), which steps the state allows and the permission each
needs (breach.breaches.workflow).
"""

from dataclasses import dataclass, fields
from datetime import datetime
from typing import Any
from uuid import UUID

from breach import phases
from breach.assessment import DECISION_NOTICE
from breach.breaches import awareness, joint, service, visibility, workflow
from breach.breaches.schemas import BreachOut
from breach.enums import BreachPath, NotificationPhase
from breach.messages import service as messages
from breach.messages.context import BreachView, breach_view
from breach.messages.schemas import PreviewOut
from breach.nis2_schemas import Nis2Out
from breach.nis2_service import nis2_if_visible
from breach.shared_system import informs_at_once, processor_question
from core.accounts.roles import Permission, Principal

# Each form of the page and the workflow steps it takes.
FORM_STEPS = {
    "facts": ("update_facts",),
    "notice": ("record_controller_informed",),
    "aware": ("record_awareness",),
    "assess": ("assess",),
    "decision": ("decide",),
    "cnil": ("notify_cnil_initial", "notify_cnil_complementary"),
    "people": ("inform_people",),
    "close": ("close",),
    "reference": ("record_cnil_reference",),  # may come after closing
}


def offered(principal: Principal, breach: BreachOut, step: str) -> bool:
    """The state allows the step now, and a role of the person grants its permission in a
    body through which they reach this breach."""
    if step not in breach.allowed_actions:
        return False
    scope = principal.scope(workflow.permission(step))
    return visibility.reaches(scope, breach.controller_id, breach.source_org_id)


def cnil_phase(allowed: list[str], wanted: str | None) -> NotificationPhase:
    """The CNIL form's phase: the one asked for if the state allows it, else the one it does."""
    initial = "notify_cnil_initial" in allowed
    complementary = "notify_cnil_complementary" in allowed
    try:
        phase = NotificationPhase(wanted) if wanted else None
    except ValueError:
        phase = None
    if phase in (NotificationPhase.INITIAL, NotificationPhase.COMPLETE) and initial:
        return phase  # a complete notification is an initial one with nothing to follow
    if phase == NotificationPhase.COMPLEMENTARY and complementary:
        return phase
    return NotificationPhase.INITIAL if initial else NotificationPhase.COMPLEMENTARY


@dataclass
class BreachSheet:
    b: BreachOut
    view: BreachView
    facts: dict[str, Any]
    whole: bool  # the controller's side; False: the source's (a processor's people)
    show: dict[str, bool]  # the page's forms offered to this person now
    incident_visible: bool
    notice_preview: PreviewOut | None = None
    notice_late: bool = False
    cnil_phase: NotificationPhase | None = None
    cnil_preview: PreviewOut | None = None
    cnil_late: bool = False
    people_preview: PreviewOut | None = None
    assessment: dict | None = None
    explanation: list[str] | None = None
    decision_notice: str = DECISION_NOTICE
    # Art. 34(3)(c): the people's form records the public communication (breach.phases).
    public_communication: bool = False
    # The notice to the controller as issued: its e-mail delivered or not, whom to phone.
    notice_call: messages.NoticeCall | None = None
    # Independent controllers on a shared system (breach.shared_system): whether the host is
    # in fact a processor (art. 4(8), 28(3)), and what the host must do.
    processor_question: str | None = None
    informs_at_once: str | None = None
    # Joint controllers (art. 26): who notifies the CNIL, the lead's breach and notification.
    joint_notes: tuple[str, ...] = ()
    # The lead's breach, linked when the reader may open it (a DPO shared by both bodies).
    lead_breach_id: UUID | None = None
    # NIS 2 beside the GDPR: the incident's NIS 2 record, for its body's people only.
    nis2: Nis2Out | None = None

    def context(self) -> dict[str, Any]:
        return {f.name: getattr(self, f.name) for f in fields(self)}


def _late(due: datetime | None, now: datetime) -> bool:
    return bool(due and now > due)


def _arrangement(sheet: BreachSheet, row, read) -> None:
    """Who else acts on this breach: the joint controllers' lead, the host of a shared system."""
    breach, view = sheet.b, sheet.view
    if sheet.whole and breach.joint and read.allows(breach.joint.lead_id):
        sheet.lead_breach_id = breach.joint.lead_breach_id
    if row.path == BreachPath.INDEPENDENT and view.source:
        sheet.processor_question = processor_question(view.source.name, view.controller.name)
        sheet.informs_at_once = informs_at_once(view.source.name, view.controller.name)


async def _previews(
    sheet: BreachSheet, principal: Principal, *, now: datetime, wanted_phase: str | None
) -> None:
    """The messages the person may send from the page, as they would go now."""
    breach, show = sheet.b, sheet.show
    if show["notice"]:
        sheet.notice_preview = await messages.preview_controller_notice(
            scope=principal.scope(Permission.INFORM_CONTROLLER), breach_id=breach.id, now=now
        )
        sheet.notice_late = _late(breach.controller_notice_due_at, now)
    manage = principal.scope(Permission.MANAGE_BREACH)
    if show["cnil"]:
        sheet.cnil_phase = cnil_phase(breach.allowed_actions, wanted_phase)
        sheet.cnil_preview = await messages.preview_cnil(
            scope=manage, breach_id=breach.id, phase=sheet.cnil_phase, now=now
        )
        # From the first deadline when awareness moved after it (breach.breaches.awareness).
        sheet.cnil_late = sheet.cnil_phase != NotificationPhase.COMPLEMENTARY and bool(
            awareness.missed_cnil_due(breach, now)
        )
    if show["people"]:
        sheet.people_preview = await messages.preview_people(
            scope=manage, breach_id=breach.id, now=now
        )
        sheet.public_communication = phases.people_owed(breach) and (
            breach.inform_people not in phases.PEOPLE_TO_INFORM
        )


async def breach_sheet(
    principal: Principal, breach_id: UUID, *, now: datetime, wanted_phase: str | None = None
) -> BreachSheet:
    """The page's model of one breach for `principal`; NotFound as the API answers it."""
    read = principal.scope(Permission.READ_BREACHES)
    row = await service.get_breach(scope=read, breach_id=breach_id)
    whole = visibility.sees_whole(read, row.controller_id)
    breach = await service.breach_seen(row, scope=read, now=now)
    view = await breach_view(row)
    show = {
        form: any(offered(principal, breach, step) for step in steps)
        for form, steps in FORM_STEPS.items()
    }
    assessment = breach.assessment or None
    sheet = BreachSheet(
        b=breach,
        view=view,
        facts=visibility.facts_seen(view.facts(), whole=whole),
        whole=whole,
        show=show,
        incident_visible=read.allows(breach.source_org_id or breach.controller_id),
        assessment=assessment,
        explanation=[s for s in (assessment or {}).get("explanation", []) if s != DECISION_NOTICE],
        decision_notice=(assessment or {}).get("notice") or DECISION_NOTICE,
        notice_call=await messages.notice_call(row, breach),
        joint_notes=joint.notes(breach) if whole else (),
    )
    _arrangement(sheet, row, read)
    if sheet.incident_visible:
        sheet.nis2 = await nis2_if_visible(scope=read, incident_id=breach.incident_id, now=now)
    await _previews(sheet, principal, now=now, wanted_phase=wanted_phase)
    return sheet
