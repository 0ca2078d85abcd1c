"""Names the breach pages print next to identifiers: bodies, activities, the controllers
whose breaches a person may list (the filter of the list of breaches), and breach references.

A breach reference is unique on the instance: it carries its controller's short code
(register.organisations.codes), « VIO-BOULOGNE-2026-0001 ». References recorded before the
codes existed (« VIO-2026-0001 ») are kept as they were journaled and shown qualified with
the controller's code, by `shown_ref`, wherever a reference is shown: the API, lists, the
incident and breach pages, messages, the breach register, the calendar.
"""

import re
from collections.abc import Iterable
from uuid import UUID

from breach.breaches.models import Breach
from core.scope import Scope
from register.activities.models import ProcessingActivity
from register.organisations.models import Organisation


async def body_names(ids: Iterable[UUID | None]) -> dict[UUID, str]:
    wanted = [i for i in set(ids) if i is not None]
    if not wanted:
        return {}
    return dict(await Organisation.filter(id__in=wanted).values_list("id", "legal_name"))


async def activity_labels(ids: Iterable[UUID]) -> dict[UUID, str]:
    wanted = list(set(ids))
    if not wanted:
        return {}
    rows = await ProcessingActivity.filter(id__in=wanted).values_list("id", "ref", "name")
    return {i: f"{ref} — {name}" if ref else name for i, ref, name in rows}


async def breach_controllers(scope: Scope) -> list[tuple[UUID, str]]:
    """The controllers of the breaches `scope` may read, by name."""
    ids = (
        await Breach.filter(**Breach.scope_filter(scope))
        .order_by("controller_id")
        .distinct()
        .values_list("controller_id", flat=True)
    )
    names = await body_names(ids)
    return sorted(names.items(), key=lambda item: item[1].casefold())


PREFIX = "VIO"
_UNQUALIFIED = re.compile(r"^VIO-(\d{4}-\d+)$")
_NUMBER = re.compile(r"-(\d{4})-(\d+)$")


def shown_ref(ref: str, code: str | None) -> str:
    """« VIO-2026-0001 » of a body coded BOULOGNE → « VIO-BOULOGNE-2026-0001 »; a reference
    that carries a code already is shown as stored."""
    match = _UNQUALIFIED.match(ref)
    return f"{PREFIX}-{code}-{match.group(1)}" if match and code else ref


async def body_codes(ids: Iterable[UUID | None]) -> dict[UUID, str]:
    wanted = [i for i in set(ids) if i is not None]
    if not wanted:
        return {}
    rows = await Organisation.filter(id__in=wanted).values_list("id", "short_code")
    return {i: code for i, code in rows if code}


async def shown_refs(rows: Iterable[tuple[UUID, str, UUID]]) -> dict[UUID, str]:
    """(breach id, stored ref, controller id) → the reference as shown, in one query."""
    rows = list(rows)
    codes = await body_codes(controller for _, _, controller in rows)
    return {i: shown_ref(ref, codes.get(controller)) for i, ref, controller in rows}


async def breach_ref(breach: Breach) -> str:
    """One breach's reference as shown."""
    return (await shown_refs([(breach.id, breach.ref, breach.controller_id)]))[breach.id]


async def next_ref(controller_id: UUID, year: int) -> str:
    """The controller's next reference for a year: VIO-<code>-<year>-<n>, n after every
    number the year already holds under that code on the instance (a code a body left and
    another took keeps counting) and in the controller's own unqualified references."""
    code = (await body_codes([controller_id])).get(controller_id)
    own = Breach.filter(controller_id=controller_id, ref__startswith=f"{PREFIX}-{year}-")
    refs = list(await own.values_list("ref", flat=True))
    if code:
        coded = Breach.filter(ref__startswith=f"{PREFIX}-{code}-{year}-")
        refs += await coded.values_list("ref", flat=True)
    numbers = [int(m.group(2)) for m in map(_NUMBER.search, refs) if m]
    prefix = f"{PREFIX}-{code}-{year}-" if code else f"{PREFIX}-{year}-"
    return f"{prefix}{max(numbers, default=0) + 1:04d}"
