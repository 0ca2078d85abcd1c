"""Account events in the instance's journal (core.audit, INSTANCE_CHAIN): creation, roles,
password and second factor changes, tokens, sign-ins (successful or not), lockouts, logouts.

What an event keeps: the account's id and e-mail, a role and its body, a token's id, name,
prefix and end of validity, the address a sign-in came from. Never a password, a hash, a
TOTP secret or code, a token's value or a session id.
"""

import asyncio
from contextlib import nullcontext
from typing import Any
from uuid import UUID
from weakref import WeakKeyDictionary

from core.actor import acting_as
from core.audit.chain import INSTANCE_CHAIN
from core.audit.trail import record_event

ENTITY = "account"

CREATE = "account.create"
ROLE_GRANT = "account.role_grant"
ROLE_REVOKE = "account.role_revoke"
PASSWORD_CHANGE = "account.password_change"
TOTP_ENABLE = "account.totp_enable"
TOTP_REPLACE = "account.totp_replace"
TOTP_REMOVE = "account.totp_remove"
TOKEN_CREATE = "account.token_create"
TOKEN_REVOKE = "account.token_revoke"
LOGIN = "account.login"
LOGIN_FAILED = "account.login_failed"
LOCKOUT = "account.lockout"
LOGOUT = "account.logout"

_FORBIDDEN = ("password", "secret", "hash", "code", "token_value", "session_id", "cookie")

# One account event appended at a time per process. Sign-ins arrive in bursts (eighty failed
# attempts at once), and each append reads the chain's tail then inserts after it: without
# this, the writers of one process would all read the same tail and retry past the journal's
# limit. Between processes (several workers on PostgreSQL) the journal's own retry suffices.
_locks: WeakKeyDictionary = WeakKeyDictionary()


def _lock() -> asyncio.Lock:
    loop = asyncio.get_running_loop()
    lock = _locks.get(loop)
    if lock is None:
        lock = _locks[loop] = asyncio.Lock()
    return lock


async def journal(
    action: str,
    *,
    user_id: UUID | None,
    details: dict[str, Any] | None = None,
    actor: str | None = None,
) -> None:
    """Append one account event to the instance chain, by the current actor (or `actor`,
    for a sign-in, where nobody is signed in yet)."""
    details = dict(details or {})
    refused = [key for key in details for word in _FORBIDDEN if word in key]
    if refused:
        raise ValueError(f"never journaled: {refused}")
    with acting_as(actor) if actor else nullcontext():
        async with _lock():
            await record_event(
                [INSTANCE_CHAIN],
                action=action,
                entity_type=ENTITY,
                entity_id=user_id,
                before=None,
                after=details,
            )


def token_details(token) -> dict[str, Any]:
    return {
        "token_id": str(token.id),
        "name": token.name,
        "prefix": token.prefix,
        "expires_at": token.expires_at,
    }
