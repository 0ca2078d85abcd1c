"""End of service as steps with dates (art. 28(3)(g)): what each controller of a processor
convention expects, by when, and what is still to do.

Seed 001's annex §IV: the data are « renvoyées, conservées, triées ou détruites au choix des
partis … Une fois détruites, le sous-traitant doit justifier par écrit de la destruction ».
The convention's `end_of_service` names the steps (return, destruction, both, or kept / sorted
for the archives), `end_of_service_proof` adds the written proof after the destruction. Every
step is due on the convention's last day (`convention_life`) plus the convention's delay
(`end_of_service_days`); only the steps done are stored (EndOfServiceRecord).

Kept or sorted for the archives (Code du patrimoine, art. L212-2 and after) is a valid outcome
whatever the convention says, once its legal ground is recorded: the data are then neither
returned nor destroyed, and nothing else is expected for that controller.
"""

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from enum import StrEnum

from core.french import format_day
from register.conventions.life import convention_life
from register.conventions.models import Convention
from register.conventions.terms import add_days
from register.enums import EndOfService, EndOfServiceStep, labelled

S = EndOfServiceStep
FATE_STEPS: Mapping[EndOfService, tuple[EndOfServiceStep, ...]] = {
    EndOfService.RETURN: (S.RETURNED,),
    EndOfService.DELETE: (S.DESTROYED,),
    EndOfService.RETURN_THEN_DELETE: (S.RETURNED, S.DESTROYED),
    EndOfService.KEEP_FOR_ARCHIVES: (S.ARCHIVED,),
}
ORDER = (S.RETURNED, S.DESTROYED, S.PROOF_RECEIVED, S.ARCHIVED)


@labelled(
    {
        "done": "Fait",
        "settled": "Sans objet : données conservées pour les archives",
        "to_do": "À faire",
        "overdue": "En retard",
        "optional": "Non prévu par la convention",
    }
)
class StepStatus(StrEnum):
    DONE = "done"
    SETTLED = "settled"  # no longer expected: the archives outcome was recorded
    TO_DO = "to_do"
    OVERDUE = "overdue"
    OPTIONAL = "optional"  # not expected by the convention, not done


def expected_steps(fate: EndOfService | None, proof: bool) -> tuple[EndOfServiceStep, ...]:
    """The steps the convention asks for, in their order; none when it says nothing."""
    steps = FATE_STEPS.get(fate, ()) if fate else ()
    if proof and S.DESTROYED in steps:
        steps = (*steps, S.PROOF_RECEIVED)
    return steps


def due_day(convention: Convention, today: date) -> date | None:
    """The day every step is due: the convention's last day plus its delay; None while the
    convention has no end."""
    end = convention_life(convention, today).terms.last_possible_end
    if end is None:
        return None
    return add_days(end, convention.end_of_service_days or 0)


@dataclass(frozen=True)
class StepLine:
    step: EndOfServiceStep
    expected: bool
    status: StepStatus

    @property
    def pending(self) -> bool:
        return self.status in (StepStatus.TO_DO, StepStatus.OVERDUE)


def step_lines(
    expected: tuple[EndOfServiceStep, ...],
    done: set[EndOfServiceStep],
    due_on: date | None,
    today: date,
) -> list[StepLine]:
    """Every step, expected or done, with where it stands for one controller on `today`."""
    archived = S.ARCHIVED in done
    late = due_on is not None and due_on < today
    lines = []
    for step in ORDER:
        if step in done:
            status = StepStatus.DONE
        elif step not in expected:
            status = StepStatus.OPTIONAL
        elif archived:
            status = StepStatus.SETTLED
        else:
            status = StepStatus.OVERDUE if late else StepStatus.TO_DO
        lines.append(StepLine(step, step in expected, status))
    return lines


def pending_steps(lines: list[StepLine]) -> list[EndOfServiceStep]:
    return [line.step for line in lines if line.pending]


def order_problem(
    step: EndOfServiceStep,
    done_on: date,
    fate: EndOfService | None,
    recorded: Mapping[EndOfServiceStep, date],
) -> tuple[str, str] | None:
    """(field, French reason) when a step's date contradicts the steps already recorded:
    the destruction after the return when the convention says return then destroy, the
    written proof after the destruction it proves."""
    if step == S.DESTROYED and fate == EndOfService.RETURN_THEN_DELETE:
        returned = recorded.get(S.RETURNED)
        if returned is None:
            return "step", (
                "la convention prévoit la restitution puis la destruction : enregistrez "
                "d'abord la restitution"
            )
        if done_on < returned:
            return "done_on", (
                "la destruction ne peut précéder la restitution "
                f"(restitution enregistrée le {format_day(returned)})"
            )
    if step == S.PROOF_RECEIVED:
        destroyed = recorded.get(S.DESTROYED)
        if destroyed is None:
            return "step", "la preuve écrite suit la destruction : enregistrez d'abord celle-ci"
        if done_on < destroyed:
            return "done_on", (
                "la preuve écrite ne peut précéder la destruction "
                f"(destruction enregistrée le {format_day(destroyed)})"
            )
    return None


def dependants(step: EndOfServiceStep, fate: EndOfService | None) -> tuple[EndOfServiceStep, ...]:
    """The steps whose record relies on this one (withdrawn first)."""
    if step == S.RETURNED and fate == EndOfService.RETURN_THEN_DELETE:
        return (S.DESTROYED,)
    if step == S.DESTROYED:
        return (S.PROOF_RECEIVED,)
    return ()
