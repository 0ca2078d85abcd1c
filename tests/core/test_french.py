from datetime import date

import pytest

from core.french import agree, format_day, plural


@pytest.mark.parametrize("count", [0, 1, -1])
def test_zero_and_one_take_the_singular(count):
    assert plural(count, "activité") == f"{count} activité"


@pytest.mark.parametrize("count", [2, 3, 10, 1000, -2])
def test_two_and_more_take_the_plural(count):
    assert plural(count, "activité") == f"{count} activités"


@pytest.mark.parametrize(
    ("singular", "expected"),
    [
        ("session", "sessions"),
        ("mois", "mois"),
        ("prix", "prix"),
        ("gaz", "gaz"),
        ("niveau", "niveaux"),
        ("tuyau", "tuyaux"),
        ("jeu", "jeux"),
        ("an", "ans"),
    ],
)
def test_the_regular_plural_of_a_word(singular, expected):
    assert plural(2, singular) == f"2 {expected}"
    assert plural(1, singular) == f"1 {singular}"


def test_an_irregular_plural_is_given():
    assert plural(2, "cheval", "chevaux") == "2 chevaux"
    assert plural(1, "cheval", "chevaux") == "1 cheval"
    assert plural(0, "œil", "yeux") == "0 œil"


def test_a_phrase_agrees_as_a_whole():
    phrase = ("point de contrôle signé", "points de contrôle signés")
    assert plural(1, *phrase) == "1 point de contrôle signé"
    assert plural(2, *phrase) == "2 points de contrôle signés"


def test_a_phrase_without_its_plural_is_refused_rather_than_guessed():
    assert plural(1, "point de contrôle") == "1 point de contrôle"
    with pytest.raises(ValueError, match="point de contrôle"):
        plural(2, "point de contrôle")
    with pytest.raises(ValueError):
        agree(2, "jeton d'accès")


def test_agree_gives_the_word_alone():
    assert agree(1, "fermée") == "fermée"
    assert agree(2, "fermée") == "fermées"
    assert agree(1.5, "an") == "an"


def test_format_day():
    assert format_day(date(2025, 1, 1)) == "mercredi 1er janvier 2025"
    assert format_day(date(2025, 10, 27)) == "lundi 27 octobre 2025"


@pytest.mark.parametrize(
    ("count", "expected"), [(1, "1 activité créée"), (2, "2 activités créées")]
)
def test_the_templates_agree_through_the_same_filters(count, expected):
    from api.web.render import environment as pages
    from core.templating import environment as messages

    source = '{{ n|plural("activité créée", "activités créées") }} {{ n|agree("trouvée") }}'
    for env in (pages(), messages()):
        assert env.from_string(source).render(n=count) == f"{expected} {agree(count, 'trouvée')}"
