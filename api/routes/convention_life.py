"""A convention's life: a party's notice, an early termination, an express renewal
(register.conventions.life says who records what)."""

from datetime import date
from uuid import UUID

from fastapi import APIRouter, Depends, Response
from pydantic import Field

from api.deps import scope_for
from core.accounts.roles import Permission
from core.scope import Scope
from register.conventions import life_events
from register.conventions.schemas import ConventionOut
from register.schemas_common import LongText, Shape, Text

router = APIRouter(tags=["conventions"])
EDIT = Depends(scope_for(Permission.EDIT_REGISTER))
VERSION = Field(ge=1, le=2**31 - 1, description="The convention's version you read")
PROPOSED = {202: {"description": "Proposed to the other parties; the version in force stays"}}


class NoticeIn(Shape):
    version: int = VERSION
    organisation_id: UUID = Field(description="The party giving notice (one you act for)")
    given_on: date
    effective_on: date | None = Field(
        default=None,
        description="Its last day in force; by default the end of the notice period",
    )


class TerminationIn(Shape):
    version: int = VERSION
    terminated_on: date = Field(description="The last day in force")
    reason: LongText
    decided_by: Text | None = Field(default=None, description="By default: you")


class RenewalIn(Shape):
    version: int = VERSION
    decided_on: date
    reference: Text = Field(description="The decision: deliberation, letter, amendment")


@router.post(
    "/conventions/{convention_id}/notice",
    response_model=ConventionOut,
    description="A party gives notice under the convention's clause: recorded at once.",
)
async def give_notice(convention_id: UUID, body: NoticeIn, scope: Scope = EDIT):
    return await life_events.record_notice(
        scope=scope,
        convention_id=convention_id,
        version=body.version,
        organisation_id=body.organisation_id,
        given_on=body.given_on,
        effective_on=body.effective_on,
    )


@router.post(
    "/conventions/{convention_id}/termination",
    response_model=ConventionOut,
    responses=PROPOSED,
    description="An early termination the parties agree to: a change of the convention.",
)
async def terminate(
    convention_id: UUID, body: TerminationIn, response: Response, scope: Scope = EDIT
):
    convention, proposed = await life_events.record_termination(
        scope=scope,
        convention_id=convention_id,
        version=body.version,
        terminated_on=body.terminated_on,
        reason=body.reason,
        decided_by=body.decided_by,
    )
    if proposed:
        response.status_code = 202
    return convention


@router.post(
    "/conventions/{convention_id}/express-renewals",
    response_model=ConventionOut,
    responses=PROPOSED,
    description="An express renewal the parties decided: a change of the convention.",
)
async def renew(convention_id: UUID, body: RenewalIn, response: Response, scope: Scope = EDIT):
    convention, proposed = await life_events.record_express_renewal(
        scope=scope,
        convention_id=convention_id,
        version=body.version,
        decided_on=body.decided_on,
        reference=body.reference,
    )
    if proposed:
        response.status_code = 202
    return convention
