"""Tableau de bord: the clocks running, the dates ahead, what failed, what is missing, and
the convention proposals and the sub-processors waiting for the user's answer."""

from fastapi import APIRouter, Request

from api.web.render import page, principal_of
from core.accounts.roles import Permission
from core.clock import today_local, utcnow
from register.conventions import consent, service
from register.subprocessors import answers
from reports.dashboard import dashboard

router = APIRouter(include_in_schema=False)


@router.get("/", name="dashboard.index")
async def home(request: Request):
    principal = principal_of(request)
    board = await dashboard(
        breaches_scope=principal.scope(Permission.READ_BREACHES),
        register_scope=principal.scope(Permission.READ_REGISTER),
        messages_scope=principal.scope(Permission.READ_MESSAGES),
        now=utcnow(),
    )
    # Only who may answer (a DPO or administrator of the awaited body) is asked to.
    answering = principal.scope(Permission.EDIT_REGISTER)
    awaiting = (
        [] if answering.is_empty else await consent.list_proposals(scope=answering, awaiting=True)
    )
    proposals = await service.proposals_out(awaiting, scope=answering)
    subprocessors = await answers.awaiting_answers(scope=answering, today=today_local())
    return page(
        request,
        "dashboard.html.j2",
        board=board,
        proposals=proposals,
        subprocessors_awaiting=subprocessors,
    )
