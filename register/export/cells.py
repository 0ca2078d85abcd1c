"""How a register value is written in a cell: French labels, dates in Europe/Paris, one list
item per line. Every format shows these strings, and the import reads them back
(register.imports.cells), so the two modules change together."""

from collections.abc import Iterable
from datetime import date, datetime
from enum import StrEnum

from core.clock import to_local
from register.enums import label

LIST_SEPARATOR = "\n"
YES, NO = "Oui", "Non"
# Between the parts of one structured item (a retention rule, a transfer).
PART = " — "


def text(value: str | None) -> str | None:
    return value if value else None


def lines(items: Iterable[str]) -> str | None:
    joined = LIST_SEPARATOR.join(i for i in items if i)
    return joined or None


def labels(members: Iterable[StrEnum]) -> str | None:
    return lines(label(m) for m in members)


def enum_label(member: StrEnum | None) -> str | None:
    return label(member) if member is not None else None


def yes_no(value: bool | None) -> str | None:
    return None if value is None else (YES if value else NO)


def day(value: date | None) -> str | None:
    return value.strftime("%d/%m/%Y") if value else None


def moment(value: datetime | None) -> str | None:
    """An instant as Paris wall time: 'dd/mm/yyyy hh:mm'."""
    return to_local(value).strftime("%d/%m/%Y %H:%M") if value else None


def retention_rule(rule) -> str:
    """'Vie professionnelle : 5 an(s) à compter de la fin du contrat — sort final : Tri'."""
    parts = []
    if rule.value is not None:
        duration = f"{rule.value} {label(rule.unit)}"
        if rule.start_event:
            duration += f" à compter de {rule.start_event}"
        parts.append(duration)
    if rule.criteria:
        parts.append(f"critères : {rule.criteria}")
    parts.append(f"sort final : {label(rule.final_disposition)}")
    return f"{label(rule.data_category)} : " + PART.join(parts)


def recipient(item) -> str:
    return f"{label(item.kind)} : {item.name}"


def transfer(item) -> str:
    parts = [item.country, item.recipient, label(item.mechanism) if item.mechanism else ""]
    if item.safeguards_doc_url:
        parts.append(str(item.safeguards_doc_url))
    return PART.join(parts)
