"""A body's legal name inside a French sentence, with its article and elision.

« la Métropole du Grand Nancy notifie… », « l'Établissement public territorial… »,
« le Syndicat… »; after « de »: « de la Commune de Vitry », « de l'Établissement… »,
« du Syndicat… ». The article comes from the name's head noun (its first word).

A name that already starts with its own article keeps it: « La Poste », « de La Poste »;
« Le Kremlin-Bicêtre », « du Kremlin-Bicêtre » (contracted); « Les Ulis », « des Ulis ».
Elision before a vowel and before a mute « h » only: « l'Hôpital », but « le Hauts-de-Seine
Habitat » (aspirated h: the words of `_ASPIRATED`).
"""

# The head nouns of bodies' legal names that take « la »; the others take « le ». Nouns
# starting with a vowel are elided (« l'Agence ») but are listed for completeness.
_FEMININE = frozenset(
    {
        "académie",
        "administration",
        "agence",
        "agglomération",
        "assemblée",
        "association",
        "autorité",
        "banque",
        "bibliothèque",
        "caisse",
        "chambre",
        "circonscription",
        "clinique",
        "collectivité",
        "commission",
        "commune",
        "communauté",
        "compagnie",
        "conférence",
        "coopérative",
        "cour",
        "délégation",
        "direction",
        "école",
        "entreprise",
        "fédération",
        "fondation",
        "inspection",
        "institution",
        "intercommunalité",
        "maison",
        "mairie",
        "médiathèque",
        "métropole",
        "mission",
        "mutuelle",
        "préfecture",
        "province",
        "région",
        "régie",
        "résidence",
        "société",
        "union",
        "université",
        "ville",
    }
)
# Head words whose initial « h » is aspirated: no elision (« le Hameau », « de la Halle »).
_ASPIRATED = frozenset(
    {
        "halle",
        "halles",
        "hameau",
        "hameaux",
        "handicap",
        "hangar",
        "haras",
        "haut",
        "haute",
        "hautes",
        "hauts",
        "hauteur",
        "hauteurs",
    }
)
_FEMININE_ASPIRATED = frozenset({"halle", "haute", "hauteur"})
_VOWELS = frozenset("aàâäeéèêëiîïoôöuùûüy")
# A name's own article and what « de » + it gives.
_OWN_ARTICLES = (("La ", "de La "), ("Le ", "du "), ("Les ", "des "), ("L'", "de L'"))


def _head(name: str) -> str:
    words = name.split()
    return words[0].casefold() if words else ""


def _head_word(name: str) -> str:
    """The head noun without what a hyphen or an apostrophe joins to it (« Hauts-de-Seine »)."""
    return _head(name).replace("’", "'").split("-")[0].split("'")[0]


def _elided(name: str) -> bool:
    first = name[:1].casefold()
    if first in _VOWELS:
        return True
    return first == "h" and _head_word(name) not in _ASPIRATED


def _feminine(name: str) -> bool:
    return _head(name) in _FEMININE or _head_word(name) in _FEMININE_ASPIRATED


def _own_article(name: str) -> tuple[str, str] | None:
    """(the article as written, « de » + it) when the name starts with its own article."""
    normalised = name.replace("’", "'")
    for article, after_de in _OWN_ARTICLES:
        if normalised.startswith(article) and len(normalised) > len(article):
            return normalised[: len(article)], after_de
    return None


def subject(name: str) -> str:
    """The name with its definite article: « la Commune de … », « l'Établissement … »."""
    name = name.strip()
    if _own_article(name):
        return name
    if _elided(name):
        return f"l'{name}"
    return f"{'la' if _feminine(name) else 'le'} {name}"


def of(name: str) -> str:
    """The name after « de »: « de la Commune … », « de l'Établissement … », « du Syndicat … »."""
    name = name.strip()
    own = _own_article(name)
    if own:
        article, after_de = own
        if after_de.endswith("La ") or after_de.endswith("L'"):
            return f"de {name}"
        return f"{after_de}{name[len(article) :]}"
    if _elided(name):
        return f"de l'{name}"
    return f"de la {name}" if _feminine(name) else f"du {name}"


def capitalised(text: str) -> str:
    return text[:1].upper() + text[1:]
