"""Who must act on an incident: one breach per affected controller, each with its own clock.

Pure: it takes what the register says (activities touched, conventions and the declaring
body's role in each) and returns plans; breach.incidents.service writes them.

- The declaring body controls the activity: its own breach, aware at detection (WP250: a short
  investigation may move awareness later, with reasons: see `record_awareness`).
- It is processor (or sub-processor) under a convention: it owes the controller a notice within
  the convention's delay, "without undue delay" otherwise (art. 33(2)); the controller's 72 h run
  from the moment it is informed (EDPB 9/2022 §II.A.4).
- It hosts a service commun (seed 002, Grand Nancy): the member is controller, its own service
  detected the incident, so its clock runs from detection and it is told at once.
- The bodies are independent controllers (seed 000): the body whose system was hit informs
  the other at once (a notice, "sans délai" from detection); the other body's clock starts
  when it records its own awareness.
- The bodies are joint controllers under an art. 26 arrangement in force (the declaring body
  one of them): one breach per joint controller, path `joint`. The declaring body is aware at
  detection; the others record their awareness when informed. Under `lead_notifies` with a
  breach lead, only the lead's breach runs the CNIL clock and notifies for all; the others are
  documented (art. 33(5)) and follow the lead's breach. Under `each_notifies`, or without a
  lead, each runs its own 72 h (docs/regulatory.md, joint controllers). A joint controller's
  breach holds only the activities the arrangement covers; a joint controller with other
  activities touched, or reached through another convention too, notifies for itself.
"""

from dataclasses import dataclass, field
from datetime import datetime
from uuid import UUID

from breach.deadlines import cnil_deadline, processor_notice_deadline, service_commun_deadline
from breach.enums import BreachPath
from core.errors import ValidationFailed
from register.enums import CONTROLLER_ROLES, JointBreachDuty, PartyRole


@dataclass(frozen=True)
class ActivityTouched:
    activity_id: UUID
    controller_id: UUID
    convention_ids: tuple[UUID, ...]


@dataclass(frozen=True)
class ConventionTerms:
    convention_id: UUID
    roles: dict[UUID, PartyRole]  # organisation -> role
    breach_notice_hours: int | None
    breach_lead_id: UUID | None = None
    joint_breach_duty: JointBreachDuty = JointBreachDuty.LEAD_NOTIFIES

    def joint_controllers(self) -> list[UUID]:
        return [o for o, r in self.roles.items() if r == PartyRole.JOINT_CONTROLLER]

    def joint_duty(self) -> JointBreachDuty:
        """Without a breach lead, nobody notifies for the others: each does."""
        if self.breach_lead_id is None:
            return JointBreachDuty.EACH_NOTIFIES
        return self.joint_breach_duty


@dataclass
class BreachPlan:
    controller_id: UUID
    path: BreachPath
    convention_id: UUID | None
    aware_at: datetime | None
    cnil_due_at: datetime | None
    controller_notice_due_at: datetime | None
    activity_ids: list[UUID] = field(default_factory=list)
    # Joint controllers: the arrangement's duty, and whether this plan is the lead's.
    joint_duty: JointBreachDuty | None = None
    lead_id: UUID | None = None


_PATH_BY_ROLE = {
    PartyRole.PROCESSOR: BreachPath.PROCESSOR,
    PartyRole.SUB_PROCESSOR: BreachPath.PROCESSOR,
    PartyRole.SERVICE_COMMUN_HOST: BreachPath.SERVICE_COMMUN,
    PartyRole.INDEPENDENT_CONTROLLER: BreachPath.INDEPENDENT,
    PartyRole.CONTROLLER: BreachPath.INDEPENDENT,
    PartyRole.JOINT_CONTROLLER: BreachPath.JOINT,
    PartyRole.SERVICE_COMMUN_MEMBER: BreachPath.INDEPENDENT,
}


@dataclass(frozen=True)
class Clocks:
    aware_at: datetime | None
    cnil_due_at: datetime | None
    controller_notice_due_at: datetime | None


def clocks_from_detection(
    path: BreachPath,
    *,
    detected_at: datetime,
    convention_hours: int | None,
    default_notice_hours: int,
) -> Clocks:
    """The clocks a breach starts with, from the incident's detection (see the module doc)."""
    if path == BreachPath.OWN_SYSTEM:
        return Clocks(detected_at, cnil_deadline(detected_at), None)
    if path == BreachPath.PROCESSOR:
        due = processor_notice_deadline(
            detected_at, convention_hours=convention_hours, default_hours=default_notice_hours
        )
        return Clocks(None, None, due)
    if path == BreachPath.SERVICE_COMMUN:
        return Clocks(detected_at, cnil_deadline(detected_at), service_commun_deadline(detected_at))
    if path == BreachPath.JOINT:  # the declaring joint controller's own clock
        return Clocks(detected_at, cnil_deadline(detected_at), None)
    if path == BreachPath.INDEPENDENT:
        # The body whose system was hit tells the other controller at once (its duty of
        # security, art. 32, and of cooperation): the "at once" deadline of a service commun.
        # The other's 72 h start when it records its own awareness (record_awareness).
        return Clocks(None, None, service_commun_deadline(detected_at))
    return Clocks(None, None, None)


def _plan(
    *,
    controller_id: UUID,
    declaring_id: UUID,
    convention: ConventionTerms | None,
    detected_at: datetime,
    default_notice_hours: int,
) -> BreachPlan:
    if controller_id == declaring_id or convention is None:
        path, convention_id, hours = BreachPath.OWN_SYSTEM, None, None
    else:
        path = _PATH_BY_ROLE[convention.roles[declaring_id]]
        convention_id, hours = convention.convention_id, convention.breach_notice_hours
    clocks = clocks_from_detection(
        path,
        detected_at=detected_at,
        convention_hours=hours,
        default_notice_hours=default_notice_hours,
    )
    return BreachPlan(
        controller_id,
        path,
        convention_id,
        clocks.aware_at,
        clocks.cnil_due_at,
        clocks.controller_notice_due_at,
    )


def _activity_convention(
    activity: ActivityTouched,
    index: int,
    *,
    declaring_id: UUID,
    conventions: dict[UUID, ConventionTerms],
    default_notice_hours: int,
) -> ConventionTerms:
    """The convention through which the declaring body reaches another controller's activity."""
    shared = [
        conventions[c]
        for c in activity.convention_ids
        if c in conventions and declaring_id in conventions[c].roles
    ]
    if not shared:
        raise ValidationFailed.one(
            "body",
            "activity_ids",
            index,
            msg="ce traitement n'est ni tenu par l'organisme déclarant ni rattaché à une "
            "convention dont il est partie : l'incident ne peut pas l'atteindre",
        )
    # Under several conventions with the declaring body, the strictest notice delay wins
    # (no figure means "without undue delay": the configured default).
    return min(
        shared,
        key=lambda c: (
            default_notice_hours if c.breach_notice_hours is None else c.breach_notice_hours,
            str(c.convention_id),
        ),
    )


def _named_convention(
    convention_id: UUID, index: int, *, declaring_id: UUID, conventions: dict[UUID, ConventionTerms]
) -> ConventionTerms:
    convention = conventions.get(convention_id)
    if convention is None or declaring_id not in convention.roles:
        raise ValidationFailed.one(
            "body",
            "convention_ids",
            index,
            msg="l'organisme déclarant n'est pas partie à cette convention",
        )
    return convention


def plan_breaches(
    *,
    declaring_id: UUID,
    detected_at: datetime,
    activities: list[ActivityTouched],
    conventions: dict[UUID, ConventionTerms],
    named_convention_ids: list[UUID],
    default_notice_hours: int,
) -> list[BreachPlan]:
    """One plan per controller, merging every activity of that controller."""
    plans: dict[UUID, BreachPlan] = {}

    def add(controller_id: UUID, convention: ConventionTerms | None, activity_id=None) -> None:
        if controller_id not in plans:
            plans[controller_id] = _plan(
                controller_id=controller_id,
                declaring_id=declaring_id,
                convention=convention,
                detected_at=detected_at,
                default_notice_hours=default_notice_hours,
            )
        if activity_id is not None:
            plans[controller_id].activity_ids.append(activity_id)

    for index, activity in enumerate(activities):
        if activity.controller_id == declaring_id:
            add(activity.controller_id, None, activity.activity_id)
            continue
        convention = _activity_convention(
            activity,
            index,
            declaring_id=declaring_id,
            conventions=conventions,
            default_notice_hours=default_notice_hours,
        )
        if _under_arrangement(activity, convention, declaring_id):
            continue  # planned with the arrangement's joint controllers, below
        add(activity.controller_id, convention, activity.activity_id)

    for index, convention_id in enumerate(named_convention_ids):
        convention = _named_convention(
            convention_id, index, declaring_id=declaring_id, conventions=conventions
        )
        if convention.roles[declaring_id] in CONTROLLER_ROLES:
            add(declaring_id, None)
        for org_id, role in convention.roles.items():
            if org_id != declaring_id and role in CONTROLLER_ROLES:
                add(org_id, convention)
    joint = _joint_conventions(declaring_id, activities, conventions, named_convention_ids)
    for member, arrangements in _arrangements_by_member(joint).items():
        plans[member] = _plan_joint(
            plans.get(member),
            member,
            arrangements,
            activities=activities,
            declaring_id=declaring_id,
            detected_at=detected_at,
        )
    _without_joint_lead(plans)
    if not plans:
        raise ValidationFailed.one(
            "body", "activity_ids", msg="indiquez les traitements ou les conventions touchés"
        )
    return list(plans.values())


def _under_arrangement(
    activity: ActivityTouched, convention: ConventionTerms, declaring_id: UUID
) -> bool:
    """Whether the declaring body reaches this activity as a joint controller with its holder."""
    joint = convention.roles[declaring_id] == PartyRole.JOINT_CONTROLLER
    return joint and activity.controller_id in convention.joint_controllers()


def _without_joint_lead(plans: dict[UUID, BreachPlan]) -> None:
    """A joint controller whose lead's breach is not a joint one (the lead reached through
    another convention too, so its breach follows that path) notifies for itself."""
    for plan in plans.values():
        lead = plans.get(plan.lead_id) if plan.lead_id else None
        follows = plan.joint_duty == JointBreachDuty.LEAD_NOTIFIES
        if (
            follows
            and plan.lead_id != plan.controller_id
            and (lead is None or lead.path != BreachPath.JOINT)
        ):
            plan.joint_duty = JointBreachDuty.EACH_NOTIFIES
            plan.cnil_due_at = cnil_deadline(plan.aware_at) if plan.aware_at else None


def _joint_conventions(
    declaring_id: UUID,
    activities: list[ActivityTouched],
    conventions: dict[UUID, ConventionTerms],
    named_convention_ids: list[UUID],
) -> list[ConventionTerms]:
    """The arrangements in force between joint controllers, the declaring body one of them,
    that the incident reaches (through a touched activity or named), in a fixed order."""
    reached = {c for a in activities for c in a.convention_ids} | set(named_convention_ids)
    return [
        conventions[c]
        for c in sorted(reached, key=str)
        if c in conventions and conventions[c].roles.get(declaring_id) == PartyRole.JOINT_CONTROLLER
    ]


def _arrangements_by_member(joint: list[ConventionTerms]) -> dict[UUID, list[ConventionTerms]]:
    """Each joint controller and the arrangements reached that bind it, in `joint`'s order."""
    by_member: dict[UUID, list[ConventionTerms]] = {}
    for convention in joint:
        for member in convention.joint_controllers():
            by_member.setdefault(member, []).append(convention)
    return by_member


def _lead_and_duty(convention: ConventionTerms) -> tuple[UUID | None, JointBreachDuty]:
    """The arrangement's breach lead (a joint controller, else none) and its duty."""
    lead = convention.breach_lead_id
    if lead not in convention.joint_controllers():  # a lead who is no joint controller: none
        return None, JointBreachDuty.EACH_NOTIFIES
    return lead, convention.joint_duty()


def _covered(arrangements: list[ConventionTerms], activities: list[ActivityTouched]) -> list[UUID]:
    """The activities touched that these arrangements cover (linked to one of them)."""
    ids = {c.convention_id for c in arrangements}
    return [a.activity_id for a in activities if ids & set(a.convention_ids)]


def _plan_joint(
    prior: BreachPlan | None,
    member: UUID,
    arrangements: list[ConventionTerms],
    *,
    activities: list[ActivityTouched],
    declaring_id: UUID,
    detected_at: datetime,
) -> BreachPlan:
    """A joint controller's plan (see the module doc), merged with the plan it already had.

    It holds the activities its arrangements cover, never the declaring body's others (those
    stay on the declaring body's own plan). Reached through another convention too (its
    processor, its service commun, an independent controller), it keeps that path, its clocks
    and the notice owed to it, with the arrangement's activities added: it notifies for itself.
    Otherwise it follows a lead only if every arrangement names the same lead under
    `lead_notifies` and it has no activity outside them; else it runs its own clock."""
    covered = _covered(arrangements, activities)
    if prior is not None and prior.path not in (BreachPath.OWN_SYSTEM, BreachPath.JOINT):
        prior.activity_ids += [a for a in covered if a not in prior.activity_ids]
        return prior
    held = prior.activity_ids if prior is not None else []
    outside = [a for a in held if a not in covered]
    leads = {_lead_and_duty(c) for c in arrangements}
    lead, duty = _lead_and_duty(arrangements[0])
    if member != lead and (outside or len(leads) > 1):
        duty = JointBreachDuty.EACH_NOTIFIES  # the lead does not notify for all it holds
    aware = detected_at if member == declaring_id else None
    follows = duty == JointBreachDuty.LEAD_NOTIFIES and member != lead
    return BreachPlan(
        member,
        BreachPath.JOINT,
        arrangements[0].convention_id,
        aware,
        cnil_deadline(detected_at) if aware is not None and not follows else None,
        None,
        activity_ids=held + [a for a in covered if a not in held],
        joint_duty=duty,
        lead_id=lead,
    )
