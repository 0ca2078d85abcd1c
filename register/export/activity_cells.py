"""An activity as stored (one row of `activity_batches`) to the cells of the controller's
record: plain string building, no model and no validation per row.

The text is the one `register.export.cells` writes (the import reads it back): the same
labels, list separator and parts. What the stored JSON holds was validated when it was
written, so it is read as it is, with the two normalisations the API's shape would apply on
reading (lists without repeats, links sorted by id).

A register repeats itself: the same lists of categories, the same recipients and retention
rules from one activity to the next. Each JSON column's cell text is therefore kept by its
stored text, in a memo that is emptied when it grows past MEMO_SIZE, so memory stays flat.
"""

import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from enum import StrEnum
from typing import Any
from uuid import UUID

from register.activities.schemas import ActivityIn
from register.enums import (
    DPIA_CRITERIA_THRESHOLD,
    ActivityStatus,
    CollectionMethod,
    DataCategory,
    DpiaCriterion,
    FinalDisposition,
    LegalBasis,
    RecipientKind,
    SpecialCategory,
    SubjectCategory,
    TransferMechanism,
    label,
)
from register.export import cells

MEMO_SIZE = 4096


def _labels(enum: type[StrEnum]) -> dict[str, str]:
    return {member.value: label(member) for member in enum}


STATUS = _labels(ActivityStatus)
LEGAL_BASIS = _labels(LegalBasis)
COLLECTION = _labels(CollectionMethod)
DATA_CATEGORY = _labels(DataCategory)
DISPOSITION = _labels(FinalDisposition)
KIND = _labels(RecipientKind)
MECHANISM = _labels(TransferMechanism)
DPIA_CRITERION = _labels(DpiaCriterion)

# The record's "missing fields" column, in French (ActivityIn.missing_mandatory's keys).
MISSING_LABELS = {
    "purposes": "finalités",
    "legal_basis": "base légale",
    "data_subject_categories": "catégories de personnes",
    "data_categories": "catégories de données",
    "retention": "durées de conservation",
    "recipients": "destinataires",
}


class _Memo(dict):
    """Cell text by stored text, computed once per distinct value."""

    def __init__(self, shape: Callable[[Any], Any]) -> None:
        super().__init__()
        self.shape = shape

    def __missing__(self, raw):
        if len(self) >= MEMO_SIZE:
            self.clear()
        value = self[raw] = self.shape(raw)
        return value


def _loaded(raw) -> list:
    if raw is None:
        return []
    return json.loads(raw) if isinstance(raw, str) else raw


def _label_lines(labels: dict[str, str]) -> Callable[[Any], str | None]:
    # dict.fromkeys: each item once, in order, as the API's shape keeps them.
    return lambda raw: cells.lines(labels.get(v, v) for v in dict.fromkeys(_loaded(raw)))


def _purposes(raw) -> str | None:
    return cells.lines(dict.fromkeys(_loaded(raw)))


def _retention(raw) -> str | None:
    return cells.lines(
        cells.retention_line(
            DATA_CATEGORY.get(r["data_category"], r["data_category"]),
            r.get("value"),
            cells.unit_word(r.get("value"), r.get("unit")),
            r.get("start_event"),
            r.get("criteria"),
            DISPOSITION.get(r["final_disposition"], r["final_disposition"]),
        )
        for r in _loaded(raw)
    )


def _recipients(raw) -> str | None:
    return cells.lines(
        cells.recipient_line(KIND.get(r["kind"], r["kind"]), r["name"]) for r in _loaded(raw)
    )


def _transfers(raw) -> str | None:
    return cells.lines(
        cells.transfer_line(
            t["country"],
            t["recipient"],
            MECHANISM.get(t["mechanism"], t["mechanism"]) if t.get("mechanism") else "",
            t.get("safeguards_doc_url"),
        )
        for t in _loaded(raw)
    )


def _dpia(raw) -> tuple[str | None, str]:
    """The criteria's cell and whether an AIPD is required (enough distinct criteria)."""
    criteria = list(dict.fromkeys(_loaded(raw)))
    required = len(criteria) >= DPIA_CRITERIA_THRESHOLD
    shown = cells.lines(DPIA_CRITERION.get(c, c) for c in criteria)
    return shown, cells.YES if required else cells.NO


def _named_links(raw) -> str | None:
    """[[id, name], ...] as names, one per line, in the order of their ids."""
    pairs = sorted({str(i): n for i, n in _loaded(raw)}.items())
    return cells.lines(name for _, name in pairs)


def _instant(value) -> str | None:
    if value is None:
        return None
    return cells.moment(value if isinstance(value, datetime) else datetime.fromisoformat(value))


def _day(value) -> str | None:
    if value is None:
        return None
    return cells.day(value if isinstance(value, date) else date.fromisoformat(value))


def _missing(flags: tuple) -> str | None:
    purposes, legal_basis, subjects, categories, retention, recipients = flags
    holder = _Fields(
        purposes=purposes,
        legal_basis=legal_basis,
        data_subject_categories=subjects,
        data_categories=categories,
        retention=retention,
        recipients=recipients,
    )
    missing = ActivityIn.missing_mandatory(holder)  # the schema's own rule, on plain values
    return cells.lines(MISSING_LABELS.get(f, f) for f in missing)


class _Fields:
    def __init__(self, **values) -> None:
        self.__dict__.update(values)


@dataclass
class ChainCells:
    """Per convention id: the lines of its processors with their chains, of the transfers
    those chains make (register.chains.transfers), and of the items those transfers miss."""

    processors: dict[str, list[str]] = field(default_factory=dict)
    transfers: dict[str, list[str]] = field(default_factory=dict)
    missing: dict[str, list[str]] = field(default_factory=dict)


class ActivityCells:
    """Shapes the rows of one export: the controller's columns are the same on every row,
    the conventions' titles and processors are read once for the whole export."""

    def __init__(
        self,
        *,
        controller: str,
        dpo: str | None,
        convention_titles: dict[str, str],
        chains: ChainCells,
    ) -> None:
        self.controller, self.dpo = controller, dpo
        self.convention_titles, self.chains = convention_titles, chains
        self.purposes = _Memo(_purposes)
        self.special = _Memo(_label_lines(_labels(SpecialCategory)))
        self.subjects = _Memo(_label_lines(_labels(SubjectCategory)))
        self.categories = _Memo(_label_lines(DATA_CATEGORY))
        self.retention = _Memo(_retention)
        self.recipients = _Memo(_recipients)
        self.transfers = _Memo(_transfers)
        self.dpia = _Memo(_dpia)
        self.joint = _Memo(_named_links)
        self.measures = _Memo(_named_links)
        self.conventions = _Memo(self._conventions)
        self.missing = _Memo(_missing)

    def _conventions(self, raw) -> tuple[str | None, str | None, str | None, list[str]]:
        """The conventions' cell, the processors' cell, the chain's transfers' cell and the
        items those transfers miss, from the linked ids."""
        ids = sorted({str(i) for i in _loaded(raw)})
        titles = cells.lines(self.convention_titles.get(i, i) for i in ids)
        processors, transfers, missing = (
            [line for i in ids for line in lookup.get(i, ())]
            for lookup in (self.chains.processors, self.chains.transfers, self.chains.missing)
        )
        return titles, cells.lines(processors), cells.lines(transfers), missing

    def row(self, record: Sequence[Any]) -> dict[str, str | None]:
        (
            id_, created_at, updated_at, ref, name, status, description, purposes,
            legal_basis, legal_basis_detail, public_task, special, art9, art10, subjects,
            subject_details, categories, category_details, retention, recipients, transfers,
            software, collection, dpia_criteria, dpia_ref, representative, next_review,
            joint, conventions, measures,
        ) = record  # fmt: skip
        purposes_cell = self.purposes[purposes]
        subjects_cell = self.subjects[subjects]
        categories_cell = self.categories[categories]
        retention_cell = self.retention[retention]
        recipients_cell = self.recipients[recipients]
        dpia_cell, dpia_required = self.dpia[dpia_criteria]
        conventions_cell, processors_cell, chain_cell, chain_missing = self.conventions[conventions]
        missing = self.missing[
            (
                purposes_cell is not None,
                legal_basis,
                subjects_cell is not None,
                categories_cell is not None,
                retention_cell is not None,
                recipients_cell is not None,
            )
        ]
        return {
            "ref": ref or None,
            "name": name,
            "status": STATUS.get(status, status),
            "created_at": _instant(created_at),
            "updated_at": _instant(updated_at),
            "controller": self.controller,
            "dpo": self.dpo,
            "representative": representative or None,
            "joint_controllers": self.joint[joint],
            "software": software or None,
            "description": description or None,
            "purposes": purposes_cell,
            "legal_basis": LEGAL_BASIS.get(legal_basis, legal_basis),
            "legal_basis_detail": legal_basis_detail or None,
            "performed_in_public_tasks": cells.yes_no(public_task),
            "data_subject_categories": subjects_cell,
            "data_subject_details": subject_details or None,
            "data_categories": categories_cell,
            "data_category_details": category_details or None,
            "special_categories": self.special[special],
            "art9_condition": art9 or None,
            "art10_basis": art10 or None,
            "retention": retention_cell,
            "recipients": recipients_cell,
            "conventions": conventions_cell,
            "processors": processors_cell,
            "transfers": self.transfers[transfers],
            "chain_transfers": chain_cell,
            "collection_method": COLLECTION.get(collection, collection or None),
            "security_measures": self.measures[measures],
            "dpia_criteria": dpia_cell,
            "dpia_required": dpia_required,
            "dpia_ref": dpia_ref or None,
            "next_review": _day(next_review),
            "missing_fields": cells.lines([missing or "", *chain_missing]),
            "id": str(id_) if isinstance(id_, UUID) else id_,
        }
