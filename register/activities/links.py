"""What an activity's sheet shows beside its own fields: the names of the bodies, conventions
and measures it links to (the processors acting on it: `register.chains.activity`).

Only for an activity (or a journal event of one) the caller may already read: the ids come
from that activity, so the names disclose nothing the record itself does not name.
"""

from collections.abc import Iterable
from dataclasses import dataclass, field
from uuid import UUID

from register.conventions.models import Convention
from register.measures.models import SecurityMeasure
from register.organisations.models import Organisation


@dataclass
class LinkedNames:
    organisations: dict[UUID, str] = field(default_factory=dict)
    conventions: dict[UUID, str] = field(default_factory=dict)
    measures: dict[UUID, str] = field(default_factory=dict)


def _ids(values: Iterable[UUID | str]) -> set[UUID]:
    found = set()
    for value in values:
        try:
            found.add(value if isinstance(value, UUID) else UUID(str(value)))
        except ValueError:
            continue
    return found


async def linked_names(
    *,
    organisation_ids: Iterable[UUID | str] = (),
    convention_ids: Iterable[UUID | str] = (),
    measure_ids: Iterable[UUID | str] = (),
) -> LinkedNames:
    """Names of the bodies, titles of the conventions and measures, by id (three queries)."""
    names = LinkedNames()
    if orgs := _ids(organisation_ids):
        names.organisations = dict(
            await Organisation.filter(id__in=list(orgs)).values_list("id", "legal_name")
        )
    if conventions := _ids(convention_ids):
        names.conventions = dict(
            await Convention.filter(id__in=list(conventions)).values_list("id", "title")
        )
    if measures := _ids(measure_ids):
        names.measures = dict(
            await SecurityMeasure.filter(id__in=list(measures)).values_list("id", "title")
        )
    return names
