"""API tokens: 32 random bytes shown once; the database keeps their SHA-256 only.

A fast hash is right here: the secret is random, not a password a person chose, so there is
nothing to guess by brute force.

Who may create one: a person signed in with their password (a session), or an operator at
the server (`rgpd token create`). Never a token: a leaked token must not be able to outlive
its own revocation or expiry by minting another (docs/access.md). Its lifetime is at most
`max_days()`: RGPD_TOKEN_MAX_DAYS, the instance's policy (never over MAX_DAYS).
"""

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from uuid import UUID

from core.accounts import events
from core.accounts.models import ApiToken, User
from core.config import get_settings
from core.errors import Forbidden, NotFound, ValidationFailed

TOKEN_PREFIX = "rgpd_"
MAX_DAYS = 366  # the ceiling of RGPD_TOKEN_MAX_DAYS
DEFAULT_DAYS = 90  # when none is asked (or the policy's maximum, if shorter)
BY_TOKEN_REFUSED = (
    "un jeton d'accès ne peut pas créer de jeton : connectez-vous avec votre mot de passe "
    "(page « Mon compte », « Jetons d'accès ») pour en créer un"
)


def max_days() -> int:
    """The longest validity a new token may get, as the instance's settings configure it."""
    return min(get_settings().token_max_days, MAX_DAYS)


def digest(secret: str) -> str:
    return hashlib.sha256(secret.encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class IssuedToken:
    token: ApiToken
    secret: str  # shown once, never stored


async def issue_token(
    *, user: User, name: str, days: int | None, now: datetime, by_token: bool = False
) -> IssuedToken:
    """A new token of `user`; `by_token` when the request creating it was itself
    authenticated by a token (refused)."""
    if by_token:
        raise Forbidden(BY_TOKEN_REFUSED)
    longest = max_days()
    days = min(DEFAULT_DAYS, longest) if days is None else days
    if not 1 <= days <= longest:
        raise ValidationFailed.one("days", msg=f"durée de validité entre 1 et {longest} jours")
    secret = TOKEN_PREFIX + secrets.token_urlsafe(32)
    token = await ApiToken.create(
        user=user,
        name=name.strip() or "jeton",
        prefix=secret[: len(TOKEN_PREFIX) + 6],
        token_hash=digest(secret),
        expires_at=now + timedelta(days=days),
    )
    await events.journal(
        events.TOKEN_CREATE,
        user_id=user.id,
        details={"email": user.email, **events.token_details(token)},
    )
    return IssuedToken(token, secret)


async def list_tokens(*, user_id: UUID) -> list[ApiToken]:
    """A user's tokens, newest first, revoked and expired ones included."""
    return await ApiToken.filter(user_id=user_id).order_by("-created_at")


async def user_for_token(secret: str, *, now: datetime) -> User | None:
    """The active user a valid, unrevoked, unexpired token belongs to; None otherwise."""
    if not secret.startswith(TOKEN_PREFIX) or len(secret) > 200:
        return None
    token = await ApiToken.filter(token_hash=digest(secret)).select_related("user").first()
    if token is None or token.revoked_at is not None or token.expires_at <= now:
        return None
    if not token.user.active:
        return None
    if token.last_used_at is None or now - token.last_used_at > timedelta(minutes=1):
        await ApiToken.filter(id=token.id).update(last_used_at=now)
    return token.user


async def revoke_token(*, token_id: UUID, now: datetime, user_id: UUID | None = None) -> ApiToken:
    """Revoke a token; with `user_id`, only one of that user's (another's is reported absent)."""
    query = ApiToken.filter(id=token_id)
    if user_id is not None:
        query = query.filter(user_id=user_id)
    token = await query.first()
    if token is None:
        raise NotFound("jeton", token_id)
    if token.revoked_at is None:
        token.revoked_at = now
        await token.save(update_fields=["revoked_at"])
        await events.journal(
            events.TOKEN_REVOKE, user_id=token.user_id, details=events.token_details(token)
        )
    return token


async def revoke_all(*, user_id: UUID, now: datetime) -> int:
    """Revoke every live token of an account (its password changed); how many."""
    return await ApiToken.filter(user_id=user_id, revoked_at__isnull=True).update(revoked_at=now)
