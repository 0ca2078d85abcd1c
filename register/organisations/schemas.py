from datetime import date
from uuid import UUID

from pydantic import Field, HttpUrl, field_validator

from register.enums import ContactRole, DpoMode, Nis2Status, OrganisationKind
from register.organisations import codes
from register.schemas_common import Email, LongText, Phone, Shape, Siren, Siret, Stored, Text


class DpoIn(Shape):
    mode: DpoMode
    name: Text
    email: Email
    phone: Phone | None = None
    address: LongText | None = None
    employer: Text | None = Field(default=None, description="Body or firm employing the DPO")
    published_contact_url: HttpUrl | None = None


class DpoOut(DpoIn, Stored):
    published_contact_url: str | None = None
    organisation_ids: list[UUID] = []


class OrganisationIn(Shape):
    legal_name: Text
    kind: OrganisationKind
    short_code: str | None = Field(
        default=None,
        max_length=12,
        description="2 to 12 capitals and digits, starting with a letter, unique: qualifies "
        "the body's breach references (VIO-<code>-2026-0001); derived from the legal name "
        "when omitted",
    )
    siren: Siren | None = None
    siret: Siret | None = None
    address: LongText | None = None
    legal_rep_name: Text | None = None
    legal_rep_title: Text | None = None
    legal_rep_email: Email | None = None
    legal_rep_phone: Phone | None = None
    population: int | None = Field(default=None, ge=0, le=100_000_000)
    staff_count: int | None = Field(default=None, ge=0, le=10_000_000)
    nis2_status: Nis2Status = Nis2Status.UNKNOWN
    nis2_threshold_unavailability_hours: int | None = Field(
        default=None, ge=1, le=100_000, description="NIS2: hours of unavailability"
    )
    nis2_threshold_people: int | None = Field(
        default=None, ge=1, le=100_000_000, description="NIS2: people affected"
    )
    nis2_threshold_financial_loss_eur: int | None = Field(
        default=None, ge=1, le=10**12, description="NIS2: financial loss, in euros"
    )
    competent_sa: Text = Field(default="CNIL", max_length=32)  # the column holds 32
    dpo_id: UUID | None = None
    dpo_designated_at: date | None = None
    dpo_cnil_designation_ref: Text | None = None

    @field_validator("short_code")
    @classmethod
    def _short_code_shape(cls, code: str | None) -> str | None:
        if code is None or not code.strip():
            return None
        code = codes.normalise(code)
        if not codes.valid(code):
            raise ValueError(codes.SHAPE)
        return code

    @field_validator("siret")
    @classmethod
    def _siret_extends_siren(cls, siret: str | None, info) -> str | None:
        siren = info.data.get("siren")
        if siret and siren and not siret.startswith(siren):
            raise ValueError("le SIRET doit commencer par le SIREN de l'organisme")
        return siret


class OrganisationOut(OrganisationIn, Stored):
    pass


class ContactIn(Shape):
    organisation_id: UUID
    name: Text
    job_title: Text | None = None
    roles: list[ContactRole] = Field(min_length=1)
    email: Email | None = None
    phone: Phone | None = None

    @field_validator("roles")
    @classmethod
    def _distinct(cls, roles: list[ContactRole]) -> list[ContactRole]:
        return list(dict.fromkeys(roles))


class ContactOut(ContactIn, Stored):
    pass
