"""How a register value is written in a cell: French labels, dates in Europe/Paris, one list
item per line. Every format shows these strings, and the import reads them back
(register.imports.cells), so the two modules change together."""

from collections.abc import Iterable
from datetime import date, datetime
from enum import StrEnum

from core.clock import to_local
from core.french import agree, plural
from register.enums import RetentionUnit, label

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
    """'Vie professionnelle : 5 ans à compter de la fin du contrat — sort final : Tri'."""
    return retention_line(
        label(rule.data_category),
        rule.value,
        unit_word(rule.value, rule.unit),
        rule.start_event,
        rule.criteria,
        label(rule.final_disposition),
    )


# A retention period's unit agreeing with its count (« 1 an », « 5 ans »); the enum's label
# (« an(s) ») names the unit where no count is given, as in the form's list.
UNIT_WORDS = {
    RetentionUnit.DAY: ("jour", "jours"),
    RetentionUnit.MONTH: ("mois", "mois"),
    RetentionUnit.YEAR: ("an", "ans"),
}


def unit_word(value: int | None, unit: str | None) -> str:
    """The unit as it agrees with the value: (1, 'year') → 'an', (5, 'year') → 'ans'."""
    if value is None or unit not in UNIT_WORDS:
        return unit or ""
    return agree(value, *UNIT_WORDS[unit])


def duration(value: int | None, unit: str | None) -> str:
    """A retention period as a person reads it: (5, 'year') → '5 ans', (1, 'day') → '1 jour'."""
    if value is None:
        return ""
    if unit not in UNIT_WORDS:
        return f"{value} {unit or ''}".strip()
    return plural(value, *UNIT_WORDS[unit])


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
