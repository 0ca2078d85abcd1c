"""A retention period in the exported record agrees with its count (« 1 an », « 5 ans »)."""

import pytest

from register.enums import RetentionUnit
from register.export import cells


@pytest.mark.parametrize(
    ("value", "unit", "expected"),
    [
        (1, RetentionUnit.YEAR, "1 an"),
        (5, RetentionUnit.YEAR, "5 ans"),
        (1, RetentionUnit.DAY, "1 jour"),
        (30, "day", "30 jours"),
        (1, RetentionUnit.MONTH, "1 mois"),
        (12, "month", "12 mois"),
    ],
)
def test_a_duration_agrees_with_its_count(value, unit, expected):
    assert cells.duration(value, unit) == expected
    line = cells.retention_line(
        "Vie professionnelle", value, cells.unit_word(value, unit), None, None, "Tri"
    )
    assert line == f"Vie professionnelle : {expected} — sort final : Tri"


def test_without_a_duration_only_the_criteria_are_written():
    assert cells.unit_word(None, None) == ""
    line = cells.retention_line("Vie professionnelle", None, "", None, "fin du contrat", "Tri")
    assert line == "Vie professionnelle : critères : fin du contrat — sort final : Tri"
