"""A convention's end-of-service steps as stored and shown: read in a constant number of
queries, recorded and withdrawn by a party's DPO or administrator, journaled in the
controller's and the processor's chains (EndOfServiceRecord)."""

from collections import defaultdict
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import date
from uuid import UUID

from tortoise.exceptions import IntegrityError
from tortoise.transactions import in_transaction

from core.actor import signed_by
from core.audit.trail import record_created
from core.errors import Conflict, Forbidden, NotFound, ValidationFailed
from core.french import format_day
from core.persistence import delete_versioned, get_scoped
from core.scope import Scope
from register.conventions.end_of_service import (
    StepStatus,
    dependants,
    due_day,
    expected_steps,
    order_problem,
    step_lines,
)
from register.conventions.end_of_service_models import EndOfServiceRecord
from register.conventions.end_of_service_schemas import (
    ControllerStepsOut,
    EndOfServiceOut,
    StepIn,
    StepLineOut,
    StepOut,
)
from register.conventions.models import Convention, ConventionParty
from register.enums import (
    CONTROLLER_ROLES,
    ConventionStatus,
    EndOfServiceStep,
    PartyRole,
    label,
)
from register.organisations.models import Organisation

LABEL = "convention"
RECORD_LABEL = "étape de fin de prestation"
# The destruction proofs attached to a convention (register.documents, above this package).
ProofDocuments = Callable[[UUID], Awaitable[set[UUID]]]


def step_out(record: EndOfServiceRecord) -> StepOut:
    return StepOut.model_validate(
        {name: getattr(record, name) for name in StepOut.model_fields}
        | {"convention_id": record.convention_id, "controller_id": record.controller_id}
    )


async def _roles(convention_ids: list[UUID]) -> dict[UUID, list[tuple[UUID, PartyRole]]]:
    roles: dict[UUID, list[tuple[UUID, PartyRole]]] = defaultdict(list)
    for convention_id, org_id, role in (
        await ConventionParty.filter(convention_id__in=convention_ids)
        .order_by("id")
        .values_list("convention_id", "organisation_id", "role")
    ):
        roles[convention_id].append((org_id, PartyRole(role)))
    return roles


def controllers_of(roles: list[tuple[UUID, PartyRole]]) -> list[UUID]:
    """The controllers whose data a processor holds: none when no party is a processor."""
    if not any(role == PartyRole.PROCESSOR for _, role in roles):
        return []
    return [org_id for org_id, role in roles if role in CONTROLLER_ROLES]


async def end_of_service_outs(conventions: list[Convention], today: date) -> list[EndOfServiceOut]:
    """Each convention's steps per controller, in three queries whatever their number."""
    if not conventions:
        return []
    ids = [c.id for c in conventions]
    roles = await _roles(ids)
    records: dict[tuple[UUID, UUID], list[EndOfServiceRecord]] = defaultdict(list)
    for record in await EndOfServiceRecord.filter(convention_id__in=ids):
        records[(record.convention_id, record.controller_id)].append(record)
    org_ids = {o for rows in roles.values() for o, _ in rows}
    names = dict(await Organisation.filter(id__in=list(org_ids)).values_list("id", "legal_name"))
    return [_out(c, controllers_of(roles[c.id]), records, names, today) for c in conventions]


def _out(
    convention: Convention,
    controllers: list[UUID],
    records: dict[tuple[UUID, UUID], list[EndOfServiceRecord]],
    names: dict[UUID, str],
    today: date,
) -> EndOfServiceOut:
    expected = expected_steps(convention.end_of_service, convention.end_of_service_proof)
    due_on = due_day(convention, today)
    shown = []
    for controller_id in controllers:
        done = {r.step: r for r in records[(convention.id, controller_id)]}
        lines = step_lines(expected, set(done), due_on, today)
        shown.append(
            ControllerStepsOut(
                controller_id=controller_id,
                controller_name=names.get(controller_id, ""),
                overdue=any(line.status == StepStatus.OVERDUE for line in lines),
                steps=[
                    StepLineOut(
                        step=line.step,
                        expected=line.expected,
                        status=line.status,
                        record=step_out(done[line.step]) if line.step in done else None,
                    )
                    for line in lines
                ],
            )
        )
    return EndOfServiceOut(
        convention_id=convention.id,
        end_of_service=convention.end_of_service,
        end_of_service_proof=convention.end_of_service_proof,
        end_of_service_days=convention.end_of_service_days,
        due_on=due_on,
        controllers=shown,
    )


def steps_left(state: EndOfServiceOut) -> dict[UUID, list[EndOfServiceStep]]:
    """The steps the convention asks for that are still to do, per controller (reminders,
    dashboard)."""
    left = {
        c.controller_id: [line.step for line in c.steps if line.pending] for c in state.controllers
    }
    return {controller: steps for controller, steps in left.items() if steps}


@dataclass(frozen=True)
class StepsDue:
    convention: Convention
    day: date
    controller_name: str
    steps: list[EndOfServiceStep]
    overdue: bool


async def steps_due_by(conventions: list[Convention], today: date, until: date) -> list[StepsDue]:
    """The steps still to do whose due day is `until` at the latest, overdue ones included."""
    found = []
    for convention, state in zip(
        conventions, await end_of_service_outs(conventions, today), strict=True
    ):
        if state.due_on is None or state.due_on > until:
            continue
        names = {c.controller_id: c.controller_name for c in state.controllers}
        for controller_id, steps in steps_left(state).items():
            found.append(
                StepsDue(
                    convention, state.due_on, names[controller_id], steps, state.due_on < today
                )
            )
    return found


async def end_of_service_of(*, scope: Scope, convention_id: UUID, today: date) -> EndOfServiceOut:
    convention = await get_scoped(Convention, scope=scope, obj_id=convention_id, label=LABEL)
    return (await end_of_service_outs([convention], today))[0]


# Recording ----------------------------------------------------------------------------------


async def _controller(data: StepIn, roles: list[tuple[UUID, PartyRole]]) -> UUID:
    controllers = controllers_of(roles)
    if not controllers:
        raise Conflict(
            "la convention ne confie les données d'aucun responsable de traitement à un "
            "sous-traitant : elle n'a pas de fin de prestation au sens de l'art. 28.3.g"
        )
    if data.controller_id is None:
        if len(controllers) > 1:
            raise ValidationFailed.one(
                "body",
                "controller_id",
                msg="la convention compte plusieurs responsables de traitement : précisez lequel",
            )
        return controllers[0]
    if data.controller_id not in controllers:
        raise ValidationFailed.one(
            "body",
            "controller_id",
            msg="cet organisme n'est pas responsable de traitement dans cette convention",
        )
    return data.controller_id


def _check_actor(scope: Scope, step: EndOfServiceStep, controller_id: UUID, roles) -> None:
    """The controller, or the processor that did it; the archives are the controller's
    choice alone (its public archives, Code du patrimoine art. L211-4)."""
    processors = [o for o, role in roles if role == PartyRole.PROCESSOR]
    if scope.allows(controller_id):
        return
    if step == EndOfServiceStep.ARCHIVED:
        raise Forbidden(
            "seul le responsable de traitement décide de conserver ou de trier ses données "
            "pour les archives"
        )
    if not scope.allows_any(processors):
        raise Forbidden(
            "vous n'agissez ni pour ce responsable de traitement ni pour le sous-traitant"
        )


async def _check_facts(
    convention: Convention, data: StepIn, controller_id: UUID, today: date, proofs: ProofDocuments
) -> None:
    if data.done_on > today:
        raise ValidationFailed.one("body", "done_on", msg="cette date est dans le futur")
    if data.done_on < convention.start_date:
        raise ValidationFailed.one(
            "body",
            "done_on",
            msg="cette date précède le début de la convention "
            f"({format_day(convention.start_date)})",
        )
    recorded = dict(
        await EndOfServiceRecord.filter(
            convention_id=convention.id, controller_id=controller_id
        ).values_list("step", "done_on")
    )
    recorded = {EndOfServiceStep(step): day for step, day in recorded.items()}
    if data.step in recorded:
        raise Conflict(
            f"{label(data.step).lower()} est déjà enregistrée (le "
            f"{format_day(recorded[data.step])}) : retirez-la pour la corriger"
        )
    problem = order_problem(data.step, data.done_on, convention.end_of_service, recorded)
    if problem:
        raise ValidationFailed.one("body", problem[0], msg=problem[1])
    if data.document_id is not None and data.document_id not in await proofs(convention.id):
        raise ValidationFailed.one(
            "body",
            "document_id",
            msg="aucune preuve de destruction jointe à cette convention ne porte cet identifiant",
        )


async def record_step(
    *, scope: Scope, convention_id: UUID, data: StepIn, today: date, proofs: ProofDocuments
) -> StepOut:
    """Record one step done for one controller; journaled in its and the processor's chains."""
    convention = await get_scoped(Convention, scope=scope, obj_id=convention_id, label=LABEL)
    if convention.status != ConventionStatus.IN_FORCE:
        raise Conflict("la convention n'est pas en vigueur : elle ne lie aucun organisme")
    roles = (await _roles([convention.id]))[convention.id]
    controller_id = await _controller(data, roles)
    _check_actor(scope, data.step, controller_id, roles)
    await _check_facts(convention, data, controller_id, today, proofs)
    values = data.model_dump(exclude={"controller_id"})
    try:
        async with in_transaction():
            record = await EndOfServiceRecord.create(
                convention_id=convention.id,
                controller_id=controller_id,
                recorded_by=signed_by(),
                **values,
            )
            await record_created(EndOfServiceRecord, record.id)
    except IntegrityError:
        raise Conflict(f"{label(data.step).lower()} vient d'être enregistrée") from None
    return step_out(record)


async def withdraw_step(
    *, scope: Scope, convention_id: UUID, record_id: UUID, version: int | None
) -> None:
    """Withdraw a step recorded by mistake, unless a later step relies on it."""
    convention = await get_scoped(Convention, scope=scope, obj_id=convention_id, label=LABEL)
    record = await EndOfServiceRecord.filter(id=record_id, convention_id=convention.id).first()
    if record is None:
        raise NotFound(RECORD_LABEL, record_id)
    roles = (await _roles([convention.id]))[convention.id]
    _check_actor(scope, record.step, record.controller_id, roles)
    later = await EndOfServiceRecord.filter(
        convention_id=convention.id,
        controller_id=record.controller_id,
        step__in=list(dependants(record.step, convention.end_of_service)),
    ).first()
    if later is not None:
        raise Conflict(
            f"retrait refusé : {label(later.step).lower()} s'appuie sur cette étape ; "
            "retirez-la d'abord"
        )
    await delete_versioned(
        EndOfServiceRecord, obj=record, expected_version=version, label="l'étape"
    )
