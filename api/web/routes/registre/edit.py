"""Pages: the Registre, the processing activities of the user's bodies (art. 30(1)).

The same services and permissions as the JSON API (`api/routes/activities.py`): READ_REGISTER
to read, EDIT_REGISTER to create, change and delete; the version read travels in the form.
Another body's activity answers 404 on every page; an activity the user may read but not
change answers 403 on the pages that change it.
"""

from urllib.parse import urlencode
from uuid import UUID

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse

from api.web.forms import FormErrors, errors_from
from api.web.registre_form import (
    FIELD_LABELS,
    activity_data,
    blank_values,
    error_labels,
    history_changes,
    ids_in_events,
    patch_of,
    values_from,
    values_of,
    version_of,
    with_blank_rows,
)
from api.web.render import page, principal_of
from core.accounts.roles import Permission, Principal
from core.audit import journal
from core.clock import today_local
from core.errors import Conflict, NotFound, ValidationFailed
from core.validation import validate_shape
from register.activities import choices, service
from register.activities.links import linked_names, processors_of
from register.activities.schemas import ActivityIn, ActivityOut
from register.activities.service import ActivityFilters
from register.enums import (
    ActivityStatus,
    DataCategory,
    LegalBasis,
    catalogue,
)

router = APIRouter(include_in_schema=False)

PER_PAGE = 50
HISTORY_SIZE = 50
MAX_PAGE = 2**31 // PER_PAGE

NOT_FOUND = (
    "Fiche introuvable",
    "Cette fiche de traitement n'existe pas, a été supprimée, ou ne relève pas de vos organismes.",
)
FORBIDDEN = (
    "Modification non autorisée",
    "Votre rôle vous permet de consulter le registre de cet organisme, pas de le modifier.",
)
NO_REGISTER = (
    "Accès refusé",
    "Votre rôle ne vous donne accès au registre d'aucun organisme.",
)
STALE = (
    "Cette fiche a été modifiée entre-temps par quelqu'un d'autre : rechargez-la. "
    "Vos saisies ci-dessous n'ont pas été enregistrées."
)
STALE_DELETE = (
    "Cette fiche a été modifiée entre-temps par quelqu'un d'autre : relisez-la avant de la "
    "supprimer."
)
ACTIONS = {
    "activity.create": "Création",
    "activity.update": "Modification",
    "activity.delete": "Suppression",
}


def _refusal(request: Request, status: int, reason: tuple[str, str]) -> HTMLResponse:
    title, message = reason
    return page(request, "registre/refus.html.j2", status=status, title=title, message=message)


def _uuid(value: str | None) -> UUID | None:
    try:
        return UUID(str(value)) if value else None
    except ValueError:
        return None


def _member(enum_cls, value: str | None):
    try:
        return enum_cls(value) if value else None
    except ValueError:
        return None


async def _readable(principal: Principal, activity_id: str) -> ActivityOut | None:
    found = _uuid(activity_id)
    if found is None:
        return None
    try:
        activity = await service.get_activity(
            scope=principal.scope(Permission.READ_REGISTER), activity_id=found
        )
    except NotFound:
        return None
    return await service.activity_out(activity)


async def _editable(
    request: Request, activity_id: str
) -> tuple[ActivityOut | None, HTMLResponse | None]:
    """The activity if the user may change it; else the 404 (not theirs) or 403 (read-only)."""
    principal = principal_of(request)
    activity = await _readable(principal, activity_id)
    if activity is None:
        return None, _refusal(request, 404, NOT_FOUND)
    if not principal.scope(Permission.EDIT_REGISTER).allows(activity.controller_id):
        return None, _refusal(request, 403, FORBIDDEN)
    return activity, None


# List ---------------------------------------------------------------------------------------


@router.get("/registre")
async def registre(request: Request):
    principal = principal_of(request)
    scope = principal.scope(Permission.READ_REGISTER)
    if scope.is_empty:
        return _refusal(request, 403, NO_REGISTER)
    params = request.query_params
    chosen = {
        "q": (params.get("q") or "").strip()[:200],
        "organisme": str(_uuid(params.get("organisme")) or ""),
        "statut": getattr(_member(ActivityStatus, params.get("statut")), "value", ""),
        "base": getattr(_member(LegalBasis, params.get("base")), "value", ""),
        "categorie": getattr(_member(DataCategory, params.get("categorie")), "value", ""),
        "sensibles": params.get("sensibles") if params.get("sensibles") in ("oui", "non") else "",
        "revue": "depassee" if params.get("revue") == "depassee" else "",
    }
    try:
        number = min(max(int(params.get("page") or 1), 1), MAX_PAGE)
    except ValueError:
        number = 1
    filters = ActivityFilters(
        controller_id=_uuid(chosen["organisme"]),
        status=chosen["statut"] or None,
        legal_basis=chosen["base"] or None,
        data_category=chosen["categorie"] or None,
        has_sensitive_data={"oui": True, "non": False}.get(chosen["sensibles"]),
        review_due_before=today_local() if chosen["revue"] else None,
        q=chosen["q"] or None,
    )
    found = await service.list_activities(
        scope=scope, filters=filters, limit=PER_PAGE, offset=(number - 1) * PER_PAGE
    )
    bodies = await choices.bodies(scope)
    kept = {name: value for name, value in chosen.items() if value}

    def page_link(target: int) -> str:
        return "/registre?" + urlencode({**kept, "page": target})

    last = max((found.total + PER_PAGE - 1) // PER_PAGE, 1)
    editable = principal.scope(Permission.EDIT_REGISTER)
    new_link = "/registre/nouvelle"
    if chosen["organisme"] and editable.allows(UUID(chosen["organisme"])):
        new_link += "?" + urlencode({"organisme": chosen["organisme"]})
    return page(
        request,
        "registre/liste.html.j2",
        activities=found.items,
        total=found.total,
        number=number,
        last=last,
        previous_link=page_link(number - 1) if number > 1 else None,
        next_link=page_link(number + 1) if number < last else None,
        chosen=chosen,
        filtered=bool(kept),
        bodies=bodies,
        body_names={b["value"]: b["label"] for b in bodies},
        can_create=not editable.is_empty,
        new_link=new_link,
        catalogue=catalogue(),
        labels=FIELD_LABELS,
    )


# Form ---------------------------------------------------------------------------------------


async def _form_options(
    principal: Principal, values: dict, stored: ActivityOut | None
) -> dict[str, object]:
    return await choices.form_options(
        edit=principal.scope(Permission.EDIT_REGISTER),
        read=principal.scope(Permission.READ_REGISTER),
        values=values,
        stored=stored,
    )


async def _form_page(
    request: Request,
    values: dict,
    *,
    stored: ActivityOut | None,
    errors: FormErrors | None = None,
    status: int = 200,
    conflict: str | None = None,
) -> HTMLResponse:
    principal = principal_of(request)
    errors = errors or FormErrors()
    return page(
        request,
        "registre/formulaire.html.j2",
        status=status,
        values=with_blank_rows(values),
        errors=errors,
        error_names=error_labels(errors.by_field),
        options=await _form_options(principal, values, stored),
        activity=stored,
        conflict=conflict,
        action=f"/registre/{stored.id}/modifier" if stored else "/registre/nouvelle",
    )


@router.get("/registre/nouvelle")
async def new_activity(request: Request):
    principal = principal_of(request)
    edit = principal.scope(Permission.EDIT_REGISTER)
    if edit.is_empty:
        return _refusal(request, 403, FORBIDDEN)
    bodies = await choices.bodies(edit)
    wanted = str(_uuid(request.query_params.get("organisme")) or "")
    if wanted not in {b["value"] for b in bodies}:
        wanted = bodies[0]["value"] if len(bodies) == 1 else ""
    return await _form_page(request, blank_values(controller_id=wanted), stored=None)


@router.post("/registre/nouvelle")
async def create_activity(request: Request):
    principal = principal_of(request)
    edit = principal.scope(Permission.EDIT_REGISTER)
    if edit.is_empty:
        return _refusal(request, 403, FORBIDDEN)
    values = values_from(await request.form())
    try:
        data = validate_shape(ActivityIn, activity_data(values))
        created = await service.create_activity(scope=edit, data=data)
    except ValidationFailed as exc:
        return await _form_page(request, values, stored=None, errors=errors_from(exc), status=422)
    return RedirectResponse(f"/registre/{created.id}?fait=activite-creee", status_code=303)


@router.get("/registre/{activity_id}/modifier")
async def edit_activity(request: Request, activity_id: str):
    activity, refused = await _editable(request, activity_id)
    if refused:
        return refused
    return await _form_page(request, values_of(activity), stored=activity)


@router.post("/registre/{activity_id}/modifier")
async def update_activity(request: Request, activity_id: str):
    activity, refused = await _editable(request, activity_id)
    if refused:
        return refused
    values = values_from(await request.form())
    edit = principal_of(request).scope(Permission.EDIT_REGISTER)
    try:
        data = validate_shape(ActivityIn, activity_data(values))
        await service.update_activity(
            scope=edit, activity_id=activity.id, version=version_of(values), patch=patch_of(data)
        )
    except ValidationFailed as exc:
        return await _form_page(
            request, values, stored=activity, errors=errors_from(exc), status=422
        )
    except Conflict:
        return await _form_page(request, values, stored=activity, status=409, conflict=STALE)
    except NotFound:
        return _refusal(request, 404, NOT_FOUND)
    return RedirectResponse(f"/registre/{activity.id}?fait=activite-modifiee", status_code=303)


# Delete -------------------------------------------------------------------------------------


@router.get("/registre/{activity_id}/supprimer")
async def confirm_delete(request: Request, activity_id: str):
    activity, refused = await _editable(request, activity_id)
    if refused:
        return refused
    return page(request, "registre/supprimer.html.j2", activity=activity, version=activity.version)


@router.post("/registre/{activity_id}/supprimer")
async def delete_activity(request: Request, activity_id: str):
    activity, refused = await _editable(request, activity_id)
    if refused:
        return refused
    form = await request.form()
    version = version_of({"version": form.get("version")})
    edit = principal_of(request).scope(Permission.EDIT_REGISTER)
    try:
        await service.delete_activity(scope=edit, activity_id=activity.id, version=version)
    except Conflict as exc:
        # Stale ("modifié(e) entre-temps") or still in use elsewhere: the service says which.
        stale = "entre-temps" in str(exc)
        return page(
            request,
            "registre/supprimer.html.j2",
            status=409,
            activity=activity,
            version=activity.version,
            refused=STALE_DELETE if stale else f"{str(exc)[:1].upper()}{str(exc)[1:]}.",
        )
    except NotFound:
        return _refusal(request, 404, NOT_FOUND)
    return RedirectResponse("/registre?fait=activite-supprimee", status_code=303)


# Record sheet -------------------------------------------------------------------------------


async def _history(activity: ActivityOut) -> tuple[list, int]:
    found = await journal.list_events(
        activity.controller_id,
        filters=journal.JournalFilters(entity_type="activity", entity_id=str(activity.id)),
        limit=HISTORY_SIZE,
        offset=0,
    )
    return found.items, found.total


@router.get("/registre/{activity_id}")
async def activity_sheet(request: Request, activity_id: str):
    principal = principal_of(request)
    activity = await _readable(principal, activity_id)
    if activity is None:
        return _refusal(request, 404, NOT_FOUND)
    events, total = [], 0
    show_history = principal.scope(Permission.READ_JOURNAL).allows(activity.controller_id)
    if show_history:
        events, total = await _history(activity)
    names = await linked_names(
        organisation_ids={
            activity.controller_id,
            *activity.joint_controller_ids,
            *ids_in_events(events, "controller_id"),
            *ids_in_events(events, "joint_controller_ids"),
        },
        convention_ids={*activity.convention_ids, *ids_in_events(events, "convention_ids")},
        measure_ids={
            *activity.security_measure_ids,
            *ids_in_events(events, "security_measure_ids"),
        },
    )
    history = [
        {
            "at": event.at,
            "actor": event.actor,
            "action": ACTIONS.get(event.action, event.action),
            "changes": history_changes(event, names) if event.action == "activity.update" else [],
        }
        for event in events
    ]
    return page(
        request,
        "registre/fiche.html.j2",
        activity=activity,
        names=names,
        processors=await processors_of(activity),
        missing=activity.missing_mandatory(),
        can_edit=principal.scope(Permission.EDIT_REGISTER).allows(activity.controller_id),
        show_history=show_history,
        history=history,
        history_total=total,
        labels=FIELD_LABELS,
    )
