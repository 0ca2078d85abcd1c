"""The API's shapes for a convention's end of service (register.conventions.end_of_service)."""

from datetime import date
from uuid import UUID

from pydantic import Field, model_validator

from core.errors import FieldError
from register.conventions.end_of_service import StepStatus
from register.enums import EndOfService, EndOfServiceStep
from register.schemas_common import LongText, Shape, Stored, Text

S = EndOfServiceStep
# The fact each step must carry, and what the refusal says when it is missing.
REQUIRED = {
    S.RETURNED: ("how", "dites comment les données ont été restituées (support, format)"),
    S.DESTROYED: ("done_by", "dites qui a détruit les données et leurs copies"),
    S.ARCHIVED: (
        "legal_ground",
        "indiquez le fondement de la conservation ou du tri (par exemple « Code du "
        "patrimoine, art. L212-2 ; tri selon le tableau de gestion »)",
    ),
}
OWN_FIELDS = {
    S.RETURNED: {"how"},
    S.DESTROYED: {"done_by"},
    S.PROOF_RECEIVED: {"reference", "document_id"},
    S.ARCHIVED: {"legal_ground"},
}
STEP_FIELDS = {"how", "done_by", "reference", "document_id", "legal_ground"}


class StepIn(Shape):
    controller_id: UUID | None = Field(
        default=None,
        description="The controller whose data it concerns; by default the convention's only "
        "controller",
    )
    step: EndOfServiceStep
    done_on: date = Field(description="The day it was done (the proof: the day it was received)")
    how: LongText | None = Field(default=None, description="returned: the means and format")
    done_by: Text | None = Field(default=None, description="destroyed: by whom")
    reference: Text | None = Field(
        default=None, description="proof_received: the written proof's reference"
    )
    document_id: UUID | None = Field(
        default=None,
        description="proof_received: a document of kind destruction_proof attached to the "
        "convention",
    )
    legal_ground: LongText | None = Field(
        default=None, description="archived: why the data are kept or sorted for the archives"
    )

    @model_validator(mode="after")
    def _facts_of_the_step(self) -> "StepIn":
        for name in sorted(STEP_FIELDS - OWN_FIELDS[self.step]):
            if getattr(self, name) is not None:
                raise FieldError(name, "sans objet pour cette étape")
        if self.step in REQUIRED:
            name, message = REQUIRED[self.step]
            if getattr(self, name) is None:
                raise FieldError(name, message)
        if self.step == S.PROOF_RECEIVED and not (self.reference or self.document_id):
            raise FieldError(
                "reference",
                "donnez la référence de la preuve écrite de destruction, ou joignez-la",
            )
        return self


class StepOut(Stored):
    convention_id: UUID
    controller_id: UUID
    step: EndOfServiceStep
    done_on: date
    how: str | None
    done_by: str | None
    reference: str | None
    document_id: UUID | None
    legal_ground: str | None
    recorded_by: str


class StepLineOut(Shape):
    step: EndOfServiceStep
    expected: bool = Field(description="Asked by the convention")
    status: StepStatus
    record: StepOut | None = None

    @property
    def pending(self) -> bool:
        return self.status in (StepStatus.TO_DO, StepStatus.OVERDUE)


class ControllerStepsOut(Shape):
    controller_id: UUID
    controller_name: str
    overdue: bool = Field(description="A step the convention asks for is past its due day")
    steps: list[StepLineOut]


class EndOfServiceOut(Shape):
    convention_id: UUID
    end_of_service: EndOfService | None
    end_of_service_proof: bool
    end_of_service_days: int | None
    due_on: date | None = Field(
        description="The convention's last day plus its delay; null while it has no end"
    )
    controllers: list[ControllerStepsOut]
