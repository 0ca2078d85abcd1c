"""What the Registre pages share: their refusals (404 for another body's activity, 403 for an
activity the person may read but not change) and reading the activity a URL names."""

from fastapi import Request
from fastapi.responses import HTMLResponse

from api.web.common import as_uuid
from api.web.render import page, principal_of
from core.accounts.roles import Permission, Principal
from core.errors import NotFound
from register.activities import service
from register.activities.schemas import ActivityOut

NOT_FOUND = (
    "Fiche introuvable",
    "Cette fiche de traitement n'existe pas, a été supprimée, ou ne relève pas de vos organismes.",
)
FORBIDDEN = (
    "Modification non autorisée",
    "Votre rôle vous permet de consulter le registre de cet organisme, pas de le modifier.",
)
NO_REGISTER = (
    "Accès refusé",
    "Votre rôle ne vous donne accès au registre d'aucun organisme.",
)
STALE = (
    "Cette fiche a été modifiée entre-temps par quelqu'un d'autre : rechargez-la. "
    "Vos saisies ci-dessous n'ont pas été enregistrées."
)
STALE_DELETE = (
    "Cette fiche a été modifiée entre-temps par quelqu'un d'autre : relisez-la avant de la "
    "supprimer."
)


def refusal(request: Request, status: int, reason: tuple[str, str]) -> HTMLResponse:
    title, message = reason
    return page(request, "registre/refus.html.j2", status=status, title=title, message=message)


def member(enum_cls, value: str | None):
    try:
        return enum_cls(value) if value else None
    except ValueError:
        return None


async def readable(principal: Principal, activity_id: str) -> ActivityOut | None:
    found = as_uuid(activity_id)
    if found is None:
        return None
    try:
        activity = await service.read_activity(
            scope=principal.scope(Permission.READ_REGISTER), activity_id=found
        )
    except NotFound:
        return None
    return await service.activity_out(activity)


async def editable(
    request: Request, activity_id: str
) -> tuple[ActivityOut | None, HTMLResponse | None]:
    """The activity if the user may change it; else the 404 (not theirs) or 403 (read-only)."""
    principal = principal_of(request)
    activity = await readable(principal, activity_id)
    if activity is None:
        return None, refusal(request, 404, NOT_FOUND)
    if not principal.scope(Permission.EDIT_REGISTER).allows(activity.controller_id):
        return None, refusal(request, 403, FORBIDDEN)
    return activity, None
