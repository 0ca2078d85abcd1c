"""Accounts: create users, grant and revoke roles, sign in, build a Principal."""

from dataclasses import dataclass
from datetime import datetime
from uuid import UUID

from tortoise.exceptions import IntegrityError
from tortoise.transactions import in_transaction

from core.accounts import events, passwords, sessions, throttle, tokens, totp
from core.accounts.models import Membership, User, WebSession
from core.accounts.roles import Principal, Role, memberships_of
from core.errors import Conflict, DomainError, NotFound, ValidationFailed
from core.french import plural

LOGIN_FAILED = "identifiants incorrects"


class LoginFailed(DomainError):
    """The same answer whether the account is unknown, inactive, or the password or code wrong."""

    def __init__(self) -> None:
        super().__init__(LOGIN_FAILED)


class TooManyAttempts(DomainError):
    def __init__(self, retry_after_seconds: int):
        minutes = max(1, (retry_after_seconds + 59) // 60)
        super().__init__(
            f"trop de tentatives de connexion : réessayez dans {plural(minutes, 'minute')}"
        )
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
        user = await User.create(
            email=email,
            name=name.strip() or email,
            password_hash=passwords.hash_password(password) if password else None,
            is_instance_admin=is_instance_admin,
        )
    except IntegrityError:
        raise Conflict(f"un compte existe déjà pour {email}") from None
    await events.journal(
        events.CREATE,
        user_id=user.id,
        details={"email": email, "name": user.name, "is_instance_admin": is_instance_admin},
    )
    return user


async def get_user(email: str) -> User:
    user = await User.get_or_none(email=normalise_email(email))
    if user is None:
        raise NotFound("compte", email)
    return user


async def grant(user: User, *, organisation_id: UUID, role: Role) -> bool:
    """Give a role in a body; False when the user already held it."""
    _, created = await Membership.get_or_create(
        user=user, organisation_id=organisation_id, role=role
    )
    if created:
        await events.journal(
            events.ROLE_GRANT,
            user_id=user.id,
            details={"email": user.email, "organisation_id": organisation_id, "role": role},
        )
    return created


async def revoke(user: User, *, organisation_id: UUID, role: Role | None = None) -> int:
    """Withdraw a role (or every role) in a body; the number of roles withdrawn."""
    query = Membership.filter(user=user, organisation_id=organisation_id)
    if role is not None:
        query = query.filter(role=role)
    withdrawn = sorted(await query.values_list("role", flat=True))
    count = await query.delete()
    if count:
        await events.journal(
            events.ROLE_REVOKE,
            user_id=user.id,
            details={"email": user.email, "organisation_id": organisation_id, "roles": withdrawn},
        )
    return count


# Confirming who acts -------------------------------------------------------------------------

WRONG_PASSWORD = "mot de passe actuel incorrect"
WRONG_CURRENT_CODE = (
    "code de double authentification incorrect : saisissez les six chiffres affichés "
    "maintenant par votre application actuelle"
)


@dataclass(frozen=True)
class Confirmation:
    """What a person gives again before a change to how they sign in: their password, and a
    current code when the account has a second factor. Asked by the API, the pages (the
    field names are theirs: current_password, current_code)."""

    password: str
    code: str | None = None


async def confirm_identity(
    user: User, confirmation: Confirmation, *, ip: str, now: datetime
) -> None:
    """The password (and current code) of the signed-in person, counted by the login limit
    like a sign-in: a stolen session cannot guess the password here either."""
    email = user.email
    verdict = await throttle.begin(email=email, ip=ip, now=now)
    if not verdict.allowed:
        raise TooManyAttempts(verdict.retry_after_seconds)
    if not passwords.verify_password(user.password_hash, confirmation.password or ""):
        await events.journal(
            events.LOGIN_FAILED, user_id=user.id, details={"email": email, "confirmation": True}
        )
        raise ValidationFailed.one("current_password", msg=WRONG_PASSWORD)
    if user.totp_secret and not await _take_code(user, confirmation.code, now=now):
        await events.journal(
            events.LOGIN_FAILED, user_id=user.id, details={"email": email, "confirmation": True}
        )
        raise ValidationFailed.one("current_code", msg=WRONG_CURRENT_CODE)
    await throttle.succeeded(email=email, ip=ip, verdict=verdict, now=now)


async def _take_code(user: User, code: str | None, *, now: datetime) -> bool:
    """A current code of the user's secret not used before; its step is then used up."""
    step = totp.matching_step(user.totp_secret, code, now=now)
    if step is None or (user.totp_last_step is not None and step <= user.totp_last_step):
        return False
    # Only if no other request used this step meanwhile: a code opens one thing only.
    query = User.filter(id=user.id)
    if user.totp_last_step is None:
        query = query.filter(totp_last_step__isnull=True)
    else:
        query = query.filter(totp_last_step=user.totp_last_step)
    taken = await query.update(totp_last_step=step)
    if not taken:
        return False
    user.totp_last_step = step
    return True


# Password -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class PasswordChanged:
    sessions_closed: int
    tokens_revoked: int


async def change_password(
    user: User,
    confirmation: Confirmation,
    *,
    new_password: str,
    keep_session_id: int | None,
    ip: str,
    now: datetime,
) -> PasswordChanged:
    """The person changes their own password: confirmed by the current one (and code), then
    every other session of the account ends and every token is revoked; the session that
    changed it stays open."""
    _check_new_password(new_password)
    await confirm_identity(user, confirmation, ip=ip, now=now)
    return await _replace_password(user, new_password, keep_session_id=keep_session_id, now=now)


async def reset_password(user: User, new_password: str, *, now: datetime) -> PasswordChanged:
    """An operator sets a new password (`rgpd user password`): every session and token of
    the account ends."""
    _check_new_password(new_password)
    return await _replace_password(user, new_password, keep_session_id=None, now=now)


def _check_new_password(new_password: str) -> None:
    try:
        passwords.check_strength(new_password)
    except ValidationFailed as exc:
        raise ValidationFailed.one("new_password", msg=exc.problems[0].msg) from None


async def _replace_password(
    user: User, new_password: str, *, keep_session_id: int | None, now: datetime
) -> PasswordChanged:
    async with in_transaction():
        await _store_password(user, new_password)
        closed = await sessions.close_other_sessions(user_id=user.id, keep_id=keep_session_id)
        revoked = await tokens.revoke_all(user_id=user.id, now=now)
        await events.journal(
            events.PASSWORD_CHANGE,
            user_id=user.id,
            details={"email": user.email, "sessions_closed": closed, "tokens_revoked": revoked},
        )
    return PasswordChanged(sessions_closed=closed, tokens_revoked=revoked)


async def _store_password(user: User, password: str) -> None:
    user.password_hash = passwords.hash_password(password)
    await user.save(update_fields=["password_hash", "updated_at"])


# Second factor ------------------------------------------------------------------------------


async def enable_totp(user: User) -> str:
    """An operator gives the user a new TOTP secret (`rgpd user totp`), replacing any, and
    returns it to be handed over."""
    replaced = bool(user.totp_secret)
    user.totp_secret = totp.new_secret()
    user.totp_last_step = None
    await user.save(update_fields=["totp_secret", "totp_last_step", "updated_at"])
    await events.journal(
        events.TOTP_REPLACE if replaced else events.TOTP_ENABLE,
        user_id=user.id,
        details={"email": user.email},
    )
    return user.totp_secret


async def confirm_totp(
    user: User,
    confirmation: Confirmation,
    *,
    secret: str,
    code: str | None,
    ip: str,
    now: datetime,
) -> None:
    """Turn on (or replace) the second factor with a secret the user's app already holds:
    only with the password and, when one is set, a code of the current app; and only when
    `code` is one of the new secret's current codes (the app was set up right). That code
    cannot then open a session (the step is recorded as used)."""
    if not totp.is_valid_secret(secret):
        raise ValidationFailed.one("secret", msg="clé invalide : recommencez depuis le début")
    step = totp.matching_step(secret, code, now=now)
    if step is None:
        raise ValidationFailed.one(
            "code", msg="code incorrect : saisissez les six chiffres affichés par l'application"
        )
    await confirm_identity(user, confirmation, ip=ip, now=now)
    replaced = bool(user.totp_secret)
    user.totp_secret = secret
    user.totp_last_step = step
    await user.save(update_fields=["totp_secret", "totp_last_step", "updated_at"])
    await events.journal(
        events.TOTP_REPLACE if replaced else events.TOTP_ENABLE,
        user_id=user.id,
        details={"email": user.email},
    )


async def remove_totp(
    user: User, confirmation: Confirmation | None, *, ip: str | None, now: datetime
) -> bool:
    """Turn the second factor off: by the person, with the password and a current code; by
    an operator (`rgpd user totp --remove`, a lost phone), with no confirmation. False when
    there was none."""
    if not user.totp_secret:
        return False
    if confirmation is not None:
        await confirm_identity(user, confirmation, ip=ip or "inconnue", now=now)
    user.totp_secret = None
    user.totp_last_step = None
    await user.save(update_fields=["totp_secret", "totp_last_step", "updated_at"])
    await events.journal(events.TOTP_REMOVE, user_id=user.id, details={"email": user.email})
    return True


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

    The attempt is counted before anything is checked (core.accounts.throttle). The password
    is checked even for an unknown account (against a dummy hash), so the answer and its time
    say nothing about which accounts exist. Each outcome is journaled (core.accounts.events).
    """
    email = normalise_email(credentials.email)[:254]
    verdict = await throttle.begin(email=email, ip=ip, now=now)
    user = await User.get_or_none(email=email)
    if not verdict.allowed:
        if verdict.first_refusal:
            await _journal_login(events.LOCKOUT, user, email, ip, limit=verdict.limit)
        raise TooManyAttempts(verdict.retry_after_seconds)
    ok = passwords.verify_password(user.password_hash if user else None, credentials.password)
    ok = ok and user is not None and user.active
    if ok and user.totp_secret:
        ok = await _take_code(user, credentials.totp, now=now)
    await throttle.record(email=email, ip=ip, ok=ok, now=now)
    if not ok:
        await _journal_login(events.LOGIN_FAILED, user, email, ip)
        raise LoginFailed()
    await throttle.succeeded(email=email, ip=ip, verdict=verdict, now=now)
    if passwords.needs_rehash(user.password_hash):
        await _store_password(user, credentials.password)
    await _journal_login(events.LOGIN, user, email, ip)
    return user


async def _journal_login(action: str, user: User | None, email: str, ip: str, **extra) -> None:
    """A sign-in event. An e-mail that names no account is not kept (it may be anyone's
    typo): the event says only that the account is unknown."""
    details = {"email": email} if user else {"unknown_account": True}
    details |= {"address": ip, **{k: v for k, v in extra.items() if v is not None}}
    await events.journal(
        action,
        user_id=user.id if user else None,
        details=details,
        actor=user.email if user else "inconnu",
    )


async def sign_out(session: WebSession) -> None:
    """Close a session (the logout button or POST /auth/logout), journaled."""
    await sessions.close_session_by_id(session.id)
    user = await User.get_or_none(id=session.user_id)
    await events.journal(
        events.LOGOUT,
        user_id=session.user_id,
        details={"email": user.email if user else None},
    )
