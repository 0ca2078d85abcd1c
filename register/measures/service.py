"""Security measures (art. 32) of a body, from the CNIL 2024 guide's catalogue."""

from collections import defaultdict
from typing import Any
from uuid import UUID

from core.errors import Conflict
from core.french import plural
from core.paging import Page, paginate
from core.persistence import create_journaled, delete_versioned, get_scoped, update_versioned
from core.scope import Scope
from register.deletion import refuse_if_referenced
from register.measures.models import SecurityMeasure
from register.measures.schemas import MeasureIn, MeasureOut
from register.organisations.service import require_organisation
from register.schemas_common import merge_patch, to_columns

LABEL = "mesure de sécurité"


async def measures_out(measures: list[SecurityMeasure]) -> list[MeasureOut]:
    """Several measures with the activities they protect, in one extra query."""
    linked: dict[UUID, list[UUID]] = defaultdict(list)
    rows = await SecurityMeasure.filter(id__in=[m.id for m in measures]).values_list(
        "id", "activities__id"
    )
    for measure_id, activity_id in rows:
        if activity_id is not None:
            linked[measure_id].append(activity_id)
    return [_out(m, sorted(linked[m.id], key=str)) for m in measures]


async def measure_out(measure: SecurityMeasure) -> MeasureOut:
    return (await measures_out([measure]))[0]


def _out(measure: SecurityMeasure, activity_ids: list[UUID]) -> MeasureOut:
    data = {
        name: getattr(measure, name) for name in MeasureIn.model_fields if hasattr(measure, name)
    }
    data |= {
        "organisation_id": measure.organisation_id,
        "id": measure.id,
        "version": measure.version,
        "created_at": measure.created_at,
        "updated_at": measure.updated_at,
        "activity_ids": activity_ids,
    }
    return MeasureOut.model_validate(data)


async def list_measures(
    *,
    scope: Scope,
    limit: int,
    offset: int,
    organisation_id: UUID | None = None,
    status: str | None = None,
    cnil_sheet: str | None = None,
) -> Page[MeasureOut]:
    query = SecurityMeasure.filter(**SecurityMeasure.scope_filter(scope))
    if organisation_id:
        query = query.filter(organisation_id=organisation_id)
    if status:
        query = query.filter(status=status)
    if cnil_sheet:
        query = query.filter(cnil_sheet=cnil_sheet)
    query = query.order_by("title", "id")
    return await paginate(query, limit=limit, offset=offset, shape=measures_out)


async def get_measure(*, scope: Scope, measure_id: UUID) -> SecurityMeasure:
    return await get_scoped(SecurityMeasure, scope=scope, obj_id=measure_id, label=LABEL)


async def create_measure(*, scope: Scope, data: MeasureIn) -> MeasureOut:
    await require_organisation(
        scope=scope, organisation_id=data.organisation_id, field="organisation_id"
    )
    return await measure_out(await create_journaled(SecurityMeasure, **to_columns(data)))


async def update_measure(
    *, scope: Scope, measure_id: UUID, version: int, patch: dict[str, Any]
) -> MeasureOut:
    measure = await get_measure(scope=scope, measure_id=measure_id)
    merged = merge_patch(MeasureIn, await measure_out(measure), patch)
    await require_organisation(
        scope=scope, organisation_id=merged.organisation_id, field="organisation_id"
    )
    await update_versioned(
        SecurityMeasure, obj_id=measure.id, expected_version=version, values=to_columns(merged)
    )
    return await measure_out(await SecurityMeasure.get(id=measure.id))


async def delete_measure(*, scope: Scope, measure_id: UUID, version: int | None) -> None:
    measure = await get_measure(scope=scope, measure_id=measure_id)
    linked = await measure.activities.all().count()
    if linked:  # the link would cascade and silently thin the activities' art. 32 section
        raise Conflict(
            f"suppression impossible : la mesure protège encore {plural(linked, 'activité')} ; "
            "retirez-la d'abord de ces fiches"
        )
    await refuse_if_referenced(measure, scope=scope, label="la mesure")
    await delete_versioned(
        SecurityMeasure, obj=measure, expected_version=version, label="la mesure"
    )
