from datetime import date, datetime
from typing import Any, Literal
from uuid import UUID

from pydantic import Field, ValidationInfo, field_validator, model_validator

from core.clock import today_local
from core.errors import FieldError
from core.french import format_day, plural
from core.validators import DAY_YEARS, day_problem
from register.conventions.clauses import (
    FLAG_CLAUSES,
    ClauseCode,
    ClauseIn,
    clause_problem,
    flag_columns,
    stored_clauses,
    with_flags,
)
from register.conventions.life import LifeEvents, life_of, past_end_problem
from register.conventions.terms import add_months, renewable_term_end
from register.enums import (
    ConventionKind,
    ConventionState,
    ConventionStatus,
    EndOfService,
    JointBreachDuty,
    LegalInstrument,
    NoticeChannel,
    PartyAnswer,
    PartyRole,
    ProposalKind,
    ProposalStatus,
    SubprocessorAuthorisation,
)
from register.schemas_common import LongText, Shape, Stored, Text

# A yes/no field of the older convention shape: a shorthand for the checklist, never stored
# apart from it (excluded from the agreed text that proposals compare).
FLAG = Field(
    default=None,
    exclude=True,
    description="Derived from `clauses`; sent, true marks the clause present, false takes a "
    "present clause back to not_checked",
)


class PartyIn(Shape):
    organisation_id: UUID
    role: PartyRole


class RenewalDecision(Shape):
    """An express renewal decided by the parties (seed 001/003 art. 6)."""

    decided_on: date
    reference: Text = Field(description="The decision: deliberation, letter, amendment")


class ConventionIn(Shape):
    title: Text
    kind: ConventionKind
    legal_instrument: LegalInstrument = LegalInstrument.OTHER_LEGAL_ACT
    legal_basis: Text | None = Field(default=None, examples=["CGCT L5211-4-1 III"])
    subject: LongText | None = None
    deliberation_refs: list[Text] = []
    signed_at: date | None = None
    start_date: date
    duration_months: int | None = Field(default=None, ge=1, le=1200)
    tacit_renewals: int = Field(default=0, ge=0, le=100)
    notice_months: int | None = Field(default=None, ge=0, le=120)
    end_date: date | None = None
    express_renewals: int = Field(
        default=0, ge=0, le=100, description="Renewals the convention allows by express decision"
    )
    express_renewal_decisions: list[RenewalDecision] = Field(
        default=[], description="The express renewals decided, oldest first"
    )
    terminated_on: date | None = Field(
        default=None, description="Early termination agreed by the parties: last day in force"
    )
    termination_reason: LongText | None = None
    terminated_by: Text | None = Field(default=None, description="Who decided the termination")
    parties: list[PartyIn] = Field(min_length=2)
    # Art. 28(3): the checklist of the minimum clauses (register.conventions.clauses); the
    # yes/no fields below are derived from it, accepted from older clients as a shorthand.
    clauses: dict[ClauseCode, ClauseIn] = Field(
        default={},
        description="Art. 28(3) checklist: per clause, present / absent / not_applicable / "
        "not_checked (a clause left out is not checked), the convention's article and a note",
    )
    documented_instructions: bool | None = FLAG
    staff_confidentiality: bool | None = FLAG
    assists_data_subject_rights: bool | None = FLAG
    assists_security_obligations: bool | None = FLAG
    informs_unlawful_instruction: bool | None = FLAG
    subprocessor_authorisation: SubprocessorAuthorisation = SubprocessorAuthorisation.UNKNOWN
    subprocessor_notice_days: int | None = Field(default=None, ge=0, le=365)
    breach_notice_hours: int | None = Field(
        default=None,
        ge=0,
        le=720,
        description="Processor's notice delay to the controller; null: without undue delay",
    )
    breach_notice_channels: list[NoticeChannel] = []
    breach_phased_information: bool = False
    breach_lead_id: UUID | None = None
    joint_breach_duty: JointBreachDuty = Field(
        default=JointBreachDuty.LEAD_NOTIFIES,
        description="Art. 26 arrangement: lead_notifies, the breach lead notifies the CNIL for "
        "every joint controller; each_notifies, each notifies for itself. Without a breach "
        "lead, each notifies",
    )
    arrangement_essence: LongText | None = Field(
        default=None,
        description="Art. 26(2): the essence of the arrangement (who answers people, who "
        "informs them, who notifies breaches), shown in each joint controller's record",
    )
    audit_right: bool | None = FLAG
    last_audit_at: date | None = None
    end_of_service: EndOfService | None = None
    end_of_service_proof: bool = False
    end_of_service_days: int | None = Field(
        default=None,
        ge=0,
        le=3650,
        description="Days after the convention's end within which the data are returned, "
        "destroyed or archived (art. 28(3)(g)); null: by the end itself",
    )
    notes: LongText | None = None

    @model_validator(mode="after")
    def _coherent(self, info: ValidationInfo) -> "ConventionIn":
        if not (info.context or {}).get("stored"):
            problem = self.written_problem()
            if problem:
                raise FieldError(*problem)
        self._checklist_from_flags()
        problems = party_problems(self.parties)
        if problems:
            raise FieldError("parties", problems[0])
        if self.end_date and self.end_date < self.start_date:
            raise FieldError("end_date", "la date de fin précède la date de début")
        if self.signed_at and self.end_date and self.signed_at > self.end_date:
            raise FieldError("signed_at", "la signature est postérieure à la fin de la convention")
        if self.tacit_renewals and not self.duration_months:
            raise FieldError("tacit_renewals", "une reconduction tacite suppose une durée")
        life_problem = _life_problem(self)
        if life_problem:
            raise FieldError(*life_problem)
        party_ids = {p.organisation_id for p in self.parties}
        if self.breach_lead_id and self.breach_lead_id not in party_ids:
            raise FieldError("breach_lead_id", "le chef de file doit être partie à la convention")
        lead_problem = _joint_lead_problem(self)
        if lead_problem:
            raise FieldError("breach_lead_id", lead_problem)
        if self.subprocessor_notice_days is not None and (
            self.subprocessor_authorisation != SubprocessorAuthorisation.GENERAL
        ):
            raise FieldError(
                "subprocessor_notice_days",
                "un délai de prévenance ne s'applique qu'à une autorisation générale "
                "de sous-traitance ultérieure (art. 28.2)",
            )
        return self

    def written_problem(self) -> tuple[Any, str] | None:
        """The rules on what is written now, not on rows stored before them (read as stored,
        their dates clamped by register.conventions.terms)."""
        return _dates_problem(self) or _termination_problem(self)

    @field_validator("clauses", mode="before")
    @classmethod
    def _no_checklist(cls, value: Any) -> Any:
        return {} if value is None else value  # conventions stored before the checklist

    def _checklist_from_flags(self) -> None:
        """The checklist after the yes/no fields sent, which then read from it."""
        self.clauses = with_flags(self.clauses, {n: getattr(self, n) for n in FLAG_CLAUSES})
        for name, value in flag_columns(self.clauses).items():
            setattr(self, name, value)
        problem = clause_problem(
            self.clauses,
            end_of_service=self.end_of_service,
            subprocessing=self.subprocessor_authorisation,
        )
        if problem:
            raise FieldError("clauses", problem)


DATE_FIELDS = ("start_date", "end_date", "signed_at", "terminated_on", "last_audit_at")


def _dates_problem(data: "ConventionIn") -> tuple[Any, str] | None:
    """Plausible years only (core.validators.DAY_YEARS), its last term included: the terms,
    reminders and delays counted from them then stay inside the calendar."""
    for name in DATE_FIELDS:
        value = getattr(data, name)
        if value is not None and day_problem(value):
            return name, day_problem(value)
    for index, decision in enumerate(data.express_renewal_decisions):
        if day_problem(decision.decided_on):
            return ("express_renewal_decisions", index, "decided_on"), day_problem(
                decision.decided_on
            )
    if data.duration_months:
        terms = data.tacit_renewals + data.express_renewals + 1
        if day_problem(add_months(data.start_date, data.duration_months * terms)):
            return "duration_months", (
                f"renouvelée autant que le texte le permet, la convention courrait au-delà de "
                f"{DAY_YEARS[1]} : vérifiez sa durée et le nombre de ses reconductions"
            )
    return None


def _termination_problem(data: "ConventionIn") -> tuple[str, str] | None:
    """A termination ends the convention before its end as written (register.conventions.
    life_events also counts a notice given)."""
    if data.terminated_on is None:
        return None
    today = today_local()
    decided = min(len(data.express_renewal_decisions), data.express_renewals)
    life = life_of(
        start=data.start_date,
        duration_months=data.duration_months,
        tacit_renewals=data.tacit_renewals,
        notice_months=data.notice_months,
        end_date=data.end_date,
        events=LifeEvents(express_renewals=decided),
        today=today,
    )
    problem = past_end_problem(life.terms.last_possible_end, data.terminated_on, today)
    return ("terminated_on", problem) if problem else None


def _life_problem(data: "ConventionIn") -> tuple[str, str] | None:
    """The events of a convention's life (register.conventions.life), as its text allows."""
    if data.terminated_on and data.terminated_on < data.start_date:
        return "terminated_on", "la résiliation précède le début de la convention"
    if data.terminated_on and not (data.termination_reason or "").strip():
        return "termination_reason", "dites pourquoi la convention est résiliée"
    decisions = data.express_renewal_decisions
    if len(decisions) > data.express_renewals:
        allowed = plural(data.express_renewals, "reconduction expresse", "reconductions expresses")
        return (
            "express_renewal_decisions",
            f"la convention ne permet que {allowed}"
            if data.express_renewals
            else "la convention ne prévoit pas de reconduction expresse",
        )
    if decisions and not data.duration_months:
        return "express_renewal_decisions", "une reconduction expresse suppose une durée"
    for index, decision in enumerate(decisions):
        term_end = renewable_term_end(
            start=data.start_date,
            duration_months=data.duration_months,
            tacit_renewals=data.tacit_renewals,
            decided=index,
        )
        if decision.decided_on > term_end:
            return (
                "express_renewal_decisions",
                f"une reconduction expresse se décide avant l'échéance ({format_day(term_end)}) :"
                " passé ce jour, la convention a pris fin",
            )
    return None


def _joint_lead_problem(data: "ConventionIn") -> str | None:
    """Art. 26: the breach lead of a joint controllers' arrangement is one of them."""
    if data.kind != ConventionKind.ART26_ARRANGEMENT or data.breach_lead_id is None:
        return None
    roles = {p.organisation_id: p.role for p in data.parties}
    if roles.get(data.breach_lead_id) != PartyRole.JOINT_CONTROLLER:
        return (
            "le chef de file d'un accord de responsabilité conjointe (art. 26) doit être "
            "l'un des responsables conjoints"
        )
    return None


def party_problems(parties: list[PartyIn]) -> list[str]:
    """Rules on the set of roles, so that each seed's arrangement reads as it is written."""
    ids = [p.organisation_id for p in parties]
    roles = [p.role for p in parties]
    if len(set(ids)) != len(ids):
        return ["un même organisme figure deux fois"]
    if len(set(ids)) < 2:
        return ["une convention lie au moins deux organismes"]
    problems = []
    controllers = {PartyRole.CONTROLLER, PartyRole.JOINT_CONTROLLER}
    if PartyRole.PROCESSOR in roles and not controllers & set(roles):
        problems.append(
            "un sous-traitant agit pour un responsable de traitement, "
            "qui doit être partie à la convention"
        )
    if PartyRole.SUB_PROCESSOR in roles and PartyRole.PROCESSOR not in roles:
        problems.append("un sous-traitant ultérieur suppose un sous-traitant")
    if roles.count(PartyRole.JOINT_CONTROLLER) == 1:
        problems.append(
            "la responsabilité conjointe (art. 26) suppose au moins deux responsables conjoints"
        )
    if (PartyRole.SERVICE_COMMUN_HOST in roles) != (PartyRole.SERVICE_COMMUN_MEMBER in roles):
        problems.append("un service commun réunit un porteur et au moins un adhérent")
    if roles.count(PartyRole.SERVICE_COMMUN_HOST) > 1:
        problems.append("un service commun n'a qu'un seul porteur")
    return problems


class ConventionOut(ConventionIn, Stored):
    def written_problem(self) -> None:
        return None  # a stored convention is read as it is

    # Derived from the checklist (register.conventions.clauses), shown to older readers.
    documented_instructions: bool = False
    staff_confidentiality: bool = False
    assists_data_subject_rights: bool = False
    assists_security_obligations: bool = False
    informs_unlawful_instruction: bool = False
    audit_right: bool = False

    @model_validator(mode="before")
    @classmethod
    def _flags_from_checklist(cls, data: Any) -> Any:
        if isinstance(data, dict):
            data = {**data, **flag_columns(stored_clauses(data.get("clauses")))}
        return data

    status: ConventionStatus = Field(
        description="proposed: waiting for a party's acceptance, it binds nobody yet; "
        "in_force: accepted by every party; refused, withdrawn: it never bound anybody"
    )
    pending_proposal_id: UUID | None = Field(
        default=None, description="A proposal (new convention or change) awaiting answers"
    )
    current_term_end: date | None = None
    last_possible_end: date | None = None
    next_notice_deadline: date | None = None
    renewals_left: int | None = None
    state: ConventionState = Field(
        default=ConventionState.IN_FORCE,
        description="From its dates and events (register.conventions.life): in_force, "
        "renewed (tacitly or expressly: see renewal), in_notice, ended, terminated_early",
    )
    renewal: Literal["tacit", "express"] | None = None
    ended_on: date | None = Field(
        default=None, description="Its last day in force, once past: no new work under it"
    )
    ended_words: str | None = Field(
        default=None, description="What pages, notices and records say of it once ended"
    )
    notice_given_on: date | None = None
    notice_party: UUID | None = Field(default=None, description="The party that gave notice")
    notice_effective_on: date | None = Field(
        default=None, description="Its last day in force after the notice"
    )
    notice_recorded_by: str | None = None
    warnings: list[str] = Field(
        default=[],
        description="What the terms should make a reader stop at (register.conventions.checks),"
        " in French: e.g. a processor's notice delay above 24 h",
    )


class AnswerOut(Shape):
    organisation_id: UUID
    organisation_name: str
    answer: PartyAnswer
    answered_by: str | None
    answered_at: datetime | None
    comment: str | None


class ChangeOut(Shape):
    field: str
    in_force: Any
    proposed: Any


class ProposalOut(Shape):
    id: UUID
    convention_id: UUID
    convention_title: str
    kind: ProposalKind
    status: ProposalStatus
    proposed_by: str
    proposed_at: datetime
    decided_at: datetime | None
    answers: list[AnswerOut]
    changes: list[ChangeOut] = Field(
        description="A change proposal: each field it changes, in force and proposed"
    )
    awaiting_you: list[UUID] = Field(
        description="The caller's bodies whose answer is awaited (accept or refuse)"
    )


class AnswerIn(Shape):
    organisation_id: UUID | None = Field(
        default=None,
        description="The body answering; by default every body of yours whose answer is awaited",
    )
    comment: LongText | None = Field(default=None, description="Required to refuse")
