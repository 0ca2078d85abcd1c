"""Accent- and case-insensitive search text, the same on SQLite and PostgreSQL."""

import unicodedata


def fold(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(c for c in decomposed if not unicodedata.combining(c)).casefold()


def search_terms(query: str) -> list[str]:
    return [t for t in fold(query).split() if t]
