from datetime import date
from uuid import UUID

from register.enums import (
    Art32Objective,
    CnilGuideSheet,
    MeasureNature,
    MeasureStatus,
    Priority,
    RegisterMeasureCategory,
)
from register.schemas_common import LongText, Shape, Stored, Text


class MeasureIn(Shape):
    organisation_id: UUID
    title: Text
    description: LongText | None = None
    cnil_sheet: CnilGuideSheet | None = None
    register_category: RegisterMeasureCategory | None = None
    art32_objectives: list[Art32Objective] = []
    nature: MeasureNature = MeasureNature.TECHNICAL
    status: MeasureStatus = MeasureStatus.PLANNED
    priority: Priority = Priority.MEDIUM
    owner: Text | None = None
    due_at: date | None = None
    last_tested_at: date | None = None
    evidence: list[Text] = []


class MeasureOut(MeasureIn, Stored):
    activity_ids: list[UUID] = []
