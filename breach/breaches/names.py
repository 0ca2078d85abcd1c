"""Names the breach pages print next to identifiers: bodies, activities, and the controllers
whose breaches a person may list (the filter of the list of breaches)."""

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
