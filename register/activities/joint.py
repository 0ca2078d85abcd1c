"""Joint controllers (art. 26): the activities a body holds jointly with the body that keeps
them in its register.

A body reads another body's activity as joint controller only when (1) the activity names it
among its joint controllers, and (2) the activity is linked to an art. 26 arrangement in
force (accepted by every party: register.conventions.consent) to which both the holder and
that body are parties, that body as joint controller. Without it, the activity answers as
one that does not exist (404): a body cannot be drawn into a record without its agreement.
The joint controller reads; only the holder edits (its scope is the holder's).

One query, driven by the joint controller link (`activity_joint_controller`, a few rows per
body), never a scan of the register: the lists add its ids to their scope condition.
"""

from collections.abc import Iterable
from dataclasses import dataclass
from uuid import UUID

from pydantic import BaseModel

from core.scope import Scope
from register.activities.models import ProcessingActivity
from register.conventions.models import Convention, ConventionParty
from register.enums import ConventionKind, ConventionStatus, JointBreachDuty, PartyRole, label
from register.organisations.models import Organisation

_SQL = """
SELECT DISTINCT j."processing_activity_id" AS activity_id, j."organisation_id" AS org_id,
       c."id" AS convention_id
FROM "activity_joint_controller" j
JOIN "processing_activity" a ON a."id" = j."processing_activity_id"
JOIN "activity_convention" ac ON ac."processing_activity_id" = j."processing_activity_id"
JOIN "convention" c ON c."id" = ac."convention_id" AND c."status" = {status}
     AND c."kind" = {kind}
JOIN "convention_party" pj ON pj."convention_id" = c."id"
     AND pj."organisation_id" = j."organisation_id" AND pj."role" = {role}
JOIN "convention_party" ph ON ph."convention_id" = c."id"
     AND ph."organisation_id" = a."controller_id"
WHERE j."organisation_id" IN ({bodies})
"""


@dataclass(frozen=True)
class JointLink:
    activity_id: UUID
    org_id: UUID  # the joint controller reading it
    convention_id: UUID  # the arrangement binding it and the holder


def _uuid(value) -> UUID:
    return value if isinstance(value, UUID) else UUID(str(value))


async def joint_links(org_ids: Iterable[UUID]) -> list[JointLink]:
    """The activities `org_ids` hold jointly (see the module doc), with the arrangement."""
    bodies = sorted(set(org_ids), key=str)
    if not bodies:
        return []
    client = ProcessingActivity._meta.db
    postgres = client.capabilities.dialect == "postgres"
    params: list = [ConventionStatus.IN_FORCE.value, ConventionKind.ART26_ARRANGEMENT.value]
    params.append(PartyRole.JOINT_CONTROLLER.value)
    params += [b if postgres else str(b) for b in bodies]
    marks = [f"${i + 1}" if postgres else "?" for i in range(len(params))]
    sql = _SQL.format(status=marks[0], kind=marks[1], role=marks[2], bodies=", ".join(marks[3:]))
    rows = await client.execute_query_dict(sql, params)
    return [
        JointLink(_uuid(r["activity_id"]), _uuid(r["org_id"]), _uuid(r["convention_id"]))
        for r in rows
    ]


async def joint_activity_ids(scope: Scope) -> list[UUID]:
    """The activities the scope's bodies read as joint controllers (none when unrestricted:
    it reads every activity already)."""
    if scope.is_unrestricted:
        return []
    return sorted({link.activity_id for link in await joint_links(scope.org_ids)}, key=str)


async def readable_jointly(scope: Scope, activity_id: UUID) -> bool:
    return activity_id in set(await joint_activity_ids(scope))


class JointArrangement(BaseModel):
    """What an art. 26 arrangement says, as each joint controller's record shows it
    (art. 26(2): the essence of the arrangement made available)."""

    convention_id: UUID
    title: str
    joint_controllers: list[str]
    breach_lead: str | None
    breach_duty: str  # in words
    essence: str | None


async def arrangements(activity_ids: list[UUID]) -> dict[UUID, list[JointArrangement]]:
    """The art. 26 arrangements in force linked to each activity, in three queries."""
    if not activity_ids:
        return {}
    links = await ProcessingActivity.filter(id__in=activity_ids).values_list(
        "id", "conventions__id"
    )
    linked = list({c for _, c in links if c is not None})
    conventions = {
        c.id: c
        for c in await Convention.in_force().filter(
            id__in=linked, kind=ConventionKind.ART26_ARRANGEMENT
        )
    }
    if not conventions:
        return {}
    convention_ids = list(conventions)
    members: dict[UUID, list[UUID]] = {}
    for convention_id, org_id in await ConventionParty.filter(
        convention_id__in=convention_ids, role=PartyRole.JOINT_CONTROLLER
    ).values_list("convention_id", "organisation_id"):
        members.setdefault(convention_id, []).append(org_id)
    wanted = {o for ids in members.values() for o in ids}
    wanted |= {c.breach_lead_id for c in conventions.values() if c.breach_lead_id}
    names = dict(await Organisation.filter(id__in=list(wanted)).values_list("id", "legal_name"))
    out: dict[UUID, list[JointArrangement]] = {}
    for activity_id, convention_id in links:
        convention = conventions.get(convention_id)
        if convention is None:
            continue
        out.setdefault(activity_id, []).append(
            _arrangement(convention, members.get(convention.id, []), names)
        )
    return out


def _arrangement(
    convention: Convention, members: list[UUID], names: dict[UUID, str]
) -> JointArrangement:
    lead = names.get(convention.breach_lead_id) if convention.breach_lead_id else None
    if lead is None:
        duty = "Aucun chef de file désigné : chaque responsable conjoint notifie la CNIL"
    elif convention.joint_breach_duty == JointBreachDuty.LEAD_NOTIFIES:
        duty = f"{lead} (chef de file) notifie la CNIL pour tous les responsables conjoints"
    else:
        duty = label(JointBreachDuty.EACH_NOTIFIES)
    return JointArrangement(
        convention_id=convention.id,
        title=convention.title,
        joint_controllers=sorted((names.get(m, "?") for m in members), key=str.casefold),
        breach_lead=lead,
        breach_duty=duty,
        essence=convention.arrangement_essence,
    )
