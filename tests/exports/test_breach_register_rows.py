"""Every row art. 33(5) asks of the breach register, in every format: the facts, the effects
and the measures taken (« non renseigné » when empty, never left out), the ENISA score with
its recommendation and every assessment, the decision with its reasons and who recorded it
for whom, the reasons for the awareness instant, and the history with who did each step."""

import pytest

from breach.register_cells import NOT_SET, decimal_fr, severity
from tests.exports.test_export_api import export, pdf_text, read_csv, read_ods, read_xlsx
from tests.factories import (
    ASSESS,
    ASSESS_FINANCIAL,
    DECIDE_HIGH,
    ago,
    bodies,
    declare_on,
    done,
    read,
    with_facts,
)

SIGNED = (
    "admin-tests@registre-rgpd.test"  # the account of the `client` fixture (core.actor.signed_by)
)


@pytest.fixture
async def world(client):
    world = await bodies(client)
    commune, activity = world["commune"], world["activity"]
    # Decided with nothing on the effects or the measures: the gap is written.
    bare = await declare_on(client, commune, [activity["id"]], detected=ago(hours=9))
    bare = await done(client, bare, "assessment", **ASSESS)
    bare = await done(client, bare, "assessment", **ASSESS_FINANCIAL)  # re-assessed
    bare = await done(client, bare, "decision", **DECIDE_HIGH, on_behalf_of="le maire")
    # Every fact given, not decided yet.
    full = await declare_on(client, commune, [activity["id"]], detected=ago(hours=3))
    full = await with_facts(client, full)
    return {**world, "bare": bare, "full": full}


def _by_ref(rows: list[dict[str, str]]) -> dict[str, dict[str, str]]:
    return {r["Référence"]: r for r in rows}


async def test_every_art_33_5_row_is_written_in_each_format(client, world):
    bare, full = world["bare"], world["full"]
    assert bare["consequences"] == [] and bare["measures_taken"] is None  # the premise
    assert len(bare["assessments"]) == 2
    org = world["commune"]["id"]
    tables = {
        "csv": read_csv(await export(client, org, "breach-register", "csv"), ","),
        "xlsx": read_xlsx(await export(client, org, "breach-register", "xlsx"))["Violations"],
        "ods": read_ods(await export(client, org, "breach-register", "ods"))["Violations"],
    }
    for fmt, rows in tables.items():
        rows = _by_ref(rows)
        assert set(rows) == {bare["ref"], full["ref"]}, fmt
        row = rows[bare["ref"]]
        assert row["Conséquences probables"] == NOT_SET, fmt
        assert row["Mesures prises"] == NOT_SET, fmt
        assert row["Faits"].startswith("Chiffrement des partages"), fmt
        assert row["Niveau de risque retenu"] == "Risque élevé", fmt
        assert row["Motifs de la décision"] == DECIDE_HIGH["reasons"], fmt
        assert row["Décision enregistrée par"] == f"{SIGNED} — pour le compte de : le maire", fmt
        assert "recommandation : " in row["Gravité (méthode ENISA) et recommandation"], fmt
        assert "." not in row["Gravité (méthode ENISA) et recommandation"].split("(")[0], fmt
        earlier, later = row["Évaluations successives (méthode ENISA)"].split("\n")
        assert f"par {SIGNED}" in earlier and f"par {SIGNED}" in later, fmt
        assert row["Motifs de la date de prise de connaissance"], fmt
        history = row["Historique (date, étape, auteur)"].split("\n")
        assert [h.split(" — ")[1] for h in history] == [
            "Déclaration de l'incident",
            "Évaluation de la gravité",
            "Évaluation de la gravité",
            "Décision",
        ], fmt
        assert all(f"par {SIGNED}" in h for h in history), (fmt, history)
        assert history[-1].endswith("pour le compte de : le maire"), fmt
        # Not decided yet: the decision's rows say so; the facts given are there.
        undecided = rows[full["ref"]]
        assert undecided["Niveau de risque retenu"] == NOT_SET, fmt
        assert undecided["Motifs de la décision"] == NOT_SET, fmt
        assert undecided["Décision enregistrée par"] == "", fmt
        assert undecided["Mesures prises"].startswith("Serveur isolé du réseau"), fmt


async def test_the_pdf_prints_the_empty_rows_and_who_decided(client, world, tmp_path):
    text = " ".join(
        pdf_text(
            await export(client, world["commune"]["id"], "breach-register", "pdf"), tmp_path
        ).split()
    )
    assert text.count(NOT_SET) >= 4  # effects and measures of one, decision of the other
    assert "Conséquences probables non renseigné" in text
    assert "Mesures prises non renseigné" in text
    assert "Décision enregistrée par" in text and "pour le compte de : le maire" in text
    assert "Historique" in text and "Déclaration de l'incident — par" in text
    assert "recommandation : notifier la CNIL" in text


async def test_the_json_register_carries_the_same_reasoning(client, world):
    register = await read(client, f"/organisations/{world['commune']['id']}/breach-register")
    entry = next(e for e in register["entries"] if e["breach"]["id"] == world["bare"]["id"])
    assert entry["breach"]["decided_by"] == f"{SIGNED}, pour le compte de : le maire"
    assert all(e["author"].startswith(SIGNED) for e in entry["breach"]["events"])
    assert entry["breach"]["ref"] == world["bare"]["ref"]


def test_the_score_is_written_with_a_decimal_comma_and_its_recommendation():
    assert decimal_fr("3.50") == "3,5" and decimal_fr("10") == "10"
    assessment = {"se": "3.5", "band_label": "élevée", "recommendation_label": "Notifier la CNIL"}
    assert severity(assessment) == "SE = 3,5 (élevée) — recommandation : notifier la CNIL"
    assert severity(None) is None
