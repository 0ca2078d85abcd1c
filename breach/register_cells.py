"""What the breach register (art. 33(5)) writes in the cells that need more than a value: the
rows the article asks for, said « non renseigné » when empty instead of left out; the ENISA
score with its recommendation and every earlier assessment; who recorded the decision and on
whose behalf; the history with who did each step.

Every format of the register (PDF, ODS, XLSX, CSV, JSON) shows these strings
(breach.export.breach_row).
"""

from collections.abc import Iterable
from decimal import Decimal, InvalidOperation

from breach.breaches.schemas import BreachOut, EventOut
from register.export import cells

# Art. 33(5): the facts, the effects, the remedial action taken, and (EDPB 9/2022 §V.A) the
# decision with its reasons: written even when nothing was recorded, so that a reader sees
# the gap rather than a missing line.
NOT_SET = "non renseigné"

# The steps of a breach, as the register's history names them (the breach page says the
# same: api/web/routes/violations/common.py).
STEP_LABELS = {
    "declare": "Déclaration de l'incident",
    "update_facts": "Faits complétés",
    "record_controller_informed": "Responsable de traitement informé",
    "record_awareness": "Prise de connaissance",
    "assess": "Évaluation de la gravité",
    "decide": "Décision",
    "notify_cnil_initial": "Notification initiale à la CNIL",
    "notify_cnil_complementary": "Notification complémentaire à la CNIL",
    "notify_cnil_complete": "Notification complète à la CNIL",
    "inform_people": "Communication aux personnes concernées",
    "record_cnil_reference": "Numéro de dossier CNIL",
    "close": "Clôture",
    "follow_detection": "Heure de détection corrigée",
}


def required(value: str | None) -> str:
    """A row art. 33(5) asks for: its value, or « non renseigné »."""
    return value if value else NOT_SET


def decimal_fr(value: object) -> str:
    """« 3.5 » → « 3,5 » (decimal comma); a value that is not a number is left as it is."""
    try:
        number = Decimal(str(value))
    except InvalidOperation:
        return str(value)
    return format(number.normalize(), "f").replace(".", ",")


def _lower_first(text: str) -> str:
    """« Notifier la CNIL » → « notifier la CNIL » (acronyms kept)."""
    return text[:1].lower() + text[1:]


def severity(assessment: dict | None) -> str | None:
    """« SE = 3,5 (élevée) — recommandation : notifier la CNIL et informer les personnes »."""
    if not assessment:
        return None
    text = f"SE = {decimal_fr(assessment.get('se', ''))} ({assessment.get('band_label', '')})"
    recommendation = assessment.get("recommendation_label")
    if recommendation:
        text += f"{cells.PART}recommandation : {_lower_first(str(recommendation))}"
    return text


def assessments(breach: BreachOut) -> str | None:
    """Every assessment recorded (the last one included), when and by whom: a re-assessment
    does not hide the earlier score."""
    records = getattr(breach, "assessments", None) or []
    return cells.lines(
        cells.PART.join(
            part
            for part in (
                cells.moment(r.at) or "",
                f"SE = {decimal_fr(r.se)} ({r.band_label})",
                _lower_first(r.recommendation_label or ""),
                f"par {r.author}" if r.author else "",
            )
            if part
        )
        for r in records
    )


def decided_by(breach: BreachOut) -> str | None:
    """Who recorded the decision (the signed-in account) and, when said, for whom: the
    decision is the controller's (art. 33 and 34), often taken by its representative."""
    if not breach.decided_by:
        return NOT_SET if breach.risk_level else None
    return breach.decided_by.replace(", pour le compte de :", " — pour le compte de :")


def _step(action: str) -> str:
    return STEP_LABELS.get(action, action.replace("_", " "))


def history(events: Iterable[EventOut]) -> str | None:
    """One line per step: when, what, who (« 07/12/2026 10:00 — Décision — par dpo@… »)."""
    return cells.lines(
        cells.PART.join(
            part
            for part in (
                cells.moment(e.at) or "",
                _step(e.action),
                f"par {e.author}" if e.author else "par : non renseigné",
            )
            if part
        )
        for e in events
    )


def optional_text(breach: BreachOut, field: str) -> str | None:
    """A text another part of the workflow may add to the breach (its field may not exist
    yet in an older schema): its value, or nothing."""
    return cells.text(getattr(breach, field, None))


def optional_moment(breach: BreachOut, field: str) -> str | None:
    return cells.moment(getattr(breach, field, None))
