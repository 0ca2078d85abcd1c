"""A controller's breach register (art. 33(5)): every breach, notified or not, with the facts,
the effects, the remedial action and the reasoning (EDPB 9/2022 §V.A)."""

from datetime import datetime
from uuid import UUID

from pydantic import BaseModel

from breach.breaches.models import Breach
from breach.breaches.schemas import BreachOut
from breach.breaches.service import breaches_out
from breach.incidents.models import Incident
from core.scope import Scope
from register.organisations.service import get_organisation


class BreachRegisterEntry(BaseModel):
    breach: BreachOut
    incident_title: str
    facts: str
    started_at: datetime | None
    detected_at: datetime
    nature: list[str]
    origin: str | None
    cause: str | None


class BreachRegister(BaseModel):
    controller_id: UUID
    controller_name: str
    entries: list[BreachRegisterEntry]


async def breach_register(*, scope: Scope, organisation_id: UUID, now: datetime) -> BreachRegister:
    org = await get_organisation(scope=scope, organisation_id=organisation_id)
    breaches = list(await Breach.filter(controller_id=org.id).order_by("created_at", "id"))
    incidents = {i.id: i for i in await Incident.filter(id__in=[b.incident_id for b in breaches])}
    entries = []
    for breach, shown in zip(breaches, await breaches_out(breaches, now=now), strict=True):
        incident = incidents[breach.incident_id]
        entries.append(
            BreachRegisterEntry(
                breach=shown,
                incident_title=incident.title,
                facts=incident.description,
                started_at=incident.started_at,
                detected_at=incident.detected_at,
                nature=incident.nature,
                origin=incident.origin.value if incident.origin else None,
                cause=incident.cause.value if incident.cause else None,
            )
        )
    return BreachRegister(controller_id=org.id, controller_name=org.legal_name, entries=entries)
