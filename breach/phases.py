"""What is still to come for a breach: the facts the register and the CNIL must get (art.
33(3), 33(4), 33(5)), the complementary notification the initial one promised, and the
communication to the people (art. 34).

Pure: every function reads the attributes of a Breach row (or any object with them) and the
flags the caller passes; none reads a clock or the database. The workflow's guards
(breach.breaches.workflow), the steps (breach.breaches.service), the clocks
(breach.deadlines.running_clocks) and the breach page ask here.
"""

from datetime import datetime
from typing import Any

from breach.enums import Art34Exemption, BreachDataCategory, BreachStatus, InformPeople
from core.clock import to_local
from core.errors import ValidationFailed
from core.french import format_day

PEOPLE_TO_INFORM = (InformPeople.YES, InformPeople.LATER)

# The art. 33(3) facts (a: categories and approximate numbers of people and records; c: the
# likely consequences; d: the measures), named as the breach page names them. The one list of
# what is still unknown: an initial notification with one of them unknown says information
# will follow and commits to a date (art. 33(4)); the CNIL document marks them as to follow; a
# complete notification needs them all (breach.cnil_facts.missing_for_complete); the notice
# to the controller lists them; a breach is closed with one unknown only with the DPO's
# reasons (art. 33(5)).
MANDATORY_FACTS = (
    ("data_categories", "catégories de données"),
    ("subject_categories", "catégories de personnes"),
    ("approx_subjects", "nombre de personnes"),
    ("approx_records", "nombre d'enregistrements"),
    ("consequences", "conséquences probables"),
    ("measures_taken", "mesures prises"),
)
INCIDENT_ONGOING = "l'incident est toujours en cours"
FOLLOWUP_NOT_MADE = "la notification complémentaire promise à la CNIL (art. 33.4) n'est pas faite"


def _unknown(breach, name: str) -> bool:
    value = getattr(breach, name)
    if name == "data_categories":
        # « Inconnues à ce stade » says they are not known yet.
        return not value or set(value) <= {BreachDataCategory.UNKNOWN_SO_FAR}
    # A count of 0 is known; an empty list or text is not.
    return value is None or value == "" or value == []


def unknown_facts(breach) -> list[str]:
    """The art. 33(3) facts not known yet, in French (« catégories de données »...): data
    categories « inconnues à ce stade » count as unknown; a count of 0 is known."""
    return [text for name, text in MANDATORY_FACTS if _unknown(breach, name)]


def closing_gaps(breach, *, incident_ongoing: bool) -> list[str]:
    """Why closing now needs the DPO's reasons (`incomplete_reasons`): the incident still
    ongoing, the mandatory facts unknown, the complementary notification promised and not
    made; empty when the breach may close as it is."""
    gaps = [INCIDENT_ONGOING] if incident_ongoing else []
    if followup_pending(breach):
        gaps.append(FOLLOWUP_NOT_MADE)
    unknown = unknown_facts(breach)
    if unknown:
        gaps.append("inconnus : " + ", ".join(unknown))
    return gaps


def information_to_follow(breach) -> bool:
    """Whether an initial notification made now says more information will follow (art.
    33(4)): one of the art. 33(3) facts is unknown (`unknown_facts`). The initial
    notification must then give the date of the complementary one, which the CNIL document
    states."""
    return bool(unknown_facts(breach))


def followup_values(
    breach, *, followup_due_at: datetime | None, sent_at: datetime, now: datetime
) -> dict[str, Any]:
    """The date an initial notification commits to for the rest (art. 33(4)), as the columns
    it writes: required when information will follow (`information_to_follow`), neither
    before that notification nor past. Its clock runs until the complementary notification
    (breach.deadlines.running_clocks)."""
    field = "followup_due_at"
    if followup_due_at is None:
        if unknown := unknown_facts(breach):
            raise ValidationFailed.one(
                "body",
                field,
                msg=f"des éléments restent à transmettre ({', '.join(unknown)}) : indiquez la "
                "date à laquelle vous vous engagez à compléter la notification (art. 33.4)",
            )
        return {}
    if followup_due_at < sent_at:
        raise ValidationFailed.one(
            "body",
            field,
            msg="la date du complément ne peut pas précéder la notification initiale "
            f"({_local(sent_at)})",
        )
    if followup_due_at < now:
        raise ValidationFailed.one(
            "body", field, msg="la date du complément est passée : indiquez une date à venir"
        )
    return {field: followup_due_at}


def _local(moment: datetime) -> str:
    local = to_local(moment)
    return f"{format_day(local.date())} à {local:%H:%M}"


def followup_pending(breach) -> bool:
    """The initial notification promised a complementary one that is not made yet (the
    status moves to « complemented » with it)."""
    return breach.followup_due_at is not None and breach.status == BreachStatus.NOTIFIED


def people_owed(breach) -> bool:
    """Whether the decision requires a communication to the people: to each of them (art.
    34(1), decided now or later), or a public one under the 34(3)(c) exemption."""
    return (
        breach.inform_people in PEOPLE_TO_INFORM
        or breach.art34_exemption == Art34Exemption.C_DISPROPORTIONATE
    )


def people_pending(breach) -> bool:
    """A communication to the people is owed and none is recorded yet."""
    return people_owed(breach) and breach.people_informed_at is None
