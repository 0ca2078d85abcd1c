"""Page: the list of breaches the person may read, open ones first by their next deadline,
closed ones on demand (`?etat=toutes`), for one controller (`?organisme=`) or all."""

from fastapi import APIRouter, Request

from api.web import breach_forms as forms
from api.web.render import page, principal_of
from api.web.routes.violations.common import forbidden
from breach.breaches import service
from breach.breaches.names import body_names, breach_controllers
from breach.breaches.schemas import BreachOut
from breach.enums import BreachStatus
from core.accounts.roles import Permission
from core.clock import utcnow
from core.config import get_settings

router = APIRouter(include_in_schema=False)


def next_clock(breach: BreachOut):
    # A fixed deadline first; an open-ended clock (« sans délai excessif ») has none.
    if not breach.countdowns:
        return None
    return min(breach.countdowns, key=lambda c: (c.open_ended, c.due_at))


@router.get("/violations", name="violations.list")
async def breach_list(request: Request, etat: str = "ouvertes", organisme: str | None = None):
    principal = principal_of(request)
    scope = principal.scope(Permission.READ_BREACHES)
    if scope.is_empty:
        return forbidden(request)
    now = utcnow()
    limit = get_settings().max_page_size
    controllers = await breach_controllers(scope)
    controller_id = forms.uuid_or_none(organisme)
    if controller_id not in {c for c, _ in controllers}:
        controller_id = None
    common = {"scope": scope, "limit": limit, "offset": 0, "now": now}
    common["controller_id"] = controller_id
    open_page = await service.list_breaches(**common, open_only=True)
    shown = sorted(
        open_page.items,
        key=lambda b: (next_clock(b) is None, next_clock(b).due_at if next_clock(b) else now),
    )
    total = open_page.total
    if etat == "toutes":
        closed = await service.list_breaches(**common, status=BreachStatus.CLOSED)
        shown += closed.items
        total += closed.total
    else:
        etat = "ouvertes"
    names = await body_names([b.controller_id for b in shown] + [b.source_org_id for b in shown])
    return page(
        request,
        "violations/list.html.j2",
        breaches=shown,
        total=total,
        names=names,
        etat=etat,
        controllers=controllers,
        organisme=str(controller_id) if controller_id else "",
        next_clock=next_clock,
    )
