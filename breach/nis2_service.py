"""NIS2 writes: the significance decision, awareness moved with reasons, the reports' facts,
each report recorded as sent, the intermediate report asked for; and the NIS2 clocks of the
caller's bodies (breach.nis2 holds the rules). Each write is versioned and journaled
(core.persistence): the decision's reasons are journaled as a digest, being free text.

Only the incident's body's people (and instance administrators) reach these: the incident is
read through `Incident.scope_filter`, so another body's incident answers 404.
"""

from datetime import datetime
from typing import Any
from uuid import UUID

from breach import nis2
from breach.incidents import service as incidents
from breach.incidents.models import Incident
from breach.nis2_models import Nis2Incident, Nis2Phase
from breach.nis2_schemas import (
    Nis2AwarenessIn,
    Nis2DeadlineOut,
    Nis2DecisionIn,
    Nis2FactsPatchIn,
    Nis2IntermediateIn,
    Nis2Out,
    Nis2SendingIn,
)
from core.actor import signed_by
from core.errors import NotFound, ValidationFailed
from core.persistence import create_journaled, update_versioned
from core.scope import Scope
from register.organisations.models import Organisation

_FUTURE = "date dans le futur : indiquez l'instant où c'est arrivé"


async def _load(scope: Scope, incident_id: UUID) -> tuple[Incident, Organisation, Any]:
    incident = await incidents.get_incident(scope=scope, incident_id=incident_id)
    org = await Organisation.get(id=incident.organisation_id)
    row = await Nis2Incident.filter(incident_id=incident.id).first()
    return incident, org, row


async def nis2_of(*, scope: Scope, incident_id: UUID, now: datetime) -> Nis2Out:
    incident, org, row = await _load(scope, incident_id)
    return nis2.nis2_view(incident, org, row, now)


async def nis2_if_visible(*, scope: Scope, incident_id: UUID, now: datetime) -> Nis2Out | None:
    """The record for a breach page: None unless the person reads the incident's body and the
    body is an essential or important entity."""
    try:
        record = await nis2_of(scope=scope, incident_id=incident_id, now=now)
    except NotFound:
        return None
    return record if record.applies else None


async def _reread(scope: Scope, incident_id: UUID, now: datetime) -> Nis2Out:
    return await nis2_of(scope=scope, incident_id=incident_id, now=now)


def _not_future(field: str, moment: datetime, now: datetime) -> None:
    if moment > now:
        raise ValidationFailed.one("body", field, msg=_FUTURE)


def _facts_columns(data: Any) -> dict[str, Any]:
    return {name: getattr(data, name) for name in nis2.FACT_FIELDS}


async def decide(
    *, scope: Scope, incident_id: UUID, data: Nis2DecisionIn, now: datetime
) -> Nis2Out:
    """Whether the incident is significant, with reasons (art. 23(3)). Significant: awareness
    is the instant given, else the decision's own, and the 24 h and 72 h clocks start."""
    incident, org, row = await _load(scope, incident_id)
    nis2.require("decide", org.nis2_status, row)
    if row is not None and data.version is None:
        raise ValidationFailed.one(
            "body", "version", msg="la décision existe déjà : indiquez la version lue"
        )
    if data.aware_at is not None:
        _not_future("aware_at", data.aware_at, now)
    values = {
        **_facts_columns(data),
        "significant": data.significant,
        "reasons": data.reasons,
        "decided_at": now,
        "decided_by": signed_by(data.on_behalf_of),
        "thresholds_met": nis2.thresholds_met(org, data),
    }
    values.update(_awareness_on_decision(row, data, now))
    if row is None:
        await create_journaled(
            Nis2Incident, incident_id=incident.id, organisation_id=org.id, **values
        )
    else:
        await update_versioned(
            Nis2Incident, obj_id=row.id, expected_version=data.version, values=values
        )
    return await _reread(scope, incident_id, now)


def _awareness_on_decision(row: Any, data: Nis2DecisionIn, now: datetime) -> dict[str, Any]:
    """A first significant decision sets awareness (given, else now); a later decision keeps
    the awareness recorded unless it names another one (moving it needs the awareness step)."""
    if not data.significant:
        return {}
    if row is not None and row.aware_at is not None:
        if data.aware_at is not None and data.aware_at != row.aware_at:
            raise ValidationFailed.one(
                "body",
                "aware_at",
                msg="la prise de connaissance est déjà enregistrée : la déplacer se fait "
                "par l'étape « prise de connaissance », motifs à l'appui",
            )
        return {}
    aware_at = data.aware_at or now
    return {"aware_at": aware_at, "first_aware_at": aware_at, **nis2.due_from_awareness(aware_at)}


async def move_awareness(
    *, scope: Scope, incident_id: UUID, data: Nis2AwarenessIn, now: datetime
) -> Nis2Out:
    """Awareness corrected: reasons when it moves later; the first instant recorded is kept,
    and a clock already overdue when the move comes keeps its due date (breach.nis2)."""
    _, org, row = await _load(scope, incident_id)
    nis2.require("awareness", org.nis2_status, row)
    _not_future("aware_at", data.aware_at, now)
    later = row.aware_at is not None and data.aware_at > row.aware_at
    reasons = (data.reasons or "").strip() or None
    if later and reasons is None:
        raise ValidationFailed.one(
            "body",
            "reasons",
            msg="prise de connaissance reportée après celle enregistrée : les motifs du "
            "report sont obligatoires",
        )
    values = {
        "aware_at": data.aware_at,
        "first_aware_at": row.first_aware_at or row.aware_at or data.aware_at,
        **nis2.due_after_move(row, data.aware_at, now),
    }
    if reasons is not None:
        values["aware_reasons"] = reasons
    await update_versioned(
        Nis2Incident, obj_id=row.id, expected_version=data.version, values=values
    )
    return await _reread(scope, incident_id, now)


async def update_facts(
    *, scope: Scope, incident_id: UUID, data: Nis2FactsPatchIn, fields: set[str], now: datetime
) -> Nis2Out:
    """The facts the reports and the thresholds read; only those sent are changed."""
    _, org, row = await _load(scope, incident_id)
    nis2.require("facts", org.nis2_status, row)
    values = {name: getattr(data, name) for name in fields if name in nis2.FACT_FIELDS}
    merged = nis2.facts_of(row).model_copy(update=values)
    values["thresholds_met"] = nis2.thresholds_met(org, merged)
    await update_versioned(
        Nis2Incident, obj_id=row.id, expected_version=data.version, values=values
    )
    return await _reread(scope, incident_id, now)


async def record_sending(
    *, scope: Scope, incident_id: UUID, data: Nis2SendingIn, now: datetime
) -> Nis2Out:
    """A report recorded as sent to the CSIRT (through ANSSI's portal): its clock stops; the
    notification starts the final report's month."""
    _, org, row = await _load(scope, incident_id)
    nis2.require("send", org.nis2_status, row, data.phase)
    _not_future("sent_at", data.sent_at, now)
    phase = data.phase.value
    values = {
        f"{phase}_sent_at": data.sent_at,
        f"{phase}_channel": data.channel.value,
        f"{phase}_ref": data.reference,
        **nis2.due_after_sending(data.phase, data.sent_at),
    }
    await update_versioned(
        Nis2Incident, obj_id=row.id, expected_version=data.version, values=values
    )
    return await _reread(scope, incident_id, now)


async def request_intermediate(
    *, scope: Scope, incident_id: UUID, data: Nis2IntermediateIn, now: datetime
) -> Nis2Out:
    """The CSIRT asked for an intermediate report (art. 23(4)(c)), due when it said."""
    _, org, row = await _load(scope, incident_id)
    nis2.require("intermediate", org.nis2_status, row)
    if row.intermediate_sent_at is not None:
        nis2.require("send", org.nis2_status, row, Nis2Phase.INTERMEDIATE)
    await update_versioned(
        Nis2Incident,
        obj_id=row.id,
        expected_version=data.version,
        values={"intermediate_due_at": data.due_at},
    )
    return await _reread(scope, incident_id, now)


async def running(*, scope: Scope, now: datetime) -> list[Nis2DeadlineOut]:
    """Every NIS2 clock still running in the caller's bodies, soonest first."""
    rows = await Nis2Incident.filter(
        significant=True,
        organisation__nis2_status__in=list(nis2.APPLIES),
        **Nis2Incident.scope_filter(scope),
    ).prefetch_related("incident")
    result = [
        Nis2DeadlineOut(
            incident_id=row.incident_id,
            organisation_id=row.organisation_id,
            incident_title=row.incident.title,
            clock=nis2.clock_out(clock, now),
        )
        for row in rows
        for clock in nis2.running_clocks(row)
    ]
    return sorted(result, key=lambda d: d.clock.due_at)
