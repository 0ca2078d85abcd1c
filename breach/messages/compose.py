"""Composing the breach messages from a breach's facts: subject, body, recipients, warnings.

Nothing here writes: the services decide when a composed message is enqueued or stored.
"""

from dataclasses import dataclass, field
from datetime import datetime
from uuid import UUID

from breach import phases
from breach.breaches import awareness
from breach.breaches.delivery import KIND_CONTROLLER_NOTICE
from breach.breaches.models import BreachNotification
from breach.breaches.names import shown_ref
from breach.deadlines import cnil_deadline, format_local
from breach.enums import (
    BreachDataCategory,
    BreachNature,
    BreachPath,
    NotificationPhase,
    NotificationRecipient,
)
from breach.messages.cnil_sections import cnil_section_warnings, cnil_sections, joint_controllers
from breach.messages.context import BreachView, display_phone
from breach.shared_system import processor_question
from core.articles import of
from core.errors import InvalidTransition
from core.french import plural
from core.outbox.service import Draft
from core.templating import render_message
from register.conventions.checks import PROMPT_NOTICE_HOURS, late_cnil_hours
from register.enums import ContactRole, label
from register.organisations.addresses import body_addresses

KIND_PHONE_REMINDER = "breach.phone_reminder"
KIND_PEOPLE = "breach.people_communication"
KIND_CNIL = "breach.cnil_notification"  # a document kept with the notification, never mailed


@dataclass
class Composed:
    kind: str
    subject: str
    body: str
    to_addrs: list[str]
    organisation_id: UUID | None
    subject_id: UUID
    warnings: list[str] = field(default_factory=list)

    def draft(self, to_addrs: list[str] | None = None) -> Draft:
        return Draft(
            kind=self.kind,
            to_addrs=tuple(self.to_addrs if to_addrs is None else to_addrs),
            subject=self.subject,
            body_text=self.body,
            organisation_id=self.organisation_id,
            subject_type="breach",
            subject_id=self.subject_id,
        )


def _compose(
    kind: str,
    template: str,
    context: dict,
    *,
    view: BreachView,
    to_addrs: list[str],
    organisation_id: UUID | None,
    warnings: list[str],
) -> Composed:
    rendered = render_message(template, context)
    return Composed(
        kind=kind,
        subject=rendered.subject,
        body=rendered.body,
        to_addrs=to_addrs,
        organisation_id=organisation_id,
        subject_id=view.breach.id,
        warnings=warnings,
    )


# The notice to the controller (art. 33(2)) -----------------------------------------------------


@dataclass
class ControllerNotice:
    notice: Composed
    phone_reminder: Composed | None


def _controller_cnil_due(view: BreachView, informed_at: datetime) -> datetime | None:
    # A processor's controller becomes aware when told (EDPB 9/2022 §II.A.4); a service-commun
    # member's clock already runs from detection by its own shared service.
    if view.breach.path == BreachPath.PROCESSOR:
        return cnil_deadline(informed_at)
    return view.breach.cnil_due_at


def _source_role(path: BreachPath) -> str:
    if path == BreachPath.INDEPENDENT:
        return "responsable de traitement distinct, dont le système héberge ces données"
    return "sous-traitant" if path == BreachPath.PROCESSOR else "porteur du service commun"


NOTICE_PATHS = (BreachPath.PROCESSOR, BreachPath.SERVICE_COMMUN, BreachPath.INDEPENDENT)


def _require_controller_notice(view: BreachView) -> None:
    if view.breach.path not in NOTICE_PATHS or not view.source:
        raise InvalidTransition(
            "aucune information du responsable n'est due : la violation n'est pas survenue chez "
            "un sous-traitant, chez le porteur d'un service commun ni chez un autre responsable"
        )


def _controller_address_warnings(controller, addresses, to_addrs: list[str]) -> list[str]:
    warnings = []
    if not addresses.dpo:
        warnings.append(f"aucune adresse de DPO pour {controller.name}")
    if not addresses.rssi:
        warnings.append(f"aucune adresse de RSSI pour {controller.name}")
    if not to_addrs:
        warnings.append(
            f"aucun destinataire : renseignez le DPO de {controller.name} ou indiquez to_addrs"
        )
    return warnings


def _controller_notice_context(
    view: BreachView, *, informed_at: datetime, late: bool, late_reason: str | None, phased: bool
) -> dict:
    breach = view.breach
    due = breach.controller_notice_due_at
    cnil_due = _controller_cnil_due(view, informed_at)
    return {
        # The body whose system was hit sends it: the controller's own assessment is not its
        # to tell, nor to read (breach.breaches.visibility).
        "facts": view.facts() | {"severity": None},
        "sender": view.source,
        "sender_role": _source_role(breach.path),
        "controller": view.controller,
        "convention": view.convention_facts(),
        "informed": format_local(informed_at),
        "notice_due": format_local(due) if due else None,
        "late": late,
        "late_reason": late_reason or "",
        "phased": phased,
        "controller_cnil_due": format_local(cnil_due) if cnil_due else None,
        # Independent controllers (seed 000): no art. 33(2) duty, the other's 72 h run from
        # its own awareness; art. 4(8): the host may in fact be its processor.
        "independent": breach.path == BreachPath.INDEPENDENT,
        "processor_question": processor_question(view.source.name, view.controller.name),
    }


async def controller_notice(
    view: BreachView, *, informed_at: datetime, late_reason: str | None
) -> ControllerNotice:
    _require_controller_notice(view)
    breach = view.breach
    sender, controller = view.source, view.controller
    addresses = await body_addresses([controller.id, sender.id])
    to_addrs = addresses[controller.id].for_roles(ContactRole.DPO, ContactRole.RSSI)
    warnings = _controller_address_warnings(controller, addresses[controller.id], to_addrs)
    due = breach.controller_notice_due_at
    late = bool(due and informed_at > due and breach.path == BreachPath.PROCESSOR)
    if late and not late_reason:
        warnings.append(
            f"l'échéance de la convention ({format_local(due)}) est dépassée : "
            "les raisons du retard seront demandées"
        )
    warnings += _slow_notice_warnings(view, informed_at)
    unknown = phases.unknown_facts(breach)  # the one list (art. 33(3))
    if unknown:
        warnings.append(
            "éléments encore inconnus (l'information pourra être complétée par étapes, "
            f"art. 33.4) : {', '.join(unknown)}"
        )
    phased = bool(unknown) or bool(view.convention and view.convention.breach_phased_information)
    context = _controller_notice_context(
        view, informed_at=informed_at, late=late, late_reason=late_reason, phased=phased
    )
    reminder = None
    if view.phone_required:  # the sender's DPO and RSSI are reminded to make the call too
        phones = _phone_lines(controller, addresses[controller.id])
        sender_addrs = addresses[sender.id].for_roles(ContactRole.DPO, ContactRole.RSSI)
        warnings += _phone_warnings(controller, sender, phones, sender_addrs)
        reminder = _phone_reminder(
            view,
            informed_at=informed_at,
            phones=phones,
            to_addrs=sender_addrs,
            controller_cnil_due=context["controller_cnil_due"],
        )
    notice = _compose(
        KIND_CONTROLLER_NOTICE,
        "mail/controller_notice.txt.j2",
        context,
        view=view,
        to_addrs=to_addrs,
        organisation_id=controller.id,
        warnings=warnings,
    )
    return ControllerNotice(notice, reminder)


def _slow_notice_warnings(view: BreachView, informed_at: datetime) -> list[str]:
    """A processor's notice more than a day after detection is hard to call « dans les
    meilleurs délais » (art. 33(2); register.conventions.checks), whatever the convention says."""
    if view.breach.path != BreachPath.PROCESSOR:
        return []
    hours = int((informed_at - view.incident.detected_at).total_seconds() // 3600)
    if hours <= PROMPT_NOTICE_HOURS:
        return []
    return [
        f"information donnée {plural(hours, 'heure')} après la détection : plus que ne le "
        f"permettent « les meilleurs délais » de l'art. 33.2 ({PROMPT_NOTICE_HOURS} heures au "
        f"plus recommandées) ; avec les 72 heures {of(view.controller.name)}, la CNIL pourrait "
        f"n'être notifiée que {plural(late_cnil_hours(hours), 'heure')} après la détection"
    ]


def _phone_lines(controller, addresses) -> list[str]:
    lines = []
    for number in addresses.dpo_phones:
        lines.append(f"le DPO de {controller.name} au {display_phone(number)}")
    for number in addresses.rssi_phones:
        lines.append(f"le RSSI de {controller.name} au {display_phone(number)}")
    return list(dict.fromkeys(lines))


async def controller_phone_lines(view: BreachView) -> list[str]:
    """Whom to call at the controller, with the numbers (its DPO, RSSI, representative)."""
    controller = view.controller
    addresses = await body_addresses([controller.id])
    lines = _phone_lines(controller, addresses[controller.id])
    rep = controller.legal_rep
    if rep and rep.phone:
        lines.append(f"{rep.title or 'le représentant légal'} ({rep.name}) au {rep.phone}")
    return lines


def _phone_warnings(controller, sender, phones: list[str], sender_addrs: list[str]) -> list[str]:
    if phones:
        warnings = [
            "la convention demande aussi un appel téléphonique : appeler " + " ; ".join(phones)
        ]
    else:
        warnings = [
            "la convention demande aussi un appel téléphonique, mais aucun numéro n'est "
            f"enregistré pour {controller.name}"
        ]
    if not sender_addrs:
        warnings.append(f"aucune adresse de DPO ni de RSSI pour {sender.name} (rappel d'appel)")
    return warnings


def _phone_reminder(
    view: BreachView,
    *,
    informed_at: datetime,
    phones: list[str],
    to_addrs: list[str],
    controller_cnil_due: str | None,
) -> Composed:
    """The reminder to the sender's DPO and RSSI that the convention also asks for a call."""
    return _compose(
        KIND_PHONE_REMINDER,
        "mail/controller_notice_phone.txt.j2",
        {
            "controller": view.controller,
            "ref": shown_ref(view.breach.ref, view.controller.short_code),
            "informed": format_local(informed_at),
            "convention_title": view.convention.title,
            "phones": phones,
            "controller_cnil_due": controller_cnil_due,
        },
        view=view,
        to_addrs=to_addrs,
        organisation_id=view.source.id,
        warnings=[],
    )


# The notification to the CNIL (art. 33(1), (3), (4)) -------------------------------------------


async def cnil_document(
    view: BreachView,
    *,
    phase: NotificationPhase,
    at: datetime,
    late_reason: str | None,
    followup_due_at: datetime | None = None,
) -> Composed:
    """The CNIL document of a notification made `at`; `followup_due_at`: the date an initial
    one commits to for the rest (art. 33(4)), as recorded with it."""
    breach = view.breach
    complementary = phase == NotificationPhase.COMPLEMENTARY
    # The one lateness rule, from the first deadline if awareness moved after it.
    missed = None if complementary else awareness.missed_cnil_due(breach, at)
    late = missed is not None
    org = view.controller
    warnings = _cnil_warnings(view, complementary=complementary, late=late, late_reason=late_reason)
    warnings += cnil_section_warnings(view, phase)
    informed_rows = await BreachNotification.filter(
        breach_id=breach.id, recipient=NotificationRecipient.DATA_SUBJECTS
    ).order_by("sent_at")
    context = {
        "facts": view.facts(),
        "org": org,
        "source": view.source if breach.path != BreachPath.INDEPENDENT else None,
        "source_role": _source_role(breach.path) if view.source else None,
        # Processing under an ended art. 28 contract: the CNIL reads it with the breach.
        "convention_ended": view.convention_ended if view.source else None,
        "informed": format_local(breach.controller_informed_at)
        if breach.controller_informed_at
        else None,
        "phase_label": label(phase),
        "complementary": complementary,
        "cnil_ref": view.cnil_ref,
        "written": format_local(at),
        "natures": [(n.value, label(n)) for n in BreachNature],
        "people_informed": format_local(informed_rows[0].sent_at) if informed_rows else None,
        "late": late,
        "late_due": format_local(missed) if missed else None,
        "late_first_due": bool(missed and missed == breach.overdue_at),
        "late_reason": late_reason,
        **_phased(breach, phase, followup_due_at),
        **cnil_sections(view, phase),
        "joint": await joint_controllers(view),
    }
    return _compose(
        KIND_CNIL,
        "mail/cnil_notification.txt.j2",
        context,
        view=view,
        to_addrs=[],
        organisation_id=org.id,
        warnings=warnings,
    )


def _cnil_warnings(
    view: BreachView, *, complementary: bool, late: bool, late_reason: str | None
) -> list[str]:
    warnings = []
    if late and not late_reason:
        warnings.append(
            "plus de 72 heures après la prise de connaissance : les raisons du retard sont "
            "obligatoires (art. 33.1)"
        )
    if view.breach.aware_at is None:
        warnings.append("la prise de connaissance par l'organisme n'est pas encore enregistrée")
    warnings += _cnil_organisation_warnings(view.controller)
    if unknown := phases.unknown_facts(view.breach):
        warnings.append(f"inconnus à ce stade : {', '.join(unknown)}")
    if complementary and not view.cnil_ref:
        warnings.append(
            "numéro du dossier CNIL inconnu : enregistrez-le sur la notification initiale"
        )
    return warnings


def _cnil_organisation_warnings(org) -> list[str]:
    """The sections of the CNIL's form about the body that would be left empty."""
    warnings = []
    if not org.siren:
        warnings.append(f"aucun numéro SIREN pour {org.name}")
    if org.legal_rep is None:
        warnings.append(f"représentant légal de {org.name} non renseigné (section obligatoire)")
    if org.dpo is None:
        warnings.append(f"aucun DPO enregistré pour {org.name} (personne à contacter)")
    return warnings


def _phased(breach, phase: NotificationPhase, followup_due_at: datetime | None) -> dict:
    """Whether the initial notification says it will be completed in phases (art. 33(4)):
    some art. 33(3) facts unknown (breach.phases, the same rule that requires the follow-up
    date), which ones, and the date committed to (Paris time), once given."""
    to_follow = phases.unknown_facts(breach) if phase == NotificationPhase.INITIAL else []
    due = followup_due_at or breach.followup_due_at
    return {
        "phased_note": bool(to_follow),
        "to_follow": to_follow,
        "followup_due": format_local(due) if to_follow and due else None,
    }


# The communication to the people (art. 34(2)) ---------------------------------------------------

_WHAT = {
    BreachNature.CONFIDENTIALITY: "des personnes qui n'y étaient pas autorisées ont pu voir "
    "ou copier certaines de vos données",
    BreachNature.INTEGRITY: "certaines de vos données ont pu être modifiées sans autorisation",
    BreachNature.AVAILABILITY: "certaines de vos données ont été perdues ou sont restées "
    "inaccessibles pendant un temps",
}

_ADVICE = (
    (
        {BreachDataCategory.IDENTIFICATION_ACCESS},
        "Changez dès maintenant le mot de passe du compte concerné, et celui de tout autre "
        "compte où vous utilisez le même mot de passe.",
    ),
    (
        {BreachDataCategory.FINANCIAL},
        "Surveillez vos relevés bancaires et signalez sans attendre à votre banque toute "
        "opération que vous ne reconnaissez pas.",
    ),
    (
        {
            BreachDataCategory.CIVIL_STATUS,
            BreachDataCategory.NIR,
            BreachDataCategory.OFFICIAL_DOCUMENTS,
        },
        "Si quelqu'un utilise votre identité (ouverture de compte, demande de crédit, "
        "démarche en votre nom), portez plainte auprès de la police ou de la gendarmerie.",
    ),
)

_ALWAYS = (
    "Méfiez-vous des courriels, SMS ou appels inattendus, même s'ils semblent venir de nous "
    "ou d'un organisme que vous connaissez : ne donnez jamais vos mots de passe ni vos "
    "coordonnées bancaires, et ne cliquez pas sur les liens douteux."
)


async def people_communication(view: BreachView) -> Composed:
    breach, facts = view.breach, view.facts()
    natures = [BreachNature(n) for n in view.incident.nature]
    what = " ; ".join(_WHAT[n] for n in natures)
    what_happened = f"Un incident de sécurité s'est produit : {what}."
    categories = set(breach.data_categories)
    advice = [text for cats, text in _ADVICE if cats & categories] + [_ALWAYS]
    warnings = []
    if breach.inform_people not in ("yes", "later"):
        warnings.append(
            "la décision enregistrée ne prévoit pas d'informer les personnes : "
            "la communication ne pourra pas être enregistrée"
        )
    if view.controller.dpo is None:
        warnings.append(f"aucun DPO enregistré pour {view.controller.name} : contact à préciser")
    if not breach.measures_taken:
        warnings.append("mesures prises non renseignées : le texte reste général")
    context = {
        "org": view.controller,
        "facts": facts,
        "what_happened": what_happened,
        "data": facts["data_categories"],
        "consequences": facts["consequences"],
        "advice": advice,
    }
    return _compose(
        KIND_PEOPLE,
        "mail/people_communication.txt.j2",
        context,
        view=view,
        to_addrs=[],
        organisation_id=view.controller.id,
        warnings=warnings,
    )
