"""Pages: one's own account (bodies and roles, second factor) and API tokens, through the
accounts services as api/routes/auth.py and `rgpd user totp` use them."""

from uuid import UUID

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse

from api.routes.auth import TokenIn
from api.web.common import body_choices, not_found
from api.web.forms import FormErrors, errors_from, text
from api.web.render import page, path_for, principal_of
from core.accounts import service, tokens, totp
from core.accounts.roles import ROLE_LABELS
from core.clock import utcnow
from core.errors import NotFound, ValidationFailed
from core.scope import Scope
from core.validation import validate_shape

router = APIRouter(include_in_schema=False)

NO_STORE = {"Cache-Control": "no-store"}  # a page showing a secret stays out of caches


async def _user(request: Request):
    return await service.get_user(principal_of(request).email)


@router.get("/compte", name="account.index")
async def account(request: Request):
    principal = principal_of(request)
    user = await _user(request)
    names = {
        b["value"]: b["label"] for b in await body_choices(Scope.of(principal.memberships.keys()))
    }
    memberships = sorted(
        (
            {
                "organisation": names.get(str(org_id), str(org_id)),
                "roles": [ROLE_LABELS[r] for r in sorted(roles)],
            }
            for org_id, roles in principal.memberships.items()
        ),
        key=lambda m: m["organisation"],
    )
    return page(
        request,
        "compte/index.html.j2",
        user=user,
        totp_enabled=bool(user.totp_secret),
        memberships=memberships,
    )


# Second factor --------------------------------------------------------------------------------


def _totp_page(request: Request, user, *, secret: str, errors=None, status: int = 200):
    return page(
        request,
        "compte/totp.html.j2",
        status=status,
        totp_enabled=bool(user.totp_secret),
        secret=secret,
        secret_grouped=totp.grouped(secret),
        uri=totp.provisioning_uri(secret, user.email),
        errors=errors or FormErrors(),
    )


@router.get("/compte/totp", name="account.totp_form")
async def totp_form(request: Request):
    user = await _user(request)
    # A new secret each time: stored only once a code from the app confirms it.
    answer = _totp_page(request, user, secret=totp.new_secret())
    answer.headers.update(NO_STORE)
    return answer


@router.post("/compte/totp", name="account.totp")
async def totp_confirm(request: Request):
    user = await _user(request)
    form = await request.form()
    secret = (text(form, "secret") or "").replace(" ", "").upper()
    code = (text(form, "code") or "").replace(" ", "")
    try:
        await service.confirm_totp(user, secret=secret, code=code, now=utcnow())
    except ValidationFailed as exc:
        errors = errors_from(exc)
        if errors.get("secret"):  # tampered with: a fresh secret, the whole way again
            secret = totp.new_secret()
        answer = _totp_page(request, user, secret=secret, errors=errors, status=422)
        answer.headers.update(NO_STORE)
        return answer
    return RedirectResponse(
        path_for(request, "account.index") + "?fait=totp-active", status_code=303
    )


# API tokens -----------------------------------------------------------------------------------


async def _tokens_page(
    request: Request, *, status: int = 200, errors=None, values=None, issued=None
):
    principal = principal_of(request)
    answer = page(
        request,
        "compte/jetons.html.j2",
        status=status,
        tokens=await tokens.list_tokens(user_id=principal.user_id),
        now=utcnow(),
        errors=errors or FormErrors(),
        values=values or {"name": "", "days": "90"},
        issued=issued,
        max_days=tokens.MAX_DAYS,
    )
    answer.headers.update(NO_STORE)
    return answer


@router.get("/compte/jetons", name="account.tokens")
async def tokens_page(request: Request):
    return await _tokens_page(request)


@router.post("/compte/jetons", name="account.create_token")
async def create_token(request: Request):
    form = await request.form()
    values = {"name": text(form, "name") or "", "days": text(form, "days") or ""}
    try:
        data = validate_shape(TokenIn, values)
        issued = await tokens.issue_token(
            user=await _user(request), name=data.name, days=data.days, now=utcnow()
        )
    except ValidationFailed as exc:
        return await _tokens_page(request, status=422, errors=errors_from(exc), values=values)
    # Shown on this answer only: the database keeps its hash.
    return await _tokens_page(request, issued=issued)


@router.post("/compte/jetons/{token_id}/revoquer", name="account.revoke_token")
async def revoke_token(request: Request, token_id: str):
    principal = principal_of(request)
    try:
        await tokens.revoke_token(token_id=UUID(token_id), now=utcnow(), user_id=principal.user_id)
    except (ValueError, NotFound):  # another's token is reported absent
        return not_found(request)
    return RedirectResponse(
        path_for(request, "account.tokens") + "?fait=jeton-revoque", status_code=303
    )
