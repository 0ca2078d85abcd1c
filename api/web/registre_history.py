"""An activity's history on its record sheet: the fields an update changed, before and after,
as a person reads them (names for ids, French labels for choices, days as dd/mm/yyyy)."""

from datetime import date
from typing import Any
from uuid import UUID

from api.web.registre_form import FIELD_LABELS
from core.audit.trail import digest_of
from register.enums import (
    ActivityStatus,
    CollectionMethod,
    DataCategory,
    DpiaCriterion,
    FinalDisposition,
    LegalBasis,
    RecipientKind,
    RetentionUnit,
    SpecialCategory,
    SubjectCategory,
    TransferMechanism,
    label,
)

ENUMS = {
    "status": ActivityStatus,
    "legal_basis": LegalBasis,
    "collection_method": CollectionMethod,
    "data_subject_categories": SubjectCategory,
    "data_categories": DataCategory,
    "special_categories": SpecialCategory,
    "dpia_criteria": DpiaCriterion,
}
NOT_SHOWN_IN_HISTORY = frozenset({"version", "updated_at", "id", "created_at"})


def choice_label(enum_cls, value: Any) -> str:
    try:
        return label(enum_cls(value))
    except ValueError:
        return str(value)


def _day(value: str) -> str:
    try:
        return date.fromisoformat(value).strftime("%d/%m/%Y")
    except ValueError:
        return value


def _name(names: dict[UUID, str], value: Any) -> str:
    try:
        return names.get(UUID(str(value))) or f"élément supprimé ({str(value)[:8]})"
    except ValueError:
        return str(value)


def retention_text(row: dict[str, Any]) -> str:
    parts = [choice_label(DataCategory, row.get("data_category")) + " :"]
    if row.get("value") is not None and row.get("unit"):
        parts.append(f"{row['value']} {choice_label(RetentionUnit, row['unit'])}")
    if row.get("start_event"):
        parts.append(f"à compter de : {row['start_event']}")
    if row.get("criteria"):
        parts.append(f"critères : {row['criteria']}")
    if row.get("final_disposition"):
        parts.append(f"puis {choice_label(FinalDisposition, row['final_disposition']).lower()}")
    return " ".join(parts)


def recipient_text(row: dict[str, Any]) -> str:
    return f"{choice_label(RecipientKind, row.get('kind'))} : {row.get('name') or ''}"


def transfer_text(row: dict[str, Any]) -> str:
    text = f"{row.get('country') or ''} — {row.get('recipient') or ''}"
    if row.get("mechanism"):
        text += f" ({choice_label(TransferMechanism, row['mechanism'])})"
    if row.get("safeguards_doc_url"):
        text += f", garanties : {row['safeguards_doc_url']}"
    return text


ROW_TEXTS = {"retention": retention_text, "recipients": recipient_text, "transfers": transfer_text}


def _plain_value(value: Any) -> str | None:
    """The words for an empty, protected or yes/no value; None for any other."""
    if value is None or value == "" or value == []:
        return "(vide)"
    if digest_of(value) is not None:
        return "(valeur protégée)"
    if isinstance(value, bool):
        return "oui" if value else "non"
    return None


def _linked_value(field: str, value: Any, names) -> str | None:
    """The names of the bodies, conventions or measures a field links to; None for any other."""
    if field == "controller_id":
        return _name(names.organisations, value)
    lookup = {
        "joint_controller_ids": names.organisations,
        "convention_ids": names.conventions,
        "security_measure_ids": names.measures,
    }
    if field in lookup and isinstance(value, list):
        return ", ".join(_name(lookup[field], v) for v in value)
    return None


def _field_value(field: str, value: Any, names) -> str | None:
    """The words for a field whose values are choices, names or rows; None for any other."""
    if field in ENUMS:
        items = value if isinstance(value, list) else [value]
        return ", ".join(choice_label(ENUMS[field], v) for v in items)
    linked = _linked_value(field, value, names)
    if linked is not None:
        return linked
    if field in ROW_TEXTS and isinstance(value, list):
        return " ; ".join(ROW_TEXTS[field](row) for row in value if isinstance(row, dict))
    if field == "next_review" and isinstance(value, str):
        return _day(value)
    return None


def history_value(field: str, value: Any, names) -> str:
    """A journaled value as a person reads it (names: a register.activities.links.LinkedNames)."""
    for words in (_plain_value(value), _field_value(field, value, names)):
        if words is not None:
            return words
    if isinstance(value, list):
        return " ; ".join(str(v) for v in value)
    return str(value)


def history_changes(event, names) -> list[dict[str, str]]:
    """The fields an update changed: [{field, before, after}] in French, form order."""
    before = event.before if isinstance(event.before, dict) else {}
    after = event.after if isinstance(event.after, dict) else {}
    order = list(FIELD_LABELS)
    keys = sorted(
        (k for k in before.keys() | after.keys() if k not in NOT_SHOWN_IN_HISTORY),
        key=lambda k: (order.index(k) if k in order else len(order), k),
    )
    return [
        {
            "field": FIELD_LABELS.get(key, key),
            "before": history_value(key, before.get(key), names),
            "after": history_value(key, after.get(key), names),
        }
        for key in keys
    ]


def ids_in_events(events, field: str) -> set[str]:
    """Every id a list (or single id) field held in these events, before or after."""
    found: set[str] = set()
    for event in events:
        for side in (event.before, event.after):
            if not isinstance(side, dict):
                continue
            value = side.get(field)
            if isinstance(value, list):
                found |= {str(v) for v in value}
            elif value:
                found.add(str(value))
    return found
