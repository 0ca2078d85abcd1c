"""Pages: creating, changing and deleting an activity (EDIT_REGISTER); the version read
travels in the form."""

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse

from api.web.common import as_uuid
from api.web.forms import FormErrors, errors_from
from api.web.registre_form import (
    activity_data,
    blank_values,
    error_labels,
    patch_of,
    values_from,
    values_of,
    version_of,
    with_blank_rows,
)
from api.web.render import page, path_for, principal_of
from api.web.routes.registre.common import (
    FORBIDDEN,
    NOT_FOUND,
    STALE,
    STALE_DELETE,
    editable,
    refusal,
)
from core.accounts.roles import Permission, Principal
from core.errors import Conflict, NotFound, ValidationFailed
from core.validation import validate_shape
from register.activities import choices, service
from register.activities.schemas import ActivityIn, ActivityOut

router = APIRouter(include_in_schema=False)


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
        action=(
            path_for(request, "registre.update", activity_id=stored.id)
            if stored
            else path_for(request, "registre.create")
        ),
    )


@router.get("/registre/nouvelle", name="registre.new")
async def new_activity(request: Request):
    principal = principal_of(request)
    edit = principal.scope(Permission.EDIT_REGISTER)
    if edit.is_empty:
        return refusal(request, 403, FORBIDDEN)
    bodies = await choices.bodies(edit)
    wanted = str(as_uuid(request.query_params.get("organisme")) or "")
    if wanted not in {b["value"] for b in bodies}:
        wanted = bodies[0]["value"] if len(bodies) == 1 else ""
    return await _form_page(request, blank_values(controller_id=wanted), stored=None)


@router.post("/registre/nouvelle", name="registre.create")
async def create_activity(request: Request):
    principal = principal_of(request)
    edit = principal.scope(Permission.EDIT_REGISTER)
    if edit.is_empty:
        return refusal(request, 403, FORBIDDEN)
    values = values_from(await request.form())
    try:
        data = validate_shape(ActivityIn, activity_data(values))
        created = await service.create_activity(scope=edit, data=data)
    except ValidationFailed as exc:
        return await _form_page(request, values, stored=None, errors=errors_from(exc), status=422)
    return RedirectResponse(
        path_for(request, "registre.sheet", activity_id=created.id) + "?fait=activite-creee",
        status_code=303,
    )


@router.get("/registre/{activity_id}/modifier", name="registre.edit")
async def edit_activity(request: Request, activity_id: str):
    activity, refused = await editable(request, activity_id)
    if refused:
        return refused
    return await _form_page(request, values_of(activity), stored=activity)


@router.post("/registre/{activity_id}/modifier", name="registre.update")
async def update_activity(request: Request, activity_id: str):
    activity, refused = await editable(request, activity_id)
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
        return refusal(request, 404, NOT_FOUND)
    return RedirectResponse(
        path_for(request, "registre.sheet", activity_id=activity.id) + "?fait=activite-modifiee",
        status_code=303,
    )


# Delete -------------------------------------------------------------------------------------


@router.get("/registre/{activity_id}/supprimer", name="registre.confirm_delete")
async def confirm_delete(request: Request, activity_id: str):
    activity, refused = await editable(request, activity_id)
    if refused:
        return refused
    return page(request, "registre/supprimer.html.j2", activity=activity, version=activity.version)


@router.post("/registre/{activity_id}/supprimer", name="registre.delete")
async def delete_activity(request: Request, activity_id: str):
    activity, refused = await editable(request, activity_id)
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
        return refusal(request, 404, NOT_FOUND)
    return RedirectResponse(
        path_for(request, "registre.list") + "?fait=activite-supprimee", status_code=303
    )
