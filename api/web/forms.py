"""Reading HTML forms and putting each refusal next to its field.

A form posts flat names: `purposes` (one per line in a textarea), `data_categories` (checkboxes,
repeated), `retention-0-value` (a row of a repeating group). The page turns them into the
service's input shape; the service's ValidationFailed comes back as {field name: message},
which the templates show beside each field, with a summary at the top of the form.

`Reader` reads one form's fields under its prefix (a Paris wall-clock time typed in a
datetime-local input, the page's version) and gives every problem at once; `Values` is what a
form shows again, typed or default.
"""

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, TypeVar
from zoneinfo import ZoneInfo

from pydantic import BaseModel
from starlette.datastructures import FormData
from starlette.exceptions import HTTPException
from starlette.requests import Request

from core.clock import to_local
from core.errors import FieldProblem, ValidationFailed
from core.validation import ONE_FILE, validate_shape

PARIS = ZoneInfo("Europe/Paris")
LOCAL_FORMAT = "%Y-%m-%dT%H:%M"
BAD_MOMENT = "date et heure invalides : choisissez le jour et l'heure (jj/mm/aaaa hh:mm)"
BAD_VERSION = "version de la page illisible : rechargez la page puis recommencez"
# What Starlette refuses in an upload form, in English, said in French beside the file field.
UPLOAD_REFUSALS = (
    ("Too many files", ONE_FILE),
    ("Too many fields", "formulaire trop long : renvoyez-le depuis la page"),
)
BAD_UPLOAD = "formulaire illisible : renvoyez-le depuis la page"

M = TypeVar("M", bound=BaseModel)


@dataclass
class FormErrors:
    by_field: dict[str, str] = field(default_factory=dict)
    general: list[str] = field(default_factory=list)

    def __bool__(self) -> bool:
        return bool(self.by_field or self.general)

    def get(self, name: str) -> str | None:
        return self.by_field.get(name)


def field_name(loc: tuple) -> str:
    """("body", "retention", 1, "value") → "retention-1-value"; ("body", "purposes", 0) →
    "purposes" (a list typed in one textarea is one field)."""
    parts = [str(p) for p in loc if p not in ("body", "query", "path")]
    if len(parts) == 2 and parts[1].isdigit():
        return parts[0]
    return "-".join(parts)


def errors_from(exc: ValidationFailed) -> FormErrors:
    errors = FormErrors()
    for problem in exc.problems:
        name = field_name(problem.loc)
        if not name:
            errors.general.append(problem.msg)
        else:
            errors.by_field.setdefault(name, problem.msg)
    return errors


async def upload_form(request: Request, *, file_field: str, max_fields: int) -> FormData:
    """An upload form of one file; what Starlette refuses (a second file, too many fields, a
    body it cannot parse: a 400 in English) is a ValidationFailed naming the file field."""
    try:
        return await request.form(max_files=1, max_fields=max_fields)
    except HTTPException as exc:
        detail = str(exc.detail)
        msg = next((m for start, m in UPLOAD_REFUSALS if detail.startswith(start)), BAD_UPLOAD)
        raise ValidationFailed.one("body", file_field, msg=msg) from None


def lines(form: FormData, name: str) -> list[str]:
    """A textarea holding one item per line."""
    return [line.strip() for line in str(form.get(name) or "").splitlines() if line.strip()]


def text(form: FormData, name: str) -> str | None:
    value = str(form.get(name) or "").strip()
    return value or None


def checked(form: FormData, name: str) -> bool:
    return form.get(name) in ("on", "true", "1", "oui")


def chosen(form: FormData, name: str) -> list[str]:
    """Checkboxes sharing a name: every value ticked."""
    return [str(v) for v in form.getlist(name) if str(v)]


def local_value(moment: datetime | None) -> str:
    """The value of a datetime-local input for an aware moment, in Paris time."""
    return to_local(moment).astimezone(PARIS).strftime(LOCAL_FORMAT) if moment else ""


class Values:
    """The values a form shows: what was typed (after a refusal) or the defaults."""

    def __init__(self, data: Mapping[str, Any] | None = None, multi: FormData | None = None):
        self._data = dict(data or {})
        self._form = multi

    @classmethod
    def of(cls, form: FormData) -> "Values":
        return cls({k: form.get(k) for k in form}, form)

    def get(self, name: str, default: Any = "") -> Any:
        value = self._data.get(name)
        return default if value is None else value

    def list(self, name: str) -> list[str]:
        if self._form is not None:
            return [str(v) for v in self._form.getlist(name)]
        value = self._data.get(name) or []
        return [str(v) for v in value] if isinstance(value, (list, tuple)) else [str(value)]

    def has(self, name: str) -> bool:
        return bool(self._data.get(name))


def prefixed(errors: FormErrors, prefix: str) -> FormErrors:
    return FormErrors(
        by_field={f"{prefix}{name}": msg for name, msg in errors.by_field.items()},
        general=list(errors.general),
    )


class Reader:
    """Reads one form's fields (under its prefix), noting the values it cannot parse."""

    def __init__(self, form: FormData, prefix: str = ""):
        self.form = form
        self.prefix = prefix
        self.problems: list[FieldProblem] = []

    def _name(self, name: str) -> str:
        return f"{self.prefix}{name}"

    def text(self, name: str) -> str | None:
        return text(self.form, self._name(name))

    def raw(self, name: str) -> str:
        return str(self.form.get(self._name(name)) or "")

    def lines(self, name: str) -> list[str]:
        return lines(self.form, self._name(name))

    def chosen(self, name: str) -> list[str]:
        return chosen(self.form, self._name(name))

    def checked(self, name: str) -> bool:
        return self.form.get(self._name(name)) in ("on", "true", "1", "oui")

    def moment(self, name: str, *, done_by: datetime | None = None) -> str | None:
        """A datetime-local value as an aware ISO instant (Paris wall time), None when empty.

        A minute typed for something already done (`done_by`: the moment the form was read)
        is its last instant not after `done_by`: a notification recorded at 14:53 for an
        awareness at 14:53:20 is not "before" it, and a minute is never in the future."""
        value = self.text(name)
        if value is None:
            return None
        try:
            wall = datetime.fromisoformat(value)
        except ValueError:
            self.problems.append(FieldProblem(("body", name), BAD_MOMENT))
            return None
        if wall.tzinfo is None:
            wall = wall.replace(tzinfo=PARIS)
        if done_by is not None and wall.second == 0 and wall.microsecond == 0:
            wall = min(wall + timedelta(minutes=1) - timedelta(microseconds=1), done_by)
        return wall.isoformat()

    def version(self) -> int | str | None:
        """The version the page was read at: one hidden field, never prefixed."""
        value = text(self.form, "version")
        if value is None:
            return None
        try:
            return int(value)
        except ValueError:
            self.problems.append(FieldProblem(("body", "version"), BAD_VERSION))
            return None

    def validate(self, shape: type[M], data: dict[str, Any], *, patch: bool = False) -> M:
        """The shape, or every problem at once (what could not be read, then the shape's).
        A field left empty is absent ("champ obligatoire manquant" when it is required),
        except in a patch, where empty means "clear it"."""
        if not patch:
            data = {name: value for name, value in data.items() if value is not None}
        try:
            result = validate_shape(shape, data)
        except ValidationFailed as exc:
            raise ValidationFailed(self.problems + exc.problems) from None
        if self.problems:
            raise ValidationFailed(self.problems)
        return result
