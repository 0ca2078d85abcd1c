from datetime import datetime
from uuid import UUID

from pydantic import Field, field_validator, model_validator

from breach.enums import BreachNature, IncidentCause, IncidentOrigin
from core.errors import FieldError
from register.schemas_common import ON_BEHALF_OF, Instant, LongText, OnBehalfOf, Shape, Stored, Text


# Facts that may be corrected or completed later; what is touched is decided at declaration
# (the breaches fanned out from it carry their own clocks).
class IncidentFactsIn(Shape):
    title: Text
    description: LongText
    system: Text | None = None
    started_at: Instant | None = None
    start_is_estimate: bool = False
    detected_at: Instant
    ongoing: bool = True
    ended_at: Instant | None = None
    nature: list[BreachNature] = Field(min_length=1)
    origin: IncidentOrigin | None = None
    cause: IncidentCause | None = None
    detection_later_reasons: LongText | None = Field(
        default=None,
        description="Required in the patch that moves detected_at later than recorded",
    )

    @field_validator("nature")
    @classmethod
    def _distinct_natures(cls, items: list) -> list:
        return list(dict.fromkeys(items))

    @model_validator(mode="after")
    def _timeline(self) -> "IncidentFactsIn":
        if self.started_at and self.started_at > self.detected_at:
            raise FieldError("started_at", "le début ne peut pas suivre la détection")
        if self.ongoing and self.ended_at:
            raise FieldError("ended_at", "un incident en cours n'a pas encore de fin")
        if self.ended_at and self.started_at and self.ended_at < self.started_at:
            raise FieldError("ended_at", "la fin précède le début")
        return self


class IncidentIn(IncidentFactsIn):
    organisation_id: UUID = Field(description="Body running the system that was hit")
    on_behalf_of: OnBehalfOf | None = Field(default=None, description=ON_BEHALF_OF)
    activity_ids: list[UUID] = []
    convention_ids: list[UUID] = []

    @field_validator("activity_ids", "convention_ids")
    @classmethod
    def _distinct(cls, items: list) -> list:
        return list(dict.fromkeys(items))

    @model_validator(mode="after")
    def _touches_something(self) -> "IncidentIn":
        if not self.activity_ids and not self.convention_ids:
            raise FieldError("activity_ids", "indiquez les traitements ou les conventions touchés")
        return self


class IncidentChangeOut(Shape):
    at: datetime
    author: str | None
    changes: dict


class IncidentOut(IncidentFactsIn, Stored):
    organisation_id: UUID
    declared_by: str | None = Field(
        description="The signed-in account that declared it, then whom it acted for"
    )
    first_detected_at: datetime | None = Field(
        default=None, description="The detection first recorded (detected_at until it moved)"
    )
    activity_ids: list[UUID] = []
    convention_ids: list[UUID] = []
    breach_ids: list[UUID] = []
    history: list[IncidentChangeOut] = []
