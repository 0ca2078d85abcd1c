"""Export, delete, import, export again: the register comes back the same, column by column
(but for the columns a new record cannot keep: its id and its dates)."""

import pytest

from tests.factories import (
    API,
    SIREN_OTHER,
    created,
    make_convention,
    make_dpo,
    make_measure,
    make_org,
    make_subprocessor,
    read,
)
from tests.imports.helpers import (
    DERIVED_ON_EXPORT,
    FORMAT_IDS,
    FORMATS,
    exported,
    exported_rows,
    run_import,
)


async def build_register(client) -> dict:
    dpo = await make_dpo(client, name="Hélène Dupré", email="dpd@juvisy.fr")
    juvisy = await make_org(
        client, legal_name="Commune de Juvisy-sur-Orge", dpo_id=dpo["id"], siren="219100930"
    )
    meudon = await make_org(client, legal_name="Commune de Meudon", siren=SIREN_OTHER)
    ept = await make_org(client, kind="ept", legal_name="Établissement public territorial 12")
    convention = await make_convention(
        client, processor=ept, controller=juvisy, title="Service commun numérique — 2024"
    )
    await make_subprocessor(client, processor=ept, name="Hébergeur Sécurisé SAS")
    own = await make_measure(client, organisation=juvisy, title="Sauvegarde chiffrée hors site")
    shared = await make_measure(client, organisation=ept, title="Pare-feu mutualisé")
    civil = {
        "controller_id": juvisy["id"],
        "ref": "EC-01",
        "name": "État civil",
        "status": "finished",
        "representative": "Maire : Mme Lévêque",
        "software": "Logiciel « Siècle » v2",
        "description": "Actes de naissance, de mariage et de décès ;\ncopies et extraits.",
        "purposes": ["Établir les actes", "Délivrer les copies et extraits — sur demande"],
        "legal_basis": "legal_obligation",
        "legal_basis_detail": "Code civil, art. 34 et suivants",
        "performed_in_public_tasks": True,
        "special_categories": ["health", "offences", "nir"],
        "art9_condition": "Art. 9.2.g : motif d'intérêt public important",
        "art10_basis": "Mentions marginales prévues par la loi",
        "data_subject_categories": ["citizens", "minors", "elected_officials"],
        "data_subject_details": "Personnes nées, mariées\nou décédées dans la commune",
        "data_categories": ["civil_status", "personal_life", "professional_life"],
        "data_category_details": "Filiation, profession des parents",
        "retention": [
            {
                "data_category": "civil_status",
                "value": 75,
                "unit": "year",
                "start_event": "la clôture du registre",
                "final_disposition": "versement",
            },
            {
                "data_category": "professional_life",
                "criteria": "durée d'utilité administrative :\nfixée par l'instruction DAF",
                "final_disposition": "tri",
            },
            {
                "data_category": "personal_life",
                "value": 6,
                "unit": "month",
                "criteria": "ou jusqu'à la fin du recours",
                "final_disposition": "destruction",
            },
        ],
        "recipients": [
            {"kind": "internal", "name": "Service population"},
            {"kind": "public_authority", "name": "INSEE"},
            {"kind": "processor", "name": "Établissement public territorial 12"},
        ],
        "transfers": [
            {
                "country": "US",
                "recipient": "Éditeur — support de niveau 3",
                "mechanism": "compelling_interest_49_1_2",
                "safeguards_doc_url": "https://juvisy.fr/rgpd/garanties-49-1",
            },
            {"country": "CA", "recipient": "Sauvegarde externe", "mechanism": "adequacy_45"},
        ],
        "collection_method": "paper_form",
        "dpia_criteria": ["sensitive_data", "vulnerable_people"],
        "dpia_ref": "AIPD-2024-01",
        "next_review": "2030-01-15",
        "joint_controller_ids": [meudon["id"]],
        "convention_ids": [convention["id"]],
        "security_measure_ids": [own["id"], shared["id"]],
    }
    payroll = {
        "controller_id": juvisy["id"],
        "ref": "RH-02",
        "name": "Paie des agents",
        "status": "checked",
        "purposes": ["Verser la paie"],
        "legal_basis": "contract",
        "performed_in_public_tasks": False,
        "data_subject_categories": ["employees"],
        "data_categories": ["economic_financial"],
        "retention": [
            {
                "data_category": "economic_financial",
                "value": 5,
                "unit": "year",
                "final_disposition": "conservation",
            }
        ],
        "recipients": [{"kind": "external_org", "name": "URSSAF d'Île-de-France"}],
        "collection_method": "internal_document",
        "security_measure_ids": [own["id"]],
    }
    video = {
        "controller_id": juvisy["id"],
        "name": "Vidéoprotection de l'espace public",
        "legal_basis": "public_task",
        "data_categories": ["location"],
        "retention": [
            {
                "data_category": "location",
                "value": 30,
                "unit": "day",
                "final_disposition": "destruction",
            }
        ],
        "dpia_criteria": ["systematic_monitoring"],
    }
    for payload in (civil, payroll, video):
        await created(client, "/activities", payload)
    return juvisy


async def delete_activities(client, org: dict) -> None:
    page = await read(client, f"/activities?controller_id={org['id']}")
    for activity in page["items"]:
        response = await client.delete(f"{API}/activities/{activity['id']}")
        assert response.status_code == 204, response.text
    assert (await read(client, f"/activities?controller_id={org['id']}"))["total"] == 0


def comparable(rows: list[dict]) -> list[dict]:
    return [{k: v for k, v in row.items() if k not in DERIVED_ON_EXPORT} for row in rows]


@pytest.mark.parametrize(("fmt", "separator"), FORMATS, ids=FORMAT_IDS)
async def test_export_delete_import_export_gives_the_same_register(client, fmt, separator):
    juvisy = await build_register(client)
    before = await exported_rows(juvisy["id"])
    data = await exported(juvisy["id"], fmt, separator)
    await delete_activities(client, juvisy)

    report = await run_import(juvisy["id"], data, fmt)

    assert report.problems == []
    assert report.created == 3
    after = await exported_rows(juvisy["id"])
    assert comparable(after) == comparable(before)
    # The columns derived from links came back too, not only the typed ones.
    civil = next(row for row in after if row["ref"] == "EC-01")
    assert civil["processors"] and "Hébergeur Sécurisé SAS" in civil["processors"]
    assert civil["dpia_required"] == "Oui"
    # The hard cells were in the file: a rule whose criteria span two lines and hold " : ",
    # a transfer whose recipient holds " — " and that carries its safeguards' address.
    assert (
        "Vie professionnelle : critères : durée d'utilité administrative :\n"
        "fixée par l'instruction DAF — sort final : Tri"
    ) in civil["retention"]
    assert (
        "US — Éditeur — support de niveau 3 — Intérêt légitime impérieux (art. 49.1 al. 2) — "
        "https://juvisy.fr/rgpd/garanties-49-1"
    ) in civil["transfers"]
    assert civil["controller"] == "Commune de Juvisy-sur-Orge"
    assert civil["id"] not in {row["id"] for row in before}


async def test_importing_an_export_twice_is_refused_for_its_refs(client):
    juvisy = await build_register(client)
    data = await exported(juvisy["id"], *FORMATS[2])

    report = await run_import(juvisy["id"], data, FORMATS[2][0])

    # The two activities with a ref are already there; the one without has a name the body
    # already uses: a copy too.
    assert sorted((p.field, p.column) for p in report.problems) == [
        ("name", "B"),
        ("ref", "A"),
        ("ref", "A"),
    ]
    assert report.created == 0
