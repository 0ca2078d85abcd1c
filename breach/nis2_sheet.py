"""The NIS2 page's view model (api/web/routes/violations/nis2.py only renders it): the
incident's NIS2 record (breach.nis2.nis2_view), the incident's title and body, and whether the
person may act (UPDATE_INCIDENT in the incident's body, as the JSON API)."""

from dataclasses import dataclass, fields
from datetime import datetime
from typing import Any
from uuid import UUID

from breach import nis2_service
from breach.incidents import service as incidents
from breach.nis2_models import Nis2Phase
from breach.nis2_schemas import Nis2Out
from core.accounts.roles import Permission, Principal
from register.organisations.models import Organisation


@dataclass
class Nis2Sheet:
    nis2: Nis2Out
    incident_title: str
    body_name: str
    can_update: bool
    phases: list[Nis2Phase]  # the reports a draft can be read for now

    def context(self) -> dict[str, Any]:
        return {f.name: getattr(self, f.name) for f in fields(self)}


async def nis2_sheet(principal: Principal, incident_id: UUID, now: datetime) -> Nis2Sheet:
    """Raises NotFound for an incident outside the person's READ_BREACHES scope."""
    scope = principal.scope(Permission.READ_BREACHES)
    incident = await incidents.get_incident(scope=scope, incident_id=incident_id)
    record = await nis2_service.nis2_of(scope=scope, incident_id=incident_id, now=now)
    name = await Organisation.filter(id=incident.organisation_id).values_list(
        "legal_name", flat=True
    )
    drafts = record.applies and record.decided and bool(record.significant)
    return Nis2Sheet(
        nis2=record,
        incident_title=incident.title,
        body_name=name[0] if name else "",
        can_update=principal.scope(Permission.UPDATE_INCIDENT).allows(incident.organisation_id),
        phases=list(Nis2Phase) if drafts else [],
    )
