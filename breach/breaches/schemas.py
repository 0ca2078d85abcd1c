from datetime import datetime
from decimal import Decimal
from enum import StrEnum
from uuid import UUID

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    computed_field,
    field_validator,
    model_validator,
)

from breach.assessment import (
    AvailabilityCircumstance,
    ConfidentialityCircumstance,
    DataProcessingContext,
    EaseOfIdentification,
    IntegrityCircumstance,
)
from breach.cnil_facts import MemberState, OtherAuthority, check_cross_border
from breach.enums import (
    Art34Exemption,
    BreachDataCategory,
    BreachPath,
    BreachStatus,
    BreachSubjectCategory,
    Consequence,
    InformPeople,
    NotificationChannel,
    NotificationPhase,
    NotificationRecipient,
    RiskLevel,
)
from core.errors import FieldError
from core.outbox.state import DeliveryOut
from register.enums import JointBreachDuty
from register.schemas_common import (
    ON_BEHALF_OF,
    Email,
    Instant,
    LongText,
    OnBehalfOf,
    Shape,
    Text,
    VersionedPatch,
)

MAX_PEOPLE_ADDRESSES = 10_000


class BreachFactsIn(Shape):
    """What the controller documents (art. 33(3), 33(5)); phased: approximations are fine."""

    data_categories: list[BreachDataCategory] = []
    subject_categories: list[BreachSubjectCategory] = []
    approx_subjects: int | None = Field(default=None, ge=0, le=2**31 - 1)
    subjects_is_estimate: bool = True
    approx_records: int | None = Field(default=None, ge=0, le=2**31 - 1)
    consequences: list[Consequence] = []
    consequences_detail: LongText | None = None
    measures_taken: LongText | None = None
    measures_planned: LongText | None = None
    # What the CNIL's form also asks (breach.cnil_facts): null is « not known yet ».
    other_authorities: list[OtherAuthority] | None = Field(
        default=None,
        description="Other authorities told of the breach (ANSSI, a complaint to the police "
        "or the gendarmerie, another data protection authority…): [] for none, null unknown",
    )
    cross_border: bool | None = Field(
        default=None, description="A cross-border processing (art. 4(23)); null unknown"
    )
    other_member_states: list[MemberState] = Field(
        default=[], description="The other EEA Member States concerned (cross_border only)"
    )

    @field_validator("other_member_states", mode="before")
    @classmethod
    def _none_is_no_state(cls, value: object) -> object:
        return [] if value is None else value  # a breach stored before migration 0018

    @model_validator(mode="after")
    def _member_states_for_cross_border(self) -> "BreachFactsIn":
        check_cross_border(self.cross_border, self.other_member_states)
        return self


class Adjustment(Shape):
    delta: Decimal = Field(
        ge=-3,
        le=3,
        description="Whole points on the ENISA scale of the category (simple +1 to +3, "
        "behavioural -1 to +2, financial -2 to +1, sensitive -3 to -1); halves are refused",
    )
    justification: Text
    category: DataProcessingContext | None = Field(
        default=None,
        description="The data category whose DPC it adjusts (default: the context); one "
        "adjustment per category, the highest category's DPC counts",
    )


class AssessmentIn(VersionedPatch):
    context: DataProcessingContext
    identification: EaseOfIdentification
    confidentiality: ConfidentialityCircumstance = ConfidentialityCircumstance.NONE
    integrity: IntegrityCircumstance = IntegrityCircumstance.NONE
    integrity_possibly_misused: bool | None = Field(
        default=None,
        description="Required when integrity is not none: whether the altered data may have "
        "been used in an incorrect or illegal way (ENISA: 0 when not)",
    )
    availability: AvailabilityCircumstance = AvailabilityCircumstance.NONE
    malicious: bool = False
    unintelligible: bool = Field(
        default=False,
        description="The data were unintelligible to whoever got them (state-of-the-art "
        "encryption, key not compromised): EI = 0, no loss of confidentiality",
    )
    adjustments: list[Adjustment] = []

    @model_validator(mode="before")
    @classmethod
    def _misuse_only_for_an_alteration(cls, data: object) -> object:
        """No loss of integrity: the misuse answer means nothing (ENISA), stored as null."""
        if isinstance(data, dict) and data.get("integrity") in (None, "none"):
            return {**data, "integrity_possibly_misused": None}
        return data


class DecisionIn(VersionedPatch):
    risk_level: RiskLevel
    notify_cnil: bool
    inform_people: InformPeople
    art34_exemption: Art34Exemption | None = None
    reasons: LongText
    below_band_justification: LongText | None = Field(
        default=None,
        description="Required when risk_level is below the level the ENISA assessment points "
        "to (low: unlikely, medium: risk, high and very high: high)",
    )
    on_behalf_of: OnBehalfOf | None = Field(default=None, description=ON_BEHALF_OF)


class ControllerInformedIn(VersionedPatch):
    informed_at: Instant
    channel: NotificationChannel = NotificationChannel.EMAIL
    late_reason: LongText | None = None
    summary: LongText | None = None


class AwarenessIn(VersionedPatch):
    aware_at: Instant
    rationale: LongText
    later_reasons: LongText | None = Field(
        default=None,
        description="Required when aware_at is later than the awareness recorded: why the "
        "certainty came later (a short investigation, EDPB 9/2022)",
    )


class NotificationIn(VersionedPatch):
    recipient: NotificationRecipient = NotificationRecipient.CNIL
    phase: NotificationPhase = NotificationPhase.INITIAL
    sent_at: Instant
    channel: NotificationChannel = NotificationChannel.TELESERVICE
    external_ref: Text | None = Field(default=None, description="CNIL file number")
    late_reason: LongText | None = None
    summary: LongText | None = None
    on_behalf_of: OnBehalfOf | None = Field(default=None, description=ON_BEHALF_OF)
    addresses: list[Email] | None = Field(
        default=None,
        max_length=MAX_PEOPLE_ADDRESSES,
        description="People's e-mail addresses: one message each (data_subjects, email only)",
    )
    followup_due_at: Instant | None = Field(
        default=None,
        description="Initial notification to the CNIL: the date the complementary one is "
        "committed to; required when information will follow (art. 33(4))",
    )
    published_where: Text | None = Field(
        default=None,
        description="Public communication (art. 34(3)(c), channel public_communication): "
        "where it was published (medium, address); the text published goes in summary",
    )

    @model_validator(mode="after")
    def _phase_and_publication_fields(self) -> "NotificationIn":
        cnil_initial = (
            self.recipient == NotificationRecipient.CNIL and self.phase == NotificationPhase.INITIAL
        )
        if self.followup_due_at is not None and not cnil_initial:
            raise FieldError(
                "followup_due_at",
                "la date du complément ne s'indique qu'avec la notification initiale à la CNIL",
            )
        public = self.channel == NotificationChannel.PUBLIC_COMMUNICATION
        if public and self.recipient != NotificationRecipient.DATA_SUBJECTS:
            raise FieldError(
                "channel", "une communication publique s'adresse aux personnes concernées"
            )
        if public and not self.published_where:
            raise FieldError(
                "published_where",
                "indiquez où la communication publique a été faite (support, adresse du site)",
            )
        if public and not self.summary:
            raise FieldError("summary", "indiquez le texte de la communication publique")
        if self.published_where and not public:
            raise FieldError(
                "published_where",
                "le lieu de publication ne s'indique que pour une communication publique "
                "(channel public_communication)",
            )
        return self

    @model_validator(mode="after")
    def _addresses_for_people_by_email(self) -> "NotificationIn":
        if self.addresses is None:
            return self
        if (
            self.recipient != NotificationRecipient.DATA_SUBJECTS
            or self.channel != NotificationChannel.EMAIL
        ):
            raise FieldError(
                "addresses",
                "des adresses ne s'indiquent que pour une communication aux personnes "
                "concernées par courriel (recipient data_subjects, channel email)",
            )
        if not self.addresses:
            raise FieldError("addresses", "indiquez au moins une adresse, ou omettez la liste")
        self.addresses = list(dict.fromkeys(self.addresses))
        return self


class NotificationRefIn(VersionedPatch):
    external_ref: Text = Field(description="CNIL file number")
    on_behalf_of: OnBehalfOf | None = Field(default=None, description=ON_BEHALF_OF)


class CloseIn(VersionedPatch):
    reasons: LongText
    incomplete_reasons: LongText | None = Field(
        default=None,
        description="Required while the incident is ongoing or mandatory facts are unknown "
        "(closing_gaps): why the breach is closed all the same (art. 33(5))",
    )


class CountdownOut(BaseModel):
    kind: str  # "controller_notice" or "cnil"
    label: str
    due_at: datetime
    due_local: str
    remaining_seconds: int
    overdue: bool
    display: str
    open_ended: bool = Field(
        default=False,
        description="No fixed deadline (« sans délai excessif », art. 34(1)): due_at is when "
        "the duty started, reminded at a fixed interval (breach.deadlines)",
    )


SIGNED_BY = (
    "The signed-in account that did it (« système » for the scheduler), then « pour le "
    "compte de : … » when the person said whom they acted for"
)


class NotificationOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: UUID
    recipient: NotificationRecipient
    phase: NotificationPhase
    channel: NotificationChannel
    sent_at: datetime
    due_at: datetime | None
    late_reason: str | None
    external_ref: str | None
    summary: str | None
    published_where: str | None = None
    recorded_by: str | None = Field(default=None, description=SIGNED_BY)
    message_subject: str | None = None
    message_body: str | None = None
    delivery: DeliveryOut | None = Field(
        default=None,
        description="The notice to the controller sent by e-mail: whether the SMTP server "
        "accepted it (delivered), or it is queued, failing or failed",
    )

    @computed_field
    @property
    def late(self) -> bool:
        return bool(self.due_at and self.sent_at > self.due_at)


class EventOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    at: datetime
    action: str
    from_status: str | None
    to_status: str | None = Field(description="Null in the source view")
    note: str | None
    author: str | None = Field(default=None, description=SIGNED_BY)


class AwareMoveOut(BaseModel):
    """Awareness moved: when, by whom, from and to which instant, and why."""

    at: datetime
    author: str | None = Field(default=None, description=SIGNED_BY)
    from_at: datetime
    to_at: datetime
    later: bool
    reasons: str | None
    cause: str = Field(description="awareness (record_awareness) or detection (the incident)")


class AssessmentRecordOut(BaseModel):
    """One ENISA assessment as it was made (breach.breaches.assessments)."""

    at: datetime
    author: str | None = Field(default=None, description=SIGNED_BY)
    severity_band: str
    se: str
    band_label: str
    recommendation_label: str
    assessment: dict


class BreachViewKind(StrEnum):
    CONTROLLER = "controller"
    SOURCE = "source"


SOURCE_WITHHELD = "Withheld (null) in the source view."


class JointLeadOut(BaseModel):
    """Joint controllers (art. 26): what a joint controller's breach shows of its lead's
    (breach.breaches.joint), never its other facts."""

    lead_notifies: bool = Field(
        description="The lead notifies the CNIL for this controller (no CNIL step of its own)"
    )
    lead_id: UUID
    lead_name: str
    lead_breach_id: UUID
    lead_breach_ref: str
    decided_not_to_notify: bool
    cnil_notified_at: datetime | None
    cnil_channel: NotificationChannel | None
    cnil_external_ref: str | None


class BreachOut(BreachFactsIn):
    """A breach as the caller may see it (breach.breaches.visibility).

    `view` is `controller` for a caller with a role in the controller body: everything.
    It is `source` for a caller who reaches the breach only as the body whose system was hit
    (a processor's or host's people): the facts, the notice owed to the controller and its
    delivery, the controller's informed instant and the source's own clock; the controller's
    awareness and CNIL clock, the assessment, the decision, the notifications to the CNIL and
    to the people, the closing and the status are null or empty, the events and
    notifications are only the source's own, without statuses.
    """

    view: BreachViewKind = Field(
        default=BreachViewKind.CONTROLLER,
        description="controller: the whole breach; source: what the body whose system was "
        "hit needs to inform the controller (withheld fields are null or empty)",
    )
    id: UUID
    version: int
    ref: str
    incident_id: UUID
    controller_id: UUID
    source_org_id: UUID | None
    convention_id: UUID | None
    activity_ids: list[UUID] = []
    path: BreachPath
    joint_duty: JointBreachDuty | None = Field(
        default=None,
        description="Path joint: what the art. 26 arrangement said when the breach was fanned "
        "out (lead_notifies: the lead notifies the CNIL for all; each_notifies)",
    )
    lead_breach_id: UUID | None = Field(
        default=None, description="Path joint: the lead's breach this one follows"
    )
    joint: JointLeadOut | None = Field(
        default=None, description="Path joint: the lead's breach and its CNIL notification"
    )
    status: BreachStatus | None = Field(description=SOURCE_WITHHELD)
    controller_notice_due_at: datetime | None
    controller_informed_at: datetime | None
    controller_notice_late_reason: str | None
    aware_at: datetime | None
    aware_rationale: str | None
    cnil_due_at: datetime | None
    first_aware_at: datetime | None = Field(
        default=None, description="The awareness first recorded (aware_at until it moved)"
    )
    aware_moves: list[AwareMoveOut] = []
    overdue_at: datetime | None = Field(
        default=None,
        description="The CNIL deadline already missed when awareness or detection was moved "
        "later: the breach stays marked as overdue since then",
    )
    assessment: dict | None
    severity_band: str | None
    risk_level: RiskLevel | None
    notify_cnil: bool | None
    inform_people: InformPeople | None
    art34_exemption: Art34Exemption | None
    decision_reasons: str | None
    below_band_justification: str | None = None
    band_risk_level: RiskLevel | None = Field(
        default=None, description="The level of risk the ENISA assessment points to"
    )
    assessments: list[AssessmentRecordOut] = Field(
        default=[], description="Every ENISA assessment, oldest first, with its author"
    )
    decided_by: str | None = Field(default=None, description=SIGNED_BY)
    closed_at: datetime | None
    closing_reasons: str | None
    followup_due_at: datetime | None = None
    people_informed_at: datetime | None = None
    incomplete_reasons: str | None = None
    closing_gaps: list[str] = Field(
        default=[],
        description="What closing needs incomplete_reasons for: the incident ongoing, the "
        "mandatory facts unknown (in French)",
    )
    controller_facts: list[str] = Field(
        default=[],
        description="The facts the controller set itself: the source's completions leave them",
    )
    countdowns: list[CountdownOut] = []
    notifications: list[NotificationOut] = []
    events: list[EventOut] = []
    allowed_actions: list[str] = []

    @field_validator("controller_facts", mode="before")
    @classmethod
    def _none_is_no_fact(cls, value: object) -> object:
        return [] if value is None else value  # a breach stored before migration 0020
