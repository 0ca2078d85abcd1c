"""A convention's art. 28(3) checklist as the API and the pages read and change it, and the
art. 28(10) warnings of a convention or an activity (the rules: register.conventions.clauses).

A change of the checklist is a change of the convention's agreed text (see clauses.py): it
goes through `service.update_convention`, in force at once when the caller acts for every
party, otherwise proposed to the others (register.conventions.consent).
"""

from uuid import UUID

from pydantic import Field

from core.errors import ValidationFailed
from core.scope import Scope
from register.conventions import service
from register.conventions.clauses import (
    LAW,
    ClauseCode,
    ClauseIn,
    ClauseStatus,
    beyond_role_warnings,
    checklist,
    stored_clauses,
)
from register.conventions.models import Convention, ConventionParty
from register.enums import PROCESSOR_ROLES, PartyRole, label
from register.organisations.models import Organisation
from register.schemas_common import Shape, VersionedPatch


class ClauseOut(Shape):
    clause: ClauseCode
    law: str = Field(description="The regulation's article, e.g. « art. 28.3 a »")
    label: str
    status: ClauseStatus
    status_label: str
    article: str | None = Field(description="Where the convention carries it")
    note: str | None


class ChecklistOut(Shape):
    convention_id: UUID
    version: int = Field(description="The convention's version, to send back with a change")
    needed: bool = Field(description="Whether a party is processor or sub-processor")
    reason: str | None = Field(description="Why no checklist is needed, in French")
    flagged: bool = Field(description="A processor convention lacking a clause (absent)")
    absent: list[ClauseCode]
    not_checked: list[ClauseCode]
    items: list[ClauseOut]
    beyond_role: list[str] = Field(
        description="Art. 28(10): a processor of this convention acting beyond its role"
    )
    pending_proposal_id: UUID | None


class ChecklistPatch(VersionedPatch):
    clauses: dict[ClauseCode, ClauseIn] = Field(
        min_length=1, description="The clauses changed; the others stay as they are"
    )


async def _roles(convention_id: UUID) -> dict[UUID, PartyRole]:
    rows = await ConventionParty.filter(convention_id=convention_id).values_list(
        "organisation_id", "role"
    )
    return {org: PartyRole(role) for org, role in rows}


async def _names(ids) -> dict[UUID, str]:
    return dict(await Organisation.filter(id__in=list(ids)).values_list("id", "legal_name"))


async def convention_beyond_role(convention: Convention) -> list[str]:
    """Art. 28(10) warnings of a convention: its activities and its text."""
    roles = await _roles(convention.id)
    activities = await convention.activities.all().values_list("name", "controller_id")
    names = await _names({*roles, *(c for _, c in activities)})
    return beyond_role_warnings(
        roles=roles,
        names=names,
        activities=activities,
        kind=convention.kind,
        text=f"{convention.subject or ''}\n{convention.notes or ''}",
    )


async def activity_beyond_role(
    *, name: str, controller_id: UUID, convention_ids: list[UUID]
) -> list[str]:
    """Art. 28(10) warnings of one activity: its controller is a processor under one of the
    conventions the activity relies on."""
    rows = await ConventionParty.filter(
        convention_id__in=convention_ids,
        organisation_id=controller_id,
        role__in=list(PROCESSOR_ROLES),
    ).values_list("convention_id", "role")
    if not rows:
        return []
    titles = dict(await Convention.filter(id__in=[c for c, _ in rows]).values_list("id", "title"))
    names = await _names({controller_id})
    return [
        warning
        for convention_id, role in rows
        for warning in beyond_role_warnings(
            roles={controller_id: PartyRole(role)},
            names=names,
            activities=[(name, controller_id)],
            under=f"la convention « {titles[convention_id]} »",
        )
    ]


async def checklist_out(convention: Convention) -> ChecklistOut:
    out = await service.convention_out(convention)
    view = checklist(out.clauses, [p.role for p in out.parties])
    return ChecklistOut(
        convention_id=out.id,
        version=out.version,
        needed=view.needed,
        reason=view.reason,
        flagged=view.flagged,
        absent=view.absent,
        not_checked=view.not_checked,
        items=[
            ClauseOut(
                clause=row.code,
                law=LAW[row.code],
                label=label(row.code),
                status=row.status,
                status_label=label(row.status),
                article=row.article,
                note=row.note,
            )
            for row in view.rows
        ],
        beyond_role=await convention_beyond_role(convention),
        pending_proposal_id=out.pending_proposal_id,
    )


async def get_checklist(*, scope: Scope, convention_id: UUID) -> ChecklistOut:
    return await checklist_out(
        await service.get_convention(scope=scope, convention_id=convention_id)
    )


async def update_checklist(
    *, scope: Scope, convention_id: UUID, version: int, clauses: dict[ClauseCode, ClauseIn]
) -> tuple[ChecklistOut, bool]:
    """The checklist after the change, and whether it was only proposed to the other parties."""
    convention = await service.get_convention(scope=scope, convention_id=convention_id)
    roles = await _roles(convention.id)
    view = checklist(stored_clauses(convention.clauses), roles.values())
    if not view.needed:
        raise ValidationFailed.one("body", "clauses", msg=view.reason)
    merged = {**stored_clauses(convention.clauses), **clauses}
    _, proposed = await service.update_convention(
        scope=scope,
        convention_id=convention.id,
        version=version,
        patch={"clauses": {code.value: c.model_dump(mode="json") for code, c in merged.items()}},
    )
    return await checklist_out(await Convention.get(id=convention.id)), proposed


async def bodies_lacking_clauses(org_ids: list[UUID]) -> list[UUID]:
    """Each of these bodies, once per convention in force it is party to whose checklist is
    flagged (an art. 28(3) clause absent): both sides answer for the processor contract."""
    rows = (
        await ConventionParty.in_force()
        .filter(organisation_id__in=org_ids)
        .values_list("convention_id", "organisation_id")
    )
    ids = list({c for c, _ in rows})
    roles: dict[UUID, list[PartyRole]] = {}
    for convention_id, role in await ConventionParty.filter(convention_id__in=ids).values_list(
        "convention_id", "role"
    ):
        roles.setdefault(convention_id, []).append(PartyRole(role))
    stored = await Convention.filter(id__in=ids).values_list("id", "clauses")
    flagged = {
        convention_id
        for convention_id, clauses in stored
        if checklist(stored_clauses(clauses), roles.get(convention_id, [])).flagged
    }
    return [org for convention_id, org in rows if convention_id in flagged]
