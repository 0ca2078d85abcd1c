"""A file with mistakes imports nothing and lists every one of them, each where it is: the
row, the column letter, the field. A dry run lists the same."""

import uuid

import pytest

from core.errors import NotFound, ValidationFailed
from core.scope import Scope
from core.tabular.document import ExportFormat
from register.imports.service import import_activities
from tests.factories import (
    complete_record,
    make_activity,
    make_convention,
    make_measure,
    make_org,
    read,
)
from tests.imports.helpers import FORMAT_IDS, FORMATS, run_import, table, where, write

KEYS = [
    "ref",  # A
    "name",  # B
    "status",  # C
    "joint_controllers",  # D
    "purposes",  # E
    "legal_basis",  # F
    "performed_in_public_tasks",  # G
    "data_subject_categories",  # H
    "data_categories",  # I
    "retention",  # J
    "recipients",  # K
    "next_review",  # L
    "conventions",  # M
    "security_measures",  # N
]

COMPLETE = {
    "status": "Terminée",
    "purposes": "Tenir l'état civil",
    "legal_basis": "Obligation légale (art. 6.1.c)",
    "performed_in_public_tasks": "Oui",
    "data_subject_categories": "Administrés",
    "data_categories": "Vie professionnelle",
    "retention": "Vie professionnelle : 5 an(s) — sort final : Destruction",
    "recipients": "Service interne : Service population",
}


def row(ref: str, name: str, **cells) -> dict:
    return {"ref": ref, "name": name, **COMPLETE, **cells}


@pytest.fixture
async def juvisy(client):
    return await make_org(client, legal_name="Commune de Juvisy-sur-Orge")


@pytest.fixture
async def mistakes(client, juvisy):
    """A register of 15 rows (2 to 16), all but two with mistakes."""
    await make_activity(client, controller=juvisy, ref="DEJA-1", name="Déjà là")
    ept = await make_org(client, kind="ept", legal_name="EPT Grand-Orly")
    # Juvisy is the processor here: its activities cannot rest on this convention.
    await make_convention(client, processor=juvisy, controller=ept, title="Hébergement EPT")
    served = await make_convention(client, processor=ept, controller=juvisy, title="Service SI")
    await make_measure(client, organisation=ept, title="Pare-feu de l'EPT")
    stranger = await make_org(client, legal_name="Commune étrangère")
    await make_measure(client, organisation=stranger, title="Antivirus d'ailleurs")
    rows = [
        row("REF-1", "Accueil du public"),  # 2: clean
        row("REF-2", "Agenda", legal_basis="Annuel"),  # 3
        row("REF-3", "Vidéoprotection", legal_basis="Intérêt légitime (art. 6.1.f)"),  # 4
        row("REF-4", "Cimetières", purposes=None),  # 5
        row("REF-5", "Marchés", next_review="31/02/2026"),  # 6
        row("REF-1", "Accueil téléphonique"),  # 7: the ref of row 2
        row("REF-7", "Élections", joint_controllers="Commune inconnue"),  # 8
        row("REF-8", "Paie", retention="Vie professionnelle : 5 siècles — sort final : Tri"),  # 9
        row(  # 10: four mistakes on one row
            "REF-9",
            "Urbanisme",
            legal_basis="Annuel",
            retention="Vie professionnelle : 10 an(s)",
            recipients=None,
            next_review="2026-13-01",
        ),
        row("DEJA-1", "Doublon de la base"),  # 11: a ref the body already uses
        row(  # 12: the second rule names data the activity does not list
            "REF-11",
            "Archives",
            retention=(
                "Vie professionnelle : 5 an(s) — sort final : Tri\n"
                "Vie personnelle : 3 an(s) — sort final : Destruction"
            ),
        ),
        row("REF-12", "Hébergement", conventions="Hébergement EPT"),  # 13
        row("REF-13", "Réseau", security_measures="Pare-feu de l'EPT"),  # 14
        row("REF-14", "Postes", security_measures="Antivirus d'ailleurs"),  # 15
        row(  # 16: clean, with the convention that brings the EPT's measure
            "REF-15",
            "Messagerie",
            conventions="Service SI",
            security_measures="Pare-feu de l'EPT",
        ),
    ]
    return {"rows": rows, "served": served}


EXPECTED = [
    (3, "F", "legal_basis"),
    (4, "F", "legal_basis"),
    (5, "E", "purposes"),
    (6, "L", "next_review"),
    (7, "A", "ref"),
    (8, "D", "joint_controller_ids"),
    (9, "J", "retention"),
    (10, "F", "legal_basis"),
    (10, "J", "retention"),
    (10, "K", "recipients"),
    (10, "L", "next_review"),
    (11, "A", "ref"),
    (12, "J", "retention"),
    (13, "M", "convention_ids"),
    (14, "N", "security_measure_ids"),
    (15, "N", "security_measure_ids"),
]


@pytest.mark.parametrize(("fmt", "separator"), FORMATS, ids=FORMAT_IDS)
async def test_a_file_with_mistakes_imports_nothing_and_lists_each(
    client, juvisy, mistakes, fmt, separator
):
    data = await write(table(KEYS, mistakes["rows"]), fmt, separator)

    report = await run_import(juvisy["id"], data, fmt)

    assert where(report) == EXPECTED
    assert report.rows_read == 15
    assert report.created == 0
    assert report.created_ids == []
    page = await read(client, f"/activities?controller_id={juvisy['id']}")
    assert [a["ref"] for a in page["items"]] == ["DEJA-1"]

    dry = await run_import(juvisy["id"], data, fmt, dry_run=True)
    assert dry.problems == report.problems


async def test_each_message_says_what_was_expected(client, juvisy, mistakes):
    fmt, separator = FORMATS[2]
    data = await write(table(KEYS, mistakes["rows"]), fmt, separator)

    report = await run_import(juvisy["id"], data, fmt, dry_run=True)

    sheet = "Registre"
    messages = {(p.row, p.field): p.message for p in report.problems}
    assert {p.sheet for p in report.problems} == {sheet}
    assert messages[(3, "legal_basis")].startswith(
        "« Annuel » n'est pas une base légale connue ; valeurs possibles : "
        "« Consentement (art. 6.1.a) »"
    )
    assert "l'intérêt légitime ne peut pas fonder" in messages[(4, "legal_basis")]
    assert messages[(5, "purposes")] == (
        "finalités : obligatoire pour une fiche « terminée » (art. 30.1)"
    )
    assert "« 31/02/2026 » n'est pas une date valide" in messages[(6, "next_review")]
    assert messages[(7, "ref")] == "la référence « REF-1 » figure déjà ligne 2 du fichier"
    assert "« Commune inconnue » : organisme inconnu" in messages[(8, "joint_controller_ids")]
    assert "« siècles » n'est pas une unité de durée connue" in messages[(9, "retention")]
    assert "sort final manquant" in messages[(10, "retention")]
    assert "destinataires : obligatoire" in messages[(10, "recipients")]
    assert "déjà celle d'une activité" in messages[(11, "ref")]
    assert messages[(12, "retention")] == (
        "ligne 2 : catégorie de données absente des données traitées"
    )
    assert "n'est pas responsable dans cette convention" in messages[(13, "convention_ids")]
    assert "organisme étranger à ce traitement" in messages[(14, "security_measure_ids")]
    assert "mesure de sécurité inconnue" in messages[(15, "security_measure_ids")]
    headers = {(p.row, p.column): p.header for p in report.problems}
    assert headers[(3, "F")] == "Base légale"
    assert headers[(9, "J")] == "Durées de conservation"


async def test_the_clean_rows_of_that_file_import_once_the_others_are_removed(
    client, juvisy, mistakes
):
    rows = mistakes["rows"]
    fmt, separator = FORMATS[0]
    data = await write(table(KEYS, [rows[0], rows[-1]]), fmt, separator)

    report = await run_import(juvisy["id"], data, fmt)

    assert report.problems == []
    assert report.created == 2
    messagerie = await read(client, f"/activities/{report.created_ids[1]}")
    assert messagerie["convention_ids"] == [mistakes["served"]["id"]]
    assert len(messagerie["security_measure_ids"]) == 1


async def test_a_mandatory_column_the_file_lacks_is_named_without_a_letter(client, juvisy):
    fmt, separator = FORMATS[1]
    keys = [k for k in KEYS if k != "purposes"]
    data = await write(table(keys, [row("R-1", "Cantine")]), fmt, separator)

    report = await run_import(juvisy["id"], data, fmt)

    assert where(report) == [(2, None, "purposes")]
    assert report.problems[0].header is None


async def test_a_record_mistaken_in_the_api_s_own_rules_is_refused_the_same(client, juvisy):
    """The rules are ActivityIn's: what the API refuses, the import refuses."""
    fmt, separator = FORMATS[1]
    rows = [
        row("R-1", "Santé scolaire", special_categories="Données de santé"),  # no art. 9.2
        row("R-2", "Transfert", transfers="FR — Hébergeur — Décision d'adéquation (art. 45)"),
        row("R-3", "Nom" * 101),
        row("R" * 65, "Référence trop longue pour sa colonne"),
    ]
    keys = [*KEYS, "special_categories", "transfers"]
    data = await write(table(keys, rows), fmt, separator)

    report = await run_import(juvisy["id"], data, fmt)

    assert where(report) == [
        (2, None, "art9_condition"),
        (3, "P", "transfers"),
        (4, "B", "name"),
        (5, "A", "ref"),
    ]
    assert "Espace économique européen" in report.problems[1].message
    assert report.problems[2].message == "trop long (au plus 300 caractères)"
    # ActivityIn lets 300 characters through, the column keeps 64: said before writing.
    assert report.problems[3].message == "trop long (au plus 64 caractères)"
    payload = {
        "controller_id": juvisy["id"],
        "name": "Santé scolaire",
        **complete_record(),
        "status": "finished",
        "special_categories": ["health"],
    }
    refused = await client.post("/api/v1/activities", json=payload)
    assert refused.status_code == 422
    assert refused.json()["detail"][0]["loc"] == ["body", "art9_condition"]


async def test_an_organisation_out_of_scope_is_not_found(client, juvisy):
    other = await make_org(client)
    data = await write(table(KEYS, [row("R-1", "Cantine")]), *FORMATS[0])

    with pytest.raises(NotFound):
        await import_activities(
            scope=Scope.of([uuid.UUID(other["id"])]),
            organisation_id=uuid.UUID(juvisy["id"]),
            data=data,
            fmt=ExportFormat.CSV,
            dry_run=True,
        )
    with pytest.raises(NotFound):
        await run_import(uuid.uuid4(), data, ExportFormat.CSV, dry_run=True)


async def test_a_file_that_is_not_a_spreadsheet_is_refused(client, juvisy):
    with pytest.raises(ValidationFailed) as refused:
        await run_import(juvisy["id"], b"PK\x03\x04 pas un classeur", ExportFormat.XLSX)

    assert refused.value.problems[0].loc == ("file",)


async def test_a_file_without_activities_says_so(client, juvisy):
    data = b"Couleur;Taille\nbleu;grand\n"

    report = await run_import(juvisy["id"], data, ExportFormat.CSV)

    assert report.rows_read == 0
    assert len(report.problems) == 1
    assert report.problems[0].message.startswith("aucune activité trouvée")
