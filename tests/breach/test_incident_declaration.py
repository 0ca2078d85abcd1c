"""An incident declared with its numbers (the declaration page, breach.incident_declaration):
the incident, its breaches and their facts in one transaction; numbers refused leave no
incident and no breach behind."""

from uuid import UUID

import pytest

from breach.breaches.models import Breach
from breach.incident_declaration import declare_with_counts
from breach.incidents.models import Incident
from breach.incidents.schemas import IncidentIn
from core.clock import utcnow
from core.errors import ValidationFailed
from core.scope import Scope
from tests.factories import ago, bodies


def _incident_in(world: dict) -> IncidentIn:
    return IncidentIn(
        organisation_id=UUID(world["ept"]["id"]),
        title="Rançongiciel sur le serveur de fichiers",
        description="Partages chiffrés, note de rançon trouvée à 2 h du matin.",
        detected_at=ago(hours=1),
        nature=["confidentiality"],
        activity_ids=[UUID(world["activity"]["id"])],
    )


async def test_numbers_refused_leave_nothing_declared(client):
    world = await bodies(client)
    everything = Scope.everything()
    with pytest.raises(ValidationFailed):
        await declare_with_counts(
            scope=everything,
            facts_scope=everything,
            data=_incident_in(world),
            counts={"approx_subjects": -5},
            now=utcnow(),
        )
    assert await Incident.all().count() == 0
    assert await Breach.all().count() == 0


async def test_numbers_accepted_are_on_every_breach(client):
    world = await bodies(client)
    everything = Scope.everything()
    incident = await declare_with_counts(
        scope=everything,
        facts_scope=everything,
        data=_incident_in(world),
        counts={"approx_subjects": 1350, "approx_records": 5400},
        now=utcnow(),
    )
    breaches = await Breach.filter(incident_id=incident.id)
    assert len(breaches) == 1  # premise: the commune's breach
    assert (breaches[0].approx_subjects, breaches[0].approx_records) == (1350, 5400)
