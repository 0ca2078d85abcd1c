"""CSV, read back with the csv module: one table, UTF-8, a BOM only with ";"."""

import csv
import io

from core.tabular.csv_writer import BOM, neutralised
from core.tabular.document import Document, ExportFormat
from tests.tabular.sample import (
    ACTIVITIES,
    ACTIVITY_COLUMNS,
    ACTIVITY_COUNT,
    BREACH_COLUMNS,
    BREACHES,
    sample_document,
    written,
)


def one_sheet() -> Document:
    doc = sample_document()
    doc.sheets = doc.sheets[:1]
    return doc


def as_csv_row(row: dict) -> dict:
    """What csv.DictReader gives back for a row: every column, "" for an empty cell."""
    return {column.header: neutralised(row.get(column.key)) for column in ACTIVITY_COLUMNS}


async def test_one_sheet_with_commas_is_plain_utf8_that_dictreader_reads():
    data = await written(one_sheet(), ExportFormat.CSV)
    assert not data.startswith(BOM)
    rows = list(csv.DictReader(io.StringIO(data.decode("utf-8"), newline="")))
    assert len(rows) == ACTIVITY_COUNT
    assert rows == [as_csv_row(row) for row in ACTIVITIES]
    assert list(rows[0]) == [column.header for column in ACTIVITY_COLUMNS]
    assert rows[1]["Délégué à la protection des données"] == ""  # the empty cell
    assert rows[1]["Destinataires"] == (
        "Service à l'état civil\nPréfecture de l'Hérault\nProcureur de la République"
    )


async def test_semicolons_come_with_a_bom_for_french_excel():
    data = await written(one_sheet(), ExportFormat.CSV, csv_separator=";")
    assert data.startswith(BOM)
    text = data.decode("utf-8-sig")
    assert text.startswith("Nom du traitement;Finalité;Délégué")
    rows = list(csv.DictReader(io.StringIO(text, newline=""), delimiter=";"))
    assert rows == [as_csv_row(row) for row in ACTIVITIES]
    # The text holding ";" and quotes was quoted, and came back whole.
    assert rows[2]["Remarques"] == '\'=SOMME(A1:A2) et "guillemets", virgules; points-virgules'


async def test_a_multi_line_cell_is_quoted_and_records_end_with_crlf():
    data = (await written(one_sheet(), ExportFormat.CSV)).decode("utf-8")
    assert "\"Service à l'état civil\nPréfecture de l'Hérault\nProcureur de la République\"" in data
    assert data.endswith("\r\n")
    assert data.startswith("Nom du traitement,Finalité,")


async def test_several_sheets_follow_each_other_with_their_titles():
    data = await written(sample_document(), ExportFormat.CSV, csv_separator=";")
    lines = list(csv.reader(io.StringIO(data.decode("utf-8-sig"), newline=""), delimiter=";"))
    assert lines[0] == ["Activités de traitement"]
    assert lines[1] == [column.header for column in ACTIVITY_COLUMNS]
    assert len(lines[2 : 2 + ACTIVITY_COUNT]) == ACTIVITY_COUNT
    separator = 2 + ACTIVITY_COUNT
    assert lines[separator] == []  # the empty line between sheets
    assert lines[separator + 1] == ["Violations : données [archivées]"]
    assert lines[separator + 2] == [column.header for column in BREACH_COLUMNS]
    breaches = lines[separator + 3 :]
    assert breaches == [[row[c.key] or "" for c in BREACH_COLUMNS] for row in BREACHES]


async def test_the_document_header_block_is_not_in_the_csv():
    data = (await written(sample_document(), ExportFormat.CSV)).decode("utf-8")
    assert "Saint-Étienne-de-Tinée" not in data
    assert "Registre des activités" not in data


async def test_a_cell_a_spreadsheet_would_run_as_a_formula_is_written_as_text():
    from core.tabular.readers import read_workbook

    doc = one_sheet()
    rows = [
        {"name": '=HYPERLINK("http://x.example";"clic")', "purpose": "+33 1 00", "dpo": "@x"},
        {"name": "- tiret", "purpose": "-2+3", "dpo": "sans risque"},
    ]

    async def two_rows():
        for row in rows:
            yield row

    doc.sheets[0].rows = two_rows
    data = await written(doc, ExportFormat.CSV)
    read = list(csv.DictReader(io.StringIO(data.decode("utf-8"), newline="")))
    assert [r["Nom du traitement"] for r in read] == [
        '\'=HYPERLINK("http://x.example";"clic")',
        "'- tiret",
    ]
    assert (
        read[0]["Finalité"] == "'+33 1 00"
        and read[0]["Délégué à la protection des données"] == "'@x"
    )
    assert read[1]["Délégué à la protection des données"] == "sans risque"
    # Our own reader gives the cells back as they were.
    (sheet,) = read_workbook(data, ExportFormat.CSV)
    assert [r.cells[:3] for r in sheet.rows[1:]] == [
        [rows[0]["name"], "+33 1 00", "@x"],
        ["- tiret", "-2+3", "sans risque"],
    ]
