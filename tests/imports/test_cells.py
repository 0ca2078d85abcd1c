"""Each cell parser is the inverse of the export's writer (register.export.cells), and says
what it expected when it cannot read a cell."""

from datetime import date

import pytest

from register.activities.schemas import RetentionRule, Transfer
from register.enums import (
    _LABELS,
    DataCategory,
    LegalBasis,
    RetentionUnit,
    SpecialCategory,
    label,
)
from register.export import cells as written
from register.imports import cells as read
from register.imports.cells import CellError


@pytest.mark.parametrize("cls", list(read.NOUNS), ids=lambda c: c.__name__)
def test_every_label_and_value_reads_back(cls):
    assert cls in _LABELS
    for member in cls:
        assert read.member(cls, label(member)) is member
        assert read.member(cls, member.value) is member
        assert read.member(cls, label(member).upper()) is member
        assert read.enum_values(cls, written.labels([member, member])) == [member, member]


def test_labels_without_their_reference_and_units_in_words_are_understood():
    assert read.member(LegalBasis, "Mission d’intérêt public") is LegalBasis.PUBLIC_TASK
    assert read.member(LegalBasis, "  obligation   LEGALE ") is LegalBasis.LEGAL_OBLIGATION
    assert read.member(RetentionUnit, "ans") is RetentionUnit.YEAR
    assert read.member(RetentionUnit, "jours") is RetentionUnit.DAY
    assert read.member(DataCategory, "Internet") is DataCategory.INTERNET
    assert read.member(DataCategory, "Etat-civil") is DataCategory.CIVIL_STATUS
    assert read.member(SpecialCategory, "nir") is SpecialCategory.NIR


def test_an_unknown_label_lists_the_possible_ones():
    with pytest.raises(CellError) as refused:
        read.member(LegalBasis, "Annuel")

    assert refused.value.messages == [
        "« Annuel » n'est pas une base légale connue ; valeurs possibles : "
        "« Consentement (art. 6.1.a) », « Contrat (art. 6.1.b) », "
        "« Obligation légale (art. 6.1.c) », « Sauvegarde des intérêts vitaux (art. 6.1.d) », "
        "« Mission d'intérêt public (art. 6.1.e) », « Intérêt légitime (art. 6.1.f) », "
        "« À déterminer »"
    ]


def test_a_list_reports_each_bad_line():
    with pytest.raises(CellError) as refused:
        read.enum_values(DataCategory, "Vie professionnelle\nVie pro\n\nFoo")

    assert [m.split(" : ")[0] for m in refused.value.messages] == ["ligne 2", "ligne 3"]


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("Oui", True),
        ("non", False),
        ("VRAI", True),
        ("faux", False),
        ("1", True),
        ("0", False),
        ("x", True),
        ("X", True),
        ("", None),
        (None, None),
    ],
)
def test_yes_and_no(text, value):
    assert read.yes_no(text) is value


def test_neither_yes_nor_no():
    with pytest.raises(CellError, match="attendu « Oui » ou « Non »"):
        read.yes_no("peut-être")


@pytest.mark.parametrize(
    "text", ["31/12/2027", "2027-12-31", "2027-12-31 00:00:00", "2027-12-31T00:00:00"]
)
def test_dates_as_exported_or_iso(text):
    assert read.day(text) == date(2027, 12, 31)
    assert read.day(written.day(date(2027, 12, 31))) == date(2027, 12, 31)


@pytest.mark.parametrize("text", ["31/02/2026", "2026-13-01", "demain", "12/2026"])
def test_a_date_that_is_not_one(text):
    with pytest.raises(CellError, match="n'est pas une date valide ; attendu JJ/MM/AAAA"):
        read.day(text)


RULES = [
    RetentionRule(
        data_category="professional_life",
        value=5,
        unit="year",
        start_event="la fin du contrat",
        final_disposition="tri",
    ),
    RetentionRule(
        data_category="professional_life",
        criteria="durée de la carrière : puis 5 ans — selon l'instruction",
        final_disposition="tri",
    ),
    RetentionRule(
        data_category="civil_status",
        value=3,
        unit="month",
        criteria="ou la fin du recours",
        final_disposition="versement",
    ),
    RetentionRule(
        data_category="internet",
        value=13,
        unit="day",
        criteria="une ligne\npuis une autre : sort final : piège",
        final_disposition="destruction",
    ),
]


@pytest.mark.parametrize("rule", RULES, ids=range(len(RULES)))
def test_a_retention_rule_reads_back_as_written(rule):
    cell = written.lines([written.retention_rule(rule)])

    (parsed,) = read.retention_rules(cell)

    assert RetentionRule.model_validate(parsed) == rule


def test_several_rules_in_one_cell_with_criteria_over_several_lines():
    cell = written.lines(written.retention_rule(r) for r in RULES)

    parsed = read.retention_rules(cell)

    assert [RetentionRule.model_validate(p) for p in parsed] == RULES


def test_a_rule_with_only_criteria_as_the_brief_writes_it():
    (rule,) = read.retention_rules(
        "Vie professionnelle : critères : durée de la carrière — sort final : Tri"
    )

    assert rule == {
        "data_category": DataCategory.PROFESSIONAL_LIFE,
        "criteria": "durée de la carrière",
        "final_disposition": read.member(read.FinalDisposition, "Tri"),
    }


@pytest.mark.parametrize(
    ("text", "says"),
    [
        ("5 ans — sort final : Tri", "n'est pas une catégorie de données connue"),
        ("Vie professionnelle : 5 ans", "sort final manquant"),
        ("Vie professionnelle : 5 siècles — sort final : Tri", "n'est pas une unité de durée"),
        ("Vie professionnelle : cinq ans — sort final : Tri", "durée illisible « cinq ans »"),
        ("Vie professionnelle : 5 an(s) — sort final : Brûlé", "n'est pas un sort final connu"),
    ],
)
def test_a_retention_rule_that_cannot_be_read(text, says):
    with pytest.raises(CellError) as refused:
        read.retention_rules(text)

    assert says in refused.value.messages[0]


TRANSFERS = [
    Transfer(country="US", recipient="Éditeur — support", mechanism="scc_46_2c"),
    Transfer(
        country="IN",
        recipient="Centre d'appel",
        mechanism="compelling_interest_49_1_2",
        safeguards_doc_url="https://example.fr/garanties-49-1?v=2",
    ),
]


def test_transfers_read_back_as_written():
    cell = written.lines(written.transfer(t) for t in TRANSFERS)

    assert [Transfer.model_validate(t) for t in read.transfers(cell)] == TRANSFERS


def test_a_transfer_without_its_parts():
    with pytest.raises(CellError, match="attendu « <code pays> — <destinataire> — <mécanisme>"):
        read.transfers("États-Unis")


def test_recipients_read_back_and_need_their_kind():
    cell = "Service interne : Service « population » : accueil\nSous-traitant : EPT 12"

    assert read.recipients(cell) == [
        {"kind": read.RecipientKind.INTERNAL, "name": "Service « population » : accueil"},
        {"kind": read.RecipientKind.PROCESSOR, "name": "EPT 12"},
    ]
    with pytest.raises(CellError, match="attendu « <type de destinataire> : <nom> »"):
        read.recipients("URSSAF")
