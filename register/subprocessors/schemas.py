from datetime import date, datetime
from uuid import UUID

from pydantic import BaseModel, Field, field_validator, model_validator

from core.errors import FieldError
from register.enums import SubprocessorAuthorisation, TransferMechanism
from register.schemas_common import LongText, Shape, Siren, Stored, Text
from register.subprocessors.enums import AnswerKind, EngagementState

EEA_HINT = "code pays ISO 3166-1 à deux lettres attendu (par exemple FR)"


def _iso_country(code: str) -> str:
    if len(code) != 2 or not (code.isascii() and code.isalpha()):
        raise ValueError(EEA_HINT)
    return code.upper()


class EngagementIn(Shape):
    processor_id: UUID
    subprocessor_org_id: UUID | None = None
    parent_id: UUID | None = Field(
        default=None, description="Engagement whose sub-processor hires this one (chain)"
    )
    name: Text
    siren: Siren | None = None
    country: str = "FR"
    address: LongText | None = None
    dpo_contact: Text | None = None
    services: LongText
    data_locations: list[str] = ["FR"]
    transfer_mechanism: TransferMechanism | None = None
    authorisation: SubprocessorAuthorisation
    authorised_at: date | None = None
    objection_deadline: date | None = None
    contract_ref: Text | None = None
    contract_start: date | None = None
    contract_end: date | None = None
    clauses_verified: bool = False
    certifications: list[Text] = []
    next_review: date | None = None
    convention_ids: list[UUID] = []
    activity_ids: list[UUID] = []

    _country = field_validator("country")(classmethod(lambda cls, v: _iso_country(v)))

    @field_validator("data_locations")
    @classmethod
    def _locations(cls, codes: list[str]) -> list[str]:
        return list(dict.fromkeys(_iso_country(c) for c in codes))

    @model_validator(mode="after")
    def _coherent(self) -> "EngagementIn":
        from register.activities.schemas import EEA

        if self.authorisation in (
            SubprocessorAuthorisation.NONE,
            SubprocessorAuthorisation.UNKNOWN,
        ):
            raise FieldError(
                "authorisation",
                "une sous-traitance ultérieure exige une "
                "autorisation écrite, générale ou spécifique "
                "(art. 28.2)",
            )
        if self.contract_start and self.contract_end and self.contract_end < self.contract_start:
            raise FieldError("contract_end", "la fin du contrat précède son début")
        outside = [c for c in self.data_locations if c not in EEA]
        if outside and not self.transfer_mechanism:
            raise FieldError(
                "transfer_mechanism",
                f"données hébergées hors de l'Union "
                f"({', '.join(outside)}) : précisez le "
                "mécanisme de transfert",
            )
        if self.subprocessor_org_id and self.subprocessor_org_id == self.processor_id:
            raise FieldError(
                "subprocessor_org_id",
                "un sous-traitant ne peut être son propre sous-traitant ultérieur",
            )
        return self


class StandingOut(BaseModel):
    """One controller of one convention the engagement serves, and its answer standing."""

    convention_id: UUID
    convention_title: str
    regime: SubprocessorAuthorisation
    controller_id: UUID
    controller_name: str
    answer: AnswerKind | None = Field(description="None: no answer yet")
    comment: str | None
    answered_at: datetime | None
    answered_by: str | None


class EngagementOut(EngagementIn, Stored):
    state: EngagementState = Field(
        description="Derived: forbidden, requested (authorisations awaited), notified (period "
        "to object running), objected, authorised (not started), active"
    )
    state_label: str
    state_reasons: list[str] = []
    standing: list[StandingOut] = []


class AnswerIn(Shape):
    """A controller's answer (art. 28(2)): `authorise` under a specific authorisation (or a
    convention silent on the regime), `accept` (no objection) under a general one, `object`
    under either."""

    controller_id: UUID
    convention_id: UUID | None = Field(
        default=None, description="Needed when the controller is party to several conventions"
    )
    answer: AnswerKind
    comment: LongText | None = None


class AnswerOut(BaseModel):
    id: UUID
    engagement_id: UUID
    convention_id: UUID
    controller_id: UUID
    answer: AnswerKind
    comment: str | None
    answered_at: datetime
    answered_by: str
    engagement_state: EngagementState
