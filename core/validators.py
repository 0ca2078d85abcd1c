"""Checks for identifiers and contact details, periods, and the texts the store reserves, with
messages in French."""

import re
from datetime import date, datetime, time, timedelta
from typing import Annotated

import phonenumbers
from email_validator import EmailNotValidError, validate_email
from pydantic import BeforeValidator

from core.clock import local_zone


def luhn_ok(digits: str) -> bool:
    total = 0
    for i, ch in enumerate(reversed(digits)):
        n = int(ch)
        if i % 2 == 1:
            n *= 2
            if n > 9:
                n -= 9
        total += n
    return total % 10 == 0


def check_siren(value: str) -> str:
    """SIREN: 9 digits whose Luhn key is valid (INSEE). Spaces are tolerated on input."""
    siren = value.replace(" ", "")
    if len(siren) != 9 or not siren.isdigit():
        raise ValueError("le SIREN doit comporter exactement 9 chiffres")
    if not luhn_ok(siren):
        raise ValueError("clé de contrôle du SIREN invalide (algorithme de Luhn)")
    return siren


def check_siret(value: str) -> str:
    siret = value.replace(" ", "")
    if len(siret) != 14 or not siret.isdigit():
        raise ValueError("le SIRET doit comporter exactement 14 chiffres")
    # La Poste's establishments use a digit-sum rule instead of Luhn.
    if not luhn_ok(siret) and not (siret.startswith("356000000") and sum(map(int, siret)) % 5 == 0):
        raise ValueError("clé de contrôle du SIRET invalide (algorithme de Luhn)")
    return siret


def check_email(value: str) -> str:
    try:
        return validate_email(value, check_deliverability=False).normalized
    except EmailNotValidError as exc:
        raise ValueError(f"adresse électronique invalide : {exc}") from None


# Overseas departments are dialled like mainland numbers (0 + 9 digits) but have their own
# country codes: a Réunion town hall's "0262 40 04 04" is +262 262 40 04 04. Only these
# national prefixes (ARCEP plan) are read that way: libphonenumber's mainland plan would take
# 0269 or 0596 as +33, and overseas plans would claim some mainland 09 numbers.
OVERSEAS_PREFIXES = ("0262", "0263", "0269", "0590", "0594", "0596", "0639", "069")
OVERSEAS_REGIONS = ("RE", "YT", "GP", "MQ", "GF", "BL", "MF")


def check_phone(value: str) -> str:
    """French numbers (mainland or overseas) by default; stored in E.164 (+33...)."""
    national = "".join(ch for ch in value if ch.isdigit() or ch == "+")
    overseas = national.startswith(OVERSEAS_PREFIXES)
    for region in (*OVERSEAS_REGIONS, "FR") if overseas else ("FR",):
        try:
            number = phonenumbers.parse(value, region)
        except phonenumbers.NumberParseException:
            raise ValueError("numéro de téléphone illisible") from None
        if phonenumbers.is_valid_number(number):
            return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)
    raise ValueError("numéro de téléphone invalide")


def check_instant(moment: datetime) -> datetime:
    """A moment of an incident's life: plausible dates only, so the clock arithmetic in UTC
    cannot overflow (year 1 or 9999 would) and a typo in the year is caught at once."""
    if not 2000 <= moment.year <= 2999:
        raise ValueError("date invraisemblable : l'année doit être comprise entre 2000 et 2999")
    return moment


# Days of a register's records (a convention's dates, the events of its life): plausible
# years only, so that the arithmetic on them (terms counted in months, delays in days) stays
# far inside the calendar and a typo in the year (9999, 0202) is caught at once.
DAY_YEARS = (1900, 2200)


def day_problem(day: date) -> str | None:
    """Why a day is not plausible (in French), or None."""
    if DAY_YEARS[0] <= day.year <= DAY_YEARS[1]:
        return None
    return (
        f"date invraisemblable : l'année doit être comprise entre {DAY_YEARS[0]} et {DAY_YEARS[1]}"
    )


# Periods ------------------------------------------------------------------------------------
# Every period filter (API query parameters and bodies, pages, command line) is read here: a
# day, an instant with its offset, or an instant without one (taken in the instance's zone,
# Europe/Paris). A start is included; an end is excluded, so a day given as the end covers that
# whole day (the period stops at the next midnight).

PERIOD_FORMAT = (
    "date (AAAA-MM-JJ) ou date et heure ISO 8601 attendue, par exemple 2026-11-01, "
    "2026-11-01T08:30 (heure de Paris) ou 2026-11-01T08:30+01:00"
)
PERIOD_YEARS = (1900, 2999)  # beyond, the conversion between zones could overflow


def parse_period_bound(raw: object, *, end: bool = False) -> datetime:
    """A period's start (`end=False`) or end, as an aware instant; ValueError in French."""
    if isinstance(raw, datetime):
        moment = raw
    elif isinstance(raw, date):
        moment = _day_bound(raw, end=end)
    elif isinstance(raw, str) and len(raw.strip()) <= 64:
        moment = _parse_text(raw.strip(), end=end)
    else:
        raise ValueError(PERIOD_FORMAT)
    if not PERIOD_YEARS[0] <= moment.year <= PERIOD_YEARS[1]:
        raise ValueError(
            f"date invraisemblable : l'année doit être comprise entre {PERIOD_YEARS[0]} "
            f"et {PERIOD_YEARS[1]}"
        )
    return moment if moment.tzinfo else moment.replace(tzinfo=local_zone())


def _day_bound(day: date, *, end: bool) -> datetime:
    if end:
        if day == date.max:
            raise ValueError(PERIOD_FORMAT)
        day += timedelta(days=1)
    return datetime.combine(day, time(), tzinfo=local_zone())


def _parse_text(text: str, *, end: bool) -> datetime:
    try:
        if len(text) == 10:
            return _day_bound(date.fromisoformat(text), end=end)
        return datetime.fromisoformat(text.replace("z", "Z"))
    except ValueError:
        raise ValueError(PERIOD_FORMAT) from None


def check_period(since: datetime | None, until: datetime | None) -> None:
    """A period's end must follow its start."""
    if since is not None and until is not None and until <= since:
        raise ValueError("la fin de la période doit suivre son début")


# The pydantic types of a period filter, for query parameters and bodies.
PeriodStart = Annotated[datetime, BeforeValidator(lambda v: parse_period_bound(v))]
PeriodEnd = Annotated[datetime, BeforeValidator(lambda v: parse_period_bound(v, end=True))]


# Reserved texts ------------------------------------------------------------------------------
# A stored text starting with `enc:v<digit>:` is read back as an encrypted value (core.crypto):
# such a text typed by a person could not be stored, or would be read back as garbage. Refused
# in every JSON body, query and form (api.reserved_guard), every import cell (register.imports)
# and every file the command line reads, through this one rule.

RESERVED_PREFIX = re.compile(r"\s*enc:v\d+:", re.IGNORECASE)
RESERVED_MESSAGE = (
    "texte refusé : un texte ne peut pas commencer par « enc:v » suivi d'un chiffre et de "
    "« : » (réservé aux valeurs chiffrées) ; reformulez son début"
)


def has_reserved_prefix(value: object) -> bool:
    return isinstance(value, str) and RESERVED_PREFIX.match(value) is not None


def reserved_text_path(value: object, path: tuple = ()) -> tuple | None:
    """Where in a JSON-like value (dicts, lists, texts) a reserved text is, or None."""
    if isinstance(value, str):
        return path if has_reserved_prefix(value) else None
    if isinstance(value, dict | list):
        items = value.items() if isinstance(value, dict) else enumerate(value)
        for key, item in items:
            if has_reserved_prefix(key):
                return (*path, key)
            found = reserved_text_path(item, (*path, key))
            if found is not None:
                return found
    return None
