"""The breach workflow as one table: each step, the permission it needs, and its guard.

A guard reads the breach's state and answers the French reason the step is refused there,
or None. `allowed_actions` is derived from the table, every step of the service calls
`require` before writing, and the JSON routes and the pages take the permission of a step
from here, so what is offered and what is accepted cannot disagree.

Checks that depend on what the caller sends (a date before detection, a decision not to
notify after notifying) stay with the step: they are answered as 422 on the field, not as a
refused step.
"""

from collections.abc import Callable, Iterable
from dataclasses import dataclass

from breach import phases
from breach.deadlines import follows_joint_lead
from breach.enums import BreachPath, BreachStatus, InformPeople, NotificationRecipient
from core.accounts.roles import Permission
from core.errors import InvalidTransition

CNIL_DONE = (BreachStatus.NOTIFIED, BreachStatus.COMPLEMENTED)
REPORTED = (BreachPath.PROCESSOR, BreachPath.SERVICE_COMMUN)  # the controller is informed
PEOPLE_TO_INFORM = phases.PEOPLE_TO_INFORM


@dataclass(frozen=True)
class BreachState:
    """What the guards read of a breach: its row and which notifications were made."""

    ref: str
    status: BreachStatus
    path: BreachPath
    controller_informed: bool
    aware: bool
    notify_cnil: bool | None
    risk_level: str | None
    inform_people: InformPeople | None
    people_informed: bool
    cnil_notified: bool
    # Phases and people (breach.phases): a communication owed to the people (art. 34,
    # or the public one of 34(3)(c)), and what closing needs the DPO's reasons for (the
    # incident ongoing, facts unknown, the complement promised to the CNIL not made).
    people_owed: bool = False
    public_communication_only: bool = False
    closing_gaps: tuple[str, ...] = ()
    # Whether the closing request gives those reasons; None when no request is read (what
    # is offered: the close form asks for them).
    incomplete_reasons: bool | None = None
    # Joint controllers (breach.breaches.joint): the lead notifies the CNIL for this breach;
    # the lead as a sentence's subject; its notification recorded or its decision not to.
    follows_lead: bool = False
    lead_subject: str = "le chef de file"
    lead_done: bool = False

    @classmethod
    def of(
        cls,
        breach,
        recipients: Iterable[NotificationRecipient],
        *,
        incident_ongoing: bool = False,
        lead=None,
    ) -> "BreachState":
        """`breach`: a Breach row; `recipients`: those of its notifications;
        `incident_ongoing`: its incident's flag."""
        made = set(recipients)
        return cls(
            ref=breach.ref,
            status=breach.status,
            path=breach.path,
            controller_informed=breach.controller_informed_at is not None,
            aware=breach.aware_at is not None,
            notify_cnil=breach.notify_cnil,
            risk_level=breach.risk_level,
            inform_people=breach.inform_people,
            people_informed=NotificationRecipient.DATA_SUBJECTS in made,
            cnil_notified=NotificationRecipient.CNIL in made,
            people_owed=phases.people_owed(breach),
            public_communication_only=breach.inform_people not in PEOPLE_TO_INFORM
            and phases.people_owed(breach),
            closing_gaps=tuple(phases.closing_gaps(breach, incident_ongoing=incident_ongoing)),
            follows_lead=follows_joint_lead(breach),
            lead_subject=lead.lead_subject if lead else "le chef de file",
            lead_done=bool(lead and lead.done),
        )


Guard = Callable[[BreachState], str | None]


def _closed(s: BreachState) -> str | None:
    if s.status == BreachStatus.CLOSED:
        return (
            f"la violation {s.ref} est close : rouvrir n'est pas prévu, déclarez un "
            "nouvel incident si des faits nouveaux apparaissent"
        )
    return None


def _controller_informed(s: BreachState) -> str | None:
    if s.path == BreachPath.JOINT:
        return (
            "les responsables conjoints (art. 26) agissent chacun pour leur compte : "
            "enregistrez la prise de connaissance de ce responsable (record_awareness)"
        )
    # Independent controllers (seed 000): the body whose system was hit informs the other at
    # once, which then records its own awareness (breach.fanout).
    if s.path not in (*REPORTED, BreachPath.INDEPENDENT):
        return (
            "cette violation est survenue chez le responsable lui-même : "
            "enregistrez sa prise de connaissance (record_awareness)"
        )
    if s.controller_informed:
        return (
            "l'information du responsable de traitement est déjà "
            "enregistrée ; complétez les faits au besoin"
        )
    return None


def _awareness(s: BreachState) -> str | None:
    if s.path in REPORTED:
        return (
            "le responsable prend connaissance de cette violation quand "
            "il en est informé : enregistrez cette information"
        )
    if s.status not in (BreachStatus.DECLARED, BreachStatus.ASSESSED):
        return "la CNIL a déjà été notifiée : la date de prise de connaissance ne peut plus changer"
    return None


def _decide(s: BreachState) -> str | None:
    if s.status == BreachStatus.DECLARED:
        return (
            "évaluez d'abord la gravité de la violation (méthode ENISA) "
            "avant d'enregistrer la décision"
        )
    return None


def _joint_lead_notifies(s: BreachState) -> str | None:
    if s.follows_lead:
        return (
            f"{s.lead_subject[:1].upper()}{s.lead_subject[1:]} notifie la CNIL pour les "
            "responsables conjoints (art. 26, accord de responsabilité conjointe) : cette "
            "violation est documentée au registre (art. 33.5) avec le lien vers la sienne"
        )
    return None


def _notify_initial(s: BreachState) -> str | None:
    if s.status == BreachStatus.DECLARED:
        return (
            "évaluez la violation avant de notifier la CNIL ; en cas "
            "d'urgence, une évaluation provisoire suffit"
        )
    if s.status != BreachStatus.ASSESSED:
        return "la notification initiale est déjà faite : envoyez une notification complémentaire"
    if not s.aware:
        return (
            "le responsable n'a pas encore connaissance de la "
            "violation : enregistrez d'abord cette information"
        )
    if s.notify_cnil is False:
        return "la décision enregistrée est de ne pas notifier : modifiez d'abord la décision"
    return None


def _notify_complementary(s: BreachState) -> str | None:
    if s.status not in CNIL_DONE:
        return "une notification complémentaire suit une notification initiale (art. 33.4)"
    return None


def _inform_people(s: BreachState) -> str | None:
    # Under the 34(3)(c) exemption the public communication is recorded here too.
    if not s.people_owed:
        return (
            "la décision enregistrée ne prévoit pas d'informer les personnes concernées, ni "
            "de communication publique (art. 34.3.c)"
        )
    return None


def _close(s: BreachState) -> str | None:
    if s.status == BreachStatus.DECLARED:
        return (
            "une violation ne se clôt qu'après son évaluation et la "
            "décision motivée du DPO (art. 33.5)"
        )
    if s.follows_lead and not s.lead_done:
        return (
            f"{s.lead_subject[:1].upper()}{s.lead_subject[1:]} notifie la CNIL pour les "
            "responsables conjoints : cette violation se clôt une fois sa notification "
            "enregistrée, ou sa décision de ne pas notifier"
        )
    if s.status == BreachStatus.ASSESSED and s.notify_cnil is not False and not s.follows_lead:
        return (
            "notifiez d'abord la CNIL, ou enregistrez la décision motivée "
            "de ne pas notifier (risque improbable)"
        )
    if s.risk_level is None:
        return (
            "enregistrez d'abord la décision motivée du DPO (niveau de risque, information "
            "des personnes) : le registre des violations la conserve (art. 33.5)"
        )
    return _close_people(s) or _close_phases(s)


def _close_people(s: BreachState) -> str | None:
    if not s.people_owed or s.people_informed:
        return None
    if s.public_communication_only:
        return (
            "la communication publique qu'exige l'exception de l'art. 34.3.c n'est pas "
            "encore faite : enregistrez-la d'abord (où, quand, texte publié)"
        )
    return (
        "les personnes concernées doivent encore être informées, comme la décision le "
        "prévoit (art. 34) : enregistrez d'abord cette communication"
    )


def _close_phases(s: BreachState) -> str | None:
    # The promised complement not made is one of the gaps (breach.phases.closing_gaps).
    if s.closing_gaps and s.incomplete_reasons is False:
        return (
            f"{' ; '.join(s.closing_gaps)} : indiquez pourquoi la violation est close malgré "
            "tout (incomplete_reasons), le registre des violations le conserve (art. 33.5)"
        )
    return None


def _cnil_reference(s: BreachState) -> str | None:
    # Documentation, not a transition: the file number may come after closing.
    if not s.cnil_notified:
        return "aucune notification à la CNIL n'est enregistrée pour cette violation"
    return None


@dataclass(frozen=True)
class Step:
    permission: Permission
    guards: tuple[Guard, ...]

    def refusal(self, state: BreachState) -> str | None:
        return next((r for guard in self.guards if (r := guard(state))), None)


MANAGE = Permission.MANAGE_BREACH
STEPS: dict[str, Step] = {
    "update_facts": Step(Permission.UPDATE_INCIDENT, (_closed,)),
    "record_controller_informed": Step(
        Permission.INFORM_CONTROLLER, (_closed, _controller_informed)
    ),
    "record_awareness": Step(MANAGE, (_closed, _awareness)),
    "assess": Step(MANAGE, (_closed,)),
    "decide": Step(MANAGE, (_closed, _decide)),
    "notify_cnil_initial": Step(MANAGE, (_closed, _joint_lead_notifies, _notify_initial)),
    "notify_cnil_complementary": Step(
        MANAGE, (_closed, _joint_lead_notifies, _notify_complementary)
    ),
    "inform_people": Step(MANAGE, (_closed, _inform_people)),
    "close": Step(MANAGE, (_closed, _close)),
    "record_cnil_reference": Step(MANAGE, (_cnil_reference,)),
}


def permission(step: str) -> Permission:
    return STEPS[step].permission


def refusal(step: str, state: BreachState) -> str | None:
    """Why `step` is refused in `state`, in French, or None when it may be taken."""
    return STEPS[step].refusal(state)


def require(step: str, state: BreachState) -> None:
    """Refuse the step (409, its reason) unless the table allows it in `state`."""
    reason = refusal(step, state)
    if reason:
        raise InvalidTransition(reason)


def allowed_actions(state: BreachState) -> list[str]:
    """The steps that may be taken now, in the table's order."""
    return [step for step in STEPS if refusal(step, state) is None]
