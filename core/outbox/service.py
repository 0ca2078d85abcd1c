"""Writing messages to the outbox and the sender's side of it: claim, sent, retry, give up.

`enqueue` joins the caller's transaction (Tortoise's `in_transaction` is a context), so a
message exists exactly when the change that caused it was committed.
"""

import functools
import os
import socket
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from uuid import UUID

from tortoise.exceptions import IntegrityError
from tortoise.expressions import F, Q
from tortoise.transactions import in_transaction

from core.audit.trail import record_event, record_events
from core.config import get_settings
from core.errors import InvalidTransition, NotFound, ValidationFailed
from core.outbox.models import MessageStatus, OutboxMessage
from core.paging import Page, paginate
from core.scope import Scope
from core.validators import check_email

MAX_ERROR_CHARS = 2000


@dataclass(frozen=True)
class Draft:
    """A rendered message, before it is written: what a preview shows."""

    kind: str
    to_addrs: tuple[str, ...]
    subject: str
    body_text: str
    organisation_id: UUID | None = None
    subject_type: str | None = None
    subject_id: UUID | None = None
    cc_addrs: tuple[str, ...] = ()
    reply_to: str | None = None
    due_at: datetime | None = None


def new_message_id() -> str:
    domain = get_settings().mail_from.rsplit("@", 1)[-1].strip(" >") or socket.getfqdn()
    return f"<{uuid.uuid4().hex}@{domain}>"


async def enqueue(
    draft: Draft, *, now: datetime, dedup_key: str | None = None
) -> OutboxMessage | None:
    """Write the message; with a `dedup_key` already taken, write nothing and return None.

    Call it inside the transaction of the change that causes the message. A message with no
    valid recipient is written as failed, with the reason, so that someone sees it.
    """
    values = _values(draft, now=now, dedup_key=dedup_key)
    if dedup_key is not None and await OutboxMessage.exists(dedup_key=dedup_key):
        return None
    try:
        # A savepoint, so that losing the race does not abort the caller's transaction.
        async with in_transaction():
            message = await OutboxMessage.create(**values)
            await _journal(message, "create", before=None, after=_journaled(message))
            return message
    except IntegrityError:
        if dedup_key is None:
            raise
        return None


async def enqueue_many(drafts: Sequence[tuple[Draft, str]], *, now: datetime) -> list[str]:
    """`enqueue` for a batch of messages, each with its dedup key (the scheduler's reminders):
    the same rows and journal events, in one insert for the messages and one per chain for
    the events. Returns the keys written: a key already taken is skipped, and when another
    writer takes one meanwhile, the batch is written again by `enqueue`, a message at a time.
    Call it inside the caller's transaction, like `enqueue`."""
    keys = [key for _, key in drafts]
    taken = set(await OutboxMessage.filter(dedup_key__in=keys).values_list("dedup_key", flat=True))
    invalid = functools.lru_cache(maxsize=None)(_invalid_address)  # one check per address
    messages = [
        OutboxMessage(**_values(draft, now=now, dedup_key=key, invalid=invalid))
        for draft, key in drafts
        if key not in taken
    ]
    if not messages:
        return []
    try:
        async with in_transaction():  # a savepoint, as in `enqueue`
            await OutboxMessage.bulk_create(messages)
            await record_events(
                (
                    m.organisation_id,
                    dict(
                        action="message.create",
                        entity_type="message",
                        entity_id=m.id,
                        before=None,
                        after=_journaled(m),
                    ),
                )
                for m in messages
            )
    except IntegrityError:
        written = [await enqueue(draft, now=now, dedup_key=key) for draft, key in drafts]
        return [m.dedup_key for m in written if m is not None]
    return [m.dedup_key for m in messages]


def _values(draft: Draft, *, now: datetime, dedup_key: str | None, invalid=None) -> dict:
    """The message's row; with no valid recipient, written as failed with the reason."""
    invalid = invalid or _invalid_address
    problems = [a for a in (*draft.to_addrs, *draft.cc_addrs) if invalid(a)]
    status, error = MessageStatus.PENDING, None
    if not draft.to_addrs:
        status, error = MessageStatus.FAILED, "aucun destinataire : renseignez une adresse"
    elif problems:
        status, error = MessageStatus.FAILED, f"adresse invalide : {', '.join(problems)}"
    return dict(
        kind=draft.kind,
        organisation_id=draft.organisation_id,
        subject_type=draft.subject_type,
        subject_id=draft.subject_id,
        dedup_key=dedup_key,
        to_addrs=list(draft.to_addrs),
        cc_addrs=list(draft.cc_addrs),
        reply_to=draft.reply_to,
        subject=draft.subject,
        body_text=draft.body_text,
        message_id=new_message_id(),
        status=status,
        last_error=error,
        next_attempt_at=now,
        due_at=draft.due_at,
        created_at=now,
    )


def _journaled(message: OutboxMessage) -> dict:
    """What the audit journal keeps of a message: its kind, state and how many recipients,
    never the addresses nor the text."""
    return {
        "kind": message.kind,
        "status": message.status,
        "recipients": len(message.to_addrs) + len(message.cc_addrs),
        "subject_type": message.subject_type,
        "subject_id": message.subject_id,
        "dedup_key": message.dedup_key,
        "due_at": message.due_at,
    }


async def _journal(message: OutboxMessage, action: str, *, before, after) -> None:
    await record_event(
        [message.organisation_id],
        action=f"message.{action}",
        entity_type="message",
        entity_id=message.id,
        before=before,
        after=after,
    )


def _invalid_address(address: str) -> bool:
    try:
        check_email(address)
    except ValueError:
        return True
    return False


# The sender's side --------------------------------------------------------------------------


def owner_id(role: str) -> str:
    """Who holds a claim: role, host and process, so that the logs say which one it was."""
    return f"{role}:{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"


async def claim_due(*, owner: str, now: datetime, limit: int = 50) -> list[OutboxMessage]:
    """Claim up to `limit` messages due now, each by one conditional UPDATE.

    A message is due when pending and its next attempt has come, or when a claim on it has
    expired (its sender died). Two senders may pick the same candidate; the UPDATE's WHERE
    lets only one of them have it.
    """
    lease = timedelta(seconds=get_settings().outbox_lease_seconds)
    due = Q(status=MessageStatus.PENDING, next_attempt_at__lte=now) | Q(
        status=MessageStatus.SENDING, claimed_until__lt=now
    )
    candidates = (
        await OutboxMessage.filter(due)
        .order_by("next_attempt_at", "created_at")
        .limit(limit)
        .values_list("id", "status", "claimed_until")
    )
    claimed_ids = []
    for message_id, status, claimed_until in candidates:
        still_due = Q(id=message_id, status=status)
        if status == MessageStatus.SENDING:
            still_due &= Q(claimed_until=claimed_until)
        won = await OutboxMessage.filter(still_due).update(
            status=MessageStatus.SENDING,
            claimed_by=owner,
            claimed_until=now + lease,
            attempts=F("attempts") + 1,
        )
        if won:
            claimed_ids.append(message_id)
    if not claimed_ids:
        return []
    rows = await OutboxMessage.filter(id__in=claimed_ids, claimed_by=owner)
    return sorted(rows, key=lambda m: (m.next_attempt_at, m.created_at))


async def release_claims(*, owner_prefix: str, keep: str) -> int:
    """Hand back the claims of dead senders of one role (all but `keep`): only the leading
    scheduler sends, so when it starts any other scheduler's claim belongs to a dead one."""
    return (
        await OutboxMessage.filter(
            status=MessageStatus.SENDING, claimed_by__startswith=owner_prefix
        )
        .exclude(claimed_by=keep)
        .update(status=MessageStatus.PENDING, claimed_by=None, claimed_until=None)
    )


async def renew_claim(message: OutboxMessage, *, owner: str, now: datetime) -> bool:
    """Renew the lease just before sending: a batch claimed together is sent one by one, and
    a message must not be taken over by another sender while it waits its turn in the batch.
    False when it was taken over already: then it is not ours to send."""
    lease = timedelta(seconds=get_settings().outbox_lease_seconds)
    return bool(
        await OutboxMessage.filter(
            id=message.id, status=MessageStatus.SENDING, claimed_by=owner
        ).update(claimed_until=now + lease)
    )


async def mark_sent(message: OutboxMessage, *, owner: str, now: datetime) -> bool:
    updated = await OutboxMessage.filter(
        id=message.id, status=MessageStatus.SENDING, claimed_by=owner
    ).update(status=MessageStatus.SENT, sent_at=now, claimed_until=None, last_error=None)
    return bool(updated)


def backoff(attempts: int) -> timedelta:
    settings = get_settings()
    seconds = settings.outbox_backoff_seconds * 2 ** max(attempts - 1, 0)
    return timedelta(seconds=min(seconds, settings.outbox_backoff_max_seconds))


async def mark_failed(
    message: OutboxMessage, *, owner: str, now: datetime, error: str, permanent: bool
) -> MessageStatus:
    """Schedule the next attempt with backoff, or give up (permanent error, attempts spent)."""
    give_up = permanent or message.attempts >= get_settings().outbox_max_attempts
    status = MessageStatus.FAILED if give_up else MessageStatus.PENDING
    await OutboxMessage.filter(
        id=message.id, status=MessageStatus.SENDING, claimed_by=owner
    ).update(
        status=status,
        claimed_until=None,
        last_error=error[:MAX_ERROR_CHARS],
        next_attempt_at=now if give_up else now + backoff(message.attempts),
    )
    return status


# Reading and the operator's actions ---------------------------------------------------------


def _scoped(scope: Scope):
    query = OutboxMessage.all()
    if not scope.is_unrestricted:
        query = query.filter(organisation_id__in=list(scope.org_ids))
    return query


async def list_messages(
    *,
    scope: Scope,
    limit: int,
    offset: int,
    status: MessageStatus | None = None,
    subject_id: UUID | None = None,
    organisation_id: UUID | None = None,
) -> Page[OutboxMessage]:
    query = _scoped(scope)
    if status:
        query = query.filter(status=status)
    if subject_id:
        query = query.filter(subject_id=subject_id)
    if organisation_id:
        query = query.filter(organisation_id=organisation_id)
    return await paginate(query.order_by("-created_at", "id"), limit=limit, offset=offset)


async def get_message(*, scope: Scope, message_id: UUID) -> OutboxMessage:
    message = await _scoped(scope).get_or_none(id=message_id)
    if message is None:
        raise NotFound("message", message_id)
    return message


async def retry_failed(
    *, scope: Scope, message_id: UUID, now: datetime, to_addrs: Sequence[str] | None = None
) -> OutboxMessage:
    """Put a failed message back in the queue, with corrected recipients if given."""
    message = await get_message(scope=scope, message_id=message_id)
    if message.status != MessageStatus.FAILED:
        raise InvalidTransition("seul un message en échec peut être renvoyé")
    values: dict = {"status": MessageStatus.PENDING, "next_attempt_at": now, "attempts": 0}
    if to_addrs is not None:
        bad = [a for a in to_addrs if _invalid_address(a)]
        if not to_addrs or bad:
            raise ValidationFailed.one(
                "body", "to_addrs", msg=f"adresse invalide : {', '.join(bad) or 'aucune'}"
            )
        values["to_addrs"] = list(to_addrs)
    async with in_transaction():
        updated = await OutboxMessage.filter(id=message.id, status=MessageStatus.FAILED).update(
            **values
        )
        if not updated:
            raise InvalidTransition("le message a changé entre-temps ; rechargez-le")
        retried = await OutboxMessage.get(id=message.id)
        before, after = _journaled(message), _journaled(retried)
        before["attempts"], after["attempts"] = message.attempts, retried.attempts
        await _journal(
            retried,
            "retry",
            before={k: v for k, v in before.items() if after[k] != v},
            after={k: v for k, v in after.items() if before[k] != v},
        )
    return retried
