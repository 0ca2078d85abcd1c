"""Page: the Registre, the list of the activities the person may read, filtered and paged."""

from urllib.parse import urlencode
from uuid import UUID

from fastapi import APIRouter, Request

from api.web.common import as_uuid, page_number, pages
from api.web.registre_form import (
    FIELD_LABELS,
)
from api.web.render import page, path_for, principal_of
from api.web.routes.registre.common import NO_REGISTER, member, refusal
from core.accounts.roles import Permission
from core.clock import today_local
from core.scope import Scope
from register.activities import choices, service
from register.activities.service import ActivityFilters
from register.enums import (
    ActivityStatus,
    DataCategory,
    LegalBasis,
    catalogue,
)

router = APIRouter(include_in_schema=False)

PER_PAGE = 50
MAX_PAGE = 2**31 // PER_PAGE


def _chosen(params) -> dict[str, str]:
    """The filters asked for, each kept only when it is one the list offers ("" otherwise)."""
    return {
        "q": (params.get("q") or "").strip()[:200],
        "organisme": str(as_uuid(params.get("organisme")) or ""),
        "statut": getattr(member(ActivityStatus, params.get("statut")), "value", ""),
        "base": getattr(member(LegalBasis, params.get("base")), "value", ""),
        "categorie": getattr(member(DataCategory, params.get("categorie")), "value", ""),
        "sensibles": params.get("sensibles") if params.get("sensibles") in ("oui", "non") else "",
        "revue": "depassee" if params.get("revue") == "depassee" else "",
    }


def _filters(chosen: dict[str, str]) -> ActivityFilters:
    return ActivityFilters(
        controller_id=as_uuid(chosen["organisme"]),
        status=chosen["statut"] or None,
        legal_basis=chosen["base"] or None,
        data_category=chosen["categorie"] or None,
        has_sensitive_data={"oui": True, "non": False}.get(chosen["sensibles"]),
        review_due_before=today_local() if chosen["revue"] else None,
        q=chosen["q"] or None,
    )


def _new_link(new_link: str, chosen: dict[str, str], editable: Scope) -> str:
    """The new activity's form, for the body the list shows when the person may edit it."""
    if chosen["organisme"] and editable.allows(UUID(chosen["organisme"])):
        new_link += "?" + urlencode({"organisme": chosen["organisme"]})
    return new_link


@router.get("/registre", name="registre.list")
async def registre(request: Request):
    principal = principal_of(request)
    scope = principal.scope(Permission.READ_REGISTER)
    if scope.is_empty:
        return refusal(request, 403, NO_REGISTER)
    chosen = _chosen(request.query_params)
    number = page_number(request.query_params.get("page"), MAX_PAGE)
    found = await service.list_activities(
        scope=scope, filters=_filters(chosen), limit=PER_PAGE, offset=(number - 1) * PER_PAGE
    )
    bodies = await choices.bodies(scope)
    kept = {name: value for name, value in chosen.items() if value}
    pager = pages(path_for(request, "registre.list"), kept, number, found.total, PER_PAGE)
    editable = principal.scope(Permission.EDIT_REGISTER)
    return page(
        request,
        "registre/liste.html.j2",
        activities=found.items,
        total=found.total,
        number=number,
        last=pager.last,
        previous_link=pager.previous,
        next_link=pager.next,
        chosen=chosen,
        filtered=bool(kept),
        bodies=bodies,
        body_names={b["value"]: b["label"] for b in bodies},
        can_create=not editable.is_empty,
        new_link=_new_link(path_for(request, "registre.new"), chosen, editable),
        catalogue=catalogue(),
        labels=FIELD_LABELS,
    )
