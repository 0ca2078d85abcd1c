"""The facts of every breach of an incident, completed at once by the body whose system was
hit: the numbers of its declaration, the incident page's form (breach.breaches.source_facts
says what it may write, and what it leaves to each controller)."""

from datetime import datetime
from typing import Any
from uuid import UUID

from tortoise.transactions import in_transaction

from breach.breaches import service, source_facts
from breach.breaches.models import Breach
from core.scope import Scope


async def complete_incident_facts(
    *, scope: Scope, incident_id: UUID, patch: dict[str, Any], now: datetime
) -> list[Breach]:
    """Complete the facts of every open breach of an incident the caller reaches (its source's
    people: every controller's breach; a controller: its own), each at its current version;
    the controller's own facts are left (breach.breaches.source_facts); all or none.
    The incident's facts only: each controller's answers to the CNIL's form (other
    authorities, cross-border) are given on its own breach (422 naming the field).
    Returns the breaches written."""
    source_facts.refuse_controller_answers(patch)
    rows = await Breach.filter(**Breach.scope_filter(scope), incident_id=incident_id).order_by(
        "created_at", "id"
    )
    written = []
    async with in_transaction():
        for row in rows:
            if "update_facts" not in (await service.breach_out(row, now=now)).allowed_actions:
                continue  # closed: its register entry stays as it was closed
            written.append(
                await service.update_facts(
                    scope=scope,
                    breach_id=row.id,
                    version=row.version,
                    patch=patch,
                    now=now,
                    keep_controller_facts=True,
                )
            )
    return written
