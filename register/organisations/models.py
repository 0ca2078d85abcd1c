from tortoise import fields

from core.audit.trail import journaled_model
from core.models import VersionedModel
from core.scope import Scope
from register.enums import ContactRole, DpoMode, Nis2Status, OrganisationKind


class Dpo(VersionedModel):
    """A data protection officer, who may be designated by several bodies (art. 37(3))."""

    mode = fields.CharEnumField(DpoMode, max_length=16)
    name = fields.CharField(max_length=200)
    email = fields.CharField(max_length=254)
    phone = fields.CharField(max_length=32, null=True)
    address = fields.TextField(null=True)
    employer = fields.CharField(max_length=300, null=True)  # body or firm employing the DPO
    published_contact_url = fields.CharField(max_length=500, null=True)

    class Meta:
        table = "dpo"

    @staticmethod
    def scope_filter(scope: Scope) -> dict:
        return {} if scope.is_unrestricted else {"organisations__id__in": list(scope.org_ids)}


class Organisation(VersionedModel):
    legal_name = fields.CharField(max_length=300)
    # Folded copy (no accents, no case) so that "bievre" finds "Bièvre" and "Établissement"
    # sorts among the E's on both engines; kept by the service.
    name_folded = fields.CharField(max_length=300, default="", db_index=True)
    kind = fields.CharEnumField(OrganisationKind, max_length=16)
    # What qualifies its breach references (register.organisations.codes): unique.
    short_code = fields.CharField(max_length=12, null=True, unique=True)
    siren = fields.CharField(max_length=9, null=True, unique=True)
    siret = fields.CharField(max_length=14, null=True)
    address = fields.TextField(null=True)
    legal_rep_name = fields.CharField(max_length=200, null=True)
    legal_rep_title = fields.CharField(max_length=200, null=True)
    legal_rep_email = fields.CharField(max_length=254, null=True)
    legal_rep_phone = fields.CharField(max_length=32, null=True)
    population = fields.IntField(null=True)
    staff_count = fields.IntField(null=True)
    nis2_status = fields.CharEnumField(Nis2Status, max_length=16, default=Nis2Status.UNKNOWN)
    # NIS2 art. 23(3): the body's own thresholds for a significant incident (docs/nis2.md);
    # a person decides, the page shows which threshold the facts reach. None: not set.
    nis2_threshold_unavailability_hours = fields.IntField(null=True)
    nis2_threshold_people = fields.IntField(null=True)
    nis2_threshold_financial_loss_eur = fields.BigIntField(null=True)
    competent_sa = fields.CharField(max_length=32, default="CNIL")
    # The designation is the body's own act, sent to the CNIL: its reference belongs here,
    # while the person designated may serve several bodies.
    dpo: fields.ForeignKeyNullableRelation[Dpo] = fields.ForeignKeyField(
        "models.Dpo",
        related_name="organisations",
        null=True,
        on_delete=fields.RESTRICT,
    )
    dpo_designated_at = fields.DateField(null=True)
    dpo_cnil_designation_ref = fields.CharField(max_length=64, null=True)

    class Meta:
        table = "organisation"
        ordering = ["name_folded", "id"]

    @staticmethod
    def scope_filter(scope: Scope) -> dict:
        return {} if scope.is_unrestricted else {"id__in": list(scope.org_ids)}


class Contact(VersionedModel):
    organisation: fields.ForeignKeyRelation[Organisation] = fields.ForeignKeyField(
        "models.Organisation",
        related_name="contacts",
        on_delete=fields.CASCADE,
    )
    name = fields.CharField(max_length=200)
    job_title = fields.CharField(max_length=200, null=True)
    roles = fields.JSONField(default=list)  # list[ContactRole]
    email = fields.CharField(max_length=254, null=True)
    phone = fields.CharField(max_length=32, null=True)

    class Meta:
        table = "contact"
        ordering = ["name"]

    @staticmethod
    def scope_filter(scope: Scope) -> dict:
        return {} if scope.is_unrestricted else {"organisation_id__in": list(scope.org_ids)}


__all__ = ["Contact", "ContactRole", "Dpo", "Organisation"]


# The audit journal: whose record each one is (core.audit.trail).
journaled_model(Organisation, "organisation", owner="id", ignore=["name_folded"])
# A DPO's record is journaled in the chains of the bodies that designate them.
journaled_model(
    Dpo, "dpo", owner=lambda row: Organisation.filter(dpo_id=row["id"]).values_list("id", flat=True)
)
journaled_model(Contact, "contact", owner="organisation_id")
