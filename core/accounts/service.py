"""Accounts: create users, grant and revoke roles, sign in, build a Principal."""

from dataclasses import dataclass
from datetime import datetime
from uuid import UUID

from tortoise.exceptions import IntegrityError

from core.accounts import passwords, throttle, totp
from core.accounts.models import Membership, User
from core.accounts.roles import Principal, Role, memberships_of
from core.errors import Conflict, DomainError, NotFound, ValidationFailed

LOGIN_FAILED = "identifiants incorrects"


class LoginFailed(DomainError):
    """The same answer whether the account is unknown, inactive, or the password or code wrong."""

    def __init__(self) -> None:
        super().__init__(LOGIN_FAILED)


class TooManyAttempts(DomainError):
    def __init__(self, retry_after_seconds: int):
        minutes = max(1, (retry_after_seconds + 59) // 60)
        super().__init__(f"trop de tentatives de connexion : réessayez dans {minutes} minute(s)")
        self.retry_after_seconds = retry_after_seconds


def normalise_email(email: str) -> str:
    return email.strip().lower()


async def create_user(
    *, email: str, name: str, password: str | None, is_instance_admin: bool = False
) -> User:
    email = normalise_email(email)
    if "@" not in email or len(email) > 254:
        raise ValidationFailed.one("email", msg="adresse électronique invalide")
    if await User.exists(email=email):
        raise Conflict(f"un compte existe déjà pour {email}")
    try:
        return await User.create(
            email=email,
            name=name.strip() or email,
            password_hash=passwords.hash_password(password) if password else None,
            is_instance_admin=is_instance_admin,
        )
    except IntegrityError:
        raise Conflict(f"un compte existe déjà pour {email}") from None


async def get_user(email: str) -> User:
    user = await User.get_or_none(email=normalise_email(email))
    if user is None:
        raise NotFound("compte", email)
    return user


async def set_password(user: User, password: str) -> None:
    user.password_hash = passwords.hash_password(password)
    await user.save(update_fields=["password_hash", "updated_at"])


async def grant(user: User, *, organisation_id: UUID, role: Role) -> bool:
    """Give a role in a body; False when the user already held it."""
    _, created = await Membership.get_or_create(
        user=user, organisation_id=organisation_id, role=role
    )
    return created


async def revoke(user: User, *, organisation_id: UUID, role: Role | None = None) -> int:
    """Withdraw a role (or every role) in a body; the number of roles withdrawn."""
    query = Membership.filter(user=user, organisation_id=organisation_id)
    if role is not None:
        query = query.filter(role=role)
    return await query.delete()


async def enable_totp(user: User) -> str:
    """Give the user a new TOTP secret (replacing any) and return it."""
    user.totp_secret = totp.new_secret()
    user.totp_last_step = None
    await user.save(update_fields=["totp_secret", "totp_last_step", "updated_at"])
    return user.totp_secret


async def confirm_totp(user: User, *, secret: str, code: str | None, now: datetime) -> None:
    """Turn on the second factor with a secret the user's app already holds: only when `code`
    is one of its current codes (the app was set up right). That code cannot then open a
    session (the step is recorded as used)."""
    if not totp.is_valid_secret(secret):
        raise ValidationFailed.one("secret", msg="clé invalide : recommencez depuis le début")
    step = totp.matching_step(secret, code, now=now)
    if step is None:
        raise ValidationFailed.one(
            "code", msg="code incorrect : saisissez les six chiffres affichés par l'application"
        )
    user.totp_secret = secret
    user.totp_last_step = step
    await user.save(update_fields=["totp_secret", "totp_last_step", "updated_at"])


async def principal_for(user: User) -> Principal:
    rows = await Membership.filter(user_id=user.id).values_list("organisation_id", "role")
    return Principal(
        user_id=user.id,
        email=user.email,
        name=user.name,
        is_instance_admin=user.is_instance_admin,
        memberships=memberships_of(rows),
    )


@dataclass(frozen=True)
class Credentials:
    email: str
    password: str
    totp: str | None = None


async def authenticate(credentials: Credentials, *, ip: str, now: datetime) -> User:
    """The user these credentials open, or LoginFailed / TooManyAttempts.

    The password is checked even for an unknown account (against a dummy hash), so the
    answer and its time say nothing about which accounts exist.
    """
    email = normalise_email(credentials.email)[:254]
    verdict = await throttle.check(email=email, ip=ip, now=now)
    if not verdict.allowed:
        raise TooManyAttempts(verdict.retry_after_seconds)
    user = await User.get_or_none(email=email)
    ok = passwords.verify_password(user.password_hash if user else None, credentials.password)
    ok = ok and user is not None and user.active
    if ok and user.totp_secret:
        step = totp.matching_step(user.totp_secret, credentials.totp, now=now)
        ok = step is not None and (user.totp_last_step is None or step > user.totp_last_step)
        if ok:
            user.totp_last_step = step
            await user.save(update_fields=["totp_last_step"])
    await throttle.record(email=email, ip=ip, ok=ok, now=now)
    if not ok:
        raise LoginFailed()
    if passwords.needs_rehash(user.password_hash):
        await set_password(user, credentials.password)
    return user
