"""Pages: conventions, read only (they are written through the API or the command line).

Same services and permission as api/routes/conventions.py (READ_REGISTER): a body sees the
conventions it is party to. The detail page draws the chain controller → processor →
sub-processors (register.chains.convention, api.web.svg_chain).
"""

from dataclasses import dataclass
from datetime import date
from uuid import UUID

from fastapi import APIRouter, Request

from api.web.common import not_found
from api.web.render import page, path_for, principal_of
from api.web.svg_chain import chain_picture, french_list
from core.accounts.roles import Permission
from core.clock import today_local
from core.config import get_settings
from core.errors import NotFound
from register.activities import service as activities
from register.activities.service import ActivityFilters
from register.chains.convention import convention_chain, party_names
from register.conventions import consent, service
from register.conventions.alerts import events_of
from register.conventions.checklist import checklist_out
from register.conventions.end_of_service_records import end_of_service_outs
from register.documents.sheet import convention_documents
from register.enums import (
    ConventionKind,
    NoticeChannel,
    SubprocessorAuthorisation,
    catalogue,
    label,
)
from register.subprocessors import service as subprocessors

router = APIRouter(include_in_schema=False)


@dataclass(frozen=True)
class Due:
    """A last day to give notice, with its urgency in words (never in colour alone)."""

    day: date
    words: str
    level: str  # "red", "orange", "past" or ""


def notice_due(day: date | None, today: date) -> Due | None:
    if day is None:
        return None
    days = (day - today).days
    if days < 0:
        return Due(day, "délai passé : la convention sera reconduite", "past")
    if days == 0:
        words = "aujourd'hui, dernier jour"
    elif days == 1:
        words = "demain"
    else:
        words = f"dans {days} jours"
    return Due(day, words, "red" if days <= 30 else "orange" if days <= 90 else "")


def breach_notice(hours: int | None, channels: list) -> str:
    """'72 h, courriel et téléphone'."""
    if hours is None:
        delay = "sans délai chiffré (« dans les meilleurs délais »)"
    elif hours == 0:
        delay = "immédiatement"
    else:
        delay = f"{hours} h"
    if not channels:
        return f"{delay}, canal non précisé"
    names = [label(NoticeChannel(c)).lower() for c in channels]
    return f"{delay}, {french_list(names)}"


def _kind(value: str | None) -> ConventionKind | None:
    try:
        return ConventionKind(value) if value else None
    except ValueError:
        return None


def _page_number(value: str | None) -> int:
    try:
        return max(1, min(int(value or 1), 10**6))
    except ValueError:
        return 1


def _not_found(request: Request):
    return not_found(
        request,
        "Cette convention n'existe pas, ou aucun des organismes de votre compte n'y est partie.",
        back=("conventions.list", "Revenir aux conventions"),
    )


def _forbidden(request: Request):
    return page(request, "error.html.j2", status=403, code=403)


@router.get("/conventions", name="conventions.list")
async def conventions_page(request: Request):
    scope = principal_of(request).scope(Permission.READ_REGISTER)
    if scope.is_empty:
        return _forbidden(request)
    kind = _kind(request.query_params.get("type"))
    number = _page_number(request.query_params.get("page"))
    size = get_settings().default_page_size
    found = await service.list_conventions(
        scope=scope, limit=size, offset=(number - 1) * size, kind=kind
    )
    names = await party_names(p.organisation_id for c in found.items for p in c.parties)
    today = today_local()
    rows = [
        {
            "convention": c,
            "parties": [(names.get(p.organisation_id, "?"), label(p.role)) for p in c.parties],
            "notice": notice_due(c.next_notice_deadline, today),
            "breach": breach_notice(c.breach_notice_hours, c.breach_notice_channels),
        }
        for c in found.items
    ]
    pages = max(1, -(-found.total // size))
    return page(
        request,
        "conventions/list.html.j2",
        rows=rows,
        total=found.total,
        number=number,
        pages=pages,
        kind=kind.value if kind else "",
        kinds=catalogue()["ConventionKind"],
        today=today,
    )


@router.get("/conventions/{convention_id}", name="conventions.sheet")
async def convention_page(request: Request, convention_id: str):
    scope = principal_of(request).scope(Permission.READ_REGISTER)
    if scope.is_empty:
        return _forbidden(request)
    try:
        convention = await service.get_convention(scope=scope, convention_id=UUID(convention_id))
    except (ValueError, NotFound):
        return _not_found(request)
    out = await service.convention_out(convention)
    chain = await convention_chain(convention)
    picture = chain_picture(chain, title=f"Chaîne de sous-traitance : {out.title}")
    today = today_local()
    events = events_of(convention, today)
    listed = await activities.list_activities(
        scope=scope,
        filters=ActivityFilters(convention_id=convention.id),
        limit=get_settings().max_page_size,
        offset=0,
    )
    proposals = await service.proposals_out(
        await consent.list_proposals(scope=scope, convention_id=convention.id),
        scope=principal_of(request).scope(Permission.EDIT_REGISTER),
    )
    names = await party_names(
        [a.controller_id for a in listed.items]
        + [p.organisation_id for p in chain.parties]
        + ([out.breach_lead_id] if out.breach_lead_id else [])
    )
    return page(
        request,
        "conventions/detail.html.j2",
        convention=out,
        chain=chain,
        picture=picture,
        events=events,
        notice=notice_due(out.next_notice_deadline, today),
        breach=breach_notice(out.breach_notice_hours, out.breach_notice_channels),
        channels=[label(NoticeChannel(c)) for c in out.breach_notice_channels],
        activities=listed,
        proposals=proposals,
        names=names,
        authorisations={m.value: label(m) for m in SubprocessorAuthorisation},
        engagement_states=await subprocessors.state_labels(
            [e.engagement_id for e in chain.engagements if e.depth == 1]
        ),
        checklist=await checklist_out(convention),
        can_edit_clauses=principal_of(request)
        .scope(Permission.EDIT_REGISTER)
        .allows_any([p.organisation_id for p in out.parties]),
        documents=await convention_documents(
            edit=principal_of(request).scope(Permission.EDIT_REGISTER), convention_id=convention.id
        ),
        eos=(await end_of_service_outs([convention], today))[0],
        eos_link=path_for(request, "end_of_service.form", convention_id=convention.id)
        if principal_of(request)
        .scope(Permission.EDIT_REGISTER)
        .allows_any([p.organisation_id for p in out.parties])
        else None,
        today=today,
    )
