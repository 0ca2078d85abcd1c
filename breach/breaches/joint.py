"""Joint controllers (art. 26): what a joint controller's breach knows of the lead's.

Under an arrangement where the breach lead notifies the CNIL for all (`lead_notifies`), the
other joint controllers' breaches follow the lead's (`lead_breach`): they run no CNIL clock
(breach.deadlines), refuse the CNIL steps with the lead named (breach.breaches.workflow), and
close once the lead's notification is recorded or the lead decided not to notify. Each
controller reads only what this module tells of the lead's breach: its reference, its
decision to notify or not, and its initial notification to the CNIL (when, how, the CNIL's
file number), never its other facts (docs/regulatory.md, joint controllers).
"""

from dataclasses import dataclass
from datetime import datetime
from uuid import UUID

from breach.breaches.models import Breach, BreachNotification
from breach.breaches.schemas import JointLeadOut
from breach.deadlines import follows_joint_lead, format_local
from breach.enums import NotificationPhase, NotificationRecipient
from core import articles
from register.organisations.models import Organisation

LEAD = "le chef de file"


def with_article(legal_name: str) -> str:
    """The lead as a sentence's subject: « la Métropole du Grand Nancy » (core.articles)."""
    return articles.subject(legal_name) if legal_name.strip() else LEAD


# Whether the breach is a joint controller's whose lead notifies the CNIL for it.
follows_lead = follows_joint_lead


@dataclass(frozen=True)
class LeadFacts:
    """What a joint controller's breach shows of its lead's (see the module doc)."""

    lead_id: UUID
    lead_name: str
    lead_subject: str  # « la Métropole du Grand Nancy »
    lead_breach_id: UUID
    lead_breach_ref: str
    decided_not_to_notify: bool
    cnil_notified_at: datetime | None
    cnil_channel: str | None
    cnil_external_ref: str | None

    @property
    def done(self) -> bool:
        """The lead's notification recorded, or its decision not to notify."""
        return self.cnil_notified_at is not None or self.decided_not_to_notify


async def lead_facts(breaches: list) -> dict[UUID, LeadFacts]:
    """For each breach that has a lead's breach, what it shows of it: three queries."""
    wanted = {b.id: b.lead_breach_id for b in breaches if getattr(b, "lead_breach_id", None)}
    if not wanted:
        return {}
    leads = {b.id: b for b in await Breach.filter(id__in=list(set(wanted.values())))}
    initial: dict[UUID, BreachNotification] = {}
    for n in await BreachNotification.filter(
        breach_id__in=list(leads), recipient=NotificationRecipient.CNIL
    ).order_by("sent_at", "id"):
        if n.phase == NotificationPhase.INITIAL or n.breach_id not in initial:
            initial.setdefault(n.breach_id, n)
    names = dict(
        await Organisation.filter(id__in=[b.controller_id for b in leads.values()]).values_list(
            "id", "legal_name"
        )
    )
    facts = {}
    for breach_id, lead_id in wanted.items():
        lead = leads.get(lead_id)
        if lead is None:
            continue
        sent = initial.get(lead.id)
        name = names.get(lead.controller_id, "")
        facts[breach_id] = LeadFacts(
            lead_id=lead.controller_id,
            lead_name=name,
            lead_subject=with_article(name),
            lead_breach_id=lead.id,
            lead_breach_ref=lead.ref,
            decided_not_to_notify=lead.notify_cnil is False,
            cnil_notified_at=sent.sent_at if sent else None,
            cnil_channel=sent.channel if sent else None,
            cnil_external_ref=sent.external_ref if sent else None,
        )
    return facts


def lead_out(breach, lead: LeadFacts | None) -> JointLeadOut | None:
    """The lead's side as a joint controller's breach shows it (JSON, page)."""
    if lead is None:
        return None
    return JointLeadOut(
        lead_notifies=follows_lead(breach),
        lead_id=lead.lead_id,
        lead_name=lead.lead_name,
        lead_breach_id=lead.lead_breach_id,
        lead_breach_ref=lead.lead_breach_ref,
        decided_not_to_notify=lead.decided_not_to_notify,
        cnil_notified_at=lead.cnil_notified_at,
        cnil_channel=lead.cnil_channel,
        cnil_external_ref=lead.cnil_external_ref,
    )


def notes(out) -> tuple[str, ...]:
    """What the breach page says of the arrangement (a controller's view of a `joint` breach):
    who notifies the CNIL, and the lead's breach and notification."""
    if out.path != "joint":
        return ()
    lead = out.joint
    if lead is None:
        if out.joint_duty == "lead_notifies":
            return (
                "Votre organisme est chef de file de l'accord de responsabilité conjointe "
                "(art. 26) : il notifie la CNIL pour tous les responsables conjoints.",
            )
        return (
            "Responsables conjoints (art. 26) : aucun chef de file ne notifie pour les autres ; "
            "chaque responsable conjoint notifie la CNIL pour son compte, dans ses 72 heures.",
        )
    subject = articles.capitalised(with_article(lead.lead_name))
    if lead.lead_notifies:
        first = (
            f"{subject} notifie la CNIL pour les responsables conjoints (art. 26) : cette "
            "violation est documentée au registre (art. 33.5) et se clôt une fois sa "
            "notification enregistrée."
        )
    else:
        first = (
            "Chaque responsable conjoint notifie la CNIL pour son compte (art. 26) : "
            f"{with_article(lead.lead_name)} en est le chef de file."
        )
    return (first, f"Violation du chef de file : {lead.lead_breach_ref}.", _lead_notice(lead))


def _lead_notice(lead) -> str:
    if lead.cnil_notified_at is not None:
        ref = f", dossier {lead.cnil_external_ref}" if lead.cnil_external_ref else ""
        return (
            "Notification du chef de file à la CNIL : faite le "
            f"{format_local(lead.cnil_notified_at)}{ref}."
        )
    if lead.decided_not_to_notify:
        return "Le chef de file a décidé de ne pas notifier la CNIL (risque improbable)."
    return "Notification du chef de file à la CNIL : pas encore enregistrée."
