"""Who completes a breach's facts (art. 33(3)): its controller, and the body whose system was hit.

The declaring body's people (a processor's, a host's: `Scope.sources`) learn the numbers, the
data hit and the measures first, and the notice they owe every controller carries them (art.
33(2), 33(3); EDPB 9/2022 §II.A.4). So they may complete the facts of the breaches their
incident opened, and only the facts: breach.breaches.visibility keeps the controller's
awareness, assessment, decision and notifications away from them.

What the CNIL's form asks of the controller itself — whom it told (ANSSI, the police, other
data protection authorities) and whether its processing is cross-border (breach.cnil_facts) —
are the controller's statements, not facts of the incident: `CONTROLLER_ANSWERS`, refused to
the source (422 naming the field), withheld from its view (breach.breaches.visibility) and
never written by the incident-wide completion.

When both write, a fact the controller set itself is the controller's (`controller_facts`):
- the controller (or an administrator) may change any fact; the facts it changes become its own;
- the source's PATCH of one breach may complete any other fact, and is refused (422, naming the
  field) when it would change one of the controller's;
- the source's completion of every breach of its incident (breach.incident_facts: the
  declaration form's numbers, the incident page) writes each breach's other facts and leaves
  the controller's as they are, saying so in that breach's history.
"""

from typing import Any

from pydantic import BaseModel

from breach.breaches.models import Breach
from breach.breaches.schemas import BreachFactsIn
from core.errors import FieldProblem, ValidationFailed

FACT_FIELDS = tuple(BreachFactsIn.model_fields)
# The controller's answers to the CNIL's form: its own to give.
CONTROLLER_ANSWERS = ("other_authorities", "cross_border", "other_member_states")
# The incident's facts (numbers, categories, consequences, measures): the source's too.
INCIDENT_FACTS = tuple(name for name in FACT_FIELDS if name not in CONTROLLER_ANSWERS)
# How the history names a fact (the breach page's wording).
# The facts' names in French: in refusals here, and in the breach history on the pages.
FACT_LABELS = {
    "data_categories": "catégories de données",
    "subject_categories": "catégories de personnes",
    "approx_subjects": "nombre de personnes",
    "subjects_is_estimate": "estimation du nombre de personnes",
    "approx_records": "nombre d'enregistrements",
    "consequences": "conséquences",
    "consequences_detail": "précisions sur les conséquences",
    "measures_taken": "mesures prises",
    "measures_planned": "mesures envisagées",
    "other_authorities": "autres autorités informées",
    "cross_border": "traitement transfrontalier",
    "other_member_states": "autres États membres concernés",
}


def refuse_controller_answers(patch: dict[str, Any]) -> None:
    """422 naming each of the controller's answers `patch` sets: a writer who is not the
    controller's side (the source, or the incident-wide completion) may not give them."""
    given = [name for name in CONTROLLER_ANSWERS if name in patch]
    if given:
        raise ValidationFailed(
            [
                FieldProblem(
                    ("body", name),
                    f"{FACT_LABELS[name]} : réponse réservée au responsable de traitement, "
                    "sur sa propre violation",
                )
                for name in given
            ]
        )


def _comparable(value: Any) -> Any:
    return sorted(map(str, value)) if isinstance(value, list) else value


def changed_facts(current: BaseModel, merged: BaseModel) -> list[str]:
    """The facts whose value `merged` changes (a list in another order is the same list)."""
    before = current.model_dump(mode="json", include=set(FACT_FIELDS))
    after = merged.model_dump(mode="json", include=set(FACT_FIELDS))
    return [name for name in FACT_FIELDS if _comparable(before[name]) != _comparable(after[name])]


def facts_columns(
    breach: Breach,
    *,
    current: BaseModel,
    merged: BaseModel,
    whole: bool,
    keep_controller_facts: bool = False,
) -> tuple[dict[str, Any], list[str], list[str]]:
    """The columns a facts update writes, the facts it changes and those it left as the
    controller set them (see the module doc). `whole`: the writer is the controller's side."""
    changed = changed_facts(current, merged)
    owned = list(breach.controller_facts or [])
    values = merged.model_dump(mode="json", include=set(FACT_FIELDS))
    if whole:
        mine = [name for name in FACT_FIELDS if name in owned or name in changed]
        return values | {"controller_facts": mine}, changed, []
    theirs = [name for name in changed if name in owned]
    if theirs and not keep_controller_facts:
        raise ValidationFailed(
            [
                FieldProblem(
                    ("body", name),
                    f"{FACT_LABELS[name]} : fait établi par le responsable de traitement "
                    "lui-même, que seul il peut modifier",
                )
                for name in theirs
            ]
        )
    kept = current.model_dump(mode="json", include=set(theirs))
    return values | kept, [n for n in changed if n not in theirs], theirs


def history_note(changed: list[str], kept: list[str]) -> str | None:
    """The breach event's note: the facts written, then those left to the controller."""
    parts = []
    if changed:
        parts.append(", ".join(sorted(changed)))
    if kept:
        parts.append(
            "conservés tels que le responsable les a établis : "
            + ", ".join(FACT_LABELS[n] for n in kept)
        )
    return " ; ".join(parts) or None
