"""What the activity form offers, by the rules `create_activity` and `update_activity` apply
(register.activities.service._check_references): the bodies the person may edit for; the
bodies that may be named as joint controllers; the conventions in force where one of those
bodies is a controller (a proposed one binds nobody yet), grouped by that body; the security
measures. Whatever the stored record already links to is offered too, so that saving never
drops it unseen.
"""

from dataclasses import dataclass
from typing import Any

from core.scope import Scope
from register.activities.links import linked_names
from register.activities.schemas import ActivityOut
from register.conventions.models import ConventionParty
from register.enums import CONTROLLER_ROLES, catalogue
from register.measures.models import SecurityMeasure
from register.organisations.models import Organisation

OTHERS = "autres"


@dataclass
class Group:
    body: str
    name: str
    choices: list[dict[str, str]]

    def add(self, value: str, label: str) -> None:
        if all(c["value"] != value for c in self.choices):
            self.choices.append({"value": value, "label": label})

    def as_dict(self) -> dict[str, Any]:
        return {"body": self.body, "name": self.name, "choices": self.choices}


def _choice_key(choice: dict[str, str]) -> tuple[str, str]:
    return choice["label"].casefold(), choice["value"]


async def bodies(scope: Scope) -> list[dict[str, str]]:
    """The bodies in `scope`, by name, as choices."""
    rows = await Organisation.filter(**Organisation.scope_filter(scope)).values_list(
        "id", "legal_name"
    )
    return sorted(({"value": str(i), "label": n} for i, n in rows), key=_choice_key)


async def _convention_groups(edit: Scope, names: dict[str, str]) -> dict[str, Group]:
    """Conventions in force where a body the person edits for is a controller, by body."""
    query = ConventionParty.in_force().filter(role__in=list(CONTROLLER_ROLES))
    if not edit.is_unrestricted:
        query = query.filter(organisation_id__in=list(edit.org_ids))
    parties = await query.prefetch_related("convention").order_by(
        "convention__title", "convention_id"
    )
    groups: dict[str, Group] = {}
    for party in parties:
        body = str(party.organisation_id)
        group = groups.setdefault(body, Group(body, names.get(body, body), []))
        group.add(str(party.convention_id), party.convention.title)
    return groups


async def _measure_groups(read: Scope, names: dict[str, str], controller: str) -> list[Group]:
    groups: dict[str, Group] = {}
    measures = await SecurityMeasure.filter(**SecurityMeasure.scope_filter(read)).order_by(
        "title", "id"
    )
    for measure in measures:
        body = str(measure.organisation_id)
        group = groups.setdefault(body, Group(body, names.get(body, body), []))
        group.add(str(measure.id), measure.title)
    return sorted(groups.values(), key=lambda g: (g.body != controller, g.name.casefold()))


def _conventions_shown(
    groups: dict[str, Group], controller: str, values: dict, linked: dict
) -> dict[str, Group]:
    """The chosen body's conventions (every body's when none is chosen), and the conventions
    ticked or already linked that are not among them, so that saving never drops one."""
    if controller in groups:
        shown = {controller: groups[controller]}
    else:
        shown = dict(sorted(groups.items(), key=lambda kv: kv[1].name.casefold()))
    offered = {c["value"] for g in shown.values() for c in g.choices}
    titles = {str(k): v for k, v in linked.items()}
    titles |= {c["value"]: c["label"] for g in groups.values() for c in g.choices}
    for convention_id in values.get("convention_ids") or []:
        if convention_id not in offered and convention_id in titles:
            shown.setdefault(OTHERS, Group(OTHERS, "cochées, d'un autre organisme", [])).add(
                convention_id, titles[convention_id]
            )
    return shown


async def form_options(
    *, edit: Scope, read: Scope, values: dict, stored: ActivityOut | None
) -> dict[str, object]:
    """The form's choices for a person with these edit and read scopes; `values`: the form
    as filled so far (its chosen `controller_id` narrows the conventions offered)."""
    editable = await bodies(edit)
    readable = await bodies(read)
    names = {b["value"]: b["label"] for b in readable}
    linked = await linked_names(
        organisation_ids=(stored.joint_controller_ids if stored else []),
        convention_ids=(stored.convention_ids if stored else []),
        measure_ids=(stored.security_measure_ids if stored else []),
    )
    controller = values.get("controller_id") or ""

    joint = list(readable) + [
        {"value": str(org_id), "label": name}
        for org_id, name in linked.organisations.items()
        if str(org_id) not in names
    ]

    convention_groups = await _convention_groups(edit, names)
    shown = _conventions_shown(convention_groups, controller, values, linked.conventions)
    measure_groups = await _measure_groups(read, names, controller)
    offered = {c["value"] for g in measure_groups for c in g.choices}
    extra = [
        {"value": str(k), "label": v} for k, v in linked.measures.items() if str(k) not in offered
    ]
    if extra:
        measure_groups.append(Group(OTHERS, "d'autres organismes", extra))

    return {
        "bodies": editable,
        "joint": joint,
        "convention_groups": [g.as_dict() for g in shown.values()],
        "conventions_any": bool(convention_groups),
        "body_chosen": controller in convention_groups,
        "measure_groups": [g.as_dict() for g in measure_groups],
        "catalogue": catalogue(),
    }
