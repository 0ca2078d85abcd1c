"""A body's legal name inside a French sentence, with its article and elision.

« la Métropole du Grand Nancy notifie… », « l'Établissement public territorial… »,
« le Syndicat… »; after « de »: « de la Commune de Vitry », « de l'Établissement… »,
« du Syndicat… ». The article comes from the name's head noun (its first word).
"""

# The head nouns of bodies' legal names that take « la »; the others take « le ».
_FEMININE = frozenset(
    {
        "agence",
        "caisse",
        "chambre",
        "collectivité",
        "commune",
        "communauté",
        "direction",
        "mairie",
        "métropole",
        "préfecture",
        "région",
        "régie",
        "société",
        "ville",
    }
)
_VOWELS = frozenset("aàâäeéèêëiîïoôöuùûüyh")


def _head(name: str) -> str:
    return name.split()[0].casefold() if name.split() else ""


def _elided(name: str) -> bool:
    return name[:1].casefold() in _VOWELS


def subject(name: str) -> str:
    """The name with its definite article: « la Commune de … », « l'Établissement … »."""
    name = name.strip()
    if _elided(name):
        return f"l'{name}"
    return f"{'la' if _head(name) in _FEMININE else 'le'} {name}"


def of(name: str) -> str:
    """The name after « de »: « de la Commune … », « de l'Établissement … », « du Syndicat … »."""
    name = name.strip()
    if _elided(name):
        return f"de l'{name}"
    return f"de la {name}" if _head(name) in _FEMININE else f"du {name}"


def capitalised(text: str) -> str:
    return text[:1].upper() + text[1:]
