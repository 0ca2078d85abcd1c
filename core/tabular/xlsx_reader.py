"""XLSX import with openpyxl in read-only mode: values as text, as a person would type them."""

import io
from datetime import date, datetime, time

from openpyxl import load_workbook

from core.errors import ValidationFailed
from core.tabular.reading import (
    MAX_ROWS,
    ReadBudget,
    ReadSheet,
    make_row,
    open_zip,
    text_or_none,
    unreadable,
)

UNREADABLE = "le fichier n'est pas un classeur XLSX lisible"


def read_xlsx(data: bytes, budget: ReadBudget | None = None) -> list[ReadSheet]:
    budget = budget or ReadBudget()
    open_zip(data, UNREADABLE).close()  # the size check, before openpyxl inflates anything
    try:
        workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises a dozen kinds of errors on a broken package
        raise unreadable(UNREADABLE) from exc
    try:
        return [_read_sheet(ws, budget) for ws in workbook.worksheets]
    except ValidationFailed:
        raise
    except Exception as exc:
        raise unreadable(UNREADABLE) from exc
    finally:
        workbook.close()


def _read_sheet(ws, budget: ReadBudget) -> ReadSheet:
    # The <dimension> a file declares may be wrong (some tools write A1): read what is there.
    ws.reset_dimensions()
    budget.sheet()
    rows = []
    for number, values in enumerate(ws.iter_rows(values_only=True), start=1):
        if number > MAX_ROWS:
            raise unreadable(f"la feuille « {ws.title} » dépasse {MAX_ROWS} lignes")
        row = make_row(number, [cell_text(value) for value in values])
        budget.tick(filled=row is not None)
        if row is not None:
            rows.append(row)
    return ReadSheet(title=ws.title, rows=rows)


def cell_text(value) -> str | None:
    """A cell's value as text: integral numbers without ".0", dates in ISO 8601."""
    if value is None:
        return None
    if isinstance(value, bool):  # before int: a bool is an int
        return "VRAI" if value else "FAUX"  # as a French spreadsheet shows it
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() else repr(value)
    if isinstance(value, datetime):
        # Spreadsheets store a date as a datetime at midnight.
        return value.date().isoformat() if value.time() == time() else value.isoformat()
    if isinstance(value, date | time):
        return value.isoformat()
    return text_or_none(str(value))
