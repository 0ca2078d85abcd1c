"""A register typed by hand, in every format, imports: the activities then read through the
API with the right fields, accents and lines intact."""

import pytest

from core.tabular.document import Column
from tests.factories import (
    SIREN_OTHER,
    make_convention,
    make_measure,
    make_org,
    read,
)
from tests.imports.helpers import FORMAT_IDS, FORMATS, run_import, table, write

KEYS = [
    "ref",
    "name",
    "status",
    "controller",
    "joint_controllers",
    "software",
    "description",
    "purposes",
    "legal_basis",
    "legal_basis_detail",
    "performed_in_public_tasks",
    "data_subject_categories",
    "data_categories",
    "special_categories",
    "art9_condition",
    "retention",
    "recipients",
    "conventions",
    "transfers",
    "collection_method",
    "security_measures",
    "dpia_criteria",
    "next_review",
]


@pytest.fixture
async def body(client):
    """Juvisy, its joint controller Meudon, the EPT that runs its systems under a convention,
    and a security measure of each of Juvisy and the EPT."""
    juvisy = await make_org(client, legal_name="Commune de Juvisy-sur-Orge")
    meudon = await make_org(client, legal_name="Commune de Meudon", siren=SIREN_OTHER)
    ept = await make_org(client, kind="ept", legal_name="Établissement public territorial 12")
    convention = await make_convention(
        client, processor=ept, controller=juvisy, title="Service commun numérique"
    )
    backup = await make_measure(client, organisation=juvisy, title="Sauvegarde quotidienne")
    firewall = await make_measure(client, organisation=ept, title="Pare-feu du centre serveur")
    return {
        "juvisy": juvisy,
        "meudon": meudon,
        "ept": ept,
        "convention": convention,
        "backup": backup,
        "firewall": firewall,
    }


def typed_register() -> list[dict]:
    """Two activities as a DPO would type them: labels as exported, or in other cases, without
    accents, or as the API's values; ISO or French dates; names instead of identifiers."""
    return [
        {
            "ref": "RH-01",
            "name": "Gestion de la paie des agents",
            "status": "Terminée",
            "controller": "Ce nom n'est pas lu : la paie est à l'organisme importateur",
            "joint_controllers": "Commune de Meudon",
            "software": "Ciril RH",
            "description": "Calcul et versement de la paie,\nchaque mois « à l'échéance »",
            "purposes": "Calculer la paie\nDéclarer les cotisations sociales",
            "legal_basis": "obligation légale (ART. 6.1.C)",
            "legal_basis_detail": "Code général de la fonction publique, art. L712-1",
            "performed_in_public_tasks": "Oui",
            "data_subject_categories": "Agents, salariés",
            "data_categories": (
                "État civil, identité, données d'identification, images\n"
                "Vie professionnelle\n"
                "informations d'ordre economique et financier"
            ),
            "special_categories": "Numéro d'inscription au répertoire (NIR)",
            "art9_condition": None,
            "retention": (
                "Vie professionnelle : 5 an(s) à compter de la fin du contrat — sort final : Tri\n"
                "Informations d'ordre économique et financier : 12 mois — "
                "sort final : Destruction\n"
                "État civil, identité, données d'identification, images : critères : jusqu'au "
                "départ de l'agent : puis archivage — sort final : Versement aux archives"
            ),
            "recipients": (
                "Service interne : Direction des ressources humaines\n"
                "Sous-traitant : Établissement public territorial 12"
            ),
            "conventions": "Service commun numérique",
            "transfers": None,
            "collection_method": "Document interne",
            "security_measures": "Sauvegarde quotidienne\nPare-feu du centre serveur",
            "dpia_criteria": None,
            "next_review": "31/12/2027",
        },
        {
            "ref": "EDU-02",
            "name": "Inscriptions scolaires",
            "status": "draft",
            "controller": None,
            "joint_controllers": SIREN_OTHER,
            "software": None,
            "description": None,
            "purposes": "Inscrire les élèves à l'école de leur secteur",
            "legal_basis": "public_task",
            "legal_basis_detail": None,
            "performed_in_public_tasks": "x",
            "data_subject_categories": "mineurs\nUSAGERS",
            "data_categories": "Etat civil, identite, donnees d'identification, images",
            "special_categories": "données de santé",
            "art9_condition": "Art. 9.2.h : suivi par la médecine scolaire",
            "retention": (
                "etat civil, identite, donnees d'identification, images : 1 an(s) — "
                "sort final : destruction"
            ),
            "recipients": "Autorité publique : Éducation nationale",
            "conventions": None,
            "transfers": "CA — Éditeur du portail — Décision d'adéquation (art. 45)",
            "collection_method": "web_form",
            "security_measures": None,
            "dpia_criteria": "Personnes vulnérables\nsensitive_data",
            "next_review": "2028-06-30",
        },
    ]


@pytest.mark.parametrize(("fmt", "separator"), FORMATS, ids=FORMAT_IDS)
async def test_a_register_typed_by_hand_imports_in_every_format(client, body, fmt, separator):
    juvisy = body["juvisy"]
    data = await write(table(KEYS, typed_register()), fmt, separator)

    report = await run_import(juvisy["id"], data, fmt)

    assert report.problems == []
    assert report.rows_read == 2
    assert report.created == 2
    page = await read(client, f"/activities?controller_id={juvisy['id']}")
    assert page["total"] == 2
    assert sorted(str(i) for i in report.created_ids) == sorted(a["id"] for a in page["items"])
    paie, ecole = sorted(page["items"], key=lambda a: a["ref"], reverse=True)

    assert paie["ref"] == "RH-01"
    assert paie["name"] == "Gestion de la paie des agents"
    assert paie["controller_id"] == juvisy["id"]
    assert paie["status"] == "finished"
    assert paie["joint_controller_ids"] == [body["meudon"]["id"]]
    assert paie["description"] == "Calcul et versement de la paie,\nchaque mois « à l'échéance »"
    assert paie["purposes"] == ["Calculer la paie", "Déclarer les cotisations sociales"]
    assert paie["legal_basis"] == "legal_obligation"
    assert paie["legal_basis_detail"] == "Code général de la fonction publique, art. L712-1"
    assert paie["performed_in_public_tasks"] is True
    assert paie["data_subject_categories"] == ["employees"]
    assert paie["data_categories"] == ["civil_status", "professional_life", "economic_financial"]
    assert paie["special_categories"] == ["nir"]
    assert paie["retention"] == [
        {
            "data_category": "professional_life",
            "value": 5,
            "unit": "year",
            "start_event": "la fin du contrat",
            "criteria": None,
            "final_disposition": "tri",
        },
        {
            "data_category": "economic_financial",
            "value": 12,
            "unit": "month",
            "start_event": None,
            "criteria": None,
            "final_disposition": "destruction",
        },
        {
            "data_category": "civil_status",
            "value": None,
            "unit": None,
            "start_event": None,
            "criteria": "jusqu'au départ de l'agent : puis archivage",
            "final_disposition": "versement",
        },
    ]
    assert [{k: r[k] for k in ("kind", "name")} for r in paie["recipients"]] == [
        {"kind": "internal", "name": "Direction des ressources humaines"},
        {"kind": "processor", "name": "Établissement public territorial 12"},
    ]
    assert paie["convention_ids"] == [body["convention"]["id"]]
    assert paie["transfers"] == []
    assert paie["collection_method"] == "internal_document"
    assert sorted(paie["security_measure_ids"]) == sorted(
        [body["backup"]["id"], body["firewall"]["id"]]
    )
    assert paie["next_review"] == "2027-12-31"
    assert paie["missing_fields"] == []

    assert ecole["status"] == "draft"
    assert ecole["joint_controller_ids"] == [body["meudon"]["id"]]
    assert ecole["legal_basis"] == "public_task"
    assert ecole["data_subject_categories"] == ["minors", "users"]
    assert ecole["special_categories"] == ["health"]
    assert ecole["art9_condition"] == "Art. 9.2.h : suivi par la médecine scolaire"
    assert ecole["retention"][0]["data_category"] == "civil_status"
    assert ecole["recipients"] == [
        {"kind": "public_authority", "name": "Éducation nationale", "organisation_id": None}
    ]
    assert ecole["transfers"] == [
        {
            "country": "CA",
            "recipient": "Éditeur du portail",
            "mechanism": "adequacy_45",
            "safeguards_doc_url": None,
        }
    ]
    assert ecole["collection_method"] == "web_form"
    assert ecole["dpia_criteria"] == ["vulnerable_people", "sensitive_data"]
    assert ecole["dpia_required"] is True
    assert ecole["next_review"] == "2028-06-30"


async def test_each_creation_is_journaled(client, body):
    juvisy = body["juvisy"]
    data = await write(table(KEYS, typed_register()), *FORMATS[0])

    report = await run_import(juvisy["id"], data, FORMATS[0][0])

    events = await read(client, f"/organisations/{juvisy['id']}/journal?entity_type=activity")
    created = {e["entity_id"] for e in events["items"] if e["action"] == "activity.create"}
    assert created == {str(i) for i in report.created_ids}


async def test_unknown_columns_and_sheets_without_activities_are_warnings(client, body):
    juvisy = body["juvisy"]
    doc = table(
        ["ref", "name", "legal_basis"],
        [{"ref": "A-1", "name": "Accueil", "legal_basis": "public_task", "x": "bleu", "y": "?"}],
    )
    doc.sheets[0].columns += [Column("x", "Couleur du dossier"), Column("y", "Base juridique")]
    data = await write(doc, FORMATS[2][0])

    report = await run_import(juvisy["id"], data, FORMATS[2][0], dry_run=True)

    assert report.problems == []
    assert report.created == 0
    assert report.warnings == [
        "feuille « Informations » non lue : aucune activité n'y est décrite (ni ligne "
        "d'en-têtes avec une colonne « Nom / sigle », ni fiche avec l'intitulé « Nom / sigle » "
        "en colonne A)",
        "feuille « Registre », colonne D « Couleur du dossier » : en-tête inconnu, colonne non "
        "importée",
        "feuille « Registre », colonne E « Base juridique » : le même champ est déjà lu en "
        "colonne C, colonne non importée",
    ]
    page = await read(client, f"/activities?controller_id={juvisy['id']}")
    assert page["total"] == 0


async def test_identifiers_are_understood_where_names_are_expected(client, body):
    """The export writes an identifier when a name cannot be found; it reads back."""
    juvisy = body["juvisy"]
    rows = [
        {
            "name": "Accueil",
            "joint_controllers": body["meudon"]["id"],
            "conventions": body["convention"]["id"],
            "security_measures": body["firewall"]["id"],
        }
    ]
    data = await write(table(["name", *REFERENCES], rows), *FORMATS[0])

    report = await run_import(juvisy["id"], data, FORMATS[0][0])

    assert report.problems == []
    activity = await read(client, f"/activities/{report.created_ids[0]}")
    assert activity["joint_controller_ids"] == [body["meudon"]["id"]]
    assert activity["convention_ids"] == [body["convention"]["id"]]
    assert activity["security_measure_ids"] == [body["firewall"]["id"]]


REFERENCES = ["joint_controllers", "conventions", "security_measures"]
