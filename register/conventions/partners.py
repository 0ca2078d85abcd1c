"""Which other bodies a caller's bodies are bound to by a convention in force.

A reference that is legitimately cross-body (a recipient, a joint controller, a sub-processor
named in a chain) may name a partner: a body party to a convention in force with one of the
caller's bodies. Any other body answers as if it did not exist.
"""

from uuid import UUID

from core.errors import ValidationFailed
from core.scope import Scope
from register.conventions.models import ConventionParty
from register.organisations.models import Organisation
from register.organisations.service import UNKNOWN_ORG


async def partner_org_ids(scope: Scope) -> frozenset[UUID] | None:
    """The caller's bodies and every body bound to them by a convention in force;
    None for an unrestricted scope (every body)."""
    if scope.is_unrestricted:
        return None
    own = list(scope.org_ids or ())
    if not own:
        return frozenset()
    bound = (
        await ConventionParty.in_force()
        .filter(organisation_id__in=own)
        .values_list("convention_id", flat=True)
    )
    partners = await ConventionParty.filter(convention_id__in=list(set(bound))).values_list(
        "organisation_id", flat=True
    )
    return frozenset(own) | frozenset(partners)


async def may_reference(scope: Scope, organisation_id: UUID) -> bool:
    """A body the caller may name as a partner (see partner_org_ids)."""
    partners = await partner_org_ids(scope)
    return partners is None or organisation_id in partners


async def require_partner(scope: Scope, organisation_id: UUID, *loc: str | int) -> None:
    """A body named where the reference is legitimately cross-body (a recipient, a joint
    controller, a sub-processor, the controller served): one of the caller's bodies or a
    body bound to them by a convention in force. Any other answers as a body that does not
    exist, so a guessed identifier reveals nothing."""
    if not await may_reference(scope, organisation_id) or not await Organisation.exists(
        id=organisation_id
    ):
        raise ValidationFailed.one("body", *loc, msg=UNKNOWN_ORG)
