"""Where the activities are in a workbook, and which cell holds which field.

Two layouts are read:

- ROWS (our own export, the CNIL template's list of activities, most homemade registers): a
  sheet with a header row among its first rows, then one activity per non-empty row;
- SHEETS (the CNIL "fiche de registre"): one activity per sheet, the label in column A and the
  value in column B (a value may go on below, in column B with column A empty).

Headers are matched by their folded form (core.text.fold: no case, no accents, one space,
no trailing colon) against the export's headers and keys (register.export.records) and the
labels of the CNIL template (docs/regulatory.md §1.4). Columns the export derives from other data
(dates of the record, controller, DPO, processors, DPIA required, missing items, id) are not
read back. Anything else the file holds is reported as a warning, never dropped in silence.
"""

import re
from dataclasses import dataclass, field

from core.french import agree, plural
from core.tabular.readers import ReadRow, ReadSheet, column_letter
from register.export.records import ACTIVITY_COLUMNS
from register.imports.cells import key

# Columns of the export computed from other data: recognised, never read back.
DERIVED = frozenset(
    {
        "created_at",
        "updated_at",
        "id",
        "controller",
        "dpo",
        "processors",
        "chain_transfers",
        "dpia_required",
        "missing_fields",
    }
)

# Column key → the ActivityIn field it fills. The "recipients@<kind>" keys are the CNIL
# template's recipient lines, one heading per kind, holding names only.
FIELD_OF: dict[str, str] = {
    **{c.key: c.key for c in ACTIVITY_COLUMNS if c.key not in DERIVED},
    "joint_controllers": "joint_controller_ids",
    "conventions": "convention_ids",
    "security_measures": "security_measure_ids",
    "recipients@internal": "recipients",
    "recipients@external_org": "recipients",
    "recipients@processor": "recipients",
    "recipients@public_authority": "recipients",
}

# Fields holding lists: several columns may fill them (the CNIL template's "Finalité
# principale" and "Sous-finalité 1…"), their items put end to end.
LIST_FIELDS = frozenset(
    {
        "purposes",
        "special_categories",
        "data_subject_categories",
        "data_categories",
        "retention",
        "recipients",
        "transfers",
        "dpia_criteria",
        "joint_controller_ids",
        "convention_ids",
        "security_measure_ids",
    }
)

# Other headers people use, the CNIL register template's first (docs/regulatory.md §1.4).
ALIASES: dict[str, list[str]] = {
    "ref": ["N° / REF", "N°", "Réf", "Ref", "Référence", "Numéro", "N° de fiche"],
    "name": [
        "Nom / sigle",
        "Nom du traitement",
        "Nom de l'activité",
        "Nom",
        "Traitement",
        "Activité",
        "Activités",
        "Activité de traitement",
        "Intitulé",
        "Intitulé du traitement",
    ],
    "status": ["Statut", "État de la fiche"],
    "representative": ["Représentant du responsable", "Représentant dans l'Union européenne"],
    "joint_controllers": [
        "Responsable(s) conjoint(s)",
        "Responsable conjoint",
        "Responsables conjoints du traitement",
        "Co-responsable(s)",
        "Co-responsables",
    ],
    "software": ["Logiciel", "Logiciels", "Application", "Logiciel / applications"],
    "description": ["Description du traitement"],
    "purposes": [
        "Finalité(s) du traitement effectué",
        "Finalités du traitement",
        "Objectifs poursuivis",
        "Finalité principale",
        "Finalités",
        "Finalité",
        "Finalité(s)",
        "Sous-finalités",
        "Sous-finalité 1",
        "Sous-finalité 2",
        "Sous-finalité 3",
        "Sous-finalité 4",
        "Sous-finalité 5",
    ],
    "legal_basis": ["Base juridique", "Fondement juridique", "Base légale du traitement"],
    "legal_basis_detail": [
        "Précision sur la base légale",
        "Texte de référence",
        "Références juridiques",
    ],
    "performed_in_public_tasks": ["Mission de service public"],
    "data_subject_categories": ["Personnes concernées", "Catégories de personnes"],
    "data_subject_details": ["Précisions sur les personnes"],
    "data_categories": [
        "Catégories de données personnelles concernées",
        "Catégories de données personnelles",
        "Données personnelles concernées",
        "Données traitées",
    ],
    "data_category_details": ["Description des données"],
    "special_categories": [
        "Données sensibles",
        "Catégories particulières de données",
        "Données sensibles traitées",
    ],
    "art9_condition": ["Exception de l'article 9.2", "Condition de l'article 9"],
    "art10_basis": ["Fondement de l'article 10"],
    "retention": [
        "Durée(s) de conservation",
        "Durée de conservation",
        "Durées de conservation des données",
    ],
    "recipients": [
        "Catégories de destinataires",
        "Destinataires des données",
        "Catégories de destinataires des données",
    ],
    "recipients@internal": ["Destinataires internes", "Service interne"],
    "recipients@external_org": ["Organismes externes", "Destinataires externes"],
    "recipients@processor": ["Sous-traitants", "Sous-traitant"],
    "recipients@public_authority": ["Autorités publiques"],
    "conventions": ["Convention"],
    "transfers": [
        "Transferts hors UE",
        "Transferts des données hors UE",
        "Transferts de données hors de l'Union européenne",
        "Transferts",
    ],
    "collection_method": ["Modalité de collecte", "Collecte"],
    "security_measures": ["Mesures de sécurité techniques et organisationnelles"],
    "dpia_criteria": ["Critères AIPD"],
    "dpia_ref": ["AIPD", "Analyse d'impact"],
    "next_review": ["Date de prochaine revue", "Prochaine révision"],
    # Derived: recognised so that they are not reported as unknown.
    "created_at": ["Date de création de la fiche", "Créée le", "Date de création"],
    "updated_at": [
        "Mise à jour de la fiche",
        "Date de mise à jour",
        "Dernière mise à jour",
    ],
    "controller": ["Responsable de traitement", "Nom de l'organisme", "Organisme"],
    "dpo": ["DPO", "DPD", "Délégué à la protection des données (DPO)"],
    "id": ["ID"],
}

HEADER_ROWS = 10  # a list sheet may have a title or two above its header row


def header_key(text: str) -> str:
    """The form a header is compared in: folded, "a / b" as "a/b", no trailing colon."""
    folded = re.sub(r"\s*/\s*", "/", key(text))
    return folded.rstrip(" :*.").strip()


def _index() -> dict[str, str]:
    index: dict[str, str] = {}
    for column in ACTIVITY_COLUMNS:
        index.setdefault(header_key(column.header), column.key)
        index.setdefault(header_key(column.key), column.key)
    for column_key, aliases in ALIASES.items():
        for alias in aliases:
            index.setdefault(header_key(alias), column_key)
    return index


HEADERS = _index()


def column_of(header: str | None) -> str | None:
    """The column key a header names, or None."""
    return HEADERS.get(header_key(header)) if header else None


@dataclass(frozen=True)
class SourceCell:
    row: int
    column: str  # the letter, e.g. "C"
    header: str  # as the file writes it
    value: str | None


@dataclass
class FoundRecord:
    sheet: str
    row: int  # where the record is: its row (ROWS), the row of its name (SHEETS)
    cells: dict[str, list[SourceCell]] = field(default_factory=dict)  # column key → cells
    fiche: bool = False  # read from a sheet of its own (SHEETS layout)

    def name_key(self) -> str | None:
        cells = self.cells.get("name") or []
        value = cells[0].value if cells else None
        return key(value) if value else None


@dataclass
class Found:
    records: list[FoundRecord] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)


def _where(sheet: ReadSheet) -> str:
    return f"feuille « {sheet.title} »" if sheet.title else "fichier"


def _header_row(sheet: ReadSheet) -> ReadRow | None:
    """The first row naming the activity's name column and at least one other known column."""
    for row in sheet.rows[:HEADER_ROWS]:
        keys = [column_of(cell) for cell in row.cells]
        if "name" in keys and sum(k is not None for k in keys) >= 2:
            return row
    return None


def _read_rows(sheet: ReadSheet, header: ReadRow, found: Found) -> None:
    where = _where(sheet)
    columns: dict[int, tuple[str, str]] = {}  # index → (column key, header)
    taken: dict[str, str] = {}  # field → letter of the column read for it
    for index, text in enumerate(header.cells):
        if not text:
            continue
        letter = column_letter(index)
        column_key = column_of(text)
        if column_key is None:
            found.warnings.append(
                f"{where}, colonne {letter} « {text} » : en-tête inconnu, colonne non importée"
            )
        elif column_key in DERIVED:
            continue
        elif FIELD_OF[column_key] not in LIST_FIELDS and FIELD_OF[column_key] in taken:
            found.warnings.append(
                f"{where}, colonne {letter} « {text} » : le même champ est déjà lu en colonne "
                f"{taken[FIELD_OF[column_key]]}, colonne non importée"
            )
        else:
            taken.setdefault(FIELD_OF[column_key], letter)
            columns[index] = (column_key, text)
    beyond = len(header.cells)
    for row in sheet.rows:
        if row.number <= header.number:
            continue
        record = FoundRecord(sheet=sheet.title, row=row.number)
        for index, (column_key, text) in columns.items():
            record.cells.setdefault(column_key, []).append(
                SourceCell(row.number, column_letter(index), text, row.cell(index))
            )
        stray = [i for i in range(beyond, len(row.cells)) if row.cells[i]]
        if stray:
            found.warnings.append(
                f"{where}, ligne {row.number} : {agree(len(stray), 'cellule')} "
                f"{', '.join(column_letter(i) for i in stray)} sans en-tête, "
                f"{agree(len(stray), 'non importée', 'non importées')}"
            )
        found.records.append(record)


def _read_fiche(sheet: ReadSheet, found: Found) -> bool:
    """One activity from a sheet of (label, value) lines; False when it names no activity."""
    lines = _fiche_lines(sheet)
    if not any(column_of(label) == "name" and value for _, label, value in lines):
        return False
    found.records.append(_fiche_record(sheet, lines, found))
    _warn_beyond_b(sheet, found)
    return True


def _fiche_lines(sheet: ReadSheet) -> list[tuple[ReadRow, str, str | None]]:
    """The (row, label, value) lines of a fiche; a value below, with column A empty, goes on
    the value above."""
    lines: list[tuple[ReadRow, str, str | None]] = []
    for row in sheet.rows:
        label, value = row.cell(0), row.cell(1)
        if label is None and lines and value is not None:
            first, previous_label, previous = lines[-1]
            lines[-1] = (first, previous_label, f"{previous}\n{value}" if previous else value)
        elif label is not None:
            lines.append((row, label, value))
    return lines


def _fiche_record(
    sheet: ReadSheet, lines: list[tuple[ReadRow, str, str | None]], found: Found
) -> FoundRecord:
    """The fiche's activity, its cells in column B; warnings for the lines not read."""
    where = _where(sheet)
    record = FoundRecord(sheet=sheet.title, row=0, fiche=True)
    taken: dict[str, int] = {}  # field → number of the row read for it
    for row, label, value in lines:
        column_key = column_of(label)
        if not value or column_key in DERIVED:
            continue  # a label without a value is a section title, or an empty line
        if column_key is None:
            found.warnings.append(
                f"{where}, ligne {row.number} « {label} » : intitulé inconnu, non importé"
            )
            continue
        target = FIELD_OF[column_key]
        if target not in LIST_FIELDS and target in taken:
            found.warnings.append(
                f"{where}, ligne {row.number} « {label} » : le même champ est déjà lu "
                f"ligne {taken[target]}, non importé"
            )
            continue
        taken.setdefault(target, row.number)
        if column_key == "name" and not record.row:
            record.row = row.number
        record.cells.setdefault(column_key, []).append(SourceCell(row.number, "B", label, value))
    return record


def _warn_beyond_b(sheet: ReadSheet, found: Found) -> None:
    """A fiche is read in columns A and B: the cells beyond are named (the first five)."""
    stray = [
        f"{column_letter(i)}{row.number}"
        for row in sheet.rows
        for i in range(2, len(row.cells))
        if row.cells[i]
    ]
    if stray:
        shown = ", ".join(stray[:5]) + (" …" if len(stray) > 5 else "")
        found.warnings.append(
            f"{_where(sheet)} : une fiche se lit en colonnes A (intitulé) et B (valeur) ; "
            f"cellules non importées : {shown}"
        )


def find_activities(sheets: list[ReadSheet]) -> Found:
    """The activities of a workbook, each with its cells, and what was left aside."""
    found = Found()
    for sheet in sheets:
        if not sheet.rows:
            continue
        header = _header_row(sheet)
        if header is not None:
            _read_rows(sheet, header, found)
        elif not _read_fiche(sheet, found):
            found.warnings.append(
                f"{_where(sheet)} non lue : aucune activité n'y est décrite (ni ligne "
                "d'en-têtes avec une colonne « Nom / sigle », ni fiche avec l'intitulé "
                "« Nom / sigle » en colonne A)"
            )
    _drop_index_rows(found)
    return found


def _drop_index_rows(found: Found) -> None:
    """The CNIL template lists its activities on one sheet and describes each on its own
    fiche: a listed activity that has a fiche is read from its fiche, not twice."""
    fiches = {r.name_key() for r in found.records if r.fiche}
    if not fiches:
        return
    dropped: dict[str, int] = {}
    kept = []
    for record in found.records:
        if not record.fiche and record.name_key() in fiches:
            dropped[record.sheet] = dropped.get(record.sheet, 0) + 1
        else:
            kept.append(record)
    found.records = kept
    for title, count in dropped.items():
        found.warnings.append(
            f"feuille « {title} » : {plural(count, 'ligne non lue', 'lignes non lues')}, "
            "ces activités ayant leur "
            "propre fiche (elles sont lues dans leur fiche)"
        )
