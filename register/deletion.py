"""What else refers to a record about to be deleted, asked of the packages above the register.

The register does not know the breach workflow (imports go breach → register), yet an
incident or a breach refers to activities, conventions and bodies: deleting one of them would
cascade through a link table and silently rewrite the breach register (art. 33(5)), or fail in
the database. So the package that refers to a register record registers a guard for its model
(`guard_deletion`); every delete of the register asks them all (`refuse_if_referenced`) before
it deletes, and refuses with a 409 naming what refers to the record. One rule for the API, the
pages and the command line, which all delete through the services.
"""

from collections import defaultdict
from collections.abc import Awaitable, Callable
from typing import Any

from tortoise.models import Model

from core.errors import Conflict
from core.french import plural
from core.scope import Scope

# A guard: (the record, the deleting caller's scope) → what refers to it, in French, or None.
Guard = Callable[[Any, Scope], Awaitable[str | None]]

_GUARDS: dict[type[Model], list[Guard]] = defaultdict(list)
MAX_NAMED = 5  # references named in a message; the others counted


def guard_deletion(model: type[Model]) -> Callable[[Guard], Guard]:
    """Register `guard` for deletions of `model` (used as a decorator)."""

    def register(guard: Guard) -> Guard:
        if guard not in _GUARDS[model]:
            _GUARDS[model].append(guard)
        return guard

    return register


async def refuse_if_referenced(obj: Model, *, scope: Scope, label: str) -> None:
    """Conflict (409) naming every reference to `obj` that a guard found; nothing deleted."""
    reasons = [reason for guard in _GUARDS[type(obj)] if (reason := await guard(obj, scope))]
    if reasons:
        raise Conflict(f"suppression impossible : {label} " + " ; ".join(reasons))


def named(items: list[str], hidden: int = 0) -> str:
    """« A », « B », 2 autres et 1 d'un autre organisme: the first MAX_NAMED items the caller
    may read, the others counted; what the caller may not read (`hidden`) only counted."""
    shown = [f"« {item} »" for item in items[:MAX_NAMED]]
    if len(items) > MAX_NAMED:
        shown.append(plural(len(items) - MAX_NAMED, "autre"))
    if hidden:
        shown.append(
            f"{hidden} d'un autre organisme" if hidden == 1 else f"{hidden} d'autres organismes"
        )
    if len(shown) == 1:
        return shown[0]
    return ", ".join(shown[:-1]) + " et " + shown[-1]
