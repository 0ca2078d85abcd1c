"""The audit journal seen from the API: an organisation's events, the verification, and the
public key that checks the signed checkpoints."""

from datetime import datetime
from typing import Any
from uuid import UUID

from fastapi import APIRouter, Depends, Query
from pydantic import BaseModel, ConfigDict

from api.deps import Paging, paging, scope_for
from core.accounts.roles import Permission
from core.audit import journal
from core.audit.models import AuditEvent
from core.audit.signing import get_signing_key, key_id, public_key_pem
from core.errors import NotFound
from core.keys import KeyConfigError
from core.scope import Scope
from core.validators import PeriodEnd, PeriodStart
from register.organisations import service as organisations
from register.schemas_common import PageOut

router = APIRouter(tags=["journal"])
read_journal = scope_for(Permission.READ_JOURNAL)


class JournalEventOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: UUID
    chain: str
    seq: int
    at: datetime
    actor: str
    action: str
    entity_type: str
    entity_id: str | None
    before: Any = None
    after: Any = None
    prev_hash: str
    hash: str


class ProblemOut(BaseModel):
    chain: str
    seq: int | None
    event_id: UUID | None
    kind: str
    message: str


class VerificationOut(BaseModel):
    intact: bool
    events: int
    chains: int
    problems: list[ProblemOut]
    # What the chains were checked against outside the database: the anchor (its signed heads)
    # beside the signing key, or that there is none yet.
    anchor: str


class PublicKeyOut(BaseModel):
    key_id: str
    public_key_pem: str


def _event_out(event: AuditEvent) -> JournalEventOut:
    return JournalEventOut.model_validate(event)


@router.get(
    "/organisations/{organisation_id}/journal",
    response_model=PageOut[JournalEventOut],
    summary="An organisation's audit journal, newest first",
)
async def organisation_journal(
    organisation_id: UUID,
    entity_type: str | None = Query(default=None, max_length=64),
    entity_id: str | None = Query(default=None, max_length=64),
    since: PeriodStart | None = Query(
        default=None, alias="from", description="From (included): a day or an instant"
    ),
    until: PeriodEnd | None = Query(
        default=None, alias="to", description="Until (excluded); a day: until its end"
    ),
    page: Paging = Depends(paging),
    scope: Scope = Depends(read_journal),
):
    # A deleted body's journal stays readable by those it was in scope for.
    if not scope.allows(organisation_id) or not await journal.has_events(organisation_id):
        await organisations.get_organisation(scope=scope, organisation_id=organisation_id)
    found = await journal.list_events(
        organisation_id,
        filters=journal.JournalFilters(
            entity_type=entity_type, entity_id=entity_id, since=since, until=until
        ),
        limit=page.limit,
        offset=page.offset,
    )
    return PageOut(
        items=[_event_out(e) for e in found.items],
        total=found.total,
        limit=found.limit,
        offset=found.offset,
    )


@router.get(
    "/journal/verify",
    response_model=VerificationOut,
    summary="Verify the journal chains in scope: where they were altered, if anywhere",
)
async def verify_journal(scope: Scope = Depends(read_journal)):
    result = await journal.verify_journal(scope=scope)
    return VerificationOut(
        intact=result.intact,
        events=result.events,
        chains=result.chains,
        anchor=result.anchor.note,
        problems=[
            ProblemOut(
                chain=p.chain, seq=p.seq, event_id=p.event_id, kind=p.kind.value, message=p.message
            )
            for p in result.problems
        ],
    )


@router.get(
    "/journal/public-key",
    response_model=PublicKeyOut,
    summary="The public key that checks the signed checkpoints (Ed25519, PEM)",
)
async def signing_public_key(scope: Scope = Depends(read_journal)):
    try:
        key = get_signing_key()
    except KeyConfigError:
        raise NotFound("clé de signature", "non configurée") from None
    return PublicKeyOut(key_id=key_id(key.public_key()), public_key_pem=public_key_pem(key))
