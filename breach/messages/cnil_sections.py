"""What the CNIL document says beside the art. 33(3) facts: the type of notification, the other
authorities told, the cross-border answer, and the ENISA conditions behind the severity. Each
answer comes from a fact of the breach (breach.cnil_facts): « Non » only when the fact says
no, « non renseigné » while it is not known.
"""

from datetime import date
from typing import Any

from breach.cnil_facts import AuthorityKind, MemberState, missing_for_complete
from breach.enisa_scales import IntegrityCircumstance
from breach.enums import BreachPath, NotificationPhase
from breach.messages.context import org_card
from core import articles
from core.french import format_day
from register.conventions.models import Convention, ConventionParty
from register.enums import JointBreachDuty, PartyRole, label

NOT_GIVEN = "non renseigné"

# What the type of notification means, as the CNIL's form offers it.
_PHASE_NOTES = {
    NotificationPhase.INITIAL: "des informations complémentaires pourront suivre (art. 33.4)",
    NotificationPhase.COMPLEMENTARY: "elle complète la notification initiale (art. 33.4)",
    NotificationPhase.COMPLETE: "tous les éléments sont connus et donnés en une fois ; aucune "
    "notification complémentaire n'est prévue",
}


def _authority_line(row: dict[str, Any]) -> str:
    text = label(AuthorityKind(row["kind"]))
    if row.get("name"):
        text += f" : {row['name']}"
    if row.get("on"):
        text += f", le {format_day(date.fromisoformat(str(row['on'])))}"
    if row.get("reference"):
        text += f", référence {row['reference']}"
    return text


def other_authorities(breach) -> dict[str, Any]:
    """`answer`: « Oui », « Non » or « non renseigné »; `lines`: one per authority told."""
    rows = breach.other_authorities
    if rows is None:
        return {"answer": NOT_GIVEN, "lines": []}
    if not rows:
        return {"answer": "Non", "lines": []}
    return {"answer": "Oui", "lines": [_authority_line(row) for row in rows]}


def cross_border(breach) -> dict[str, Any]:
    """`answer`, and the other Member States concerned (their French names)."""
    states = [label(MemberState(code)) for code in breach.other_member_states or []]
    answer = {None: NOT_GIVEN, True: "Oui", False: "Non"}[breach.cross_border]
    return {"answer": answer, "states": states}


def assessment_conditions(assessment: dict | None) -> list[str]:
    """The ENISA conditions the severity rests on, from the inputs stored with it. An
    assessment stored before these inputs existed says nothing of them (no line)."""
    inputs = (assessment or {}).get("inputs") or {}
    lines = []
    if "unintelligible" in inputs:
        lines.append(
            "Données rendues inintelligibles (chiffrement à l'état de l'art, clé non "
            f"compromise) : {'oui' if inputs['unintelligible'] else 'non'}"
        )
    integrity = inputs.get("integrity")
    misused = inputs.get("integrity_possibly_misused")
    if integrity and integrity != IntegrityCircumstance.NONE and misused is not None:
        lines.append(
            f"Intégrité : {label(IntegrityCircumstance(integrity)).lower()} ; données "
            f"modifiées {'ayant pu être' if misused else 'non'} utilisées de façon incorrecte "
            "ou illicite"
        )
    return lines


async def joint_controllers(view) -> dict[str, Any] | None:
    """The lead's notification made for all joint controllers (art. 26, `lead_notifies`): the
    others named (legal name, SIREN, DPO) with the arrangement (title, essence). None for any
    other breach: a joint controller's own, or one whose lead is another body."""
    breach = view.breach
    if breach.path != BreachPath.JOINT or breach.joint_duty != JointBreachDuty.LEAD_NOTIFIES:
        return None
    # The arrangement as it stood when the breach was declared, even if withdrawn since.
    convention = await Convention.get_or_none(id=breach.convention_id)
    if convention is None or convention.breach_lead_id != breach.controller_id:
        return None
    others = await ConventionParty.filter(
        convention_id=convention.id, role=PartyRole.JOINT_CONTROLLER
    ).values_list("organisation_id", flat=True)
    cards = [await org_card(o) for o in others if o != breach.controller_id]
    return {
        "lead": articles.subject(view.controller.name),
        "controllers": sorted(cards, key=lambda card: card.name),
        "title": convention.title,
        "essence": convention.arrangement_essence,
    }


def cnil_sections(view, phase: NotificationPhase) -> dict[str, Any]:
    """The template context of these sections (`view`: a BreachView)."""
    breach = view.breach
    return {
        "complete": phase == NotificationPhase.COMPLETE,
        "phase_note": _PHASE_NOTES[phase],
        "other_authorities": other_authorities(breach),
        "cross_border": cross_border(breach),
        "assessment_conditions": assessment_conditions(breach.assessment),
    }


def cnil_section_warnings(view, phase: NotificationPhase) -> list[str]:
    breach = view.breach
    if phase == NotificationPhase.COMPLETE:
        missing = missing_for_complete(breach)
        return (
            [
                "une notification complète donne tous les éléments en une fois ; inconnus à ce "
                f"stade : {', '.join(missing)} (faites plutôt une notification initiale)"
            ]
            if missing
            else []
        )
    warnings = []
    if breach.other_authorities is None:
        warnings.append("autres autorités informées (ANSSI, plainte…) : non renseigné")
    if breach.cross_border is None:
        warnings.append("caractère transfrontalier du traitement : non renseigné")
    return warnings
