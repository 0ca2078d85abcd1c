"""The outbox seen from the API: messages, their state, and a retry for failed ones."""

from datetime import datetime
from uuid import UUID

from fastapi import APIRouter, Body, Depends
from pydantic import BaseModel, ConfigDict, Field

from api.deps import Paging, paging, scope_for
from core.accounts.roles import Permission
from core.clock import utcnow
from core.outbox import service
from core.outbox.models import MESSAGE_STATUS_LABELS, MessageStatus, OutboxMessage
from core.scope import Scope
from register.schemas_common import Email, PageOut

router = APIRouter(tags=["messages"])
MANAGE = Depends(scope_for(Permission.MANAGE_BREACH))
READ = Depends(scope_for(Permission.READ_MESSAGES))


class MessageOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: UUID
    kind: str
    status: MessageStatus
    status_label: str
    organisation_id: UUID | None
    subject_type: str | None
    subject_id: UUID | None
    to_addrs: list[str]
    cc_addrs: list[str]
    subject: str
    attempts: int
    last_error: str | None
    next_attempt_at: datetime
    due_at: datetime | None
    sent_at: datetime | None
    created_at: datetime


class MessageDetailOut(MessageOut):
    body_text: str
    reply_to: str | None
    message_id: str


class RetryIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    to_addrs: list[Email] | None = Field(
        default=None, min_length=1, max_length=20, description="Corrected recipients"
    )


def _out(message: OutboxMessage, shape: type[MessageOut] = MessageOut) -> MessageOut:
    data = {name: getattr(message, name) for name in shape.model_fields if name != "status_label"}
    return shape(**data, status_label=MESSAGE_STATUS_LABELS[message.status])


@router.get("/messages", response_model=PageOut[MessageOut])
async def list_messages(
    status: MessageStatus | None = None,
    organisation_id: UUID | None = None,
    subject_id: UUID | None = None,
    page: Paging = Depends(paging),
    scope: Scope = READ,
):
    found = await service.list_messages(
        scope=scope,
        limit=page.limit,
        offset=page.offset,
        status=status,
        organisation_id=organisation_id,
        subject_id=subject_id,
    )
    return PageOut(
        items=[_out(m) for m in found.items],
        total=found.total,
        limit=found.limit,
        offset=found.offset,
    )


@router.get("/messages/{message_id}", response_model=MessageDetailOut)
async def get_message(message_id: UUID, scope: Scope = READ):
    return _out(await service.get_message(scope=scope, message_id=message_id), MessageDetailOut)


@router.post(
    "/messages/{message_id}/retry",
    response_model=MessageDetailOut,
    summary="Put a failed message back in the queue, with corrected recipients if given",
)
async def retry_message(
    message_id: UUID,
    body: RetryIn | None = Body(default=None),
    scope: Scope = MANAGE,
):
    message = await service.retry_failed(
        scope=scope,
        message_id=message_id,
        now=utcnow(),
        to_addrs=body.to_addrs if body else None,
    )
    return _out(message, MessageDetailOut)
