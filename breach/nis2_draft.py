"""The French draft of a NIS2 report to the CSIRT (ANSSI/CERT-FR), composed from the
incident's facts and its NIS2 record: a preview to copy into ANSSI's portal, never sent from
here (the sending is then recorded, breach.nis2_service.record_sending).

What each report carries (NIS2 art. 23(4), docs/nis2.md):
- early warning: whether the incident is suspected of being caused by unlawful or malicious
  acts, and whether it could have a cross-border impact;
- incident notification: the early warning updated, an initial assessment (severity, impact),
  indicators of compromise where available;
- intermediate report: the relevant status updates, on request;
- final report: a detailed description (severity, impact), the type of threat or root cause,
  the mitigation measures applied and ongoing, the cross-border impact.
"""

from datetime import datetime
from typing import Any
from uuid import UUID

from pydantic import BaseModel

from breach import nis2
from breach.deadlines import format_local
from breach.incidents import service as incidents
from breach.nis2_models import Nis2Incident, Nis2Phase
from core.scope import Scope
from core.templating import render_message
from register.enums import Nis2Status, label
from register.organisations.addresses import body_addresses
from register.organisations.models import Organisation

TEMPLATE = "mail/nis2_report.txt.j2"
TO_COMPLETE = "à compléter"
_STATUS = {
    Nis2Status.ESSENTIAL: "entité essentielle",
    Nis2Status.IMPORTANT: "entité importante",
}
# The facts each report needs, and how a missing one is named in the warnings.
_NEEDED = {
    Nis2Phase.EARLY_WARNING: (
        ("malicious", "acte malveillant"),
        ("cross_border", "transfrontière"),
    ),
    Nis2Phase.NOTIFICATION: (
        ("malicious", "acte malveillant"),
        ("cross_border", "transfrontière"),
        ("severity", "gravité"),
        ("impact", "impact"),
        ("indicators", "indicateurs de compromission"),
    ),
    Nis2Phase.INTERMEDIATE: (("severity", "gravité"), ("impact", "impact")),
    Nis2Phase.FINAL: (
        ("severity", "gravité"),
        ("impact", "impact"),
        ("threat", "type de menace ou cause première"),
        ("mitigation", "mesures d'atténuation"),
        ("cross_border", "transfrontière"),
    ),
}


class Nis2DraftOut(BaseModel):
    """A report as it would be sent now: nothing is written."""

    phase: Nis2Phase
    subject: str
    body: str
    warnings: list[str] = []


def _yes_no(value: bool | None, yes: str, no: str) -> str:
    if value is None:
        return f"{TO_COMPLETE} (inconnu à ce stade)"
    return yes if value else no


def _when(moment: datetime | None, missing: str = "inconnu à ce stade") -> str:
    return format_local(moment) if moment else missing


def _incident_context(incident: Any) -> dict[str, Any]:
    return {
        "title": incident.title,
        "description": incident.description,
        "system": incident.system,
        "detected": _when(incident.detected_at),
        "started": _when(incident.started_at)
        + (" (estimation)" if incident.started_at and incident.start_is_estimate else ""),
        "ongoing": incident.ongoing,
        "ended": _when(incident.ended_at, "non indiquée"),
        "nature": ", ".join(label(n) for n in incident.nature) or "non indiquée",
        "origin": label(incident.origin) if incident.origin else "inconnue à ce stade",
        "cause": label(incident.cause) if incident.cause else "inconnue à ce stade",
        "breach_count": len(incident.breach_ids),
    }


def _row_context(row: Nis2Incident, org: Organisation) -> dict[str, Any]:
    return {
        "aware": _when(row.aware_at),
        "malicious": _yes_no(
            row.malicious,
            "oui, un acte illicite ou malveillant est suspecté",
            "non, aucun acte illicite ou malveillant n'est suspecté à ce stade",
        ),
        "cross_border": _yes_no(
            row.cross_border,
            "oui, un impact transfrontière est possible",
            "non, aucun impact transfrontière n'est identifié",
        ),
        "severity": row.severity or TO_COMPLETE,
        "impact": row.impact or TO_COMPLETE,
        "indicators": row.indicators or "aucun disponible à ce stade",
        "threat": row.threat or TO_COMPLETE,
        "mitigation": row.mitigation or TO_COMPLETE,
        "unavailability": row.unavailability_hours,
        "people": row.people_affected,
        "loss": nis2.euros(row.financial_loss_eur) if row.financial_loss_eur is not None else None,
        "thresholds": [t.label for t in nis2.thresholds(org, nis2.facts_of(row)) if t.met],
        "early_warning_sent": _when(row.early_warning_sent_at, "non envoyée"),
        "early_warning_ref": row.early_warning_ref,
        "notification_sent": _when(row.notification_sent_at, "non envoyée"),
        "notification_ref": row.notification_ref,
    }


def _warnings(row: Nis2Incident, phase: Nis2Phase) -> list[str]:
    missing = [name for field, name in _NEEDED[phase] if getattr(row, field) is None]
    if not missing:
        return []
    return [f"À compléter avant l'envoi : {', '.join(missing)}."]


async def nis2_draft(
    *, scope: Scope, incident_id: UUID, phase: Nis2Phase, now: datetime
) -> Nis2DraftOut:
    """The report's draft; 409 unless the incident was decided significant (NIS2 applies)."""
    incident = await incidents.get_incident(scope=scope, incident_id=incident_id)
    org = await Organisation.get(id=incident.organisation_id)
    row = await Nis2Incident.filter(incident_id=incident.id).first()
    nis2.require("awareness", org.nis2_status, row)
    contacts = (await body_addresses([org.id]))[org.id]
    due = getattr(row, f"{phase.value}_due_at")
    rendered = render_message(
        TEMPLATE,
        {
            "phase": phase.value,
            "phase_label": label(phase),
            "written": format_local(now),
            "org_name": org.legal_name,
            "siren": org.siren,
            "status": _STATUS.get(Nis2Status(org.nis2_status), "statut NIS 2 non renseigné"),
            "contact": ", ".join([*contacts.rssi, *contacts.dpo]) or TO_COMPLETE,
            "due": _when(due, "pas d'échéance enregistrée"),
            "incident": _incident_context(await incidents.incident_out(incident)),
            **_row_context(row, org),
        },
    )
    return Nis2DraftOut(
        phase=phase, subject=rendered.subject, body=rendered.body, warnings=_warnings(row, phase)
    )
