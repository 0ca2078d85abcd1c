"""What the CNIL document says beside the art. 33(3) facts: the type of notification, the other
authorities told, the cross-border answer, and the ENISA conditions behind the severity. Each
answer comes from a fact of the breach (breach.cnil_facts): « Non » only when the fact says
no, « non renseigné » while it is not known.
"""

from datetime import date
from typing import Any

from breach.cnil_facts import AuthorityKind, MemberState, missing_for_complete
from breach.enisa_scales import IntegrityCircumstance
from breach.enums import NotificationPhase
from core.french import format_day
from register.enums import label

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
