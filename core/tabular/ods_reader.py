"""ODS import with odfpy: cell values as text, repeated rows and cells expanded with care.

A spreadsheet saved by LibreOffice ends its sheets with things like an empty row repeated a
million times, or an empty cell repeated 16,000 times: empty repeats only move the counters,
they are never materialised.
"""

import io
import re

from odf import teletype
from odf.namespaces import OFFICENS, TABLENS, TEXTNS
from odf.office import Body
from odf.opendocument import load

from core.tabular.ods_xml import MIMETYPE
from core.tabular.reading import (
    MAX_COLUMNS,
    MAX_ROWS,
    ReadBudget,
    ReadRow,
    ReadSheet,
    make_row,
    open_zip,
    text_or_none,
    unreadable,
)
from core.tabular.xlsx_reader import cell_text

UNREADABLE = "le fichier n'est pas un classeur ODS lisible"

TABLE = (TABLENS, "table")
ROW = (TABLENS, "table-row")
ROW_CONTAINERS = {
    (TABLENS, name) for name in ("table-header-rows", "table-rows", "table-row-group")
}
CELLS = {(TABLENS, "table-cell"), (TABLENS, "covered-table-cell")}
PARAGRAPHS = {(TEXTNS, "p"), (TEXTNS, "h")}
_DURATION = re.compile(r"PT(\d+)H(\d+)M(\d+)(?:\.\d+)?S")


def read_ods(data: bytes, budget: ReadBudget | None = None) -> list[ReadSheet]:
    budget = budget or ReadBudget()
    open_zip(data, UNREADABLE).close()  # the size check, before odfpy inflates anything
    try:
        document = load(io.BytesIO(data))
    except Exception as exc:  # missing parts, broken XML: odfpy lets them all through
        raise unreadable(UNREADABLE) from exc
    if not document.mimetype.startswith(MIMETYPE):
        raise unreadable(f"{UNREADABLE} (c'est un autre type de document OpenDocument)")
    return [
        _read_table(table, budget)
        for body in document.getElementsByType(Body)
        for table in _children(body, {TABLE}, deep=True)
    ]


def _children(element, names: set, *, deep: bool = False):
    """Child elements named in `names`; with `deep`, looked for at any depth but not inside a
    match (a sheet's tables are inside office:spreadsheet, rows may be inside groups)."""
    for child in element.childNodes:
        qname = getattr(child, "qname", None)
        if qname in names:
            yield child
        elif deep and qname is not None:
            yield from _children(child, names, deep=True)


def _rows(table):
    for child in table.childNodes:
        qname = getattr(child, "qname", None)
        if qname == ROW:
            yield child
        elif qname in ROW_CONTAINERS:
            yield from _rows(child)


def _read_table(table, budget: ReadBudget) -> ReadSheet:
    title = table.getAttrNS(TABLENS, "name") or ""
    budget.sheet()
    rows: list[ReadRow] = []
    number = 0
    for element in _rows(table):
        repeat = int(element.getAttrNS(TABLENS, "number-rows-repeated") or 1)
        row = make_row(number + 1, _cells(element))
        budget.tick(filled=False)
        if row is None:
            number += repeat
            continue
        if number + repeat > MAX_ROWS:
            raise unreadable(f"la feuille « {title} » dépasse {MAX_ROWS} lignes")
        # A non-empty row repeated (the same line copied down) stands for that many rows.
        for n in range(1, repeat + 1):
            budget.tick()
            rows.append(ReadRow(number + n, list(row.cells)))
        number += repeat
    return ReadSheet(title=title, rows=rows)


def _cells(row) -> list[str | None]:
    cells: list[str | None] = []
    empty_run = 0  # empty cells seen since the last value, added only if a value follows
    for cell in _children(row, CELLS):
        repeat = int(cell.getAttrNS(TABLENS, "number-columns-repeated") or 1)
        value = _value(cell)
        if value is None:
            empty_run += repeat
            continue
        if len(cells) + empty_run + repeat > MAX_COLUMNS:
            break  # past the last column any spreadsheet has
        cells.extend([None] * empty_run)
        cells.extend([value] * repeat)
        empty_run = 0
    return cells


def _value(cell) -> str | None:
    value_type = cell.getAttrNS(OFFICENS, "value-type")
    # Typed cells: the stored value, not the text a locale formatted ("3,5 €", "31/01/2025"),
    # written as the XLSX reader writes them.
    if value_type in ("float", "percentage", "currency"):
        number = cell.getAttrNS(OFFICENS, "value")
        if number is not None:
            return cell_text(float(number))
    elif value_type == "date":
        stamp = cell.getAttrNS(OFFICENS, "date-value")
        if stamp:
            return stamp.removesuffix("T00:00:00")
    elif value_type == "time":
        duration = _DURATION.fullmatch(cell.getAttrNS(OFFICENS, "time-value") or "")
        if duration:
            return ":".join(f"{int(part):02d}" for part in duration.groups())
    elif value_type == "boolean":
        return "VRAI" if cell.getAttrNS(OFFICENS, "boolean-value") == "true" else "FAUX"
    # Each paragraph of a cell is one line of its text.
    lines = [teletype.extractText(p) for p in _children(cell, PARAGRAPHS)]
    return text_or_none("\n".join(lines))
