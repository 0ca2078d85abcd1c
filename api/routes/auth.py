"""Sign in and out, who am I, and one's own API tokens."""

from datetime import datetime
from uuid import UUID

from fastapi import APIRouter, Depends, Request, Response
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict, Field

from api.deps import current_principal
from api.security.authentication import SESSION_KEY
from api.security.session_cookie import clear_session_cookie, set_session_cookie
from core.accounts import sessions, tokens
from core.accounts.models import ApiToken, User
from core.accounts.roles import Permission, Principal, Role
from core.accounts.service import (
    Confirmation,
    Credentials,
    LoginFailed,
    TooManyAttempts,
    authenticate,
    change_password,
    principal_for,
    sign_out,
)
from core.clock import utcnow
from core.french import plural
from register.organisations.models import Organisation

router = APIRouter(prefix="/auth", tags=["auth"])


class LoginIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    email: str = Field(min_length=3, max_length=254)
    password: str = Field(min_length=1, max_length=256)
    totp: str | None = Field(default=None, max_length=10, description="Code à usage unique")


class UserOut(BaseModel):
    id: UUID
    email: str
    name: str
    is_instance_admin: bool
    totp_enabled: bool


class MembershipOut(BaseModel):
    organisation_id: UUID
    organisation_name: str
    roles: list[Role]
    permissions: list[Permission]


class MeOut(BaseModel):
    user: UserOut
    memberships: list[MembershipOut]


class LoginOut(MeOut):
    csrf_token: str = Field(description="À renvoyer dans X-CSRF-Token à chaque écriture")
    expires_at: datetime


class TokenIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: str = Field(min_length=1, max_length=100)
    days: int | None = Field(
        default=None,
        ge=1,
        le=tokens.MAX_DAYS,
        description="Durée de validité : 90 jours par défaut, au plus RGPD_TOKEN_MAX_DAYS",
    )


class TokenOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    id: UUID
    name: str
    prefix: str
    created_at: datetime
    expires_at: datetime
    revoked_at: datetime | None
    last_used_at: datetime | None


class TokenCreatedOut(TokenOut):
    secret: str = Field(description="Affiché une seule fois : il n'est conservé que haché")


class PasswordIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    current_password: str = Field(min_length=1, max_length=256, description="Mot de passe actuel")
    current_code: str | None = Field(
        default=None, max_length=10, description="Code à usage unique, si le compte en a un"
    )
    new_password: str = Field(min_length=1, max_length=256)


class PasswordChangedOut(BaseModel):
    detail: str
    sessions_closed: int = Field(description="Autres sessions du compte fermées")
    tokens_revoked: int = Field(description="Jetons d'accès du compte révoqués")


def client_address(request: Request) -> str:
    """The caller's address (the client's, behind a trusted proxy), for the login limit."""
    return request.client.host if request.client else "inconnue"


def too_many(exc: TooManyAttempts) -> JSONResponse:
    return JSONResponse(
        status_code=429,
        content={"detail": str(exc)},
        headers={"Retry-After": str(exc.retry_after_seconds)},
    )


SESSION_CLOSED, SESSIONS_CLOSED = "session fermée", "sessions fermées"
TOKEN_REVOKED, TOKENS_REVOKED = "jeton d'accès révoqué", "jetons d'accès révoqués"


def password_changed_text(sessions_closed: int, tokens_revoked: int, *, kept: bool) -> str:
    """What a person is told once their password changed (the API and the account page)."""
    if not kept:  # changed through a token: it is revoked too
        return (
            f"mot de passe changé : {plural(sessions_closed, SESSION_CLOSED, SESSIONS_CLOSED)} et "
            f"{plural(tokens_revoked, TOKEN_REVOKED, TOKENS_REVOKED)}, "
            "celui de cette requête compris"
        )
    return (
        "mot de passe changé : cette session reste ouverte ; "
        f"{plural(sessions_closed, 'autre ' + SESSION_CLOSED, 'autres ' + SESSIONS_CLOSED)} et "
        f"{plural(tokens_revoked, TOKEN_REVOKED, TOKENS_REVOKED)}"
    )


async def _me(user: User, principal: Principal) -> MeOut:
    names = dict(
        await Organisation.filter(id__in=list(principal.memberships)).values_list(
            "id", "legal_name"
        )
    )
    memberships = [
        MembershipOut(
            organisation_id=org_id,
            organisation_name=names.get(org_id, ""),
            roles=sorted(roles),
            permissions=sorted(principal.permissions_in(org_id)),
        )
        for org_id, roles in sorted(
            principal.memberships.items(), key=lambda i: names.get(i[0], "")
        )
    ]
    return MeOut(
        user=UserOut(
            id=user.id,
            email=user.email,
            name=user.name,
            is_instance_admin=user.is_instance_admin,
            totp_enabled=bool(user.totp_secret),
        ),
        memberships=memberships,
    )


@router.post(
    "/login",
    response_model=LoginOut,
    summary="Open a session: sets the rgpd_session cookie and returns the CSRF token",
    responses={
        401: {"description": "Identifiants incorrects"},
        429: {"description": "Trop de tentatives"},
    },
)
async def login(body: LoginIn, request: Request, response: Response):
    now = utcnow()
    credentials = Credentials(body.email, body.password, body.totp)
    try:
        user = await authenticate(credentials, ip=client_address(request), now=now)
    except TooManyAttempts as exc:
        return too_many(exc)
    except LoginFailed as exc:
        return JSONResponse(status_code=401, content={"detail": str(exc)})
    opened = await sessions.open_session(user=user, now=now)
    set_session_cookie(response, opened.session_id, request=request)
    me = await _me(user, await principal_for(user))
    return LoginOut(
        **me.model_dump(),
        csrf_token=opened.session.csrf_token,
        expires_at=opened.session.expires_at,
    )


@router.post("/logout", status_code=204, summary="Close the session of this cookie")
async def logout(request: Request):
    session = request.scope.get(SESSION_KEY)
    answer = Response(status_code=204)
    if session is not None:
        await sign_out(session)
        clear_session_cookie(answer, request=request)
    return answer


@router.get("/me", response_model=MeOut, summary="The caller, their bodies, roles, permissions")
async def me(principal: Principal = Depends(current_principal)):
    return await _me(await User.get(id=principal.user_id), principal)


@router.get("/tokens", response_model=list[TokenOut], summary="The caller's own API tokens")
async def list_tokens(principal: Principal = Depends(current_principal)):
    return await ApiToken.filter(user_id=principal.user_id)


@router.post(
    "/tokens",
    response_model=TokenCreatedOut,
    status_code=201,
    summary="Create an API token (from a session only); its secret is shown in this answer only",
    responses={403: {"description": "Demandé avec un jeton : un jeton ne crée pas de jeton"}},
)
async def create_token(
    body: TokenIn, request: Request, principal: Principal = Depends(current_principal)
):
    user = await User.get(id=principal.user_id)
    issued = await tokens.issue_token(
        user=user,
        name=body.name,
        days=body.days,
        now=utcnow(),
        by_token=request.scope.get(SESSION_KEY) is None,
    )
    return TokenCreatedOut(
        **TokenOut.model_validate(issued.token).model_dump(), secret=issued.secret
    )


@router.delete("/tokens/{token_id}", status_code=204, summary="Revoke one of one's own tokens")
async def revoke_token(token_id: UUID, principal: Principal = Depends(current_principal)):
    await tokens.revoke_token(token_id=token_id, now=utcnow(), user_id=principal.user_id)
    return Response(status_code=204)


@router.post(
    "/password",
    response_model=PasswordChangedOut,
    summary="Change one's password; ends the account's other sessions and revokes its tokens",
    responses={
        422: {"description": "Mot de passe actuel ou code incorrect, nouveau mot de passe refusé"},
        429: {"description": "Trop de tentatives"},
    },
)
async def change_own_password(
    body: PasswordIn, request: Request, principal: Principal = Depends(current_principal)
):
    session = request.scope.get(SESSION_KEY)
    try:
        changed = await change_password(
            await User.get(id=principal.user_id),
            Confirmation(body.current_password, body.current_code),
            new_password=body.new_password,
            keep_session_id=session.id if session is not None else None,
            ip=client_address(request),
            now=utcnow(),
        )
    except TooManyAttempts as exc:
        return too_many(exc)
    return PasswordChangedOut(
        detail=password_changed_text(
            changed.sessions_closed, changed.tokens_revoked, kept=session is not None
        ),
        sessions_closed=changed.sessions_closed,
        tokens_revoked=changed.tokens_revoked,
    )
