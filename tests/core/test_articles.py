"""A body's name in a French sentence (core.articles): article and elision from its head noun."""

import pytest

from core.articles import capitalised, of, subject


@pytest.mark.parametrize(
    ("name", "as_subject", "after_de"),
    [
        (
            "Métropole du Grand Nancy",
            "la Métropole du Grand Nancy",
            "de la Métropole du Grand Nancy",
        ),
        (
            "Commune d'Essey-lès-Nancy",
            "la Commune d'Essey-lès-Nancy",
            "de la Commune d'Essey-lès-Nancy",
        ),
        (
            "Établissement public territorial",
            "l'Établissement public territorial",
            "de l'Établissement public territorial",
        ),
        (
            "EPT Grand-Orly Seine Bièvre",
            "l'EPT Grand-Orly Seine Bièvre",
            "de l'EPT Grand-Orly Seine Bièvre",
        ),
        ("Syndicat des eaux", "le Syndicat des eaux", "du Syndicat des eaux"),
        ("Hôpital local", "l'Hôpital local", "de l'Hôpital local"),
        (
            "Département de la Moselle",
            "le Département de la Moselle",
            "du Département de la Moselle",
        ),
    ],
)
def test_article_and_elision(name, as_subject, after_de):
    assert subject(name) == as_subject
    assert of(name) == after_de


def test_a_sentence_starts_with_a_capital():
    assert capitalised(subject("Commune de Vitry")) == "La Commune de Vitry"
