"""Pages: declaring an incident, the list of breaches, and each breach's workflow.

Every page calls the services the JSON API calls (api/routes/breaches.py), with the same
permission for the same act: DECLARE_INCIDENT, UPDATE_INCIDENT, READ_BREACHES,
INFORM_CONTROLLER, MANAGE_BREACH. A form is shown only when the breach allows the step
(`allowed_actions`) and the person's role allows it for this breach. Every POST answers with
a redirect to the breach (`?fait=…`), or with the page again: 422 with each refusal beside its
field, 409 when the breach changed meanwhile or the step is not possible now.
"""

import re
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any
from uuid import UUID

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse
from starlette.datastructures import FormData

from api.web import breach_forms as forms
from api.web.breach_forms import Values, local_value, prefixed
from api.web.forms import FormErrors, errors_from
from api.web.render import page, principal_of
from breach.breach_sheet import breach_sheet
from breach.breaches import service, workflow
from breach.breaches.names import activity_labels, body_names, breach_controllers
from breach.breaches.schemas import BreachOut
from breach.enums import (
    BreachStatus,
    NotificationChannel,
    NotificationRecipient,
)
from breach.incidents import service as incidents
from breach.incidents.choices import body_conventions, declarable_bodies, touchable_activities
from breach.messages import service as messages
from core.accounts.roles import Permission, Principal
from core.clock import utcnow
from core.config import get_settings
from core.errors import Conflict, InvalidTransition, NotFound, ValidationFailed
from core.scope import Scope
from register.enums import catalogue, label

router = APIRouter(include_in_schema=False)

CONFLICT = (
    "Quelqu'un a modifié cette violation pendant que vous remplissiez le formulaire : la page "
    "montre maintenant sa dernière version. Vérifiez-la, puis validez de nouveau."
)

INCIDENT_CONFLICT = (
    "Quelqu'un a modifié cet incident pendant que vous remplissiez le formulaire : la page "
    "montre maintenant sa dernière version. Vérifiez-la, puis validez de nouveau."
)

EVENT_LABELS = {
    "declare": "Déclaration de l'incident",
    "update_facts": "Faits complétés",
    "record_controller_informed": "Responsable de traitement informé",
    "record_awareness": "Prise de connaissance",
    "assess": "Évaluation de la gravité",
    "decide": "Décision",
    "notify_cnil_initial": "Notification initiale à la CNIL",
    "notify_cnil_complementary": "Notification complémentaire à la CNIL",
    "inform_people": "Communication aux personnes concernées",
    "record_cnil_reference": "Numéro de dossier CNIL",
    "close": "Clôture",
    "follow_detection": "Heure de détection corrigée",
}
STATUS_LABELS = {s.value: label(s) for s in BreachStatus}
FACT_LABELS = {
    "data_categories": "catégories de données",
    "subject_categories": "catégories de personnes",
    "approx_subjects": "nombre de personnes",
    "subjects_is_estimate": "estimation du nombre de personnes",
    "approx_records": "nombre d'enregistrements",
    "consequences": "conséquences",
    "consequences_detail": "précisions sur les conséquences",
    "measures_taken": "mesures prises",
    "measures_planned": "mesures envisagées",
}
PEOPLE_CHANNELS = [c for c in NotificationChannel if c not in (NotificationChannel.TELESERVICE,)]
DELTAS = ["-2", "-1.5", "-1", "-0.5", "0.5", "1", "1.5", "2"]


# What each field is called in the error summary at the top of a form ("Titre : champ
# obligatoire manquant"); beside the field, its own label says it already.
FIELD_NAMES = {
    "organisation_id": "Organisme touché",
    "title": "Titre",
    "description": "Ce qui s'est passé",
    "system": "Système touché",
    "detected_at": "Détecté le",
    "started_at": "Début",
    "start_is_estimate": "Début estimé",
    "ongoing": "En cours",
    "ended_at": "Fin",
    "nature": "Nature de l'atteinte",
    "origin": "Origine",
    "cause": "Cause",
    "activity_ids": "Traitements concernés",
    "convention_ids": "Conventions concernées",
    "version": "Version de la page",
    "facts-data_categories": "Catégories de données",
    "facts-subject_categories": "Catégories de personnes",
    "facts-approx_subjects": "Nombre approximatif de personnes",
    "facts-approx_records": "Nombre approximatif d'enregistrements",
    "facts-consequences": "Conséquences probables",
    "facts-consequences_detail": "Précisions sur les conséquences",
    "facts-measures_taken": "Mesures prises",
    "facts-measures_planned": "Mesures envisagées",
    "notice-to_addrs": "Destinataires",
    "notice-late_reason": "Raisons du retard",
    "aware-aware_at": "Prise de connaissance le",
    "aware-rationale": "Pourquoi à ce moment",
    "assess-context": "Contexte du traitement",
    "assess-identification": "Facilité d'identification",
    "assess-confidentiality": "Perte de confidentialité",
    "assess-integrity": "Perte d'intégrité",
    "assess-availability": "Perte de disponibilité",
    "assess-adjustments": "Ajustements du contexte",
    "decision-risk_level": "Niveau de risque",
    "decision-notify_cnil": "Notifier la CNIL",
    "decision-inform_people": "Information des personnes concernées",
    "decision-art34_exemption": "Exception à l'information des personnes",
    "decision-reasons": "Motifs de la décision",
    "decision-on_behalf_of": "Pour le compte de",
    "cnil-sent_at": "Notifiée le",
    "cnil-channel": "Canal",
    "cnil-external_ref": "Numéro de dossier CNIL",
    "cnil-late_reason": "Raisons du retard",
    "cnil-summary": "Résumé",
    "people-sent_at": "Communiquée le",
    "people-channel": "Canal",
    "people-addresses": "Adresses électroniques des personnes",
    "people-summary": "Résumé",
    "close-reasons": "Motifs de la clôture",
}
ADJUSTMENT_FIELD = re.compile(r"^assess-adjustments-(\d+)-(delta|justification)$")


def field_title(name: str) -> str:
    if name in FIELD_NAMES:
        return FIELD_NAMES[name]
    if found := ADJUSTMENT_FIELD.match(name):
        row = int(found.group(1)) + 1
        return f"Ajustement {row}" if found.group(2) == "delta" else f"Justification {row}"
    if name.startswith("ref-") and name.endswith("-external_ref"):
        return "Numéro de dossier CNIL"
    if name.startswith("assess-adjustments"):
        return "Ajustements du contexte"
    return ""


# Small helpers ------------------------------------------------------------------------------


def french_number(value: Any) -> str:
    """'0.50' → '0,5', '-1' → '−1' (the assessment's numbers as stored, written in French)."""
    try:
        number = Decimal(str(value))
    except (InvalidOperation, ValueError):
        return str(value)
    written = f"{abs(number).normalize():f}".replace(".", ",")
    return f"−{written}" if number < 0 else written


def signed(value: str) -> str:
    return ("+" if not value.startswith("-") else "") + french_number(value)


def choices(name: str) -> list[dict[str, str]]:
    return catalogue()[name]


def error_page(request: Request, code: int) -> HTMLResponse:
    return page(request, "error.html.j2", status=code, code=code)


def forbidden(request: Request) -> HTMLResponse:
    return error_page(request, 403)


def not_found(request: Request) -> HTMLResponse:
    return error_page(request, 404)


def event_note(event) -> str:
    """An event's note as a person reads it (the facts step notes the fields it changed)."""
    if event.action == "update_facts" and event.note:
        names = [FACT_LABELS.get(n.strip(), n.strip()) for n in event.note.split(",")]
        return "Modifié : " + ", ".join(names)
    return event.note or ""


# What the breach page's template uses besides the breach: labels, choices, formatters.
BREACH_PAGE_CONSTANTS = {
    "num": french_number,
    "signed": signed,
    "choices": choices,
    "deltas": [{"value": d, "label": signed(d)} for d in DELTAS],
    "people_channels": [{"value": c.value, "label": label(c)} for c in PEOPLE_CHANNELS],
    "event_labels": EVENT_LABELS,
    "event_note": event_note,
    "status_labels": STATUS_LABELS,
    "adjustment_rows": range(forms.ADJUSTMENT_ROWS),
    "cnil": NotificationRecipient.CNIL,
    "field_title": field_title,
}


def changed_only(current: BreachOut, patch: dict[str, Any]) -> dict[str, Any]:
    """The fields a full form really changes (so the history names only those)."""
    before = current.model_dump(mode="json", include=set(patch))

    def same(a: Any, b: Any) -> bool:
        if isinstance(a, list) and isinstance(b, list):
            return sorted(map(str, a)) == sorted(map(str, b))
        return a == b

    return {name: value for name, value in patch.items() if not same(before[name], value)}


def next_clock(breach: BreachOut):
    return min(breach.countdowns, key=lambda c: c.due_at) if breach.countdowns else None


@dataclass
class Failure:
    """The form that was refused, what was typed in it, and why."""

    form: str
    errors: FormErrors
    values: Values


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


@router.get("/incidents/declarer")
async def declare_form(request: Request, organisme: str | None = None):
    if principal_of(request).scope(Permission.DECLARE_INCIDENT).is_empty:
        return forbidden(request)
    return await _declare_page(request, chosen=organisme)


@router.post("/incidents/declarer")
async def declare(request: Request):
    principal = principal_of(request)
    scope = principal.scope(Permission.DECLARE_INCIDENT)
    if scope.is_empty:
        return forbidden(request)
    form = await request.form()
    try:
        data = forms.incident_in(form)
        incident = await incidents.declare_incident(scope=scope, data=data, now=utcnow())
    except ValidationFailed as exc:
        return await _declare_page(
            request,
            chosen=str(form.get("organisation_id") or ""),
            values=Values.of(form),
            errors=errors_from(exc),
            status=422,
        )
    return RedirectResponse(f"/incidents/{incident.id}?fait=incident-declare", status_code=303)


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
    scope = principal.scope(Permission.READ_BREACHES)
    if scope.is_empty:
        return forbidden(request)
    try:
        incident = await incidents.incident_out(
            await incidents.get_incident(scope=scope, incident_id=incident_id)
        )
    except NotFound:
        return not_found(request)
    now = utcnow()
    rows = []
    for breach_id in incident.breach_ids:
        try:
            rows.append(await service.get_breach(scope=scope, breach_id=breach_id))
        except NotFound:
            continue  # another controller's breach this person may not read
    breaches = await service.breaches_seen(rows, scope=scope, now=now)
    names = await body_names([incident.organisation_id, *(b.controller_id for b in breaches)])
    return page(
        request,
        "violations/incident.html.j2",
        status=status,
        incident=incident,
        breaches=breaches,
        names=names,
        activities=await activity_labels(incident.activity_ids),
        can_update=principal.scope(Permission.UPDATE_INCIDENT).allows(incident.organisation_id),
        values=failure.values if failure else _incident_values(incident),
        errors=failure.errors if failure else None,
        choices=choices,
        field_labels=INCIDENT_FIELD_LABELS,
        field_title=field_title,
    )


@router.get("/incidents/{incident_id}")
async def incident_page(request: Request, incident_id: str):
    found = forms.uuid_or_none(incident_id)
    if found is None:
        return not_found(request)
    return await _incident_page(request, found)


@router.post("/incidents/{incident_id}/faits")
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
        f"/incidents/{incident_id}?fait=incident-modifie#faits", status_code=303
    )


# La liste des violations --------------------------------------------------------------------


@router.get("/violations")
async def breach_list(request: Request, etat: str = "ouvertes", organisme: str | None = None):
    principal = principal_of(request)
    scope = principal.scope(Permission.READ_BREACHES)
    if scope.is_empty:
        return forbidden(request)
    now = utcnow()
    limit = get_settings().max_page_size
    controllers = await breach_controllers(scope)
    controller_id = forms.uuid_or_none(organisme)
    if controller_id not in {c for c, _ in controllers}:
        controller_id = None
    common = {"scope": scope, "limit": limit, "offset": 0, "now": now}
    common["controller_id"] = controller_id
    open_page = await service.list_breaches(**common, open_only=True)
    shown = sorted(
        open_page.items,
        key=lambda b: (next_clock(b) is None, next_clock(b).due_at if next_clock(b) else now),
    )
    total = open_page.total
    if etat == "toutes":
        closed = await service.list_breaches(**common, status=BreachStatus.CLOSED)
        shown += closed.items
        total += closed.total
    else:
        etat = "ouvertes"
    names = await body_names([b.controller_id for b in shown] + [b.source_org_id for b in shown])
    return page(
        request,
        "violations/list.html.j2",
        breaches=shown,
        total=total,
        names=names,
        etat=etat,
        controllers=controllers,
        organisme=str(controller_id) if controller_id else "",
        next_clock=next_clock,
    )


# La page d'une violation --------------------------------------------------------------------


def _defaults(breach: BreachOut, principal: Principal, now_local: str) -> dict[str, Values]:
    assessed = (breach.assessment or {}).get("inputs") or {}
    adjustments = {}
    for index, row in enumerate(assessed.get("adjustments") or []):
        adjustments[f"assess-adjustments-{index}-delta"] = str(
            Decimal(str(row["delta"])).normalize()
        )
        adjustments[f"assess-adjustments-{index}-justification"] = row["justification"]
    notify = {True: "oui", False: "non"}.get(breach.notify_cnil, "")
    return {
        "facts": Values(
            {
                "facts-data_categories": [c.value for c in breach.data_categories],
                "facts-subject_categories": [c.value for c in breach.subject_categories],
                "facts-approx_subjects": breach.approx_subjects,
                "facts-subjects_is_estimate": "on" if breach.subjects_is_estimate else "",
                "facts-approx_records": breach.approx_records,
                "facts-consequences": [c.value for c in breach.consequences],
                "facts-consequences_detail": breach.consequences_detail,
                "facts-measures_taken": breach.measures_taken,
                "facts-measures_planned": breach.measures_planned,
            }
        ),
        "notice": Values(),
        "aware": Values({"aware-aware_at": local_value(breach.aware_at) or now_local}),
        "assess": Values(
            {
                "assess-context": assessed.get("context"),
                "assess-identification": assessed.get("identification"),
                "assess-confidentiality": assessed.get("confidentiality", "none"),
                "assess-integrity": assessed.get("integrity", "none"),
                "assess-availability": assessed.get("availability", "none"),
                "assess-malicious": "on" if assessed.get("malicious") else "",
                **adjustments,
            }
        ),
        "decision": Values(
            {
                "decision-risk_level": breach.risk_level.value if breach.risk_level else "",
                "decision-notify_cnil": notify,
                "decision-inform_people": (
                    breach.inform_people.value if breach.inform_people else ""
                ),
                "decision-art34_exemption": (
                    breach.art34_exemption.value if breach.art34_exemption else ""
                ),
                "decision-reasons": breach.decision_reasons,
            }
        ),
        "cnil": Values({"cnil-sent_at": now_local, "cnil-channel": "teleservice"}),
        "people": Values({"people-sent_at": now_local, "people-channel": "email"}),
        "close": Values(),
    }


async def breach_page(
    request: Request,
    breach_id: UUID,
    *,
    status: int = 200,
    failure: Failure | None = None,
    phase: str | None = None,
) -> HTMLResponse:
    principal = principal_of(request)
    if principal.scope(Permission.READ_BREACHES).is_empty:
        return forbidden(request)
    now = utcnow()
    wanted = phase or (failure.values.get("cnil-phase") if failure else None)
    try:
        sheet = await breach_sheet(principal, breach_id, now=now, wanted_phase=wanted)
    except NotFound:
        return not_found(request)
    values = _defaults(sheet.b, principal, local_value(now))
    if failure is not None:
        values[failure.form] = failure.values
    return page(
        request,
        "violations/breach.html.j2",
        status=status,
        **sheet.context(),
        values=values,
        failure=failure,
        errs=(lambda form: failure.errors if failure and failure.form == form else None),
        **BREACH_PAGE_CONSTANTS,
    )


@router.get("/violations/{breach_id}")
async def breach_detail(request: Request, breach_id: str, phase: str | None = None):
    found = forms.uuid_or_none(breach_id)
    if found is None:
        return not_found(request)
    return await breach_page(request, found, phase=phase)


async def _step(
    request: Request,
    breach_id: UUID,
    *,
    step: str,
    form_key: str,
    act: Callable[[Scope, FormData, Principal], Awaitable[Any]],
    done: str,
    anchor: str,
) -> HTMLResponse | RedirectResponse:
    """One step of the workflow posted from the breach page, under the step's permission."""
    principal = principal_of(request)
    scope = principal.scope(workflow.permission(step))
    if scope.is_empty:
        return forbidden(request)
    form = await request.form()
    try:
        await act(scope, form, principal)
    except NotFound:
        return not_found(request)
    except ValidationFailed as exc:
        errors = prefixed(errors_from(exc), f"{form_key}-")
        failure = Failure(form_key, errors, Values.of(form))
        return await breach_page(request, breach_id, status=422, failure=failure)
    except Conflict:
        failure = Failure(form_key, FormErrors(general=[CONFLICT]), Values.of(form))
        return await breach_page(request, breach_id, status=409, failure=failure)
    except InvalidTransition as exc:
        message = str(exc)
        failure = Failure(
            form_key, FormErrors(general=[message[0].upper() + message[1:]]), Values.of(form)
        )
        return await breach_page(request, breach_id, status=409, failure=failure)
    return RedirectResponse(f"/violations/{breach_id}?fait={done}#{anchor}", status_code=303)


@router.post("/violations/{breach_id}/faits")
async def update_facts(request: Request, breach_id: UUID):
    async def act(scope: Scope, form: FormData, principal: Principal):
        version, patch = forms.facts_patch(form, "facts-")
        now = utcnow()
        current = await service.breach_out(
            await service.get_breach(scope=scope, breach_id=breach_id), now=now
        )
        patch = changed_only(current, patch)
        if patch:
            await service.update_facts(
                scope=scope, breach_id=breach_id, version=version, patch=patch, now=now
            )

    return await _step(
        request,
        breach_id,
        step="update_facts",
        form_key="facts",
        act=act,
        done="faits-violation",
        anchor="faits",
    )


@router.post("/violations/{breach_id}/notice")
async def send_notice(request: Request, breach_id: UUID):
    async def act(scope: Scope, form: FormData, principal: Principal):
        data = forms.notice_in(form, "notice-")
        await messages.send_controller_notice(
            scope=scope, breach_id=breach_id, data=data, now=utcnow()
        )

    return await _step(
        request,
        breach_id,
        step="record_controller_informed",
        form_key="notice",
        act=act,
        done="notice-envoyee",
        anchor="informer",
    )


@router.post("/violations/{breach_id}/connaissance")
async def awareness(request: Request, breach_id: UUID):
    async def act(scope: Scope, form: FormData, principal: Principal):
        data = forms.awareness_in(form, "aware-")
        await service.record_awareness(scope=scope, breach_id=breach_id, data=data, now=utcnow())

    return await _step(
        request,
        breach_id,
        step="record_awareness",
        form_key="aware",
        act=act,
        done="connaissance",
        anchor="connaissance",
    )


@router.post("/violations/{breach_id}/evaluation")
async def assess(request: Request, breach_id: UUID):
    async def act(scope: Scope, form: FormData, principal: Principal):
        data = forms.assessment_in(form, "assess-")
        await service.assess(scope=scope, breach_id=breach_id, data=data, now=utcnow())

    return await _step(
        request,
        breach_id,
        step="assess",
        form_key="assess",
        act=act,
        done="evaluation",
        anchor="evaluation",
    )


@router.post("/violations/{breach_id}/decision")
async def decide(request: Request, breach_id: UUID):
    async def act(scope: Scope, form: FormData, principal: Principal):
        data = forms.decision_in(form, "decision-")
        await service.decide(scope=scope, breach_id=breach_id, data=data, now=utcnow())

    return await _step(
        request,
        breach_id,
        step="decide",
        form_key="decision",
        act=act,
        done="decision",
        anchor="decision",
    )


@router.post("/violations/{breach_id}/notifications")
async def notify_cnil(request: Request, breach_id: UUID):
    async def act(scope: Scope, form: FormData, principal: Principal):
        now = utcnow()
        data = forms.cnil_notification_in(form, "cnil-", now=now)
        await messages.record_notification(scope=scope, breach_id=breach_id, data=data, now=now)

    return await _step(
        request,
        breach_id,
        step="notify_cnil_initial",
        form_key="cnil",
        act=act,
        done="notification",
        anchor="notifications",
    )


@router.post("/violations/{breach_id}/notifications/{notification_id}/reference")
async def cnil_reference(request: Request, breach_id: UUID, notification_id: UUID):
    key = f"ref-{notification_id}"

    async def act(scope: Scope, form: FormData, principal: Principal):
        data = forms.reference_in(form, f"{key}-")
        await service.record_cnil_reference(
            scope=scope,
            breach_id=breach_id,
            notification_id=notification_id,
            data=data,
            now=utcnow(),
        )

    return await _step(
        request,
        breach_id,
        step="record_cnil_reference",
        form_key=key,
        act=act,
        done="reference-cnil",
        anchor="notifications",
    )


@router.post("/violations/{breach_id}/personnes")
async def inform_people(request: Request, breach_id: UUID):
    async def act(scope: Scope, form: FormData, principal: Principal):
        now = utcnow()
        data = forms.people_notification_in(form, "people-", now=now)
        await messages.record_notification(scope=scope, breach_id=breach_id, data=data, now=now)

    return await _step(
        request,
        breach_id,
        step="inform_people",
        form_key="people",
        act=act,
        done="personnes-informees",
        anchor="notifications",
    )


@router.post("/violations/{breach_id}/cloture")
async def close(request: Request, breach_id: UUID):
    async def act(scope: Scope, form: FormData, principal: Principal):
        data = forms.close_in(form, "close-")
        await service.close(scope=scope, breach_id=breach_id, data=data, now=utcnow())

    return await _step(
        request,
        breach_id,
        step="close",
        form_key="close",
        act=act,
        done="cloture",
        anchor="historique",
    )
