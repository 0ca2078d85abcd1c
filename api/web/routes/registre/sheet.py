"""Page: an activity's record sheet, with its history when the person may read the journal."""

from fastapi import APIRouter, Request

from api.web.registre_form import FIELD_LABELS
from api.web.registre_history import history_changes, ids_in_events
from api.web.render import page, principal_of
from api.web.routes.registre.common import NOT_FOUND, readable, refusal
from core import articles
from core.accounts.roles import Permission
from core.audit import journal
from register.activities.joint import arrangements
from register.activities.links import linked_names
from register.activities.schemas import ActivityOut
from register.chains.activity import processors_of
from register.chains.transfers import missing_items, transfers_of
from register.conventions.checklist import activity_beyond_role

router = APIRouter(include_in_schema=False)

HISTORY_SIZE = 50
ACTIONS = {
    "activity.create": "Création",
    "activity.update": "Modification",
    "activity.delete": "Suppression",
}


# Record sheet -------------------------------------------------------------------------------


async def _history(activity: ActivityOut) -> tuple[list, int]:
    found = await journal.list_events(
        activity.controller_id,
        filters=journal.JournalFilters(entity_type="activity", entity_id=str(activity.id)),
        limit=HISTORY_SIZE,
        offset=0,
    )
    return found.items, found.total


@router.get("/registre/{activity_id}", name="registre.sheet")
async def activity_sheet(request: Request, activity_id: str):
    principal = principal_of(request)
    activity = await readable(principal, activity_id)
    if activity is None:
        return refusal(request, 404, NOT_FOUND)
    events, total = [], 0
    show_history = principal.scope(Permission.READ_JOURNAL).allows(activity.controller_id)
    if show_history:
        events, total = await _history(activity)
    names = await linked_names(
        organisation_ids={
            activity.controller_id,
            *activity.joint_controller_ids,
            *ids_in_events(events, "controller_id"),
            *ids_in_events(events, "joint_controller_ids"),
        },
        convention_ids={*activity.convention_ids, *ids_in_events(events, "convention_ids")},
        measure_ids={
            *activity.security_measure_ids,
            *ids_in_events(events, "security_measure_ids"),
        },
    )
    history = [
        {
            "at": event.at,
            "actor": event.actor,
            "action": ACTIONS.get(event.action, event.action),
            "changes": history_changes(event, names) if event.action == "activity.update" else [],
        }
        for event in events
    ]
    processors = await processors_of(activity)
    chain_transfers = transfers_of(processors, activity.controller_id)
    return page(
        request,
        "registre/fiche.html.j2",
        activity=activity,
        names=names,
        processors=processors,
        chain_transfers=chain_transfers,
        chain_missing=missing_items(chain_transfers),
        missing=activity.missing_mandatory(),
        can_edit=principal.scope(Permission.EDIT_REGISTER).allows(activity.controller_id),
        arrangements=(await arrangements([activity.id])).get(activity.id, []),
        held_jointly=not principal.scope(Permission.READ_REGISTER).allows(activity.controller_id),
        holder_of=articles.of(names.organisations.get(activity.controller_id, "")),
        show_history=show_history,
        history=history,
        history_total=total,
        labels=FIELD_LABELS,
        beyond_role=await activity_beyond_role(
            name=activity.name,
            controller_id=activity.controller_id,
            convention_ids=activity.convention_ids,
        ),
    )
