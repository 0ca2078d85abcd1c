"""The NIS2 record of an incident as the API reads and writes it (breach.nis2)."""

from datetime import datetime
from uuid import UUID

from pydantic import BaseModel, Field

from breach.nis2_models import Nis2Channel, Nis2Phase
from register.enums import Nis2Status
from register.schemas_common import Instant, LongText, OnBehalfOf, Text, VersionedPatch

ON_BEHALF = "Name of the person this is recorded for, when the caller acts on their behalf"


class Nis2FactsIn(BaseModel):
    """The facts weighed against the body's thresholds, and what the reports say."""

    unavailability_hours: int | None = Field(default=None, ge=0, le=100_000)
    people_affected: int | None = Field(default=None, ge=0, le=100_000_000)
    financial_loss_eur: int | None = Field(default=None, ge=0, le=10**12)
    damage_to_others: bool | None = Field(
        default=None, description="Considerable material or non-material damage to others"
    )
    malicious: bool | None = Field(default=None, description="Suspected unlawful or malicious")
    cross_border: bool | None = Field(default=None, description="Possible cross-border impact")
    severity: LongText | None = None
    impact: LongText | None = None
    indicators: LongText | None = Field(default=None, description="Indicators of compromise")
    threat: LongText | None = Field(default=None, description="Type of threat or root cause")
    mitigation: LongText | None = Field(default=None, description="Mitigation measures")


class Nis2DecisionIn(Nis2FactsIn):
    """Whether the incident is significant (NIS2 art. 23(3)), decided by a person."""

    version: int | None = Field(
        default=None, ge=1, le=2**31 - 1, description="The record's version, once it exists"
    )
    significant: bool
    reasons: LongText
    aware_at: Instant | None = Field(
        default=None,
        description="When the entity became aware of the significant incident (art. 23(4)(a)); "
        "the decision instant when omitted",
    )
    on_behalf_of: OnBehalfOf | None = Field(default=None, description=ON_BEHALF)


class Nis2AwarenessIn(VersionedPatch):
    aware_at: Instant
    reasons: LongText | None = None  # required when awareness moves later


class Nis2FactsPatchIn(VersionedPatch, Nis2FactsIn):
    pass


class Nis2SendingIn(VersionedPatch):
    phase: Nis2Phase
    sent_at: Instant
    channel: Nis2Channel = Nis2Channel.PORTAL
    reference: Text | None = Field(default=None, description="The CSIRT's or portal's number")


class Nis2IntermediateIn(VersionedPatch):
    due_at: Instant = Field(description="When the CSIRT asked the intermediate report for")


class Nis2ClockOut(BaseModel):
    phase: Nis2Phase
    label: str
    due_at: datetime
    remaining: str
    overdue: bool
    due_display: str


class Nis2ReportOut(BaseModel):
    phase: Nis2Phase
    label: str
    due_at: datetime | None
    sent_at: datetime | None
    channel: Nis2Channel | None
    reference: str | None


class Nis2ThresholdOut(BaseModel):
    code: str
    label: str  # « Indisponibilité d'au moins 4 heures »
    met: bool | None  # None: the fact is not known yet


class Nis2Out(BaseModel):
    incident_id: UUID
    organisation_id: UUID
    nis2_status: Nis2Status
    applies: bool  # the body is an essential or important entity
    decided: bool
    id: UUID | None = None
    version: int | None = None
    significant: bool | None = None
    decided_at: datetime | None = None
    decided_by: str | None = None
    reasons: str | None = None
    facts: Nis2FactsIn = Nis2FactsIn()
    thresholds: list[Nis2ThresholdOut] = []
    aware_at: datetime | None = None
    first_aware_at: datetime | None = None
    aware_reasons: str | None = None
    clocks: list[Nis2ClockOut] = []
    reports: list[Nis2ReportOut] = []
    allowed_actions: list[str] = []


class Nis2DeadlineOut(BaseModel):
    incident_id: UUID
    organisation_id: UUID
    incident_title: str
    clock: Nis2ClockOut
