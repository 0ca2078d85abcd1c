"""The incident page's view model (breach.incident_sheet): the breaches an incident opened,
only those the person may read, in the same number of queries for one breach as for many."""

from uuid import UUID, uuid4

import pytest

from breach.incident_sheet import incident_sheet
from core.accounts.roles import Role
from core.accounts.service import create_user, grant, principal_for
from core.clock import utcnow
from core.errors import NotFound
from tests.factories import API, ago, iso, make_activity, make_convention, make_org
from tests.queries import counted_queries


async def _processor_incident(client, ept: dict, communes: list[dict]) -> dict:
    """An incident on the EPT's system touching one activity of each commune it serves."""
    activities = []
    for commune in communes:
        convention = await make_convention(client, processor=ept, controller=commune)
        activity = await make_activity(
            client, controller=commune, convention_ids=[convention["id"]]
        )
        activities.append(activity["id"])
    response = await client.post(
        f"{API}/incidents",
        json={
            "organisation_id": ept["id"],
            "title": "Rançongiciel sur le serveur de fichiers",
            "description": "Chiffrement des partages réseau.",
            "detected_at": iso(ago(hours=2)),
            "nature": ["availability"],
            "activity_ids": activities,
        },
    )
    assert response.status_code == 201, response.text
    return response.json()


async def _principal(email: str, org: dict, role: Role):
    user = await create_user(email=email, name=email, password=None)
    await grant(user, organisation_id=org["id"], role=role)
    return await principal_for(user)


async def test_one_breach_or_four_cost_the_same_queries(client, db):
    ept = await make_org(client, kind="ept")
    one = await _processor_incident(client, ept, [await make_org(client)])
    four = await _processor_incident(client, ept, [await make_org(client) for _ in range(4)])
    rssi = await _principal("rssi-ept@registre-rgpd.test", ept, Role.SECURITY_OFFICER)

    counted = {}
    for incident in (one, four):
        async with counted_queries() as statements:
            sheet = await incident_sheet(rssi, UUID(incident["id"]), utcnow())
        counted[len(sheet.breaches)] = len(statements)

    assert sorted(counted) == [1, 4], "each incident opens one breach per commune served"
    assert counted[1] == counted[4], counted


async def test_the_incident_reads_as_missing_outside_the_declaring_body(client, db):
    ept = await make_org(client, kind="ept")
    communes = [await make_org(client) for _ in range(3)]
    incident = await _processor_incident(client, ept, communes)
    auditor = await _principal("audit-ept@registre-rgpd.test", ept, Role.AUDITOR)
    rssi = await _principal("rssi-ept@registre-rgpd.test", ept, Role.SECURITY_OFFICER)
    commune_dpo = await _principal("dpd-commune@registre-rgpd.test", communes[1], Role.DPO)

    seen_by_auditor = await incident_sheet(auditor, UUID(incident["id"]), utcnow())
    seen_by_rssi = await incident_sheet(rssi, UUID(incident["id"]), utcnow())

    assert {str(b.controller_id) for b in seen_by_rssi.breaches} == {c["id"] for c in communes}
    assert set(map(str, seen_by_rssi.names)) == {ept["id"], *(c["id"] for c in communes)}
    assert seen_by_rssi.can_update
    assert len(seen_by_auditor.breaches) == 3
    assert not seen_by_auditor.can_update
    # A controller reads its own breach on its breach page; the processor's incident, as the
    # processor's record, answers to it exactly as an incident that does not exist.
    with pytest.raises(NotFound):
        await incident_sheet(commune_dpo, UUID(incident["id"]), utcnow())
    with pytest.raises(NotFound):
        await incident_sheet(rssi, uuid4(), utcnow())
