"""The fixed parts of an OpenDocument spreadsheet (ODF 1.2) and the XML of one cell.

Kept apart from `ods_writer` so that the writer reads as the streaming loop it is.
"""

import re
from datetime import UTC, datetime
from xml.sax.saxutils import escape, quoteattr

from core.tabular.text import clean_text

ODF_VERSION = "1.2"  # read by every LibreOffice, by Excel since 2013, and by odfpy
MIMETYPE = "application/vnd.oasis.opendocument.spreadsheet"

NAMESPACES = (
    'xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" '
    'xmlns:style="urn:oasis:names:tc:opendocument:xmlns:style:1.0" '
    'xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0" '
    'xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0" '
    'xmlns:fo="urn:oasis:names:tc:opendocument:xmlns:xsl-fo-compatible:1.0" '
    'xmlns:meta="urn:oasis:names:tc:opendocument:xmlns:meta:1.0" '
    'xmlns:dc="http://purl.org/dc/elements/1.1/"'
)
XML_DECLARATION = '<?xml version="1.0" encoding="UTF-8"?>\n'

MANIFEST = (
    XML_DECLARATION
    + '<manifest:manifest xmlns:manifest="urn:oasis:names:tc:opendocument:xmlns:manifest:1.0"'
    f' manifest:version="{ODF_VERSION}">'
    f'<manifest:file-entry manifest:full-path="/" manifest:version="{ODF_VERSION}"'
    f' manifest:media-type="{MIMETYPE}"/>'
    '<manifest:file-entry manifest:full-path="content.xml" manifest:media-type="text/xml"/>'
    '<manifest:file-entry manifest:full-path="styles.xml" manifest:media-type="text/xml"/>'
    '<manifest:file-entry manifest:full-path="meta.xml" manifest:media-type="text/xml"/>'
    "</manifest:manifest>"
)

# Named cell styles: "Default" for every cell, "Heading" (bold) for header rows and labels.
STYLES = (
    XML_DECLARATION
    + f'<office:document-styles {NAMESPACES} office:version="{ODF_VERSION}"><office:styles>'
    '<style:style style:name="Default" style:family="table-cell"/>'
    '<style:style style:name="Heading" style:display-name="En-tête" style:family="table-cell"'
    ' style:parent-style-name="Default"><style:text-properties fo:font-weight="bold"'
    ' style:font-weight-asian="bold" style:font-weight-complex="bold"/></style:style>'
    "</office:styles></office:document-styles>"
)

# Automatic cell styles used in content.xml: text wrapped, aligned to the top of the row.
CELL_STYLE = "ce1"
HEADING_STYLE = "ce2"
_WRAP = '<style:table-cell-properties fo:wrap-option="wrap" style:vertical-align="top"/>'
CELL_STYLES = (
    f'<style:style style:name="{CELL_STYLE}" style:family="table-cell"'
    f' style:parent-style-name="Default">{_WRAP}</style:style>'
    f'<style:style style:name="{HEADING_STYLE}" style:family="table-cell"'
    f' style:parent-style-name="Heading">{_WRAP}</style:style>'
)


def meta(title: str) -> str:
    created = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    return (
        XML_DECLARATION + f'<office:document-meta {NAMESPACES} office:version="{ODF_VERSION}">'
        "<office:meta><meta:generator>registre-rgpd</meta:generator>"
        f"<dc:title>{escape(clean_text(title))}</dc:title><dc:language>fr-FR</dc:language>"
        f"<meta:creation-date>{created}</meta:creation-date></office:meta>"
        "</office:document-meta>"
    )


def column_style(name: str, width: int) -> str:
    # A width in characters (Column.width, as in Excel) to centimetres, for a 10 pt font.
    centimetres = round(width * 0.19 + 0.15, 2)
    return (
        f'<style:style style:name="{name}" style:family="table-column">'
        f'<style:table-column-properties style:column-width="{centimetres}cm"/></style:style>'
    )


def table_start(name: str) -> str:
    return f"<table:table table:name={quoteattr(clean_text(name))}>"


def column(style: str) -> str:
    return (
        f'<table:table-column table:style-name="{style}"'
        f' table:default-cell-style-name="{CELL_STYLE}"/>'
    )


def cell(value: str | None, style: str = CELL_STYLE) -> str:
    """One string cell; each line of the value is its own paragraph, as LibreOffice writes
    a cell typed with line breaks."""
    if not value:
        return f'<table:table-cell table:style-name="{style}"/>'
    text = escape(clean_text(value))
    lines = text.split("\n")
    if _SPACES_MATTER.search(text):
        lines = [_keep_spaces(line) for line in lines]
    return (
        f'<table:table-cell table:style-name="{style}" office:value-type="string"><text:p>'
        + "</text:p><text:p>".join(lines)
        + "</text:p></table:table-cell>"
    )


# Only a cell with one of these needs its lines' spaces looked at (most have none).
_SPACES_MATTER = re.compile(r"  |\t|^ | $| \n|\n ")


# ODF collapses runs of spaces and drops them at the edges of a paragraph, as HTML does:
# spaces that matter are written as <text:s/>. A tab becomes a space: LibreOffice Calc drops
# <text:tab/> from cells, gluing the words on either side together.
_SPACES = re.compile(r" {2,}|^ | $")


def _keep_spaces(line: str) -> str:
    line = line.replace("\t", " ")

    def spaces(match: re.Match) -> str:
        count = len(match.group(0))
        if match.start() == 0 or match.end() == len(line):
            return f'<text:s text:c="{count}"/>'
        return f' <text:s text:c="{count - 1}"/>'

    return _SPACES.sub(spaces, line)
