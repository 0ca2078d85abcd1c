"""Reading HTML forms and putting each refusal next to its field.

A form posts flat names: `purposes` (one per line in a textarea), `data_categories` (checkboxes,
repeated), `retention-0-value` (a row of a repeating group). The page turns them into the
service's input shape; the service's ValidationFailed comes back as {field name: message},
which the templates show beside each field, with a summary at the top of the form.
"""

from dataclasses import dataclass, field

from starlette.datastructures import FormData

from core.errors import ValidationFailed


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
