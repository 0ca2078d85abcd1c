"""French for a reader: dates written without the system locale (which a server may not have),
and words agreeing with a count (« 1 activité », « 2 activités »)."""

from datetime import date

DAYS = ("lundi", "mardi", "mercredi", "jeudi", "vendredi", "samedi", "dimanche")
MONTHS = (
    "janvier",
    "février",
    "mars",
    "avril",
    "mai",
    "juin",
    "juillet",
    "août",
    "septembre",
    "octobre",
    "novembre",
    "décembre",
)


def format_day(day: date) -> str:
    """date(2025, 1, 1) → 'mercredi 1er janvier 2025'."""
    number = "1er" if day.day == 1 else str(day.day)
    return f"{DAYS[day.weekday()]} {number} {MONTHS[day.month - 1]} {day.year}"


def agree(count: float, singular: str, plural: str | None = None) -> str:
    """The word (or phrase) agreeing with a count, without the count: French takes the
    singular below 2 (« 0 activité », « 1,5 an ») and the plural from 2 on.

    A single word's regular plural is made here (« activité » → « activités », « mois » and
    « prix » unchanged, « niveau » → « niveaux »); an irregular word (« cheval » → « chevaux »)
    or a phrase (« point de contrôle signé » → « points de contrôle signés ») gives its plural.
    """
    if abs(count) < 2:
        return singular
    if plural is not None:
        return plural
    if " " in singular.strip() or "'" in singular or "’" in singular:
        raise ValueError(f"the plural of the phrase {singular!r} must be given")
    return _regular_plural(singular)


def plural(count: int, singular: str, plural: str | None = None) -> str:
    """The count and its agreeing word: « 0 activité », « 1 activité », « 2 activités »,
    plural(2, "cheval", "chevaux") → « 2 chevaux »."""
    return f"{count} {agree(count, singular, plural)}"


def _regular_plural(word: str) -> str:
    if word.endswith(("s", "x", "z")):
        return word
    if word.endswith(("eau", "au", "eu")):
        return word + "x"
    return word + "s"
