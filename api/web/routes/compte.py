"""Pages: one's own account (bodies and roles, password, second factor) and API tokens,
through the accounts services as api/routes/auth.py and `rgpd user …` use them. Changing the
password or the second factor asks for the current password (and a current code when the
account has one): core.accounts.service.confirm_identity."""

from uuid import UUID

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse

from api.routes.auth import TokenIn, client_address, password_changed_text
from api.security.authentication import SESSION_KEY
from api.web.common import body_choices, not_found
from api.web.forms import FormErrors, errors_from, text
from api.web.render import page, path_for, principal_of
from core.accounts import service, tokens, totp
from core.accounts.roles import ROLE_LABELS
from core.accounts.service import Confirmation, TooManyAttempts
from core.clock import utcnow
from core.errors import NotFound, ValidationFailed
from core.scope import Scope
from core.validation import validate_shape

router = APIRouter(include_in_schema=False)

NO_STORE = {"Cache-Control": "no-store"}  # a page showing a secret stays out of caches


async def _user(request: Request):
    return await service.get_user(principal_of(request).email)


def _confirmation(form) -> Confirmation:
    code = (text(form, "current_code") or "").replace(" ", "")
    return Confirmation(str(form.get("current_password") or ""), code or None)


def _too_many(exc: TooManyAttempts) -> FormErrors:
    return errors_from(ValidationFailed.one("current_password", msg=str(exc)))


@router.get("/compte", name="account.index")
async def account(request: Request):
    return await _account_page(request)


async def _account_page(request: Request, *, notice: str | None = None):
    """The account page; `notice` says what was just done (a page answering a POST)."""
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
        notice=notice,
    )


# Password ---------------------------------------------------------------------------------------


def _password_page(request: Request, user, *, errors=None, status: int = 200):
    return page(
        request,
        "compte/mot_de_passe.html.j2",
        status=status,
        totp_enabled=bool(user.totp_secret),
        errors=errors or FormErrors(),
    )


@router.get("/compte/mot-de-passe", name="account.password_form")
async def password_form(request: Request):
    return _password_page(request, await _user(request))


@router.post("/compte/mot-de-passe", name="account.password")
async def password_change(request: Request):
    user = await _user(request)
    form = await request.form()
    new = str(form.get("new_password") or "")
    if new != str(form.get("new_password_again") or ""):
        errors = errors_from(
            ValidationFailed.one(
                "new_password_again", msg="les deux saisies du nouveau mot de passe diffèrent"
            )
        )
        return _password_page(request, user, errors=errors, status=422)
    session = request.scope.get(SESSION_KEY)
    try:
        changed = await service.change_password(
            user,
            _confirmation(form),
            new_password=new,
            keep_session_id=session.id if session is not None else None,
            ip=client_address(request),
            now=utcnow(),
        )
    except ValidationFailed as exc:
        return _password_page(request, user, errors=errors_from(exc), status=422)
    except TooManyAttempts as exc:
        return _password_page(request, user, errors=_too_many(exc), status=429)
    said = password_changed_text(
        changed.sessions_closed, changed.tokens_revoked, kept=session is not None
    )
    return await _account_page(request, notice=said[0].upper() + said[1:] + ".")


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
        await service.confirm_totp(
            user,
            _confirmation(form),
            secret=secret,
            code=code,
            ip=client_address(request),
            now=utcnow(),
        )
    except (ValidationFailed, TooManyAttempts) as exc:
        return _totp_refused(request, user, secret, exc)
    return RedirectResponse(
        path_for(request, "account.index") + "?fait=totp-active", status_code=303
    )


def _totp_refused(request: Request, user, secret: str, exc: Exception):
    if isinstance(exc, TooManyAttempts):
        errors, status = _too_many(exc), 429
    else:
        errors, status = errors_from(exc), 422
    if errors.get("secret"):  # tampered with: a fresh secret, the whole way again
        secret = totp.new_secret()
    answer = _totp_page(request, user, secret=secret, errors=errors, status=status)
    answer.headers.update(NO_STORE)
    return answer


@router.post("/compte/totp/desactiver", name="account.totp_remove")
async def totp_remove(request: Request):
    user = await _user(request)
    form = await request.form()
    try:
        await service.remove_totp(
            user, _confirmation(form), ip=client_address(request), now=utcnow()
        )
    except (ValidationFailed, TooManyAttempts) as exc:
        return _totp_refused(request, user, totp.new_secret(), exc)
    return await _account_page(request, notice="Double authentification désactivée.")


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
        max_days=tokens.max_days(),
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
            user=await _user(request),
            name=data.name,
            days=data.days,
            now=utcnow(),
            by_token=request.scope.get(SESSION_KEY) is None,  # a token never makes a token
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
