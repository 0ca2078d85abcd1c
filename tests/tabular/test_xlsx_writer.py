"""XLSX, read back with openpyxl in normal mode (not the writer's write-only code path)."""

import io

import pytest
from openpyxl import load_workbook

from core.tabular.document import ExportFormat
from tests.tabular.sample import (
    ACTIVITIES,
    ACTIVITY_COLUMNS,
    ACTIVITY_COUNT,
    BREACH_COLUMNS,
    BREACHES,
    expected_cells,
    sample_document,
    written,
    written_now,
)


@pytest.fixture(scope="module")
def workbook():
    return load_workbook(io.BytesIO(written_now(sample_document(), ExportFormat.XLSX)))


def values(ws) -> list[list]:
    return [list(row) for row in ws.iter_rows(values_only=True)]


async def test_an_informations_sheet_then_one_sheet_per_sheet_with_valid_names(workbook):
    assert workbook.sheetnames == [
        "Informations",
        "Activités de traitement",
        "Violations données archivées",  # no ":" "[" "]" in an Excel tab
    ]
    assert values(workbook["Informations"]) == [
        ["Document", "Registre des activités de traitement (art. 30.1 RGPD)"],
        ["Généré le", "lundi 24 novembre 2025 à 10:30"],
        ["Responsable du traitement", "Commune de Saint-Étienne-de-Tinée"],
        ["Délégué à la protection des données", "Syndicat mixte « Numérique & Œuvre »"],
    ]


async def test_every_row_and_cell_as_written(workbook):
    rows = values(workbook["Activités de traitement"])
    assert rows[0] == [column.header for column in ACTIVITY_COLUMNS]
    assert len(rows) == 1 + ACTIVITY_COUNT
    assert rows[1:] == [expected_cells(ACTIVITY_COLUMNS, row) for row in ACTIVITIES]
    assert rows[2][2] is None  # the empty cell stays empty
    assert rows[2][3] == (
        "Service à l'état civil\nPréfecture de l'Hérault\nProcureur de la République"
    )
    breaches = values(workbook["Violations données archivées"])
    assert breaches[1:] == [expected_cells(BREACH_COLUMNS, row) for row in BREACHES]


async def test_text_that_looks_like_a_formula_stays_text(workbook):
    cell = workbook["Activités de traitement"]["E4"]
    assert cell.value.startswith("=SOMME(A1:A2)")
    assert cell.data_type == "s"


async def test_bold_frozen_header_wrapped_text_and_column_widths(workbook):
    ws = workbook["Activités de traitement"]
    assert ws.freeze_panes == "A2"
    assert all(cell.font.bold for cell in ws[1])
    assert not ws["A2"].font.bold
    assert ws["D3"].alignment.wrap_text
    widths = [ws.column_dimensions[letter].width for letter in "ABCDE"]
    assert widths == [column.width for column in ACTIVITY_COLUMNS]


async def test_long_and_control_characters_do_not_break_the_workbook():
    long_text = "é" * 40_000
    doc = sample_document([{"name": "Nul\x00 et bip\x07", "notes": long_text}])
    ws = load_workbook(io.BytesIO(await written(doc, ExportFormat.XLSX)))["Activités de traitement"]
    assert ws["A2"].value == "Nul et bip"
    assert len(ws["E2"].value) == 32_767
    assert ws["E2"].value.endswith("(texte tronqué : trop long pour une cellule Excel)")
