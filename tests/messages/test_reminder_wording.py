"""A convention reminder's delay agrees with its number of days (« dans 1 jour »)."""

import pytest

from core.templating import render_message


@pytest.mark.parametrize(("days", "words"), [(1, "dans 1 jour"), (7, "dans 7 jours")])
def test_the_days_left_agree_with_their_number(days, words):
    context = {
        "what_to_do": "Décider de la reconduction.",
        "link": "https://registre.example.fr/conventions/1",
        "days_left": days,
        "title": "Service commun numérique",
        "on_the_day": False,
        "parties": [],
        "event_day": "lundi 1er juin 2026",
        "event_label": "Fin de la période",
    }
    rendered = render_message("mail/convention_reminder.txt.j2", context)
    assert f"Fin de la période : {words} (lundi 1er juin 2026)" in rendered.subject
    assert f"{words.capitalize()}, le lundi 1er juin 2026, tombe" in rendered.body
