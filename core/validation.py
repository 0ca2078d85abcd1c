"""Turn pydantic's errors into field problems a French-speaking person can act on."""

from collections.abc import Callable, Sequence
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError

from core.errors import FieldError, FieldProblem, ValidationFailed
from core.french import plural

M = TypeVar("M", bound=BaseModel)


def _choices(error: dict[str, Any]) -> str:
    # pydantic lists the choices in English: "'a', 'b' or 'c'".
    return error["ctx"]["expected"].replace("' or '", "' ou '")


_FRENCH: dict[str, Callable[[dict[str, Any]], str]] = {
    "missing": lambda e: "champ obligatoire manquant",
    "extra_forbidden": lambda e: "champ inconnu",
    "enum": lambda e: f"valeur non admise ; valeurs possibles : {_choices(e)}",
    "literal_error": lambda e: f"valeur non admise ; valeurs possibles : {_choices(e)}",
    "string_too_short": lambda e: "ne doit pas être vide",
    "string_too_long": lambda e: f"trop long (au plus {e['ctx']['max_length']} caractères)",
    "string_type": lambda e: "doit être un texte",
    "int_parsing": lambda e: "doit être un nombre entier",
    "int_type": lambda e: "doit être un nombre entier",
    "int_from_float": lambda e: "doit être un nombre entier",
    "bool_parsing": lambda e: "doit valoir vrai ou faux",
    "bool_type": lambda e: "doit valoir vrai ou faux",
    "greater_than_equal": lambda e: f"doit être supérieur ou égal à {e['ctx']['ge']}",
    "greater_than": lambda e: f"doit être supérieur à {e['ctx']['gt']}",
    "less_than_equal": lambda e: f"doit être inférieur ou égal à {e['ctx']['le']}",
    "date_from_datetime_parsing": lambda e: "date invalide (format attendu AAAA-MM-JJ)",
    "date_parsing": lambda e: "date invalide (format attendu AAAA-MM-JJ)",
    "date_type": lambda e: "date invalide (format attendu AAAA-MM-JJ)",
    "datetime_parsing": lambda e: "date et heure invalides (format ISO 8601 attendu)",
    "datetime_from_date_parsing": lambda e: "date et heure invalides (format ISO 8601 attendu)",
    "timezone_aware": lambda e: "l'heure doit préciser son fuseau (par exemple +01:00 ou Z)",
    "uuid_parsing": lambda e: "identifiant invalide (UUID attendu)",
    "uuid_type": lambda e: "identifiant invalide (UUID attendu)",
    "list_type": lambda e: "doit être une liste",
    "dict_type": lambda e: "doit être un objet",
    "model_type": lambda e: "doit être un objet",
    "model_attributes_type": lambda e: "doit être un objet",
    "too_short": lambda e: f"doit contenir au moins {plural(e['ctx']['min_length'], 'élément')}",
    "too_long": lambda e: f"doit contenir au plus {plural(e['ctx']['max_length'], 'élément')}",
    "json_invalid": lambda e: "JSON illisible",
    "finite_number": lambda e: "doit être un nombre fini",
    "decimal_parsing": lambda e: "doit être un nombre",
    "string_pattern_mismatch": lambda e: "format invalide",
    "url_parsing": lambda e: "adresse web invalide",
    "url_scheme": lambda e: "adresse web invalide",
}


# FastAPI's own check of a file field (fastapi.datastructures.UploadFile), in English.
NOT_A_FILE = ("Expected UploadFile", "envoyez un fichier dans ce champ, pas un texte")
ONE_FILE = "un seul fichier par envoi : choisissez-en un"  # a form of one file that got more


def french_message(error: dict[str, Any]) -> str:
    kind = error["type"]
    if kind in ("value_error", "assertion_error"):
        # Our validators raise ValueError with a French sentence; pydantic prefixes it.
        message = str(error["ctx"]["error"]) if "ctx" in error else error["msg"]
        if message.startswith(NOT_A_FILE[0]):
            return NOT_A_FILE[1]
        return message.removeprefix("Value error, ").removeprefix("Assertion failed, ")
    translate = _FRENCH.get(kind)
    if translate is None:
        return error["msg"]
    try:
        return translate(error)
    except KeyError:
        return error["msg"]


def problems_from(exc: ValidationError, prefix: tuple[str | int, ...] = ()) -> list[FieldProblem]:
    return problems_from_errors(exc.errors(), prefix)


def problems_from_errors(
    errors: Sequence[dict[str, Any]], prefix: tuple[str | int, ...] = ()
) -> list[FieldProblem]:
    problems = []
    for err in errors:
        loc = prefix + tuple(err["loc"])
        cause = err.get("ctx", {}).get("error")
        if isinstance(cause, FieldError):
            loc += cause.loc
        problems.append(FieldProblem(loc=loc, msg=french_message(err), type=err["type"]))
    return problems


def validate_shape(shape: type[M], data: Any, prefix: tuple[str | int, ...] = ("body",)) -> M:
    """Validate `data` against `shape`, raising ValidationFailed with French messages."""
    try:
        return shape.model_validate(data)
    except ValidationError as exc:
        raise ValidationFailed(problems_from(exc, prefix)) from None
