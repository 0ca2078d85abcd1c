"""Import a register: every activity of a file checked, then all created or none.

The file is read (core.tabular.readers), its activities found (layout), each cell parsed
(cells), the names of joint controllers, conventions and measures resolved to the records
they name, and every activity validated as the API would (ActivityIn). Every problem of every
row is collected. With any problem nothing is written; otherwise every activity is created in
one transaction through `create_activity`, so each creation is checked again
(`_check_references`) and journaled; a failure on any row leaves nothing behind.
"""

import asyncio
import copy
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any
from uuid import UUID

from pydantic import BaseModel, ValidationError
from tortoise.exceptions import ValidationError as ModelValidationError
from tortoise.queryset import QuerySet
from tortoise.transactions import in_transaction

from core.config import get_settings
from core.errors import FieldProblem, ValidationFailed
from core.scope import Scope
from core.tabular.document import ExportFormat
from core.tabular.readers import ReadBudget, read_workbook
from core.tabular.reading import figure
from core.text import fold
from core.validation import problems_from
from core.validators import RESERVED_MESSAGE, reserved_text_path
from register.activities.models import ProcessingActivity
from register.activities.schemas import ActivityIn
from register.activities.service import create_activity
from register.conventions.models import ConventionParty
from register.conventions.partners import partner_org_ids
from register.enums import (
    CONTROLLER_ROLES,
    ActivityStatus,
    CollectionMethod,
    ConventionStatus,
    DataCategory,
    DpiaCriterion,
    FinalDisposition,
    LegalBasis,
    RecipientKind,
    RetentionUnit,
    SpecialCategory,
    SubjectCategory,
)
from register.export.records import ACTIVITY_COLUMNS
from register.imports import cells
from register.imports.layout import (
    FIELD_OF,
    HEADER_ROWS,
    LIST_FIELDS,
    Found,
    FoundRecord,
    SourceCell,
    find_activities,
)
from register.measures.models import SecurityMeasure
from register.organisations.models import Organisation
from register.organisations.service import get_organisation


class ImportProblem(BaseModel):
    """One thing that stops the import, where it is in the file."""

    sheet: str | None = None  # the tab's name ("" for a CSV)
    row: int | None = None  # 1-based, as the spreadsheet shows it
    column: str | None = None  # the letter, e.g. "M"; None when the file has no such column
    field: str | None = None  # the ActivityIn field, e.g. "legal_basis"
    header: str | None = None  # the column's header (or the fiche's label) in the file
    message: str  # French


class ImportReport(BaseModel):
    dry_run: bool
    rows_read: int = 0  # the activities found in the file
    created: int = 0
    created_ids: list[UUID] = []  # in the order of the file; empty for a dry run
    problems: list[ImportProblem] = []
    warnings: list[str] = []  # French: what was left aside (unknown columns, sheets)

    @property
    def ok(self) -> bool:
        return not self.problems


# How each column's text becomes the value of its field --------------------------------------


def _names_of(kind: RecipientKind) -> Callable[[str | None], list[dict[str, Any]]]:
    """A CNIL-template recipient line of one kind: a name per line (or "<kind> : <name>")."""

    def parse(raw: str | None) -> list[dict[str, Any]]:
        items = []
        for line in cells.split_lines(raw):
            head, colon, _ = line.partition(":")
            if colon and cells.find_member(RecipientKind, head) is not None:
                items.append(cells.recipient(line))
            else:
                items.append({"kind": kind, "name": line})
        return items

    return parse


def _enum(cls) -> Callable[[str | None], Any]:
    return lambda raw: cells.enum_value(cls, raw)


def _enums(cls) -> Callable[[str | None], Any]:
    return lambda raw: cells.enum_values(cls, raw)


PARSERS: dict[str, Callable[[str | None], Any]] = {
    "ref": cells.text,
    "name": cells.text,
    "status": _enum(ActivityStatus),
    "representative": cells.text,
    "joint_controllers": cells.split_lines,
    "software": cells.text,
    "description": cells.text,
    "purposes": cells.split_lines,
    "legal_basis": _enum(LegalBasis),
    "legal_basis_detail": cells.text,
    "performed_in_public_tasks": cells.yes_no,
    "data_subject_categories": _enums(SubjectCategory),
    "data_subject_details": cells.text,
    "data_categories": _enums(DataCategory),
    "data_category_details": cells.text,
    "special_categories": _enums(SpecialCategory),
    "art9_condition": cells.text,
    "art10_basis": cells.text,
    "retention": cells.retention_rules,
    "recipients": cells.recipients,
    "conventions": cells.split_lines,
    "transfers": cells.transfers,
    "collection_method": _enum(CollectionMethod),
    "security_measures": cells.split_lines,
    "dpia_criteria": _enums(DpiaCriterion),
    "dpia_ref": cells.text,
    "next_review": cells.day,
    **{f"recipients@{kind.value}": _names_of(kind) for kind in RecipientKind},
}
if set(PARSERS) != set(FIELD_OF):
    raise RuntimeError(f"columns without a parser: {sorted(set(PARSERS) ^ set(FIELD_OF))}")

# Columns narrower than their field in ActivityIn (a ref is stored in 64 characters): the
# database would refuse the row at write time, the import says so beforehand.
COLUMN_LIMITS = {
    name: column.max_length
    for name, column in ProcessingActivity._meta.fields_map.items()
    if name in ActivityIn.model_fields and isinstance(getattr(column, "max_length", None), int)
}
# A list cell saying there is nothing ("Non" in the CNIL template's "Transferts hors UE").
NOTHING = frozenset({"non", "aucun", "aucune", "neant", "-", "sans objet", "n/a"})
# Names resolved against the database after parsing, by the column's key.
REFERENCES = {"joint_controllers", "conventions", "security_measures"}
HEADER_OF = {c.key: c.header for c in ACTIVITY_COLUMNS}


@dataclass
class _Row:
    """One activity of the file on its way to validation."""

    found: FoundRecord
    values: dict[str, Any] = field(default_factory=dict)  # ActivityIn field → value
    # ActivityIn list field → the cell of each item, and the item's line in that cell.
    origins: dict[str, list[tuple[SourceCell, int]]] = field(default_factory=dict)
    names: dict[str, list[tuple[str, SourceCell]]] = field(default_factory=dict)
    blamed: set[str] = field(default_factory=set)  # fields already reported
    problems: list[ImportProblem] = field(default_factory=list)
    data: ActivityIn | None = None

    def cell_of(self, name: str) -> SourceCell | None:
        for column_key, found in self.found.cells.items():
            if FIELD_OF[column_key] == name and found:
                return found[0]
        return None

    def report(
        self, name: str | None, message: str, cell: SourceCell | None = None, *, blame: bool = True
    ) -> None:
        if cell is None and name is not None:
            cell = self.cell_of(name)
        self.problems.append(
            ImportProblem(
                sheet=self.found.sheet,
                row=cell.row if cell else self.found.row,
                column=cell.column if cell else None,
                field=name,
                header=cell.header if cell else None,
                message=message,
            )
        )
        if blame and name is not None:
            self.blamed.add(name)


def _parse(row: _Row) -> None:
    for column_key, found in row.found.cells.items():
        name = FIELD_OF[column_key]
        for cell in found:
            raw = cell.value
            if name in LIST_FIELDS and raw and cells.key(raw) in NOTHING and name != "purposes":
                raw = None
            try:
                value = PARSERS[column_key](raw)
            except cells.CellError as exc:
                for message in exc.messages:
                    row.report(name, message, cell)
                continue
            if reserved_text_path(value) is not None:  # the same rule as every request's
                row.report(name, RESERVED_MESSAGE, cell)
                continue
            if column_key in REFERENCES:
                row.names.setdefault(name, []).extend((item, cell) for item in value)
            elif name in LIST_FIELDS:
                row.values.setdefault(name, []).extend(value)
                row.origins.setdefault(name, []).extend((cell, i) for i in range(len(value)))
            elif value is not None:
                row.values[name] = value


# Names in the file → records in the database -------------------------------------------------


def _as_uuid(text: str) -> UUID | None:
    try:
        return UUID(text.strip())
    except ValueError:
        return None


@dataclass
class _Directory:
    """What the file's names may designate, fetched once for the whole file."""

    controller_id: UUID
    org_by_name: dict[str, set[UUID]] = field(default_factory=lambda: defaultdict(set))
    org_by_siren: dict[str, UUID] = field(default_factory=dict)
    org_ids: set[UUID] = field(default_factory=set)
    # Conventions where the body is a party: folded title → {id: the body is a controller}.
    conventions: dict[str, dict[UUID, bool]] = field(default_factory=lambda: defaultdict(dict))
    convention_roles: dict[UUID, bool] = field(default_factory=dict)
    convention_parties: dict[UUID, set[UUID]] = field(default_factory=lambda: defaultdict(set))
    measures: dict[str, dict[UUID, UUID]] = field(default_factory=lambda: defaultdict(dict))
    measure_owner: dict[UUID, UUID] = field(default_factory=dict)
    # Conventions of the body not in force (proposed, refused): folded titles and ids.
    pending: set[str | UUID] = field(default_factory=set)
    scope: Scope = field(default_factory=Scope.everything)


async def _directory(scope: Scope, controller_id: UUID, rows: list[_Row]) -> _Directory:
    """Names resolve only among what the caller may name: bodies among theirs and their
    partners (a convention in force binds them), conventions in force of the controller,
    measures of the controller and of its conventions' parties, or of the caller's bodies.
    Anything else is not in the directory, so it answers as a name nobody bears."""
    directory = _Directory(controller_id, scope=scope)
    org_names = _names_in(rows, "joint_controller_ids")
    if org_names:
        await _add_orgs(directory, org_names)
    await _add_conventions(directory)
    if _names_in(rows, "security_measure_ids"):
        await _add_measures(directory)
    return directory


def _names_in(rows: list[_Row], name: str) -> set[str]:
    """Every name the file gives for one reference field."""
    return {item for row in rows for item, _ in row.names.get(name, [])}


def _org_queries(org_names: set[str]) -> list[QuerySet[Organisation]]:
    """A name is a legal name, a SIREN or an id: by legal name always, by SIREN and by id only
    when some name has that form."""
    folded = {fold(n.strip()) for n in org_names}
    sirens = {n.replace(" ", "") for n in org_names if n.replace(" ", "").isdigit()}
    ids = {i for n in org_names if (i := _as_uuid(n))}
    queries = [Organisation.filter(name_folded__in=list(folded))]
    if sirens:
        queries.append(Organisation.filter(siren__in=list(sirens)))
    if ids:
        queries.append(Organisation.filter(id__in=list(ids)))
    return queries


async def _add_orgs(directory: _Directory, org_names: set[str]) -> None:
    """The bodies the names may designate, among the caller's and their partners."""
    partners = await partner_org_ids(directory.scope)
    for query in _org_queries(org_names):
        if partners is not None:
            query = query.filter(id__in=list(partners))
        for org_id, legal_name, siren in await query.values_list("id", "legal_name", "siren"):
            directory.org_by_name[fold(legal_name)].add(org_id)
            directory.org_ids.add(org_id)
            if siren:
                directory.org_by_siren[siren] = org_id


async def _add_conventions(directory: _Directory) -> None:
    """The controller's conventions (in force, or pending to say so), and their parties."""
    parties = await ConventionParty.filter(
        organisation_id=directory.controller_id
    ).prefetch_related("convention")
    for party in parties:
        conv = party.convention
        if conv.status != ConventionStatus.IN_FORCE:
            directory.pending |= {conv.id, fold(conv.title)}
            continue
        # The body may be a party twice: a controller under either role is one.
        is_controller = (
            directory.convention_roles.get(conv.id, False) or party.role in CONTROLLER_ROLES
        )
        directory.convention_roles[conv.id] = is_controller
        directory.conventions[fold(conv.title)][conv.id] = is_controller
    if directory.convention_roles:
        for convention_id, org_id in await ConventionParty.filter(
            convention_id__in=list(directory.convention_roles)
        ).values_list("convention_id", "organisation_id"):
            directory.convention_parties[convention_id].add(org_id)


async def _add_measures(directory: _Directory) -> None:
    """The measures of the controller, of its conventions' parties and of the caller's bodies.
    Needs the conventions' parties: after `_add_conventions`."""
    owners = {directory.controller_id}
    owners |= {o for s in directory.convention_parties.values() for o in s}
    if not directory.scope.is_unrestricted:
        # Theirs: "foreign to this record" says no more.
        owners |= set(directory.scope.org_ids or ())
    measures = SecurityMeasure.filter(organisation_id__in=list(owners))
    for measure_id, title, owner in await measures.values_list("id", "title", "organisation_id"):
        directory.measures[fold(title)][measure_id] = owner
        directory.measure_owner[measure_id] = owner


def _resolve_orgs(row: _Row, directory: _Directory) -> list[UUID]:
    resolved = []
    for item, cell in row.names.get("joint_controller_ids", []):
        as_id = _as_uuid(item)
        compact = item.replace(" ", "")
        if as_id is not None:
            found = {as_id} & directory.org_ids
        elif compact.isdigit() and len(compact) == 9:
            found = (
                {directory.org_by_siren[compact]} if compact in directory.org_by_siren else set()
            )
        else:
            found = directory.org_by_name.get(fold(item.strip()), set())
        if len(found) == 1:
            resolved.append(next(iter(found)))
        elif found:
            row.report(
                "joint_controller_ids",
                f"plusieurs organismes s'appellent « {item} » : indiquez plutôt son SIREN",
                cell,
            )
        else:
            row.report(
                "joint_controller_ids",
                f"« {item} » : organisme inconnu (indiquez sa raison sociale exacte ou son SIREN ; "
                "un organisme qui n'existe pas encore se crée avant l'import)",
                cell,
            )
    return resolved


def _resolve_conventions(row: _Row, directory: _Directory) -> list[UUID]:
    resolved = []
    for item, cell in row.names.get("convention_ids", []):
        as_id = _as_uuid(item)
        if as_id is not None:
            found = (
                {as_id: directory.convention_roles[as_id]}
                if as_id in directory.convention_roles
                else {}
            )
        else:
            found = directory.conventions.get(fold(item.strip()), {})
        as_controller = [i for i, is_controller in found.items() if is_controller]
        if len(as_controller) == 1:
            resolved.append(as_controller[0])
        elif as_controller:
            row.report(
                "convention_ids",
                f"plusieurs conventions s'intitulent « {item} » : donnez-leur des titres "
                "distincts avant l'import",
                cell,
            )
        elif found:
            row.report(
                "convention_ids",
                f"« {item} » : le responsable de traitement n'est pas responsable dans cette "
                "convention",
                cell,
            )
        elif (as_id or fold(item.strip())) in directory.pending:
            row.report(
                "convention_ids",
                f"« {item} » : la convention n'est pas en vigueur (toutes ses parties ne l'ont "
                "pas encore acceptée)",
                cell,
            )
        else:
            row.report("convention_ids", f"« {item} » : convention inconnue", cell)
    return resolved


def _resolve_measures(row: _Row, directory: _Directory, conventions: list[UUID]) -> list[UUID]:
    allowed = _measure_owners(directory, conventions)
    resolved = []
    for item, cell in row.names.get("security_measure_ids", []):
        found = _measures_named(directory, item)
        usable = {i: owner for i, owner in found.items() if owner in allowed}
        own = [i for i, owner in usable.items() if owner == directory.controller_id]
        if len(usable) == 1 or len(own) == 1:
            resolved.append(own[0] if len(own) == 1 else next(iter(usable)))
        else:
            row.report(
                "security_measure_ids", _measure_problem(item, found, usable, directory), cell
            )
    return resolved


def _measure_owners(directory: _Directory, conventions: list[UUID]) -> set[UUID]:
    """Whose measures a row may use: the controller's, and those of its conventions' parties."""
    allowed = {directory.controller_id}
    for convention_id in conventions:
        allowed |= directory.convention_parties.get(convention_id, set())
    return allowed


def _measures_named(directory: _Directory, item: str) -> dict[UUID, UUID]:
    """The measures a name designates (an id or a title), each with its owner."""
    as_id = _as_uuid(item)
    if as_id is None:
        return directory.measures.get(fold(item.strip()), {})
    return {as_id: directory.measure_owner[as_id]} if as_id in directory.measure_owner else {}


def _measure_problem(
    item: str, found: dict[UUID, UUID], usable: dict[UUID, UUID], directory: _Directory
) -> str:
    """Why a measure's name resolves to none of the row's measures, or to several."""
    if usable:
        return (
            f"plusieurs mesures de sécurité s'intitulent « {item} » : donnez-leur des "
            "titres distincts avant l'import"
        )
    # A partner's measure foreign to this row is not the caller's to see: unknown.
    if any(directory.scope.allows(owner) for owner in found.values()):
        return f"« {item} » : la mesure appartient à un organisme étranger à ce traitement"
    return f"« {item} » : mesure de sécurité inconnue"


def _resolve(row: _Row, directory: _Directory) -> None:
    for name, resolved in (
        ("joint_controller_ids", _resolve_orgs(row, directory)),
        ("convention_ids", _resolve_conventions(row, directory)),
    ):
        if name not in row.blamed:
            row.values[name] = resolved
    if "security_measure_ids" not in row.names:
        return
    measures = _resolve_measures(row, directory, row.values.get("convention_ids", []))
    if "security_measure_ids" not in row.blamed:
        row.values["security_measure_ids"] = measures


# Validation: every problem of the row, not only the first ---------------------------------


# Stand-ins that depend on no other field.
FIXED_FILLERS: dict[str, Any] = {
    "name": "…",
    "purposes": ["…"],
    "legal_basis": LegalBasis.PUBLIC_TASK,
    "performed_in_public_tasks": False,
    "data_subject_categories": [SubjectCategory.OTHER],
    "recipients": [{"kind": RecipientKind.INTERNAL, "name": "…"}],
    "art9_condition": "…",
    "art10_basis": "…",
}


def _filler(name: str, values: dict[str, Any]) -> Any:
    """A valid stand-in for a field already reported, so that validation goes on to the
    next rule (ActivityIn's whole-record rules stop at their first failure) without
    reporting consequences of the same mistake (a bad legal basis is not also missing).
    None for a field whose default will do."""
    if name == "data_categories":
        return _categories_filler(values)
    if name == "retention":
        return _retention_filler(values)
    return copy.deepcopy(FIXED_FILLERS.get(name))  # a row's values never share a list


def _categories_filler(values: dict[str, Any]) -> list[DataCategory]:
    """The categories the retention rules name, so that no rule is refused for its category."""
    used = [
        r.get("data_category")
        for r in values.get("retention") or []
        if isinstance(r, dict) and isinstance(r.get("data_category"), DataCategory)
    ]
    return list(dict.fromkeys(used)) or [DataCategory.OTHER]


def _retention_filler(values: dict[str, Any]) -> list[dict[str, Any]]:
    """One rule, on a category the row has: retention is neither missing nor refused."""
    categories = [c for c in values.get("data_categories") or [] if isinstance(c, DataCategory)]
    return [
        {
            "data_category": categories[0] if categories else DataCategory.OTHER,
            "value": 1,
            "unit": RetentionUnit.YEAR,
            "final_disposition": FinalDisposition.DESTRUCTION,
        }
    ]


def _stand_in(name: str, values: dict[str, Any]) -> None:
    filler = _filler(name, values)
    if filler is None:
        values.pop(name, None)
    else:
        values[name] = filler


def _problem_cell(row: _Row, problem: FieldProblem) -> tuple[SourceCell | None, str]:
    """The cell a validation problem is about, and its message (naming the line of the cell
    when the cell holds several items)."""
    name = str(problem.loc[0])
    if len(problem.loc) > 1 and isinstance(problem.loc[1], int):
        origins = row.origins.get(name, [])
        if problem.loc[1] < len(origins):
            cell, line = origins[problem.loc[1]]
            lines_in_cell = sum(1 for c, _ in origins if c is cell)
            prefix = f"ligne {line + 1} : " if lines_in_cell > 1 else ""
            return cell, prefix + problem.msg
    return row.cell_of(name), problem.msg


def _validate(row: _Row, controller_id: UUID) -> None:
    values = {**row.values, "controller_id": controller_id}
    _stand_in_all(row.blamed, values)
    # Until valid, standing in for what each round refused; the fields bound the rounds.
    for _ in range(len(ActivityIn.model_fields) + 1):
        try:
            data = ActivityIn.model_validate(values)
        except ValidationError as exc:
            failed = _report_invalid(row, problems_from(exc))
            if not failed:
                return
            _stand_in_all(failed, values)
            continue
        _check_lengths(row, data)
        if not row.problems:
            row.data = data
        return


def _stand_in_all(names: set[str], values: dict[str, Any]) -> None:
    for name in sorted(names, key=lambda n: n == "retention"):  # retention reads the rest
        _stand_in(name, values)


def _report_invalid(row: _Row, problems: list[FieldProblem]) -> set[str]:
    """Report what validation refused, but for the fields already reported; the fields it
    refused, now blamed."""
    failed = {str(p.loc[0]) for p in problems if p.loc}
    for problem in problems:
        name = str(problem.loc[0]) if problem.loc else None
        if name not in row.blamed:
            cell, message = _problem_cell(row, problem) if name else (None, problem.msg)
            row.report(name, message, cell, blame=False)
    row.blamed |= failed
    return failed


def _check_lengths(row: _Row, data: ActivityIn) -> None:
    for name, limit in COLUMN_LIMITS.items():
        value = getattr(data, name)
        if type(value) is str and len(value) > limit:
            row.report(name, f"trop long (au plus {limit} caractères)")


async def _check_refs(rows: list[_Row], controller_id: UUID) -> None:
    """A ref names one activity of the body: not twice in the file, not one already kept."""
    existing = {
        cells.key(ref)
        for ref in await ProcessingActivity.filter(
            controller_id=controller_id, ref__not_isnull=True
        ).values_list("ref", flat=True)
        if ref
    }
    # Without a ref, a name the body already uses is the same file imported twice, most often.
    names = {
        cells.key(name)
        for name in await ProcessingActivity.filter(controller_id=controller_id).values_list(
            "name", flat=True
        )
    }
    first_seen: dict[str, _Row] = {}
    for row in rows:
        ref = row.values.get("ref")
        if not isinstance(ref, str) or not ref.strip():
            name = row.values.get("name")
            if isinstance(name, str) and cells.key(name) in names:
                row.report(
                    "name",
                    f"l'organisme a déjà une activité « {name} » : donnez une référence (N° / "
                    "Réf.) qui les distingue, ou retirez la ligne",
                )
            continue
        folded = cells.key(ref)
        if folded in existing:
            row.report(
                "ref", f"la référence « {ref} » est déjà celle d'une activité de l'organisme"
            )
        elif folded in first_seen:
            earlier = first_seen[folded].found
            where = (
                f"ligne {earlier.row}"
                if earlier.sheet == row.found.sheet
                else (f"feuille « {earlier.sheet} », ligne {earlier.row}")
            )
            row.report("ref", f"la référence « {ref} » figure déjà {where} du fichier")
        else:
            first_seen[folded] = row


# The import -----------------------------------------------------------------------------------


def _position(problem: ImportProblem) -> tuple[int, int, str]:
    """Row, then column left to right; a problem with no column after the row's cells."""
    column = problem.column or "~"
    return (problem.row or 0, len(column) if problem.column else 99, column)


async def import_activities(
    *, scope: Scope, organisation_id: UUID, data: bytes, fmt: ExportFormat, dry_run: bool
) -> ImportReport:
    """Read the activities of a register file and create them for `organisation_id`.

    `scope` must allow editing the organisation's register (NotFound otherwise). A file that
    is not a readable CSV, XLSX or ODS raises ValidationFailed on "file". Every row is
    checked; with any problem, or for a dry run, nothing is written and the report lists
    every problem with its sheet, row, column and field. Otherwise every activity is created
    in one transaction (the "Responsable du traitement" column is not read: the activities
    are the organisation's), each journaled as a creation; an error on any row, whatever it
    is, leaves nothing written.
    """
    org = await get_organisation(scope=scope, organisation_id=organisation_id)
    settings = get_settings()
    # The limit counts activities: each sheet may hold its titles and header row over it.
    budget = ReadBudget(
        max_rows=settings.import_max_rows,
        seconds=settings.import_timeout_seconds,
        header_rows=HEADER_ROWS,
    )
    # Reading and checking run off the event loop (the other requests go on being served),
    # within the budget's rows and time.
    sheets = await asyncio.to_thread(read_workbook, data, fmt, budget)
    found = await asyncio.to_thread(find_activities, sheets)
    _within_limit(found, settings.import_max_rows)
    report = ImportReport(dry_run=dry_run, rows_read=len(found.records), warnings=found.warnings)
    if not found.records:
        report.problems.append(_nothing_found())
        return report
    rows = await _checked_rows(scope, org.id, found.records, budget)
    for row in rows:
        report.problems += sorted(row.problems, key=_position)
    if report.problems or dry_run:
        return report
    await _create_all(scope, rows, report)
    return report


def _within_limit(found: Found, max_rows: int) -> None:
    """The exact count, once the header rows are known: at most `max_rows` activities (the
    reader let each sheet hold its header rows over the limit, not knowing which they were)."""
    if len(found.records) > max_rows:
        raise ValidationFailed.one(
            "file",
            msg=f"le fichier décrit {figure(len(found.records))} activités : un import en "
            f"accepte au plus {figure(max_rows)} (réglage RGPD_IMPORT_MAX_ROWS) ; "
            "découpez-le en plusieurs fichiers",
        )


def _nothing_found() -> ImportProblem:
    return ImportProblem(
        message="aucune activité trouvée : attendu une ligne d'en-têtes (dont "
        f"« {HEADER_OF['name']} ») suivie d'une activité par ligne, ou une fiche par "
        "feuille avec les intitulés en colonne A et les valeurs en colonne B"
    )


async def _checked_rows(
    scope: Scope, controller_id: UUID, records: list[FoundRecord], budget: ReadBudget
) -> list[_Row]:
    """Every record parsed, its names resolved, its ref checked and the whole validated; the
    rows carry their problems, and their ActivityIn when they have none. The parsing and the
    validation run in a worker thread, each row within the budget's time."""
    rows = [_Row(found=record) for record in records]
    await asyncio.to_thread(_each_row, rows, _parse, budget)
    directory = await _directory(scope, controller_id, rows)
    for row in rows:
        _resolve(row, directory)
    await _check_refs(rows, controller_id)
    await asyncio.to_thread(_each_row, rows, lambda row: _validate(row, controller_id), budget)
    return rows


def _each_row(rows: list[_Row], work: Callable[[_Row], None], budget: ReadBudget) -> None:
    for row in rows:
        budget.check_time()
        work(row)


async def _create_all(scope: Scope, rows: list[_Row], report: ImportReport) -> None:
    """Every row's activity created in one transaction, or, when a row is refused at write
    time, none and that row's problems in the report. Any other error propagates."""
    current: _Row | None = None
    created: list[UUID] = []
    try:
        async with in_transaction():
            for current in rows:
                assert current.data is not None
                created.append((await create_activity(scope=scope, data=current.data)).id)
    except (ValidationFailed, ModelValidationError) as exc:
        # A rule the checks above do not know, or a record changed since: nothing is kept.
        assert current is not None
        _report_refusal(current, exc)
        report.problems += current.problems
        return
    report.created = len(created)
    report.created_ids = created


def _report_refusal(row: _Row, exc: ValidationFailed | ModelValidationError) -> None:
    if isinstance(exc, ValidationFailed):
        for problem in exc.problems:
            loc = tuple(p for p in problem.loc if p != "body")
            row.report(str(loc[0]) if loc else None, problem.msg)
    else:  # a column's own limit: "name: Length of 'x' 301 > 300"
        name, _, _ = str(exc).partition(":")
        row.report(name if name in ActivityIn.model_fields else None, "valeur refusée")
