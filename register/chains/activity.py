"""The processors acting on an activity through its conventions, and their sub-processors:
what an activity's sheet shows under its own fields."""

from register.activities.schemas import ActivityOut
from register.chains.subprocessors import ProcessorLink, processor_links
from register.conventions.models import Convention


async def processors_of(activity: ActivityOut) -> list[ProcessorLink]:
    """The processors of the activity's conventions and their sub-processor chains: the same
    entries as the activity's part of `register.records.controller_record`."""
    processors = []
    conventions = (
        await Convention.in_force().filter(id__in=activity.convention_ids).order_by("title", "id")
    )
    for convention in conventions:
        processors += await processor_links(convention)
    return processors
