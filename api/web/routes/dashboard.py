"""Tableau de bord: the clocks running, the dates ahead, what failed, what is missing."""

from fastapi import APIRouter, Request

from api.web.render import page, principal_of
from breach.dashboard import dashboard
from core.accounts.roles import Permission
from core.clock import utcnow

router = APIRouter(include_in_schema=False)


@router.get("/")
async def home(request: Request):
    principal = principal_of(request)
    board = await dashboard(
        breaches_scope=principal.scope(Permission.READ_BREACHES),
        register_scope=principal.scope(Permission.READ_REGISTER),
        messages_scope=principal.scope(Permission.READ_MESSAGES),
        now=utcnow(),
    )
    return page(request, "dashboard.html.j2", board=board)
