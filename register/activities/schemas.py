from datetime import date
from uuid import UUID

from pydantic import Field, HttpUrl, field_validator, model_validator

from core.errors import FieldError
from register.enums import (
    ART9_CATEGORIES,
    DPIA_CRITERIA_THRESHOLD,
    MECHANISMS_NEEDING_SAFEGUARDS_DOC,
    ActivityStatus,
    CollectionMethod,
    DataCategory,
    DpiaCriterion,
    FinalDisposition,
    LegalBasis,
    RecipientKind,
    RetentionUnit,
    SpecialCategory,
    SubjectCategory,
    TransferMechanism,
    label,
)
from register.schemas_common import LongText, PageOut, Shape, Stored, Text

# EU member states and the EEA: no art. 44-49 mechanism is needed to send data there.
EEA = frozenset(
    {
        "AT",
        "BE",
        "BG",
        "CY",
        "CZ",
        "DE",
        "DK",
        "EE",
        "ES",
        "FI",
        "FR",
        "GR",
        "HR",
        "HU",
        "IE",
        "IT",
        "LT",
        "LU",
        "LV",
        "MT",
        "NL",
        "PL",
        "PT",
        "RO",
        "SE",
        "SI",
        "SK",
        "IS",
        "LI",
        "NO",
    }
)


class RetentionRule(Shape):
    """One line of the retention section: a duration or the criteria, then the final fate."""

    data_category: DataCategory
    value: int | None = Field(default=None, ge=1, le=1000)
    unit: RetentionUnit | None = None
    start_event: Text | None = Field(default=None, examples=["fin de la relation avec l'usager"])
    criteria: LongText | None = None
    final_disposition: FinalDisposition

    @model_validator(mode="after")
    def _duration_or_criteria(self) -> "RetentionRule":
        if (self.value is None) != (self.unit is None):
            raise FieldError(
                "unit" if self.unit is None else "value",
                "une durée se donne avec sa valeur et son unité",
            )
        if self.value is None and not self.criteria:
            raise FieldError("value", "indiquez une durée ou les critères qui la déterminent")
        return self


class Recipient(Shape):
    kind: RecipientKind
    name: Text
    organisation_id: UUID | None = None


class Transfer(Shape):
    country: str = Field(min_length=2, max_length=2, examples=["US"])
    recipient: Text
    mechanism: TransferMechanism | None = None
    safeguards_doc_url: HttpUrl | None = None

    @field_validator("country")
    @classmethod
    def _iso(cls, country: str) -> str:
        if not (country.isascii() and country.isalpha()):
            raise ValueError("code pays ISO 3166-1 à deux lettres attendu (par exemple US)")
        return country.upper()

    @model_validator(mode="after")
    def _mechanism(self) -> "Transfer":
        if self.country in EEA:
            raise FieldError(
                "country",
                "un pays de l'Espace économique européen n'est pas un transfert hors de l'Union",
            )
        if self.mechanism is None:
            raise FieldError(
                "mechanism",
                "un transfert hors de l'Union doit reposer sur un mécanisme des articles 45 à 49",
            )
        if self.mechanism in MECHANISMS_NEEDING_SAFEGUARDS_DOC and not self.safeguards_doc_url:
            raise FieldError(
                "safeguards_doc_url",
                "un transfert fondé sur l'art. 49.1 al. 2 "
                "doit documenter les garanties (art. 30.1.e)",
            )
        return self


class ActivityIn(Shape):
    controller_id: UUID
    ref: Text | None = None
    name: Text
    status: ActivityStatus = ActivityStatus.DRAFT
    description: LongText | None = None
    purposes: list[Text] = []
    legal_basis: LegalBasis = LegalBasis.TO_BE_DETERMINED
    legal_basis_detail: LongText | None = Field(
        default=None, examples=["Code général des collectivités territoriales, art. L2122-27"]
    )
    performed_in_public_tasks: bool = Field(
        default=True, description="Processing done by a public authority in its tasks"
    )
    special_categories: list[SpecialCategory] = []
    art9_condition: LongText | None = None
    art10_basis: LongText | None = None
    data_subject_categories: list[SubjectCategory] = []
    data_subject_details: LongText | None = None
    data_categories: list[DataCategory] = []
    data_category_details: LongText | None = None
    retention: list[RetentionRule] = []
    recipients: list[Recipient] = []
    transfers: list[Transfer] = []
    software: Text | None = None
    collection_method: CollectionMethod | None = None
    dpia_criteria: list[DpiaCriterion] = []
    dpia_ref: Text | None = None
    representative: LongText | None = None
    next_review: date | None = None
    joint_controller_ids: list[UUID] = []
    convention_ids: list[UUID] = []
    security_measure_ids: list[UUID] = []

    @field_validator(
        "purposes",
        "special_categories",
        "data_subject_categories",
        "data_categories",
        "dpia_criteria",
        "joint_controller_ids",
        "convention_ids",
        "security_measure_ids",
    )
    @classmethod
    def _distinct(cls, items: list) -> list:
        return list(dict.fromkeys(items))

    @model_validator(mode="after")
    def _lawful(self) -> "ActivityIn":
        if self.legal_basis == LegalBasis.LEGITIMATE_INTEREST and self.performed_in_public_tasks:
            raise FieldError(
                "legal_basis",
                "l'intérêt légitime ne peut pas fonder un traitement effectué par une autorité "
                "publique dans l'exécution de ses missions (art. 6.1, dernier alinéa) : "
                "retenez l'obligation légale (c) ou la mission d'intérêt public (e)",
            )
        if ART9_CATEGORIES & set(self.special_categories) and not self.art9_condition:
            raise FieldError(
                "art9_condition",
                "des données sensibles (art. 9) exigent l'exception de l'art. 9.2 qui les autorise",
            )
        if SpecialCategory.OFFENCES in self.special_categories and not self.art10_basis:
            raise FieldError(
                "art10_basis",
                "des données d'infraction exigent le fondement "
                "de l'art. 10 (autorité publique ou texte)",
            )
        if self.controller_id in self.joint_controller_ids:
            raise FieldError(
                "joint_controller_ids",
                "le responsable de traitement ne peut être son propre co-responsable",
            )
        for index, rule in enumerate(self.retention):
            if self.data_categories and rule.data_category not in self.data_categories:
                raise FieldError(
                    ("retention", index, "data_category"),
                    "catégorie de données absente des données traitées",
                )
        if self.status != ActivityStatus.DRAFT:
            for field, missing in self.missing_mandatory().items():
                raise FieldError(
                    field,
                    f"{missing} : obligatoire pour une fiche "
                    f"« {label(self.status).lower()} » (art. 30.1)",
                )
        return self

    def missing_mandatory(self) -> dict[str, str]:
        """The art. 30(1) items a finished record must give; a draft may lack them."""
        missing = {}
        if not self.purposes:
            missing["purposes"] = "finalités"
        if self.legal_basis == LegalBasis.TO_BE_DETERMINED:
            missing["legal_basis"] = "base légale"
        if not self.data_subject_categories:
            missing["data_subject_categories"] = "catégories de personnes"
        if not self.data_categories:
            missing["data_categories"] = "catégories de données"
        if not self.retention:
            missing["retention"] = "durées de conservation"
        if not self.recipients:
            missing["recipients"] = "destinataires"
        return missing


class ActivityOut(ActivityIn, Stored):
    dpia_required: bool = False
    has_sensitive_data: bool = False
    missing_fields: list[str] = []
    review_overdue: bool = False

    @classmethod
    def derive(cls, data: dict, today: date) -> "ActivityOut":
        out = cls.model_validate(data)
        out.dpia_required = len(out.dpia_criteria) >= DPIA_CRITERIA_THRESHOLD
        out.has_sensitive_data = bool(out.special_categories)
        out.missing_fields = list(out.missing_mandatory())
        out.review_overdue = bool(out.next_review and out.next_review < today)
        return out


class ActivityPageOut(PageOut[ActivityOut]):
    next_cursor: str | None = Field(
        default=None,
        description="Pass it as `cursor` for the next page; null on the last page",
    )
