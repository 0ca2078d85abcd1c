"""Pages: declaring an incident, and an incident's page (its facts, corrected there, and the
breaches it opened that the person may read).

DECLARE_INCIDENT to declare, READ_BREACHES to read, UPDATE_INCIDENT to correct the facts, as
the JSON API (api/routes/breaches.py).
"""

from uuid import UUID

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse

from api.web import breach_forms as forms
from api.web.forms import FormErrors, Values, errors_from, local_value
from api.web.render import page, path_for, principal_of
from api.web.routes.violations.common import (
    INCIDENT_CONFLICT,
    Failure,
    choices,
    field_title,
    forbidden,
    not_found,
)
from breach.incident_declaration import declare_with_counts
from breach.incident_sheet import incident_sheet
from breach.incidents import service as incidents
from breach.incidents.choices import body_conventions, declarable_bodies, touchable_activities
from core.accounts.roles import Permission
from core.clock import utcnow
from core.errors import Conflict, NotFound, ValidationFailed

router = APIRouter(include_in_schema=False)


# Déclarer un incident -----------------------------------------------------------------------


async def _declare_page(
    request: Request,
    *,
    chosen: str | None,
    values: Values | None = None,
    errors: FormErrors | None = None,
    status: int = 200,
) -> HTMLResponse:
    principal = principal_of(request)
    scope = principal.scope(Permission.DECLARE_INCIDENT)
    bodies = await declarable_bodies(scope)
    ids = {b.value for b in bodies}
    if chosen not in ids:
        chosen = bodies[0].value if len(bodies) == 1 else None
    groups, conventions = [], []
    if chosen:
        body_id = UUID(chosen)
        groups = await touchable_activities(scope=scope, organisation_id=body_id)
        conventions = await body_conventions(scope=scope, organisation_id=body_id)
    if values is None:
        values = Values({"detected_at": local_value(utcnow()), "ongoing": "on"})
    return page(
        request,
        "violations/declare.html.j2",
        status=status,
        bodies=bodies,
        chosen=chosen,
        chosen_name=next((b.label for b in bodies if b.value == chosen), ""),
        groups=groups,
        conventions=conventions,
        values=values,
        errors=errors,
        choices=choices,
        field_title=field_title,
    )


@router.get("/incidents/declarer", name="incidents.declare_form")
async def declare_form(request: Request, organisme: str | None = None):
    if principal_of(request).scope(Permission.DECLARE_INCIDENT).is_empty:
        return forbidden(request)
    return await _declare_page(request, chosen=organisme)


@router.post("/incidents/declarer", name="incidents.declare")
async def declare(request: Request):
    principal = principal_of(request)
    scope = principal.scope(Permission.DECLARE_INCIDENT)
    if scope.is_empty:
        return forbidden(request)
    form = await request.form()
    try:
        counts = forms.declared_counts(form)
        data = forms.incident_in(form)
        incident = await declare_with_counts(
            scope=scope,
            facts_scope=principal.scope(Permission.UPDATE_INCIDENT),
            data=data,
            counts=counts,
            now=utcnow(),
        )
    except ValidationFailed as exc:
        return await _declare_page(
            request,
            chosen=str(form.get("organisation_id") or ""),
            values=Values.of(form),
            errors=errors_from(exc),
            status=422,
        )
    return RedirectResponse(
        path_for(request, "incidents.sheet", incident_id=incident.id) + "?fait=incident-declare",
        status_code=303,
    )


# L'incident ---------------------------------------------------------------------------------


INCIDENT_FIELD_LABELS = {
    "title": "titre",
    "description": "ce qui s'est passé",
    "system": "système",
    "detected_at": "heure de détection",
    "started_at": "début",
    "start_is_estimate": "début estimé",
    "ongoing": "en cours",
    "ended_at": "fin",
    "nature": "nature",
    "origin": "origine",
    "cause": "cause",
    "detection_later_reasons": "motifs d'une détection reportée",
}


def _incident_values(incident) -> Values:
    return Values(
        {
            "title": incident.title,
            "description": incident.description,
            "system": incident.system,
            "detected_at": local_value(incident.detected_at),
            "started_at": local_value(incident.started_at),
            "start_is_estimate": "on" if incident.start_is_estimate else "",
            "ongoing": "on" if incident.ongoing else "",
            "ended_at": local_value(incident.ended_at),
            "nature": [n.value for n in incident.nature],
            "origin": incident.origin.value if incident.origin else "",
            "cause": incident.cause.value if incident.cause else "",
        }
    )


async def _incident_page(
    request: Request, incident_id: UUID, *, status: int = 200, failure: Failure | None = None
) -> HTMLResponse:
    principal = principal_of(request)
    if principal.scope(Permission.READ_BREACHES).is_empty:
        return forbidden(request)
    try:
        sheet = await incident_sheet(principal, incident_id, utcnow())
    except NotFound:
        return not_found(request)
    return page(
        request,
        "violations/incident.html.j2",
        status=status,
        **sheet.context(),
        values=failure.values if failure else _incident_values(sheet.incident),
        errors=failure.errors if failure else None,
        choices=choices,
        field_labels=INCIDENT_FIELD_LABELS,
        field_title=field_title,
    )


@router.get("/incidents/{incident_id}", name="incidents.sheet")
async def incident_page(request: Request, incident_id: str):
    found = forms.uuid_or_none(incident_id)
    if found is None:
        return not_found(request)
    return await _incident_page(request, found)


@router.post("/incidents/{incident_id}/faits", name="incidents.facts")
async def update_incident(request: Request, incident_id: UUID):
    principal = principal_of(request)
    scope = principal.scope(Permission.UPDATE_INCIDENT)
    if scope.is_empty:
        return forbidden(request)
    form = await request.form()
    try:
        version, patch = forms.incident_facts_patch(form)
        await incidents.update_incident_facts(
            scope=scope,
            incident_id=incident_id,
            version=version,
            patch=patch,
            on_behalf_of=None,
            now=utcnow(),
        )
    except NotFound:
        return not_found(request)
    except ValidationFailed as exc:
        failure = Failure("incident", errors_from(exc), Values.of(form))
        return await _incident_page(request, incident_id, status=422, failure=failure)
    except Conflict:
        failure = Failure("incident", FormErrors(general=[INCIDENT_CONFLICT]), Values.of(form))
        return await _incident_page(request, incident_id, status=409, failure=failure)
    return RedirectResponse(
        path_for(request, "incidents.sheet", incident_id=incident_id)
        + "?fait=incident-modifie#faits",
        status_code=303,
    )
