"""Small text helpers the spreadsheet writers share: clean cell text, safe unique sheet names."""

import re

from core.tabular.document import Document

INFORMATIONS = "Informations"  # the first sheet of XLSX and ODS: title, date, header block

# Characters XML 1.0 cannot carry at all (control characters other than tab and newline,
# lone surrogates, U+FFFE/U+FFFF). A pasted form field may hold one; Excel and LibreOffice
# would refuse the whole file, so they are dropped rather than escaped.
_ILLEGAL_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")
_FORBIDDEN_IN_SHEET_NAME = re.compile(r"[\[\]:*?/\\]")
MAX_SHEET_NAME = 31  # Excel's limit; ODS has none, but the same names in both read better


def clean_text(value: str) -> str:
    """Cell text safe for XML, with every line break as a single "\\n"."""
    if "\r" in value:
        value = value.replace("\r\n", "\n").replace("\r", "\n")
    return _ILLEGAL_XML.sub("", value)


def sheet_names(doc: Document) -> list[str]:
    """The tab names: "Informations" then one per sheet, valid for Excel and unique
    (case-insensitively, as Excel compares them), in the order of `doc.sheets`."""
    taken = {INFORMATIONS.casefold()}
    names = [INFORMATIONS]
    for index, sheet in enumerate(doc.sheets, start=1):
        base = _FORBIDDEN_IN_SHEET_NAME.sub(" ", clean_text(sheet.title)).replace("\n", " ")
        # An apostrophe may not start or end a name in Excel (it quotes names in formulas).
        base = " ".join(base.split()).strip("'") or f"Feuille {index}"
        name = base[:MAX_SHEET_NAME]
        suffix = 2
        while name.casefold() in taken:
            tail = f" ({suffix})"
            name = base[: MAX_SHEET_NAME - len(tail)] + tail
            suffix += 1
        taken.add(name.casefold())
        names.append(name)
    return names


def informations_rows(doc: Document) -> list[tuple[str, str]]:
    """The (label, value) lines of the "Informations" sheet."""
    rows = [("Document", doc.title)]
    if doc.generated_at:
        rows.append(("Généré le", doc.generated_at))
    rows.extend(doc.header)
    return rows
