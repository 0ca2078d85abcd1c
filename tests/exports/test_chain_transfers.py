"""The records as files say what the API says of the chain's transfers: the controller's record
(CSV) and the processor's record (PDF) list them with their mechanism and where they come from;
a missing mechanism is in the missing items' column."""

import csv
import io

from tests.exports.test_export_api import export, pdf_text
from tests.register.test_chain_transfers import _chain

VIA = "via le sous-traitant ultérieur Cloud Corp du Syndicat informatique"


def _csv(data: bytes) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(data.decode("utf-8-sig"))))


async def test_controller_record_file_lists_the_chain_transfer_and_its_gap(client):
    w = await _chain(client, country="US", data_locations=["FR"])
    (row,) = _csv(await export(client, w["commune"]["id"], "controller-record", "csv"))

    assert row["Transferts hors de l'Union européenne"] == ""  # none declared by the commune
    chain = row["Transferts hors de l'Union par les sous-traitants ultérieurs"]
    assert chain == f"US — Cloud Corp — AUCUN MÉCANISME (art. 44 à 49) — {VIA}"
    missing = row["Mentions obligatoires manquantes"]
    assert "Transfert hors de l'Union vers US sans mécanisme des articles 45 à 49" in missing


async def test_processor_record_pdf_shows_the_chain_transfer_with_its_safeguards(client, tmp_path):
    w = await _chain(client, country="US", data_locations=["US"], transfer_mechanism="scc_46_2c")

    text = " ".join(
        pdf_text(await export(client, w["ept"]["id"], "processor-record", "pdf"), tmp_path).split()
    )
    # The PDF's table wraps its cells side by side: each part is read on its own.
    assert "Transferts hors de l'Union" in text
    assert "US — Cloud Corp — Clauses contractuelles types (art. 46.2.c)" in text
    assert "via le sous-traitant ultérieur Cloud Corp du Syndicat" in text

    # The sub-processor body's own record names the processor it acts for.
    siim = _csv(await export(client, w["siim"]["id"], "processor-record", "csv"))
    (row,) = siim
    assert row["Pour le compte du sous-traitant"] == "EPT Grand-Orly Seine Bièvre (essai)"
    assert row["Qualité du déclarant"] == "Sous-traitant ultérieur"
    assert row["Responsable du traitement"] == "Commune de Vitry-sur-Seine"
    chain = row["Transferts hors de l'Union par les sous-traitants ultérieurs"]
    assert chain.startswith("US — Cloud Corp — Clauses contractuelles types (art. 46.2.c) — via")
