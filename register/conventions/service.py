"""Conventions between bodies, their parties' roles and their clauses."""

from typing import Any
from uuid import UUID

from tortoise.transactions import in_transaction

from core.audit.trail import journaled, record_created
from core.clock import today_local
from core.errors import Conflict, ValidationFailed
from core.persistence import Page, delete_versioned, get_scoped, update_versioned
from core.scope import Scope
from register.conventions.models import Convention, ConventionParty
from register.conventions.schemas import ConventionIn, ConventionOut, PartyIn
from register.conventions.terms import convention_terms
from register.organisations.models import Organisation
from register.schemas_common import merge_patch, to_columns

LABEL = "convention"


async def convention_out(convention: Convention) -> ConventionOut:
    parties = await ConventionParty.filter(convention_id=convention.id).order_by("id")
    terms = convention_terms(
        start=convention.start_date,
        duration_months=convention.duration_months,
        tacit_renewals=convention.tacit_renewals,
        notice_months=convention.notice_months,
        end_date=convention.end_date,
        today=today_local(),
    )
    data = {
        **{
            name: getattr(convention, name)
            for name in ConventionOut.model_fields
            if hasattr(convention, name) and name not in ("parties",)
        },
        "breach_lead_id": convention.breach_lead_id,
        "parties": [PartyIn(organisation_id=p.organisation_id, role=p.role) for p in parties],
        "current_term_end": terms.current_term_end,
        "last_possible_end": terms.last_possible_end,
        "next_notice_deadline": terms.next_notice_deadline,
        "renewals_left": terms.renewals_left,
    }
    return ConventionOut.model_validate(data)


def _visible(scope: Scope):
    return Convention.filter(**Convention.scope_filter(scope)).distinct()


async def list_conventions(
    *,
    scope: Scope,
    limit: int,
    offset: int,
    organisation_id: UUID | None = None,
    role: str | None = None,
    kind: str | None = None,
) -> Page[ConventionOut]:
    query = _visible(scope)
    if organisation_id or role:
        party_filter: dict[str, Any] = {}
        if organisation_id:
            party_filter["organisation_id"] = organisation_id
        if role:
            party_filter["role"] = role
        ids = await ConventionParty.filter(**party_filter).values_list("convention_id", flat=True)
        query = query.filter(id__in=list(ids))
    if kind:
        query = query.filter(kind=kind)
    total = await query.count()
    rows = await query.order_by("title", "id").offset(offset).limit(limit)
    return Page([await convention_out(c) for c in rows], total, limit, offset)


async def get_convention(*, scope: Scope, convention_id: UUID) -> Convention:
    return await get_scoped(Convention, scope=scope, obj_id=convention_id, label=LABEL)


async def _check_parties(scope: Scope, data: ConventionIn) -> None:
    ids = [p.organisation_id for p in data.parties]
    known = set(await Organisation.filter(id__in=ids).values_list("id", flat=True))
    for index, party in enumerate(data.parties):
        if party.organisation_id not in known:
            raise ValidationFailed.one(
                "body", "parties", index, "organisation_id", msg="organisme inconnu"
            )
    if not scope.allows_any(ids):
        raise ValidationFailed.one(
            "body", "parties", msg="aucun des organismes parties ne relève de votre périmètre"
        )


async def _write_parties(convention_id: UUID, parties: list[PartyIn]) -> None:
    await ConventionParty.filter(convention_id=convention_id).delete()
    await ConventionParty.bulk_create(
        [
            ConventionParty(
                convention_id=convention_id, organisation_id=p.organisation_id, role=p.role
            )
            for p in parties
        ]
    )


async def create_convention(*, scope: Scope, data: ConventionIn) -> ConventionOut:
    await _check_parties(scope, data)
    async with in_transaction():
        convention = await Convention.create(**to_columns(data, exclude={"parties"}))
        await _write_parties(convention.id, data.parties)
        await record_created(Convention, convention.id)
    return await convention_out(convention)


async def update_convention(
    *, scope: Scope, convention_id: UUID, version: int, patch: dict[str, Any]
) -> ConventionOut:
    convention = await get_convention(scope=scope, convention_id=convention_id)
    merged = merge_patch(ConventionIn, await convention_out(convention), patch)
    await _check_parties(scope, merged)
    async with journaled(Convention, convention.id, action="update"):
        await update_versioned(
            Convention,
            obj_id=convention.id,
            expected_version=version,
            values=to_columns(merged, exclude={"parties"}),
        )
        await _write_parties(convention.id, merged.parties)
    return await convention_out(await Convention.get(id=convention.id))


async def delete_convention(*, scope: Scope, convention_id: UUID, version: int | None) -> None:
    convention = await get_convention(scope=scope, convention_id=convention_id)
    # The link tables would cascade and silently drop the processors from activities'
    # records: a convention still in use must be unlinked first, knowingly.
    linked = await convention.activities.all().count()
    chained = await convention.subprocessor_engagements.all().count()
    if linked or chained:
        raise Conflict(
            f"suppression impossible : la convention fonde encore {linked} activité(s) de "
            f"traitement et {chained} sous-traitance(s) ultérieure(s)"
        )
    await delete_versioned(
        Convention, obj=convention, expected_version=version, label="la convention"
    )
