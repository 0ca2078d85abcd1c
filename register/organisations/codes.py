"""A body's short code (« BOULOGNE », « EPTGPSO »): what qualifies its breach references
(« VIO-BOULOGNE-2026-0001 ») so that they are unique on an instance.

2 to 12 capital letters and digits, starting with a letter; unique; derived from the legal
name when the body is created without one, and editable through the organisation's API.
"""

import re
from collections.abc import Iterable

from core.text import fold

PATTERN = re.compile(r"^[A-Z][A-Z0-9]{1,11}$")
MAX = 12
SHAPE = (
    "code court invalide : de 2 à 12 lettres majuscules sans accent et chiffres, "
    "commençant par une lettre (par exemple BOULOGNE ou EPT12)"
)
TAKEN = "code court déjà attribué à un autre organisme"

# Words that say what kind of body it is, not which: dropped, or abbreviated in front.
_NOISE = frozenset(
    [
        "A",
        "AU",
        "AUX",
        "D",
        "DE",
        "DES",
        "DU",
        "EN",
        "ET",
        "L",
        "LA",
        "LE",
        "LES",
        "SUR",
        "SOUS",
        "COMMUNE",
        "VILLE",
        "MAIRIE",
    ]
)
_KINDS = {
    ("ETABLISSEMENT", "PUBLIC", "TERRITORIAL"): "EPT",
    ("CENTRE", "COMMUNAL", "D", "ACTION", "SOCIALE"): "CCAS",
    ("COMMUNAUTE", "D", "AGGLOMERATION"): "CA",
    ("COMMUNAUTE", "DE", "COMMUNES"): "CC",
    ("METROPOLE",): "M",
    ("SYNDICAT",): "S",
}
_ACRONYMS = frozenset({"EPT", "CCAS", "CA", "CC", "M", "S", "SIVU", "SIVOM", "CIAS", "EPCI"})


def normalise(code: str) -> str:
    return code.strip().upper()


def valid(code: str) -> bool:
    return bool(PATTERN.match(code))


def _words(name: str) -> list[str]:
    return [w for w in re.split(r"[^A-Z0-9]+", fold(name).upper()) if w]


def _kind_prefix(words: list[str]) -> tuple[str, list[str]]:
    for phrase, short in _KINDS.items():
        if tuple(words[: len(phrase)]) == phrase:
            return short, words[len(phrase) :]
    if words and words[0] in _ACRONYMS:
        return words[0], words[1:]
    return "", words


def base_code(name: str) -> str:
    """« Ville de Boulogne-Billancourt » → BOULOGNE; « Établissement public territorial
    Grand Paris Seine Ouest » → EPTGPSO; « CCAS de Baillargues » → CCASBAILLARG."""
    prefix, rest = _kind_prefix(_words(name))
    rest = [w for w in rest if w not in _NOISE]
    if prefix and len(rest) > 1:
        code = prefix + "".join(w[0] for w in rest)
    else:
        code = prefix + (rest[0] if rest else "")
    code = code[:MAX]
    if not code or not code[0].isalpha():
        code = ("ORG" + code)[:MAX]
    return code if len(code) >= 2 else (code + "X")


def derive(name: str, taken: Iterable[str]) -> str:
    """The base code, or the first free one with a number after it (BOULOGNE2…)."""
    used = set(taken)
    base = base_code(name)
    if base not in used:
        return base
    number = 2
    while True:
        suffix = str(number)
        code = base[: MAX - len(suffix)] + suffix
        if code not in used:
            return code
        number += 1
