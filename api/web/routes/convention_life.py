"""Page: a convention's life (its state, a party's notice, an early termination, an express
renewal), with the forms to record them. The same services and permissions as
api/routes/convention_life.py: reading needs READ_REGISTER in a party, recording
EDIT_REGISTER; a termination or a renewal touching another party is proposed to it."""

from typing import Any
from uuid import UUID

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse

from api.web.common import as_uuid, forbidden, not_found, parse_day
from api.web.forms import FormErrors, errors_from, text
from api.web.render import page, path_for, principal_of
from core.accounts.roles import Permission
from core.errors import Conflict, NotFound, ValidationFailed
from register.chains.convention import party_names
from register.conventions import life_events, service
from register.conventions.models import ConventionParty

router = APIRouter(include_in_schema=False)
NO_EDIT = "Votre rôle ne permet d'enregistrer la vie d'une convention pour aucun organisme."
# The services' field names → the forms'.
FORM_FIELDS = {"termination_reason": "reason", "express_renewal_decisions": "decided_on"}
DONE = {
    "preavis": "Le préavis est enregistré.",
    "resiliation": "La résiliation est enregistrée.",
    "reconduction": "La reconduction expresse est enregistrée.",
    "proposee": "La décision est proposée aux autres parties : elle s'appliquera quand "
    "chacune l'aura acceptée.",
}


def _form_errors(exc: ValidationFailed) -> FormErrors:
    errors = errors_from(exc)
    errors.by_field = {FORM_FIELDS.get(k, k): v for k, v in errors.by_field.items()}
    return errors


async def _life_page(request: Request, convention_id: str, *, status=200, errors=None, values=None):
    scope = principal_of(request).scope(Permission.READ_REGISTER)
    found = as_uuid(convention_id)
    if scope.is_empty or found is None:
        return not_found(request)
    try:
        convention = await service.get_convention(scope=scope, convention_id=found)
    except NotFound:
        return not_found(request)
    out = await service.convention_out(convention)
    parties = await ConventionParty.filter(convention_id=convention.id).values_list(
        "organisation_id", flat=True
    )
    names = await party_names([*parties, *([out.notice_party] if out.notice_party else [])])
    editing = principal_of(request).scope(Permission.EDIT_REGISTER)
    mine = [{"value": str(p), "label": names.get(p, "?")} for p in parties if editing.allows(p)]
    return page(
        request,
        "conventions/life.html.j2",
        status=status,
        convention=out,
        names=names,
        mine=mine,
        errors=errors or FormErrors(),
        values=values or {},
        done=DONE.get(request.query_params.get("fait") or ""),
    )


@router.get("/conventions/{convention_id}/vie", name="conventions.life")
async def life_page(request: Request, convention_id: str):
    return await _life_page(request, convention_id)


async def _record(request: Request, convention_id: str, names: tuple[str, ...], act) -> Any:
    """Read the form, run `act(scope, id, values, errors)`, answer the page or go back to it."""
    scope = principal_of(request).scope(Permission.EDIT_REGISTER)
    if scope.is_empty:
        return forbidden(request, NO_EDIT)
    found = as_uuid(convention_id)
    if found is None:
        return not_found(request)
    form = await request.form()
    values = {name: text(form, name) for name in (*names, "version")}
    try:
        done = await act(scope, found, values)
    except NotFound:
        return not_found(request)
    except ValidationFailed as exc:
        errors = _form_errors(exc)
        return await _life_page(request, convention_id, status=422, errors=errors, values=values)
    except Conflict as exc:
        errors = errors_from(ValidationFailed.one(msg=str(exc)))
        return await _life_page(request, convention_id, status=409, errors=errors, values=values)
    target = path_for(request, "conventions.life", convention_id=convention_id)
    return RedirectResponse(f"{target}?fait={done}", status_code=303)


def _days(values: dict, *names: str, required: tuple[str, ...] = ()) -> dict:
    errors = FormErrors()
    days = {n: parse_day(values.get(n), n, errors) for n in names}
    for name in required:
        if days[name] is None and name not in errors.by_field:
            errors.by_field[name] = "indiquez la date"
    if errors.by_field:
        name, message = next(iter(errors.by_field.items()))
        raise ValidationFailed.one("body", name, msg=message)
    return days


def _version(values: dict) -> int:
    try:
        return int(values.get("version") or "")
    except ValueError:
        raise ValidationFailed.one(msg="rechargez la page : sa version est illisible") from None


def _required(values: dict, name: str, message: str) -> str:
    if not values.get(name):
        raise ValidationFailed.one("body", name, msg=message)
    return values[name]


@router.post("/conventions/{convention_id}/vie/preavis", name="conventions.notice")
async def give_notice(request: Request, convention_id: str):
    async def act(scope, found: UUID, values: dict) -> str:
        organisation = as_uuid(_required(values, "organisation_id", "choisissez l'organisme"))
        if organisation is None:
            raise ValidationFailed.one("body", "organisation_id", msg="organisme inconnu")
        days = _days(values, "given_on", "effective_on", required=("given_on",))
        await life_events.record_notice(
            scope=scope,
            convention_id=found,
            version=_version(values),
            organisation_id=organisation,
            given_on=days["given_on"],
            effective_on=days["effective_on"],
        )
        return "preavis"

    return await _record(
        request, convention_id, ("organisation_id", "given_on", "effective_on"), act
    )


@router.post("/conventions/{convention_id}/vie/resiliation", name="conventions.terminate")
async def terminate(request: Request, convention_id: str):
    async def act(scope, found: UUID, values: dict) -> str:
        days = _days(values, "terminated_on", required=("terminated_on",))
        reason = _required(values, "reason", "dites pourquoi la convention est résiliée")
        _, proposed = await life_events.record_termination(
            scope=scope,
            convention_id=found,
            version=_version(values),
            terminated_on=days["terminated_on"],
            reason=reason,
            decided_by=values.get("decided_by"),
        )
        return "proposee" if proposed else "resiliation"

    return await _record(request, convention_id, ("terminated_on", "reason", "decided_by"), act)


@router.post("/conventions/{convention_id}/vie/reconduction", name="conventions.renew")
async def renew(request: Request, convention_id: str):
    async def act(scope, found: UUID, values: dict) -> str:
        days = _days(values, "decided_on", required=("decided_on",))
        reference = _required(values, "reference", "indiquez la décision (délibération, avenant…)")
        _, proposed = await life_events.record_express_renewal(
            scope=scope,
            convention_id=found,
            version=_version(values),
            decided_on=days["decided_on"],
            reference=reference,
        )
        return "proposee" if proposed else "reconduction"

    return await _record(request, convention_id, ("decided_on", "reference"), act)
