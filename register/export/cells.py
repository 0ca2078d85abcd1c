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
    return retention_line(
        label(rule.data_category),
        rule.value,
        label(rule.unit) if rule.unit else "",
        rule.start_event,
        rule.criteria,
        label(rule.final_disposition),
    )


def retention_line(
    category: str,
    value: int | None,
    unit: str,
    start_event: str | None,
    criteria: str | None,
    disposition: str,
) -> str:
    """A retention rule from its parts, labels already in French (the export reads rules
    as stored, the import's tests as validated shapes: both write this line)."""
    parts = []
    if value is not None:
        duration = f"{value} {unit}"
        if start_event:
            duration += f" à compter de {start_event}"
        parts.append(duration)
    if criteria:
        parts.append(f"critères : {criteria}")
    parts.append(f"sort final : {disposition}")
    return f"{category} : " + PART.join(parts)


def recipient(item) -> str:
    return recipient_line(label(item.kind), item.name)


def recipient_line(kind: str, name: str) -> str:
    return f"{kind} : {name}"


def transfer(item) -> str:
    return transfer_line(
        item.country,
        item.recipient,
        label(item.mechanism) if item.mechanism else "",
        str(item.safeguards_doc_url) if item.safeguards_doc_url else None,
    )


def transfer_line(country: str, recipient: str, mechanism: str, url: str | None) -> str:
    parts = [country, recipient, mechanism]
    if url:
        parts.append(url)
    return PART.join(parts)
