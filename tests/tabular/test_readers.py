"""Import readers: what the writers wrote comes back cell for cell, with its row numbers;
files from elsewhere (typed cells, repeats, gaps) read as a person sees them; a file that is
not what it claims gives one clear French error on the field "file"."""

import io
import zipfile
from datetime import date, datetime, time

import pytest
from odf.opendocument import OpenDocumentSpreadsheet, OpenDocumentText
from odf.table import CoveredTableCell, Table, TableCell, TableRow
from odf.text import P, Span
from openpyxl import Workbook

from core.errors import ValidationFailed
from core.tabular import reading
from core.tabular.document import ExportFormat
from core.tabular.readers import ReadRow, cell_reference, column_letter, read_workbook
from tests.tabular.sample import (
    ACTIVITIES,
    ACTIVITY_COLUMNS,
    ACTIVITY_COUNT,
    BREACH_COLUMNS,
    BREACHES,
    expected_cells,
    sample_document,
    written,
)


def trimmed(cells: list[str | None]) -> list[str | None]:
    """Rows come back without their trailing empty cells."""
    while cells and cells[-1] is None:
        cells = cells[:-1]
    return cells


def expected_activities(fmt: ExportFormat) -> list[ReadRow]:
    rows = [ReadRow(1, [column.header for column in ACTIVITY_COLUMNS])]
    for number, row in enumerate(ACTIVITIES, start=2):
        cells = expected_cells(ACTIVITY_COLUMNS, row)
        if fmt is ExportFormat.ODS:  # the ODS writer turns a tab into a space
            cells = [cell.replace("\t", " ") if cell else cell for cell in cells]
        rows.append(ReadRow(number, trimmed(cells)))
    return rows


@pytest.mark.parametrize("fmt", [ExportFormat.XLSX, ExportFormat.ODS])
async def test_a_workbook_comes_back_cell_for_cell(fmt):
    sheets = read_workbook(await written(sample_document(), fmt), fmt)
    assert [sheet.title for sheet in sheets] == [
        "Informations",
        "Activités de traitement",
        "Violations données archivées",
    ]
    assert sheets[0].rows[2] == ReadRow(
        3, ["Responsable du traitement", "Commune de Saint-Étienne-de-Tinée"]
    )
    assert sheets[1].rows == expected_activities(fmt)
    assert len(sheets[1].rows) == 1 + ACTIVITY_COUNT
    assert sheets[2].rows[1:] == [
        ReadRow(number, trimmed(expected_cells(BREACH_COLUMNS, row)))
        for number, row in enumerate(BREACHES, start=2)
    ]


@pytest.mark.parametrize("separator", [",", ";"])
async def test_a_csv_comes_back_with_its_separator_guessed(separator):
    doc = sample_document()
    doc.sheets = doc.sheets[:1]
    data = await written(doc, ExportFormat.CSV, csv_separator=separator)
    [sheet] = read_workbook(data, ExportFormat.CSV)
    assert sheet.title == ""
    assert sheet.rows == [
        ReadRow(row.number, [cell or None for cell in row.cells])
        for row in expected_activities(ExportFormat.CSV)
    ]
    # Row numbers count records: the multi-line cells above do not shift them.
    assert sheet.rows[-1].number == 1 + ACTIVITY_COUNT


def test_csv_row_numbers_skip_blank_lines_but_keep_counting():
    data = "\ufeffNom;Finalité\r\n\r\nCantine;« Repas » scolaires, goûters\r\n;;\r\nÉcole;\r\n"
    [sheet] = read_workbook(data.encode(), ExportFormat.CSV)
    assert sheet.rows == [
        ReadRow(1, ["Nom", "Finalité"]),
        ReadRow(3, ["Cantine", "« Repas » scolaires, goûters"]),
        ReadRow(5, ["École"]),
    ]


def test_a_csv_with_commas_in_french_text_is_still_read_as_semicolons():
    # Commas inside quotes, and many of them in the rows, do not outvote the header's ";".
    data = 'Nom;"Finalité, base légale, durée"\r\nA;"un, deux, trois, quatre"\r\n'.encode()
    rows = read_workbook(data, ExportFormat.CSV)[0].rows
    assert rows[0].cells == ["Nom", "Finalité, base légale, durée"]
    assert rows[1].cells == ["A", "un, deux, trois, quatre"]


def test_an_xlsx_typed_by_hand_reads_as_text():
    workbook = Workbook()
    ws = workbook.active
    ws.title = "Saisie"
    ws.append(["Nombre", "Décimal", "Entier flottant", "Date", "Horodatage", "Heure", "Booléen"])
    ws.append([42, 3.5, 2.0, date(2025, 1, 31), datetime(2025, 1, 31, 14, 30), time(8, 5), True])
    ws["A5"] = "après une ligne vide"
    ws["D5"] = "  espaces  "
    out = io.BytesIO()
    workbook.save(out)
    [sheet] = read_workbook(out.getvalue(), ExportFormat.XLSX)
    assert sheet.title == "Saisie"
    assert sheet.rows[1] == ReadRow(
        2, ["42", "3.5", "2", "2025-01-31", "2025-01-31T14:30:00", "08:05:00", "VRAI"]
    )
    assert sheet.rows[2] == ReadRow(5, ["après une ligne vide", None, None, "  espaces  "])
    assert sheet.rows[2].cell(2) is None and sheet.rows[2].cell(40) is None
    assert cell_reference(sheet.rows[2], 3) == "D5"


def ods_with_repeats() -> bytes:
    """What LibreOffice writes: repeated cells and rows, formatting to the end of the sheet."""
    document = OpenDocumentSpreadsheet()
    table = Table(name="Feuille 1")

    def row(*cells, repeated: int | None = None) -> TableRow:
        element = TableRow(numberrowsrepeated=repeated) if repeated else TableRow()
        for cell in cells:
            element.addElement(cell)
        return element

    def text(*lines: str, repeated: int | None = None) -> TableCell:
        cell = TableCell(valuetype="string", numbercolumnsrepeated=repeated or 1)
        for line in lines:
            cell.addElement(P(text=line))
        return cell

    table.addElement(row(text("Nom"), TableCell(numbercolumnsrepeated=3), text("Fin")))
    table.addElement(row(TableCell(numbercolumnsrepeated=16384), repeated=3))  # empty rows 2-4
    multi = text("Service à l'état civil", "Préfecture")
    table.addElement(row(multi, text("idem", repeated=2), TableCell(numbercolumnsrepeated=16380)))
    table.addElement(row(text("copiée"), repeated=2))  # rows 6 and 7
    typed = [
        TableCell(valuetype="float", value="1234", numbercolumnsrepeated=1),
        TableCell(valuetype="float", value="0.25"),
        TableCell(valuetype="date", datevalue="2025-01-31"),
        TableCell(valuetype="boolean", booleanvalue="false"),
        TableCell(valuetype="time", timevalue="PT14H30M00S"),
        CoveredTableCell(),
    ]
    typed[0].addElement(P(text="1 234,00 €"))  # the text shown in a locale; the value wins
    styled = text("")
    styled.firstChild.addElement(Span(text="gras"))
    table.addElement(row(*typed, styled))
    table.addElement(row(TableCell(numbercolumnsrepeated=1024), repeated=1_048_000))
    document.spreadsheet.addElement(table)
    out = io.BytesIO()
    document.write(out)
    return out.getvalue()


def test_an_ods_from_libreoffice_with_repeats_reads_row_by_row():
    [sheet] = read_workbook(ods_with_repeats(), ExportFormat.ODS)
    assert sheet.title == "Feuille 1"
    assert sheet.rows == [
        ReadRow(1, ["Nom", None, None, None, "Fin"]),
        ReadRow(5, ["Service à l'état civil\nPréfecture", "idem", "idem"]),
        ReadRow(6, ["copiée"]),
        ReadRow(7, ["copiée"]),
        ReadRow(8, ["1234", "0.25", "2025-01-31", "FAUX", "14:30:00", None, "gras"]),
    ]
    assert cell_reference(sheet.rows[0], 4) == "E1"


def test_column_letters_count_from_zero():
    assert [column_letter(i) for i in (0, 1, 25, 26, 27, 51, 52, 701, 702, 16383)] == [
        "A", "B", "Z", "AA", "AB", "AZ", "BA", "ZZ", "AAA", "XFD",
    ]  # fmt: skip
    with pytest.raises(ValueError):
        column_letter(-1)


def assert_refused(data: bytes, fmt: ExportFormat, message: str) -> None:
    with pytest.raises(ValidationFailed) as caught:
        read_workbook(data, fmt)
    [problem] = caught.value.problems
    assert problem.loc == ("file",)
    assert message in problem.msg


def test_a_csv_not_in_utf8_is_refused_with_the_way_out():
    data = "Nom;Délégué\r\nCantine;Hélène\r\n".encode("cp1252")
    assert_refused(data, ExportFormat.CSV, "n'est pas un CSV encodé en UTF-8")
    assert_refused("Nom,Prénom".encode("utf-16"), ExportFormat.CSV, "« CSV UTF-8 »")


@pytest.mark.parametrize("fmt", [ExportFormat.XLSX, ExportFormat.ODS])
async def test_a_corrupt_or_mislabelled_workbook_is_refused(fmt):
    name = "XLSX" if fmt is ExportFormat.XLSX else "ODS"
    message = f"le fichier n'est pas un classeur {name} lisible"
    good = await written(sample_document([]), fmt)
    assert_refused(b"Nom;Finalit\xc3\xa9\r\n", fmt, message)  # a CSV renamed
    assert_refused(good[: len(good) // 2], fmt, message)  # a truncated download
    other = ExportFormat.ODS if fmt is ExportFormat.XLSX else ExportFormat.XLSX
    assert_refused(await written(sample_document([]), other), fmt, message)
    broken = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(good)) as source, zipfile.ZipFile(broken, "w") as target:
        for item in source.infolist():
            content = source.read(item)
            target.writestr(item, content[: len(content) // 2] if b"<" in content else content)
    assert_refused(broken.getvalue(), fmt, message)  # XML cut in the middle


def test_a_text_document_is_not_a_spreadsheet():
    document = OpenDocumentText()
    document.text.addElement(P(text="Lettre"))
    out = io.BytesIO()
    document.write(out)
    assert_refused(out.getvalue(), ExportFormat.ODS, "autre type de document OpenDocument")


async def test_a_zip_that_would_inflate_too_much_is_refused_before_parsing(monkeypatch):
    monkeypatch.setattr(reading, "MAX_UNCOMPRESSED", 1000)
    data = await written(sample_document(), ExportFormat.ODS)
    assert_refused(data, ExportFormat.ODS, "une fois décompressé, il dépasserait")


def test_json_and_pdf_are_not_import_formats():
    assert_refused(b"{}", ExportFormat.JSON, "ne peut pas être importé")
