"""How a cell's text is read back into a register value: the inverse of register.export.cells.

Every parser takes the text of one cell and gives the value ActivityIn expects (enum members,
lists, dicts for the structured items), or raises CellError with one French message per thing
it could not read, saying what was expected. What the parsers leave to ActivityIn (a text too
long, a retention rule with a value but no unit, a transfer inside the EEA) is reported by its
validation, blamed on the same cell.

Labels are matched without regard to case, accents or spacing (core.text.fold): the exact label
of the export, the enum value itself ("public_task"), and the label without its trailing
reference in brackets when that is unambiguous ("Mission d'intérêt public" for "Mission
d'intérêt public (art. 6.1.e)", "ans" for "an(s)").
"""

import re
from collections.abc import Callable
from datetime import date, datetime
from enum import StrEnum
from functools import cache, lru_cache
from typing import Any, TypeVar

from core.text import fold
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
from register.export.cells import LIST_SEPARATOR, NO, YES

E = TypeVar("E", bound=StrEnum)
T = TypeVar("T")


class CellError(ValueError):
    """A cell that cannot be read: one French message per problem, saying what was expected."""

    def __init__(self, messages: str | list[str]):
        self.messages = [messages] if isinstance(messages, str) else list(messages)
        super().__init__(" ; ".join(self.messages))


# How a message names each list: "« Annuel » n'est pas une base légale connue ; …".
NOUNS: dict[type[StrEnum], str] = {
    ActivityStatus: "un statut de fiche connu",
    LegalBasis: "une base légale connue",
    DataCategory: "une catégorie de données connue",
    SpecialCategory: "une catégorie de données sensibles connue",
    SubjectCategory: "une catégorie de personnes connue",
    RetentionUnit: "une unité de durée connue",
    FinalDisposition: "un sort final connu",
    RecipientKind: "un type de destinataire connu",
    TransferMechanism: "un mécanisme de transfert connu",
    CollectionMethod: "un mode de collecte connu",
    DpiaCriterion: "un critère d'analyse d'impact connu",
}

# What people type besides the labels (the CNIL template writes durations in plain words).
ALIASES: dict[type[StrEnum], dict[str, StrEnum]] = {
    DataCategory: {
        "état civil": DataCategory.CIVIL_STATUS,
        "état-civil": DataCategory.CIVIL_STATUS,
        "identité": DataCategory.CIVIL_STATUS,
    },
    SpecialCategory: {
        "NIR": SpecialCategory.NIR,
        "numéro de sécurité sociale": SpecialCategory.NIR,
    },
    RetentionUnit: {
        "jour": RetentionUnit.DAY,
        "jours": RetentionUnit.DAY,
        "j": RetentionUnit.DAY,
        "an": RetentionUnit.YEAR,
        "ans": RetentionUnit.YEAR,
        "année": RetentionUnit.YEAR,
        "années": RetentionUnit.YEAR,
        "année(s)": RetentionUnit.YEAR,
    },
}

TRUE_WORDS = frozenset({fold(YES), "vrai", "1", "x", "yes", "true"})
FALSE_WORDS = frozenset({fold(NO), "faux", "0", "no", "false"})

_BRACKETED_TAIL = re.compile(r"\s*\([^()]*\)\s*$")
_APOSTROPHES = str.maketrans({"’": "'", "ʼ": "'", "‘": "'"})


@lru_cache(maxsize=4096)
def key(text: str) -> str:
    """The form two labels are compared in: folded, apostrophes straightened, one space."""
    return " ".join(fold(text.translate(_APOSTROPHES)).split())


@cache
def _lookup(cls: type[StrEnum]) -> dict[str, StrEnum]:
    table: dict[str, StrEnum] = {}
    for member in cls:
        table[key(label(member))] = member
        table[key(member.value)] = member
    shortened: dict[str, set[StrEnum]] = {}
    for member in cls:
        bare = _BRACKETED_TAIL.sub("", label(member))
        if bare and bare != label(member):
            shortened.setdefault(key(bare), set()).add(member)
    for bare, members in shortened.items():
        if len(members) == 1 and bare not in table:
            table[bare] = next(iter(members))
    for alias, member in ALIASES.get(cls, {}).items():
        table.setdefault(key(alias), member)
    return table


def choices(cls: type[StrEnum]) -> str:
    return ", ".join(f"« {label(m)} »" for m in cls)


def find_member(cls: type[E], raw: str) -> E | None:
    """The member whose label or value `raw` is, or None."""
    return _lookup(cls).get(key(raw))  # type: ignore[return-value]


def member(cls: type[E], raw: str) -> E:
    found = find_member(cls, raw)
    if found is None:
        raise CellError(
            f"« {raw.strip()} » n'est pas {NOUNS.get(cls, 'une valeur connue')} ; "
            f"valeurs possibles : {choices(cls)}"
        )
    return found


# Plain cells -------------------------------------------------------------------------------


def text(raw: str | None) -> str | None:
    if raw is None:
        return None
    return raw.strip() or None


def split_lines(raw: str | None) -> list[str]:
    """One item per line, each stripped, blank lines left out."""
    if not raw:
        return []
    normalised = raw.replace("\r\n", LIST_SEPARATOR).replace("\r", LIST_SEPARATOR)
    return [line.strip() for line in normalised.split(LIST_SEPARATOR) if line.strip()]


def enum_value(cls: type[E], raw: str | None) -> E | None:
    value = text(raw)
    return None if value is None else member(cls, value)


def enum_values(cls: type[E], raw: str | None) -> list[E]:
    return each(split_lines(raw), lambda line: member(cls, line))


def yes_no(raw: str | None) -> bool | None:
    value = text(raw)
    if value is None:
        return None
    folded = key(value)
    if folded in TRUE_WORDS:
        return True
    if folded in FALSE_WORDS:
        return False
    raise CellError(f"« {value} » : attendu « {YES} » ou « {NO} »")


_ISO_MIDNIGHT = re.compile(r"^(\d{4}-\d{2}-\d{2})[T ]00:00(?::00(?:\.0+)?)?$")


def day(raw: str | None) -> date | None:
    """dd/mm/yyyy as exported, or yyyy-mm-dd (ISO, what a spreadsheet's date cell reads as)."""
    value = text(raw)
    if value is None:
        return None
    midnight = _ISO_MIDNIGHT.match(value)
    candidate = midnight.group(1) if midnight else value
    for pattern in ("%d/%m/%Y", "%Y-%m-%d"):
        try:
            return datetime.strptime(candidate, pattern).date()
        except ValueError:
            continue
    raise CellError(
        f"« {value} » n'est pas une date valide ; attendu JJ/MM/AAAA (par exemple 31/12/2026) "
        "ou AAAA-MM-JJ"
    )


def each(items: list[str], parse: Callable[[str], T]) -> list[T]:
    """Parse every item of a cell, collecting every failure; with several items, each
    message says which line of the cell it is about."""
    values: list[T] = []
    messages: list[str] = []
    for index, item in enumerate(items, start=1):
        try:
            values.append(parse(item))
        except CellError as exc:
            prefix = f"ligne {index} : " if len(items) > 1 else ""
            messages += [prefix + m for m in exc.messages]
    if messages:
        raise CellError(messages)
    return values


# Retention rules ----------------------------------------------------------------------------

RETENTION_FORMAT = (
    "attendu « <catégorie de données> : <durée> [à compter de <événement>] — critères : "
    "<critères> — sort final : <sort> », la durée ou les critères pouvant manquer "
    "(par exemple « Vie professionnelle : 5 ans à compter de la fin du contrat — "
    "sort final : Tri »)"
)
_DASH = r"[—–-]"
# The "sort final" that ends a rule: the last one, since criteria are free text.
_FINAL_MARK = re.compile(rf"(?:^|\s+{_DASH}\s*)sort\s+final\s*:\s*", re.I)
_CRITERIA_ONLY = re.compile(r"^crit[eè]res\s*:\s*(?P<criteria>.*)$", re.I | re.S)
_CRITERIA_AFTER = re.compile(rf"\s+{_DASH}\s*crit[eè]res\s*:\s*", re.I)
_DURATION = re.compile(
    r"^(?P<value>\d+)\s*(?P<unit>.+?)(?:\s+[àa]\s+compter\s+de\s+(?P<start>.+))?$", re.I | re.S
)


def _split_final(rest: str) -> tuple[str, str] | None:
    """(what comes before "— sort final :", the disposition), or None without one."""
    matches = list(_FINAL_MARK.finditer(rest))
    if not matches:
        return None
    return rest[: matches[-1].start()], rest[matches[-1].end() :]


def _starts_rule(line: str) -> bool:
    head, colon, _ = line.partition(":")
    return bool(colon) and find_member(DataCategory, head) is not None


def _complete(item: str) -> bool:
    found = _split_final(item.partition(":")[2].strip())
    return found is not None and bool(found[1].strip())


def retention_items(raw: str | None) -> list[str]:
    """The rules of a cell, one per line; a rule whose criteria span several lines (they
    are free text) goes on until its "sort final"."""
    if not raw:
        return []
    items: list[str] = []
    normalised = raw.replace("\r\n", "\n").replace("\r", "\n")
    for line in normalised.split("\n"):
        if items and not _complete(items[-1]) and not _starts_rule(line):
            items[-1] += "\n" + line
        elif line.strip():
            items.append(line)
    return [item.strip() for item in items]


def retention_rule(line: str) -> dict[str, Any]:
    head, colon, rest = line.partition(":")
    if not colon:
        raise CellError(f"« {line} » : {RETENTION_FORMAT}")
    messages: list[str] = []
    rule: dict[str, Any] = {}
    try:
        rule["data_category"] = member(DataCategory, head)
    except CellError as exc:
        messages += exc.messages
    found = _split_final(rest.strip())
    if found is None:
        raise CellError([*messages, f"sort final manquant dans « {line} » : {RETENTION_FORMAT}"])
    body, final = found
    try:
        rule["final_disposition"] = member(FinalDisposition, final)
    except CellError as exc:
        messages += exc.messages
    body = body.strip()
    criteria_only = _CRITERIA_ONLY.match(body)
    if criteria_only:
        duration, criteria = "", criteria_only.group("criteria")
    else:
        parts = _CRITERIA_AFTER.split(body, maxsplit=1)
        duration, criteria = parts[0], parts[1] if len(parts) > 1 else ""
    rule["criteria"] = criteria.strip() or None
    duration = duration.strip()
    if duration:
        matched = _DURATION.match(duration)
        if matched is None:
            messages.append(
                f"durée illisible « {duration} » : attendu un nombre et une unité "
                f"({choices(RetentionUnit)}), par exemple « 5 ans » ou « 6 mois », "
                "éventuellement suivis de « à compter de … »"
            )
        else:
            rule["value"] = int(matched.group("value"))
            rule["start_event"] = text(matched.group("start"))
            try:
                rule["unit"] = member(RetentionUnit, matched.group("unit"))
            except CellError as exc:
                messages += exc.messages
    if messages:
        raise CellError(messages)
    return rule


def retention_rules(raw: str | None) -> list[dict[str, Any]]:
    return each(retention_items(raw), retention_rule)


# Recipients and transfers -------------------------------------------------------------------


def recipient(line: str) -> dict[str, Any]:
    kind, colon, name = line.partition(":")
    if not colon:
        raise CellError(
            f"« {line} » : attendu « <type de destinataire> : <nom> » (par exemple "
            f"« Service interne : Service population ») ; types possibles : "
            f"{choices(RecipientKind)}"
        )
    return {"kind": member(RecipientKind, kind), "name": name.strip()}


def recipients(raw: str | None) -> list[dict[str, Any]]:
    return each(split_lines(raw), recipient)


TRANSFER_FORMAT = (
    "attendu « <code pays> — <destinataire> — <mécanisme>[ — <adresse des garanties>] » "
    "(par exemple « US — Hébergeur — Clauses contractuelles types (art. 46.2.c) »)"
)
_TRANSFER_PART = re.compile(r"\s+[—–]\s+")
_URL = re.compile(r"^[a-z][a-z0-9+.-]*://", re.I)


def transfer(line: str) -> dict[str, Any]:
    parts = [p.strip() for p in _TRANSFER_PART.split(line.strip())]
    if len(parts) < 3:
        raise CellError(f"« {line} » : {TRANSFER_FORMAT}")
    url = None
    if len(parts) >= 4 and _URL.match(parts[-1]):
        url = parts.pop()
    country, *middle, mechanism = parts
    return {
        "country": country,
        "recipient": " — ".join(middle),
        "mechanism": member(TransferMechanism, mechanism),
        "safeguards_doc_url": url,
    }


def transfers(raw: str | None) -> list[dict[str, Any]]:
    return each(split_lines(raw), transfer)
