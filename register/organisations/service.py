"""Organisations, their DPO designation and their contacts."""

from collections import defaultdict
from typing import Any
from uuid import UUID

from tortoise.exceptions import IntegrityError

from core.errors import Conflict, Forbidden, ValidationFailed
from core.paging import Page, paginate
from core.persistence import create_journaled, delete_versioned, get_scoped, update_versioned
from core.scope import Scope
from core.text import fold, search_terms
from register.deletion import refuse_if_referenced
from register.organisations import codes
from register.organisations.models import Contact, Dpo, Organisation
from register.organisations.schemas import (
    ContactIn,
    ContactOut,
    DpoIn,
    DpoOut,
    OrganisationIn,
    OrganisationOut,
)
from register.schemas_common import merge_patch, to_columns

ORG = "organisation"
DPO = "DPO"
CONTACT = "contact"
UNKNOWN_ORG = "organisme inconnu"  # a body that does not exist, or that is not the caller's


# Organisations ------------------------------------------------------------------------------


def _org_columns(data: OrganisationIn, short_code: str) -> dict[str, Any]:
    return {**to_columns(data), "name_folded": fold(data.legal_name), "short_code": short_code}


def organisation_out(org: Organisation) -> OrganisationOut:
    return OrganisationOut.model_validate(org, from_attributes=True)


def organisations_out(orgs: list[Organisation]) -> list[OrganisationOut]:
    return [organisation_out(o) for o in orgs]


async def list_organisations(
    *, scope: Scope, limit: int, offset: int, kind: str | None = None, q: str | None = None
) -> Page[OrganisationOut]:
    query = Organisation.filter(**Organisation.scope_filter(scope))
    if kind:
        query = query.filter(kind=kind)
    if q:
        for term in search_terms(q):
            query = query.filter(name_folded__contains=term)
    return await paginate(query, limit=limit, offset=offset, shape=organisations_out)


async def get_organisation(*, scope: Scope, organisation_id: UUID) -> Organisation:
    return await get_scoped(Organisation, scope=scope, obj_id=organisation_id, label=ORG)


async def require_organisation(*, scope: Scope, organisation_id: UUID, field: str) -> None:
    """An organisation named in a request must exist and be in the caller's scope; the 422
    is the same either way, so a guessed identifier reveals nothing."""
    if not scope.allows(organisation_id) or not await Organisation.exists(id=organisation_id):
        raise ValidationFailed.one("body", field, msg=UNKNOWN_ORG)


async def _check_dpo(scope: Scope, dpo_id: UUID | None, *, current: UUID | None = None) -> None:
    """A body may designate a DPO record that already serves one of the caller's bodies (a
    shared DPO), or one designated by nobody (just made with POST /dpos: no body's record
    yet). A record serving only other bodies answers as one that does not exist."""
    if dpo_id is None or dpo_id == current or scope.is_unrestricted:
        if dpo_id is not None and not await Dpo.exists(id=dpo_id):
            raise ValidationFailed.one("body", "dpo_id", msg="DPO inconnu")
        return
    served = set(await Organisation.filter(dpo_id=dpo_id).values_list("id", flat=True))
    usable = scope.allows_any(served) if served else await Dpo.exists(id=dpo_id)
    if not usable:
        raise ValidationFailed.one("body", "dpo_id", msg="DPO inconnu")


async def _short_code(data: OrganisationIn, *, current: UUID | None = None) -> str:
    """The code asked for, refused (422) if another body holds it; else the one derived from
    the name (register.organisations.codes)."""
    others = Organisation.exclude(id=current) if current else Organisation.all()
    if data.short_code:
        if await others.filter(short_code=data.short_code).exists():
            raise ValidationFailed.one("body", "short_code", msg=codes.TAKEN)
        return data.short_code
    base = codes.base_code(data.legal_name)
    taken = await others.filter(short_code__startswith=base[:8]).values_list(
        "short_code", flat=True
    )
    return codes.derive(data.legal_name, taken)


def _unique_siren(exc: IntegrityError) -> Conflict:
    return Conflict(f"un organisme avec ce SIREN existe déjà ({exc.__class__.__name__})")


async def create_organisation(*, scope: Scope, data: OrganisationIn) -> OrganisationOut:
    await _check_dpo(scope, data.dpo_id)
    if data.siren and await Organisation.exists(siren=data.siren):
        raise Conflict(f"un organisme avec le SIREN {data.siren} existe déjà")
    try:
        org = await create_journaled(Organisation, **_org_columns(data, await _short_code(data)))
    except IntegrityError as exc:
        raise _unique_siren(exc) from None
    return organisation_out(org)


async def update_organisation(
    *, scope: Scope, organisation_id: UUID, version: int, patch: dict[str, Any]
) -> OrganisationOut:
    org = await get_organisation(scope=scope, organisation_id=organisation_id)
    merged = merge_patch(OrganisationIn, organisation_out(org), patch)
    await _check_dpo(scope, merged.dpo_id, current=org.dpo_id)
    if merged.siren and await Organisation.exists(siren=merged.siren, id__not=org.id):
        raise Conflict(f"un organisme avec le SIREN {merged.siren} existe déjà")
    code = await _short_code(merged, current=org.id)
    try:
        await update_versioned(
            Organisation, obj_id=org.id, expected_version=version, values=_org_columns(merged, code)
        )
    except IntegrityError as exc:
        raise _unique_siren(exc) from None
    return organisation_out(await Organisation.get(id=org.id))


async def delete_organisation(*, scope: Scope, organisation_id: UUID, version: int | None) -> None:
    org = await get_organisation(scope=scope, organisation_id=organisation_id)
    # The many-to-many link would cascade and silently drop the joint controller named in
    # another body's record (art. 30(1)(a)); the other references are RESTRICT in the schema.
    if await org.joint_activities.all().exists():
        raise Conflict(
            "suppression impossible : l'organisme est co-responsable "
            "d'une activité de traitement du registre"
        )
    await refuse_if_referenced(org, scope=scope, label="l'organisme")
    await delete_versioned(Organisation, obj=org, expected_version=version, label="l'organisme")


# DPOs ---------------------------------------------------------------------------------------


async def dpo_outs(dpos: list[Dpo]) -> list[DpoOut]:
    """DPO records with the bodies each serves (in the bodies' order), in one query."""
    served: dict[UUID, list[UUID]] = defaultdict(list)
    if dpos:
        rows = await Organisation.filter(dpo_id__in=[d.id for d in dpos]).values_list(
            "dpo_id", "id"
        )
        for dpo_id, org_id in rows:
            served[dpo_id].append(org_id)
    outs = []
    for dpo in dpos:
        out = DpoOut.model_validate(dpo, from_attributes=True)
        out.organisation_ids = served[dpo.id]
        outs.append(out)
    return outs


async def dpo_out(dpo: Dpo) -> DpoOut:
    return (await dpo_outs([dpo]))[0]


async def list_dpos(*, scope: Scope, limit: int, offset: int) -> Page[DpoOut]:
    query = Dpo.filter(**Dpo.scope_filter(scope)).distinct().order_by("name", "id")
    return await paginate(query, limit=limit, offset=offset, shape=dpo_outs)


async def get_dpo(*, scope: Scope, dpo_id: UUID) -> Dpo:
    return await get_scoped(Dpo, scope=scope, obj_id=dpo_id, label=DPO)


async def create_dpo(*, scope: Scope, data: DpoIn) -> DpoOut:
    return await dpo_out(await create_journaled(Dpo, **to_columns(data)))


SHARED_DPO = (
    "ce DPD est désigné aussi par d'autres organismes : seul qui agit pour chacun d'eux "
    "peut le modifier"
)


async def _require_every_body(scope: Scope, dpo: Dpo) -> None:
    """A DPO record shared by several bodies (a centre de gestion's DPO) is changed only by
    someone who may act for every body it serves, or an instance administrator: otherwise one
    body would redirect the others' breach notices. Visible to the caller, so 403, not 404."""
    if scope.is_unrestricted:
        return
    served = await Organisation.filter(dpo_id=dpo.id).values_list("id", flat=True)
    if any(not scope.allows(org_id) for org_id in served):
        raise Forbidden(SHARED_DPO)


async def update_dpo(*, scope: Scope, dpo_id: UUID, version: int, patch: dict) -> DpoOut:
    dpo = await get_dpo(scope=scope, dpo_id=dpo_id)
    await _require_every_body(scope, dpo)
    merged = merge_patch(DpoIn, await dpo_out(dpo), patch)
    await update_versioned(Dpo, obj_id=dpo.id, expected_version=version, values=to_columns(merged))
    return await dpo_out(await Dpo.get(id=dpo.id))


async def delete_dpo(*, scope: Scope, dpo_id: UUID, version: int | None) -> None:
    dpo = await get_dpo(scope=scope, dpo_id=dpo_id)
    await _require_every_body(scope, dpo)
    await refuse_if_referenced(dpo, scope=scope, label="le DPO")
    await delete_versioned(Dpo, obj=dpo, expected_version=version, label="le DPO")


# Contacts -----------------------------------------------------------------------------------


def contact_out(contact: Contact) -> ContactOut:
    return ContactOut.model_validate(contact, from_attributes=True)


def contacts_out(contacts: list[Contact]) -> list[ContactOut]:
    return [contact_out(c) for c in contacts]


async def list_contacts(
    *,
    scope: Scope,
    limit: int,
    offset: int,
    organisation_id: UUID | None = None,
    role: str | None = None,
) -> Page[ContactOut]:
    query = Contact.filter(**Contact.scope_filter(scope))
    if organisation_id:
        query = query.filter(organisation_id=organisation_id)
    # roles is a JSON list; filtering in Python keeps SQLite and PostgreSQL alike
    keep = (lambda c: role in c.roles) if role else None
    return await paginate(query, limit=limit, offset=offset, shape=contacts_out, keep=keep)


async def get_contact(*, scope: Scope, contact_id: UUID) -> Contact:
    return await get_scoped(Contact, scope=scope, obj_id=contact_id, label=CONTACT)


async def create_contact(*, scope: Scope, data: ContactIn) -> ContactOut:
    await require_organisation(
        scope=scope, organisation_id=data.organisation_id, field="organisation_id"
    )
    return contact_out(await create_journaled(Contact, **to_columns(data)))


async def update_contact(
    *, scope: Scope, contact_id: UUID, version: int, patch: dict
) -> ContactOut:
    contact = await get_contact(scope=scope, contact_id=contact_id)
    merged = merge_patch(ContactIn, contact_out(contact), patch)
    await require_organisation(
        scope=scope, organisation_id=merged.organisation_id, field="organisation_id"
    )
    await update_versioned(
        Contact, obj_id=contact.id, expected_version=version, values=to_columns(merged)
    )
    return contact_out(await Contact.get(id=contact.id))


async def delete_contact(*, scope: Scope, contact_id: UUID, version: int | None) -> None:
    contact = await get_contact(scope=scope, contact_id=contact_id)
    await refuse_if_referenced(contact, scope=scope, label="le contact")
    await delete_versioned(Contact, obj=contact, expected_version=version, label="le contact")
