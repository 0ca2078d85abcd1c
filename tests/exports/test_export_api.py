"""The auditor's exports through the API, each file opened by a reader that is not ours:
the csv module, openpyxl, odfpy, pdftotext and json + jsonschema. Every format must show the
same activities, fields and accents as the API returns."""

import csv
import io
import json
import os
import shutil
import subprocess

import jsonschema
import openpyxl
import pytest
from odf.opendocument import load as load_ods
from odf.table import Table, TableCell, TableRow
from odf.text import P

from register.export.records import ACTIVITY_COLUMNS
from tests.factories import (
    API,
    ago,
    bodies,
    complete_record,
    declare_on,
    make_activity,
    make_measure,
    make_org,
    make_subprocessor,
    read,
    with_facts,
)

HEADERS = {c.key: c.header for c in ACTIVITY_COLUMNS}


# Independent readers: each turns a file into {sheet title: list of {header: value}} --------


def rows_from_table(table: list[list[str]]) -> list[dict[str, str]]:
    header, *body = table
    return [dict(zip(header, r, strict=False)) for r in body if any(r)]


def read_csv(data: bytes, separator: str) -> list[dict[str, str]]:
    text = data.decode("utf-8-sig")
    return list(csv.DictReader(io.StringIO(text, newline=""), delimiter=separator))


def read_xlsx(data: bytes) -> dict[str, list[dict[str, str]]]:
    book = openpyxl.load_workbook(io.BytesIO(data))
    return {
        sheet.title: rows_from_table(
            [
                ["" if v is None else str(v) for v in row]
                for row in sheet.iter_rows(values_only=True)
            ]
        )
        for sheet in book.worksheets
    }


def _ods_cell_text(cell) -> str:
    return "\n".join("".join(str(n) for n in p.childNodes) for p in cell.getElementsByType(P))


def read_ods(data: bytes) -> dict[str, list[dict[str, str]]]:
    document = load_ods(io.BytesIO(data))
    sheets = {}
    for table in document.spreadsheet.getElementsByType(Table):
        grid = []
        for row in table.getElementsByType(TableRow):
            cells = []
            for cell in row.getElementsByType(TableCell):
                repeat = int(cell.getAttribute("numbercolumnsrepeated") or 1)
                cells += [_ods_cell_text(cell)] * min(repeat, 200)
            grid.append(cells)
        sheets[table.getAttribute("name")] = rows_from_table(grid)
    return sheets


def pdf_text(data: bytes, tmp_path) -> str:
    if not shutil.which("pdftotext"):
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail("pdftotext (poppler-utils) is required in CI: .ci/run installs it")
        pytest.skip("pdftotext not installed (apt-get install poppler-utils)")
    path = tmp_path / "export.pdf"
    path.write_bytes(data)
    done = subprocess.run(["pdftotext", "-layout", str(path), "-"], capture_output=True)
    assert done.returncode == 0, done.stderr
    return done.stdout.decode("utf-8")


# The register under test ------------------------------------------------------------------


@pytest.fixture
async def register(client):
    """A commune whose records have accents, lists, multi-line text, a processor with a
    sub-processor, measures, a transfer and sensitive data."""
    world = await bodies(client)
    commune, ept, convention = world["commune"], world["ept"], world["convention"]
    await make_subprocessor(client, processor=ept, name="Hébergeur Île-de-France", country="FR")
    measure = await make_measure(client, organisation=commune, title="Sauvegardes chiffrées")
    partner = await make_org(client, legal_name="Syndicat d'études et de gestion (Sœurs)")
    rich = await make_activity(
        client,
        controller=commune,
        ref="VIT-01",
        name="État civil et élections",
        status="finished",
        description="Tenue des registres.\nDélivrance des copies d'actes.",
        **{
            **complete_record(),
            "purposes": ["Établir les actes d'état civil", "Gérer la liste électorale"],
            "special_categories": ["health", "nir"],
            "art9_condition": "Art. 9.2.g : motif d'intérêt public important",
            "transfers": [
                {
                    "country": "US",
                    "recipient": "Éditeur américain",
                    "mechanism": "compelling_interest_49_1_2",
                    "safeguards_doc_url": "https://exemple.fr/garanties",
                }
            ],
            "retention": [
                {
                    "data_category": "civil_status",
                    "value": 75,
                    "unit": "year",
                    "start_event": "la clôture du registre",
                    "final_disposition": "versement",
                },
            ],
        },
        joint_controller_ids=[partner["id"]],
        convention_ids=[convention["id"]],
        security_measure_ids=[measure["id"]],
        next_review="2027-03-31",
    )
    draft = await make_activity(client, controller=commune, name="Œuvres sociales (brouillon)")
    activities = (await read(client, f"/activities?controller_id={commune['id']}"))["items"]
    return {**world, "rich": rich, "draft": draft, "activities": activities, "partner": partner}


async def export(client, org_id: str, document: str, fmt: str, **params) -> bytes:
    response = await client.get(
        f"{API}/organisations/{org_id}/exports/{document}", params={"format": fmt, **params}
    )
    assert response.status_code == 200, response.text
    disposition = response.headers["content-disposition"]
    assert disposition.startswith("attachment;") and f".{fmt}" in disposition
    return response.content


def label_of(catalogue: dict, enum: str, value: str) -> str:
    return next(i["label"] for i in catalogue[enum] if i["value"] == value)


def assert_same_as_api(rows: list[dict[str, str]], register, catalogue) -> None:
    """Each activity the API returns is a row, its fields in French, accents intact."""
    by_id = {r[HEADERS["id"]]: r for r in rows}
    assert sorted(by_id) == sorted(a["id"] for a in register["activities"])
    for activity in register["activities"]:
        row = by_id[activity["id"]]
        assert row[HEADERS["name"]] == activity["name"]
        assert (row[HEADERS["purposes"]] or "").split("\n") == (activity["purposes"] or [""])
        assert row[HEADERS["legal_basis"]] == label_of(
            catalogue, "LegalBasis", activity["legal_basis"]
        )
        # Parenthesised: `assert a == [...] or [""]` would pass whatever the cell holds.
        categories = [label_of(catalogue, "DataCategory", c) for c in activity["data_categories"]]
        assert (row[HEADERS["data_categories"]] or "").split("\n") == (categories or [""])
        assert row[HEADERS["controller"]] == "Commune de Vitry-sur-Seine"
    rich = by_id[register["rich"]["id"]]
    assert rich[HEADERS["description"]] == "Tenue des registres.\nDélivrance des copies d'actes."
    assert rich[HEADERS["special_categories"]] == (
        "Données de santé\nNuméro d'inscription au répertoire (NIR)"
    )
    assert rich[HEADERS["retention"]] == (
        "État civil, identité, données d'identification, images : 75 ans à compter de "
        "la clôture du registre — sort final : Versement aux archives"
    )
    assert rich[HEADERS["transfers"]] == (
        "US — Éditeur américain — Intérêt légitime impérieux (art. 49.1 al. 2) — "
        "https://exemple.fr/garanties"
    )
    assert rich[HEADERS["joint_controllers"]] == "Syndicat d'études et de gestion (Sœurs)"
    assert rich[HEADERS["security_measures"]] == "Sauvegardes chiffrées"
    assert rich[HEADERS["next_review"]] == "31/03/2027"
    assert rich[HEADERS["processors"]].startswith("EPT Grand-Orly Seine Bièvre (essai) (sous-")
    assert "Hébergeur Île-de-France" in rich[HEADERS["processors"]]
    draft = by_id[register["draft"]["id"]]
    assert "finalités" in draft[HEADERS["missing_fields"]]


@pytest.fixture
async def catalogue(client):
    return (await client.get(f"{API}/catalogue")).json()


@pytest.mark.parametrize("separator", [",", ";"])
async def test_csv_reads_back_with_the_csv_module(client, register, catalogue, separator):
    params = {"separator": "semicolon" if separator == ";" else "comma"}
    data = await export(client, register["commune"]["id"], "controller-record", "csv", **params)
    assert data.startswith(b"\xef\xbb\xbf") == (separator == ";")  # BOM for French Excel
    assert_same_as_api(read_csv(data, separator), register, catalogue)


async def test_xlsx_reads_back_with_openpyxl(client, register, catalogue):
    data = await export(client, register["commune"]["id"], "controller-record", "xlsx")
    sheets = read_xlsx(data)
    assert_same_as_api(sheets["Activités de traitement"], register, catalogue)


async def test_ods_reads_back_with_odfpy(client, register, catalogue):
    data = await export(client, register["commune"]["id"], "controller-record", "ods")
    assert (
        data[30:38] == b"mimetype"
        and b"application/vnd.oasis.opendocument.spreadsheet" in data[:100]
    )
    sheets = read_ods(data)
    assert_same_as_api(sheets["Activités de traitement"], register, catalogue)


async def test_json_follows_its_published_schema(client, register, catalogue):
    data = await export(client, register["commune"]["id"], "controller-record", "json")
    document = json.loads(data)
    schema = (await client.get(f"{API}/exports/schemas/controller-record")).json()
    jsonschema.validate(document, schema)
    (sheet,) = document["sheets"]
    headers = {c["key"]: c["header"] for c in sheet["columns"]}
    rows = [{headers[k]: v for k, v in row.items()} for row in sheet["rows"]]
    assert_same_as_api(rows, register, catalogue)
    broken = {**document, "sheets": [{**sheet, "rows": [{**sheet["rows"][0], "extra": "x"}]}]}
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(broken, schema)


async def test_pdf_reads_back_with_pdftotext(client, register, tmp_path):
    data = await export(client, register["commune"]["id"], "controller-record", "pdf")
    assert data.startswith(b"%PDF-")
    text = pdf_text(data, tmp_path)
    flat = " ".join(text.split())
    assert "Sommaire" in text
    for activity in register["activities"]:
        assert activity["name"] in flat
    for value in (
        "Établir les actes d'état civil",
        "Gérer la liste électorale",
        "Données de santé",
        "Syndicat d'études et de gestion (Sœurs)",
        "Hébergeur Île-de-France",
        "Commune de Vitry-sur-Seine",
    ):
        assert value in flat, value


async def test_the_processor_record_lists_the_controllers_it_serves(client, register):
    data = await export(client, register["ept"]["id"], "processor-record", "xlsx")
    (served,) = read_xlsx(data)["Responsables servis"]
    assert served["Responsable du traitement"] == "Commune de Vitry-sur-Seine"
    assert "État civil et élections" in served["Catégories de traitements effectués"]
    assert "Hébergeur Île-de-France" in served["Sous-traitants ultérieurs"]


async def test_the_breach_register_lists_every_breach_with_its_reasoning(client, register):
    breach = await declare_on(
        client, register["ept"], [register["rich"]["id"]], detected=ago(hours=5)
    )
    await with_facts(client, breach)
    data = await export(client, register["commune"]["id"], "breach-register", "ods")
    (row,) = read_ods(data)["Violations"]
    assert row["Référence"] == breach["ref"]
    assert row["Incident"] == "Rançongiciel sur le serveur de fichiers"
    assert row["Organisme dont le système est touché"] == "EPT Grand-Orly Seine Bièvre (essai)"
    assert row["Nature de la violation"] == "Perte de confidentialité\nPerte de disponibilité"
    assert row["Mesures prises"].startswith("Serveur isolé du réseau")
    # A period that ends before the detection keeps it out.
    data = await export(
        client,
        register["commune"]["id"],
        "breach-register",
        "csv",
        to=ago(days=2).isoformat(),
    )
    assert read_csv(data, ",") == []


async def test_an_export_outside_the_callers_bodies_is_not_found(
    client, register, make_user, client_as
):
    other = await make_org(client, legal_name="Commune voisine")
    http = await client_as(await make_user("audit@voisine.fr", (other["id"], "auditor")))
    for document in ("controller-record", "processor-record", "breach-register"):
        response = await http.get(
            f"{API}/organisations/{register['commune']['id']}/exports/{document}",
            params={"format": "csv"},
        )
        assert response.status_code == 404, response.text
    own = await http.get(
        f"{API}/organisations/{other['id']}/exports/controller-record", params={"format": "csv"}
    )
    assert own.status_code == 200 and read_csv(own.content, ",") == []


async def test_a_security_officer_may_not_export(client, register, make_user, client_as):
    http = await client_as(
        await make_user("rssi@vitry.fr", (register["commune"]["id"], "security_officer"))
    )
    response = await http.get(
        f"{API}/organisations/{register['commune']['id']}/exports/controller-record"
    )
    assert response.status_code == 403
