"""ODS, read back with odfpy (and with LibreOffice when it is installed)."""

import csv
import io
import shutil
import subprocess
import zipfile

import pytest
from odf import teletype
from odf.namespaces import TABLENS, TEXTNS
from odf.opendocument import load
from odf.table import Table, TableCell, TableRow
from odf.text import P

from core.tabular.document import ExportFormat
from tests.tabular.sample import (
    ACTIVITIES,
    ACTIVITY_COLUMNS,
    ACTIVITY_COUNT,
    BREACH_COLUMNS,
    BREACHES,
    expected_cells,
    sample_document,
    written_now,
)


def in_ods(cells: list[str | None]) -> list[str | None]:
    """The cells as the ODS holds them: a tab is a space (LibreOffice drops tabs in cells)."""
    return [cell.replace("\t", " ") if cell else cell for cell in cells]


MIMETYPE = b"application/vnd.oasis.opendocument.spreadsheet"


@pytest.fixture(scope="module")
def data() -> bytes:
    return written_now(sample_document(), ExportFormat.ODS)


@pytest.fixture(scope="module")
def tables(data) -> dict[str, list[list[str | None]]]:
    """Each table's rows, each cell's paragraphs joined by "\\n", read with odfpy only."""
    document = load(io.BytesIO(data))
    result = {}
    for table in document.spreadsheet.getElementsByType(Table):
        rows = []
        for row in table.getElementsByType(TableRow):
            cells = []
            for cell in row.getElementsByType(TableCell):
                lines = [teletype.extractText(p) for p in cell.getElementsByType(P)]
                cells.append("\n".join(lines) if lines else None)
            rows.append(cells)
        result[table.getAttrNS(TABLENS, "name")] = rows
    return result


def test_the_package_starts_with_the_mimetype_stored_uncompressed(data):
    # What `file` and LibreOffice look at: "mimetype" at offset 30, as plain bytes.
    assert data[30:38] == b"mimetype"
    assert data[38 : 38 + len(MIMETYPE)] == MIMETYPE
    with zipfile.ZipFile(io.BytesIO(data)) as package:
        first = package.infolist()[0]
        assert first.filename == "mimetype"
        assert first.compress_type == zipfile.ZIP_STORED
        assert first.extra == b""
        assert package.read("mimetype") == MIMETYPE
        names = package.namelist()
        assert names[1:] == ["META-INF/manifest.xml", "styles.xml", "meta.xml", "content.xml"]
        manifest = package.read("META-INF/manifest.xml").decode()
        assert 'manifest:full-path="content.xml"' in manifest
        assert package.testzip() is None


def test_tables_informations_then_one_per_sheet(tables):
    assert list(tables) == [
        "Informations",
        "Activités de traitement",
        "Violations données archivées",
    ]
    assert tables["Informations"] == [
        ["Document", "Registre des activités de traitement (art. 30.1 RGPD)"],
        ["Généré le", "lundi 24 novembre 2025 à 10:30"],
        ["Responsable du traitement", "Commune de Saint-Étienne-de-Tinée"],
        ["Délégué à la protection des données", "Syndicat mixte « Numérique & Œuvre »"],
    ]


def test_every_cell_with_its_lines_accents_and_spaces(tables):
    rows = tables["Activités de traitement"]
    assert rows[0] == [column.header for column in ACTIVITY_COLUMNS]
    assert len(rows) == 1 + ACTIVITY_COUNT
    assert rows[1:] == [in_ods(expected_cells(ACTIVITY_COLUMNS, row)) for row in ACTIVITIES]
    assert rows[7][4] == "  deux  espaces au début et au milieu "
    assert rows[9][4] == "Tabulation ici"
    breaches = tables["Violations données archivées"]
    assert breaches[1:] == [expected_cells(BREACH_COLUMNS, row) for row in BREACHES]


def test_a_multi_line_value_is_one_paragraph_per_line_in_one_cell(data):
    document = load(io.BytesIO(data))
    sheet = document.spreadsheet.getElementsByType(Table)[1]
    cell = sheet.getElementsByType(TableRow)[1].getElementsByType(TableCell)[3]
    assert [teletype.extractText(p) for p in cell.getElementsByType(P)] == [
        "Service à l'état civil",
        "Préfecture de l'Hérault",
        "Procureur de la République",
    ]
    assert cell.getAttribute("valuetype") == "string"


def test_bold_header_row_and_column_widths(data):
    with zipfile.ZipFile(io.BytesIO(data)) as package:
        styles = package.read("styles.xml").decode()
        content = package.read("content.xml").decode()
    assert 'style:name="Heading"' in styles and 'fo:font-weight="bold"' in styles
    assert "<table:table-header-rows>" in content
    document = load(io.BytesIO(data))
    header = document.spreadsheet.getElementsByType(Table)[1].getElementsByType(TableRow)[0]
    styles_used = {cell.getAttrNS(TABLENS, "style-name") for cell in header.childNodes}
    assert styles_used == {"ce2"}  # the wrapped automatic style whose parent is "Heading"
    assert 'style:column-width="7.75cm"' in content  # 40 characters


def test_no_text_outside_paragraphs(data):
    # Every string is inside a text:p: odfpy counts each "\n" line as its own paragraph.
    document = load(io.BytesIO(data))
    cell = document.spreadsheet.getElementsByType(TableCell)[0]
    assert all(child.qname == (TEXTNS, "p") for child in cell.childNodes)


@pytest.mark.skipif(not shutil.which("libreoffice"), reason="LibreOffice is not installed")
def test_libreoffice_opens_it_and_converts_every_sheet_to_csv(data, tmp_path):
    source = tmp_path / "record.ods"
    source.write_bytes(data)
    # CSV filter options: ",", '"', UTF-8 (76), from line 1, …, every sheet (-1), one file each.
    csv_filter = "csv:Text - txt - csv (StarCalc):44,34,76,1,,0,false,true,false,false,false,-1"
    subprocess.run(
        [
            "libreoffice",
            f"-env:UserInstallation={(tmp_path / 'profile').as_uri()}",  # not the user's profile
            "--headless",
            "--convert-to",
            csv_filter,
            "--outdir",
            str(tmp_path),
            str(source),
        ],
        check=True,
        capture_output=True,
        timeout=180,
    )

    def sheet(name: str) -> list[list[str]]:
        text = (tmp_path / f"record-{name}.csv").read_text(encoding="utf-8")
        return list(csv.reader(io.StringIO(text, newline="")))

    assert sheet("Informations")[3] == [
        "Délégué à la protection des données",
        "Syndicat mixte « Numérique & Œuvre »",
    ]
    activities = sheet("Activités de traitement")
    assert activities[0] == [column.header for column in ACTIVITY_COLUMNS]
    assert activities[1:] == [
        in_ods([row[column.key] or "" for column in ACTIVITY_COLUMNS]) for row in ACTIVITIES
    ]
    breaches = sheet("Violations données archivées")
    assert breaches[1:] == [[row[c.key] or "" for c in BREACH_COLUMNS] for row in BREACHES]
