"""Bodies and breaches written straight into the database, as the breach workflow leaves them,
for the scheduler's tests and the benchmark (the workflow itself is tested through the API)."""

import itertools
import uuid
from datetime import datetime, timedelta

from breach.breaches.models import Breach
from breach.enums import BreachPath, BreachStatus
from breach.incidents.models import Incident
from register.enums import ContactRole, DpoMode, OrganisationKind
from register.organisations.models import Contact, Dpo, Organisation

_numbers = itertools.count(1)


async def make_body(
    name: str,
    *,
    dpo: str | None = None,
    rssi: str | None = None,
    legal_rep: str | None = None,
) -> Organisation:
    """A body with its DPO (designated) and its RSSI (a contact), as addresses say."""
    designated = None
    if dpo:
        designated = await Dpo.create(mode=DpoMode.MUTUALISED, name=f"DPD de {name}", email=dpo)
    org = await Organisation.create(
        legal_name=name,
        name_folded=name.lower(),
        kind=OrganisationKind.COMMUNE,
        dpo=designated,
        legal_rep_email=legal_rep,
    )
    if rssi:
        await Contact.create(
            organisation=org, name=f"RSSI de {name}", roles=[ContactRole.RSSI], email=rssi
        )
    return org


async def make_breach(
    controller: Organisation,
    *,
    cnil_due_at: datetime | None = None,
    notice_due_at: datetime | None = None,
    source: Organisation | None = None,
    status: BreachStatus = BreachStatus.DECLARED,
    ref: str | None = None,
) -> Breach:
    """A breach with the clocks given: the CNIL's (aware 72 h before `cnil_due_at`) and/or
    the processor's notice to the controller (`notice_due_at`, from `source`)."""
    detected = (cnil_due_at or notice_due_at) - timedelta(hours=72)
    incident = await Incident.create(
        organisation=source or controller,
        title="Rançongiciel sur le serveur de fichiers",
        description="Chiffrement des partages réseau",
        detected_at=detected,
    )
    return await Breach.create(
        incident=incident,
        controller=controller,
        source_org=source,
        ref=ref or f"VIO-{next(_numbers):05d}",
        path=BreachPath.PROCESSOR if source else BreachPath.OWN_SYSTEM,
        status=status,
        aware_at=cnil_due_at - timedelta(hours=72) if cnil_due_at else None,
        cnil_due_at=cnil_due_at,
        controller_notice_due_at=notice_due_at,
    )


async def make_many_breaches(
    controller: Organisation, due_times: list[datetime]
) -> list[uuid.UUID]:
    """One own-system breach per CNIL deadline, written in bulk (benchmarks, load tests)."""
    incidents = [
        Incident(
            id=uuid.uuid4(),
            organisation_id=controller.id,
            title="Incident de charge",
            description="Écrit en masse",
            detected_at=due - timedelta(hours=72),
        )
        for due in due_times
    ]
    await Incident.bulk_create(incidents, batch_size=1000)
    breaches = [
        Breach(
            id=uuid.uuid4(),
            incident_id=incident.id,
            controller_id=controller.id,
            ref=f"VIO-B{i:06d}",
            path=BreachPath.OWN_SYSTEM,
            status=BreachStatus.DECLARED,
            aware_at=due - timedelta(hours=72),
            cnil_due_at=due,
        )
        for i, (incident, due) in enumerate(zip(incidents, due_times, strict=True))
    ]
    await Breach.bulk_create(breaches, batch_size=1000)
    return [b.id for b in breaches]
