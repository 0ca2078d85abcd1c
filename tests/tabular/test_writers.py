"""The dispatch, file names, and the tab names shared by XLSX and ODS."""

import io

import pytest

from core.tabular.document import MEDIA_TYPES, Column, Document, ExportFormat, Sheet
from core.tabular.text import clean_text, sheet_names
from core.tabular.writers import file_name, write_document
from tests.tabular.sample import rows_of, sample_document

SIGNATURES = {
    ExportFormat.CSV: b"Activit",
    ExportFormat.XLSX: b"PK\x03\x04",
    ExportFormat.ODS: b"PK\x03\x04",
    ExportFormat.JSON: b'{"document": "controller-record"',
    ExportFormat.PDF: b"%PDF-",
}


@pytest.mark.parametrize("fmt", list(ExportFormat))
async def test_every_format_has_a_writer_a_file_name_and_a_media_type(fmt):
    out = io.BytesIO()
    await write_document(sample_document([]), fmt, out)
    assert out.getvalue().startswith(SIGNATURES[fmt])
    assert file_name(sample_document(), fmt) == f"controller-record.{fmt.value}"
    assert fmt in MEDIA_TYPES


def test_file_name_accepts_the_format_as_a_string():
    assert file_name(sample_document(), "xlsx") == "controller-record.xlsx"


def test_tab_names_are_valid_for_excel_and_unique():
    def sheet(title: str) -> Sheet:
        return Sheet(key="k", title=title, columns=[Column("a", "A")], rows=rows_of([]))

    doc = Document(
        key="k",
        title="T",
        sheets=[
            sheet("Informations"),
            sheet("Sous-traitants : contrats / avenants [2025]"),
            sheet("Sous-traitants : contrats / avenants [2026]"),
            sheet("'Cité'"),
            sheet("***"),
            sheet("cité"),
        ],
    )
    assert sheet_names(doc) == [
        "Informations",
        "Informations (2)",
        "Sous-traitants contrats avenant",
        "Sous-traitants contrats ave (2)",
        "Cité",
        "Feuille 5",
        "cité (2)",  # Excel compares tab names without case
    ]
    assert all(len(name) <= 31 for name in sheet_names(doc))


def test_clean_text_keeps_lines_and_drops_what_xml_cannot_carry():
    assert clean_text("a\r\nb\rc\x00\x0bd\ttab\ufffe") == "a\nb\ncd\ttab"
