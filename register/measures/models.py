from tortoise import fields

from core.audit.trail import journaled_model
from core.models import VersionedModel
from core.scope import Scope
from register.enums import MeasureNature, MeasureStatus, Priority


class SecurityMeasure(VersionedModel):
    """A technical or organisational measure (art. 32) of one body, linked to activities."""

    organisation: fields.ForeignKeyRelation = fields.ForeignKeyField(
        "models.Organisation",
        related_name="security_measures",
        on_delete=fields.RESTRICT,
    )
    title = fields.CharField(max_length=300)
    description = fields.TextField(null=True)
    cnil_sheet = fields.CharField(max_length=40, null=True)  # CnilGuideSheet
    register_category = fields.CharField(max_length=24, null=True)  # RegisterMeasureCategory
    art32_objectives = fields.JSONField(default=list)  # Art32Objective
    nature = fields.CharEnumField(MeasureNature, max_length=16, default=MeasureNature.TECHNICAL)
    status = fields.CharEnumField(MeasureStatus, max_length=16, default=MeasureStatus.PLANNED)
    priority = fields.CharEnumField(Priority, max_length=8, default=Priority.MEDIUM)
    owner = fields.CharField(max_length=200, null=True)
    due_at = fields.DateField(null=True)
    last_tested_at = fields.DateField(null=True)
    evidence = fields.JSONField(default=list)

    class Meta:
        table = "security_measure"
        ordering = ["title"]

    @staticmethod
    def scope_filter(scope: Scope) -> dict:
        return {} if scope.is_unrestricted else {"organisation_id__in": list(scope.org_ids)}


journaled_model(SecurityMeasure, "security_measure", owner="organisation_id")
