"""CSV import: UTF-8 (with or without the byte order mark Excel adds), "," or ";"."""

import csv
import io

from core.tabular.csv_writer import FORMULA_STARTS
from core.tabular.reading import ReadBudget, ReadSheet, make_row, text_or_none, unreadable

NOT_UTF8 = (
    "le fichier n'est pas un CSV encodé en UTF-8 : dans le tableur, enregistrez-le "
    "au format « CSV UTF-8 »"
)


def read_csv(data: bytes, budget: ReadBudget | None = None) -> list[ReadSheet]:
    budget = budget or ReadBudget()
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise unreadable(NOT_UTF8) from exc
    if "\x00" in text:  # UTF-16 or a binary file that happened to decode
        raise unreadable(NOT_UTF8)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=sniff_separator(text))
    rows = []
    number = 0
    budget.sheet()
    try:
        # Rows are numbered by record, as a spreadsheet shows them once the file is open
        # (a cell holding line breaks is one row, not several lines).
        for number, record in enumerate(reader, start=1):
            row = make_row(number, [text_or_none(restored(value)) for value in record])
            budget.tick(filled=row is not None)
            if row is not None:
                rows.append(row)
    except csv.Error as exc:
        raise unreadable(f"le fichier CSV est mal formé vers la ligne {number + 1}") from exc
    return [ReadSheet(title="", rows=rows)]


def restored(value: str) -> str:
    """A cell our writer put behind a quote mark so it is not run as a formula."""
    if value.startswith("'") and value[1:].startswith(FORMULA_STARTS):
        return value[1:]
    return value


def sniff_separator(text: str) -> str:
    """The separator: ";" if the first line holding one (outside quotes) has more ";" than ",".

    csv.Sniffer guesses from character frequencies and is easily misled by French text full
    of commas; a header row is the better witness."""
    counts = {",": 0, ";": 0}
    quoted = False
    for char in text[: 64 * 1024]:
        if char == '"':
            quoted = not quoted
        elif quoted:
            continue
        elif char in counts:
            counts[char] += 1
        elif char in "\r\n" and any(counts.values()):
            break  # a line without any separator (a blank line, a title) is passed over
    return ";" if counts[";"] > counts[","] else ","
