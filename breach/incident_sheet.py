"""The incident page's view model: the incident, the breaches it opened that the person may
read (each as their role sees it, breach.breaches.visibility), and whether they may correct
its facts. Built here so the page route (api/web/routes/violations/incidents.py) only renders
it, in a constant number of queries whatever the number of breaches."""

from dataclasses import dataclass, field, fields
from datetime import datetime
from typing import Any
from uuid import UUID

from breach import nis2_service
from breach.breaches import service
from breach.breaches.names import activity_labels, body_names
from breach.breaches.schemas import BreachOut
from breach.enums import BreachPath
from breach.incidents import service as incidents
from breach.incidents.schemas import IncidentOut
from breach.nis2_schemas import Nis2Out
from breach.shared_system import processor_question
from core.accounts.roles import Permission, Principal


@dataclass
class IncidentSheet:
    incident: IncidentOut
    breaches: list[BreachOut]
    names: dict[UUID, str]  # the declaring body's and each controller's name
    activities: dict[UUID, str]  # the activities touched, "ref — name"
    can_update: bool  # the person may correct the facts (UPDATE_INCIDENT in the declaring body)
    nis2: Nis2Out | None = None  # NIS 2 beside the GDPR (breach.nis2): the incident's record
    # Independent controllers on a shared system: whether the host is in fact a processor
    # (art. 4(8), 28(3)), per breach.
    processor_questions: dict[UUID, str] = field(default_factory=dict)

    def context(self) -> dict[str, Any]:
        return {f.name: getattr(self, f.name) for f in fields(self)}


async def incident_sheet(principal: Principal, incident_id: UUID, now: datetime) -> IncidentSheet:
    """Raises NotFound for an incident outside the person's READ_BREACHES scope."""
    scope = principal.scope(Permission.READ_BREACHES)
    incident = await incidents.incident_out(
        await incidents.get_incident(scope=scope, incident_id=incident_id)
    )
    rows = await service.readable_breaches(scope=scope, breach_ids=incident.breach_ids)
    breaches = await service.breaches_seen(rows, scope=scope, now=now)
    names = await body_names([incident.organisation_id, *(b.controller_id for b in breaches)])
    return IncidentSheet(
        incident=incident,
        breaches=breaches,
        names=names,
        activities=await activity_labels(incident.activity_ids),
        can_update=principal.scope(Permission.UPDATE_INCIDENT).allows(incident.organisation_id),
        nis2=await nis2_service.nis2_of(scope=scope, incident_id=incident.id, now=now),
        processor_questions={
            b.id: processor_question(names[incident.organisation_id], names[b.controller_id])
            for b in breaches
            if b.path == BreachPath.INDEPENDENT
        },
    )
