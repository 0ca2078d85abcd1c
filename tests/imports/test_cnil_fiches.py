"""A register kept in the CNIL template: a tutorial sheet, the list of activities, then one
"fiche" per activity with the labels in column A and the values in column B."""

import io
from datetime import datetime

import openpyxl
import pytest

from core.tabular.document import ExportFormat
from tests.factories import SIREN_OTHER, make_org, read
from tests.imports.helpers import run_import, where


def cnil_workbook() -> bytes:
    book = openpyxl.Workbook()
    tutorial = book.active
    tutorial.title = "Tutoriel"
    tutorial.append(["Comment remplir le registre ?"])
    tutorial.append(["Remplissez une fiche par activité ; dupliquez la fiche vierge."])

    listing = book.create_sheet("Registre des activités")
    listing.append(["N° / REF", "Activités", "Date de création", "Mise à jour"])
    listing.append(["PAIE-1", "Paie des agents", datetime(2019, 7, 1), datetime(2024, 1, 8)])
    listing.append(["EC-1", "État civil", datetime(2019, 7, 1), None])

    paie = book.create_sheet("Paie")
    for line in [
        ["Fiche de registre de l'activité de traitement"],
        ["Nom / sigle", "Paie des agents"],
        ["N° / REF", "PAIE-1"],
        ["Date de création de la fiche", datetime(2019, 7, 1)],
        ["Mise à jour de la fiche", datetime(2024, 1, 8)],
        ["Statut", "Terminée"],
        ["Acteurs"],
        ["Responsable du traitement", "Commune de Juvisy-sur-Orge", "Place Anatole France"],
        ["Responsable(s) conjoint(s) :", "Commune de Meudon"],
        ["Finalité(s) du traitement effectué"],
        ["Finalité principale", "Calculer et verser la paie"],
        ["Sous-finalité 1", "Déclarer les cotisations sociales"],
        [None, "Établir les attestations employeur"],
        ["Sous-finalité 2", None],
        ["Logiciel", "Ciril RH"],
        ["Base légale", "Obligation légale"],
        ["Catégories de personnes concernées", "Agents, salariés"],
        ["Catégories de données personnelles concernées", "Vie professionnelle"],
        [None, "Informations d'ordre économique et financier"],
        ["Données sensibles", "Non"],
        [
            "Durée(s) de conservation",
            "Vie professionnelle : 5 ans à compter de la fin du contrat — sort final : Tri",
        ],
        [None, "Informations d'ordre économique et financier : 6 ans — sort final : Destruction"],
        ["Destinataires internes", "Direction des ressources humaines\nDirection des finances"],
        ["Organismes externes", "URSSAF"],
        ["Sous-traitants", "Éditeur du logiciel de paie"],
        ["Transferts hors UE", "Non"],
        ["Mesures de sécurité"],
    ]:
        paie.append(line)

    civil = book.create_sheet("État civil")
    for line in [
        ["Nom / sigle", "État civil"],
        ["N° / REF", "EC-1"],
        ["Objectifs poursuivis", "Tenir les registres de l'état civil"],
        ["Base légale", "Mission d'intérêt public"],
        ["Catégories de personnes concernées", "Administrés"],
        [
            "Catégories de données personnelles concernées",
            "État civil, identité, données d'identification, images",
        ],
        ["Couleur de l'onglet", "bleu"],
    ]:
        civil.append(line)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


@pytest.fixture
async def juvisy(client):
    juvisy = await make_org(client, legal_name="Commune de Juvisy-sur-Orge")
    meudon = await make_org(client, legal_name="Commune de Meudon", siren=SIREN_OTHER)
    return {"juvisy": juvisy, "meudon": meudon}


async def test_a_cnil_workbook_imports_one_activity_per_fiche(client, juvisy):
    org = juvisy["juvisy"]

    report = await run_import(org["id"], cnil_workbook(), ExportFormat.XLSX)

    assert where(report) == []
    assert report.rows_read == 2
    assert report.created == 2
    page = await read(client, f"/activities?controller_id={org['id']}")
    by_name = {a["name"]: a for a in page["items"]}
    paie, civil = by_name["Paie des agents"], by_name["État civil"]
    assert paie["name"] == "Paie des agents"
    assert paie["ref"] == "PAIE-1"
    assert paie["status"] == "finished"
    assert paie["joint_controller_ids"] == [juvisy["meudon"]["id"]]
    assert paie["purposes"] == [
        "Calculer et verser la paie",
        "Déclarer les cotisations sociales",
        "Établir les attestations employeur",
    ]
    assert paie["software"] == "Ciril RH"
    assert paie["legal_basis"] == "legal_obligation"
    assert paie["data_subject_categories"] == ["employees"]
    assert paie["data_categories"] == ["professional_life", "economic_financial"]
    assert paie["special_categories"] == []
    assert [
        (r["data_category"], r["value"], r["unit"], r["start_event"]) for r in paie["retention"]
    ] == [
        ("professional_life", 5, "year", "la fin du contrat"),
        ("economic_financial", 6, "year", None),
    ]
    assert [(r["kind"], r["name"]) for r in paie["recipients"]] == [
        ("internal", "Direction des ressources humaines"),
        ("internal", "Direction des finances"),
        ("external_org", "URSSAF"),
        ("processor", "Éditeur du logiciel de paie"),
    ]
    assert paie["transfers"] == []
    assert paie["missing_fields"] == []

    assert civil["name"] == "État civil"
    assert civil["status"] == "draft"
    assert civil["legal_basis"] == "public_task"
    assert civil["purposes"] == ["Tenir les registres de l'état civil"]


async def test_what_a_cnil_workbook_holds_besides_its_fiches_is_reported(client, juvisy):
    report = await run_import(
        juvisy["juvisy"]["id"], cnil_workbook(), ExportFormat.XLSX, dry_run=True
    )

    warnings = "\n".join(report.warnings)
    assert "feuille « Tutoriel » non lue" in warnings
    assert "feuille « Registre des activités » : 2 lignes non lues" in warnings
    assert "feuille « Paie » : une fiche se lit en colonnes A (intitulé) et B (valeur)" in warnings
    assert "C8" in warnings
    assert "feuille « État civil », ligne 7 « Couleur de l'onglet » : intitulé inconnu" in warnings


async def test_a_mistake_in_a_fiche_names_its_sheet_and_line(client, juvisy):
    book = openpyxl.load_workbook(io.BytesIO(cnil_workbook()))
    book["État civil"]["B4"] = "Annuel"
    out = io.BytesIO()
    book.save(out)

    report = await run_import(juvisy["juvisy"]["id"], out.getvalue(), ExportFormat.XLSX)

    assert [(p.sheet, p.row, p.column, p.field, p.header) for p in report.problems] == [
        ("État civil", 4, "B", "legal_basis", "Base légale")
    ]
    assert report.created == 0
