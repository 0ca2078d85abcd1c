"""A live incident for the demo: the EPT's server hosting Juvisy's processing is hit, so a
newcomer sees the fan-out and a running clock at once."""

from datetime import datetime, timedelta

from breach.enums import BreachNature, IncidentCause, IncidentOrigin
from breach.incidents.models import Incident
from breach.incidents.schemas import IncidentIn
from breach.incidents.service import declare_incident
from core.scope import Scope
from register.activities.models import ProcessingActivity
from register.organisations.models import Organisation

DEMO_INCIDENT_TITLE = "Rançongiciel sur un serveur de fichiers mutualisé"


async def load_demo_incident(*, scope: Scope, now: datetime) -> bool:
    """Declare the demo incident once (detected ten hours before `now`); False if present."""
    gosb = await Organisation.get(siren="200058014")
    # The title is encrypted at rest: compared once read, not in SQL (the EPT has few incidents).
    if any(i.title == DEMO_INCIDENT_TITLE for i in await Incident.filter(organisation_id=gosb.id)):
        return False
    juvisy_refs = ("JUV-01", "JUV-02")
    activities = await ProcessingActivity.filter(ref__in=juvisy_refs).values_list("id", flat=True)
    await declare_incident(
        scope=scope,
        now=now,
        data=IncidentIn(
            organisation_id=gosb.id,
            title=DEMO_INCIDENT_TITLE,
            description=(
                "Chiffrement des partages d'un serveur de fichiers hébergé par la DSI de l'EPT, "
                "qui porte des dossiers de la commune de Juvisy-sur-Orge. Exfiltration non exclue "
                "à ce stade (démonstration)."
            ),
            system="Serveur de fichiers mutualisé (démonstration)",
            started_at=now - timedelta(hours=14),
            start_is_estimate=True,
            detected_at=now - timedelta(hours=10),
            nature=[BreachNature.AVAILABILITY, BreachNature.CONFIDENTIALITY],
            origin=IncidentOrigin.HACKING_MALWARE_PHISHING,
            cause=IncidentCause.EXTERNAL_MALICIOUS,
            on_behalf_of="le RSSI de l'EPT (démonstration)",
            activity_ids=list(activities),
        ),
    )
    return True
