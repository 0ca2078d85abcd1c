"""An incident declared with the numbers its declaration already gives (the declaration page):
the incident, its breaches and their facts in one transaction, so a refusal of the numbers
leaves no incident half-declared (breach.incidents.service declares, breach.incident_facts
completes every breach's facts)."""

from datetime import datetime
from typing import Any

from tortoise.transactions import in_transaction

from breach.incident_facts import complete_incident_facts
from breach.incidents import service as incidents
from breach.incidents.schemas import IncidentIn, IncidentOut
from core.scope import Scope


async def declare_with_counts(
    *,
    scope: Scope,
    facts_scope: Scope,
    data: IncidentIn,
    counts: dict[str, Any],
    now: datetime,
) -> IncidentOut:
    """Declare the incident (`scope`: the declarer's) and complete its breaches' facts with
    `counts` (`facts_scope`: whom the declarer may complete them for); all or nothing."""
    async with in_transaction():
        incident = await incidents.declare_incident(scope=scope, data=data, now=now)
        if counts:  # the numbers feed every controller's notice (breach.incident_facts)
            await complete_incident_facts(
                scope=facts_scope, incident_id=incident.id, patch=counts, now=now
            )
    return incident
