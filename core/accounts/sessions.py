"""Web sessions: a random id in an HttpOnly cookie (only its hash is stored) and a CSRF token."""

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from core.accounts.models import User, WebSession

SESSION_LIFETIME = timedelta(hours=12)  # absolute
SESSION_IDLE = timedelta(hours=2)  # without a request
_TOUCH_EVERY = timedelta(minutes=1)


def _digest(session_id: str) -> str:
    return hashlib.sha256(session_id.encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class OpenedSession:
    session: WebSession
    session_id: str  # goes into the cookie, never stored


async def open_session(*, user: User, now: datetime) -> OpenedSession:
    await WebSession.filter(expires_at__lte=now).delete()  # housekeeping
    session_id = secrets.token_urlsafe(32)
    session = await WebSession.create(
        session_hash=_digest(session_id),
        user=user,
        csrf_token=secrets.token_urlsafe(32),
        expires_at=now + SESSION_LIFETIME,
        last_seen=now,
    )
    return OpenedSession(session, session_id)


async def find_session(session_id: str, *, now: datetime) -> WebSession | None:
    """The live session of an active user for this cookie value; None otherwise."""
    if not session_id or len(session_id) > 200:
        return None
    session = (
        await WebSession.filter(session_hash=_digest(session_id)).select_related("user").first()
    )
    if session is None or session.expires_at <= now or now - session.last_seen > SESSION_IDLE:
        return None
    if not session.user.active:
        return None
    if now - session.last_seen > _TOUCH_EVERY:
        await WebSession.filter(id=session.id).update(last_seen=now)
    return session


def csrf_matches(session: WebSession, presented: str | None) -> bool:
    return bool(presented) and hmac.compare_digest(session.csrf_token, presented)


async def close_session(session_id: str) -> None:
    await WebSession.filter(session_hash=_digest(session_id)).delete()


async def close_session_by_id(row_id: int) -> None:
    await WebSession.filter(id=row_id).delete()


async def close_other_sessions(*, user_id, keep_id: int | None) -> int:
    """End every session of the account but `keep_id` (the one acting); how many ended."""
    query = WebSession.filter(user_id=user_id)
    if keep_id is not None:
        query = query.exclude(id=keep_id)
    return await query.delete()
