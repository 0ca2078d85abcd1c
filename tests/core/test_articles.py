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
        # Head nouns that take « la » (missing before)
        ("Commission locale de l'eau", "la Commission locale de l'eau", None),
        ("Université de Lorraine", "l'Université de Lorraine", "de l'Université de Lorraine"),
        ("Fédération des syndicats", "la Fédération des syndicats", None),
        ("Mission locale du Toulois", "la Mission locale du Toulois", None),
        ("Maison départementale des personnes handicapées", None, None),
        ("Province Sud", "la Province Sud", "de la Province Sud"),
        ("Délégation régionale", "la Délégation régionale", "de la Délégation régionale"),
        # Mute h elided, aspirated h not
        ("Hôtel de ville de Metz", "l'Hôtel de ville de Metz", "de l'Hôtel de ville de Metz"),
        ("Hauts-de-Seine Habitat", "le Hauts-de-Seine Habitat", "du Hauts-de-Seine Habitat"),
        ("Haute-Savoie Numérique", "la Haute-Savoie Numérique", "de la Haute-Savoie Numérique"),
        ("Hameau de la Source", "le Hameau de la Source", "du Hameau de la Source"),
        # A name with its own article: not doubled, contracted after « de »
        ("La Poste", "La Poste", "de La Poste"),
        ("Le Kremlin-Bicêtre", "Le Kremlin-Bicêtre", "du Kremlin-Bicêtre"),
        ("Les Ulis", "Les Ulis", "des Ulis"),
        ("L'Haÿ-les-Roses", "L'Haÿ-les-Roses", "de L'Haÿ-les-Roses"),
    ],
)
def test_article_and_elision(name, as_subject, after_de):
    as_subject = as_subject or f"la {name}"
    after_de = after_de or f"de la {name}"
    assert subject(name) == as_subject
    assert of(name) == after_de


def test_a_sentence_starts_with_a_capital():
    assert capitalised(subject("Commune de Vitry")) == "La Commune de Vitry"
