from tortoise import fields
from tortoise.models import Model

from core.audit.trail import journaled_model
from core.models import VersionedModel
from core.scope import Scope
from register.enums import ActivityStatus, CollectionMethod, DataCategory, LegalBasis


class ProcessingActivity(VersionedModel):
    """One entry of a controller's record (art. 30(1)), laid out like the CNIL template."""

    controller: fields.ForeignKeyRelation = fields.ForeignKeyField(
        "models.Organisation",
        related_name="activities",
        on_delete=fields.RESTRICT,
    )
    ref = fields.CharField(max_length=64, null=True)
    name = fields.CharField(max_length=300)
    status = fields.CharEnumField(ActivityStatus, max_length=16, default=ActivityStatus.DRAFT)
    description = fields.TextField(null=True)
    purposes = fields.JSONField(default=list)
    legal_basis = fields.CharEnumField(
        LegalBasis, max_length=24, default=LegalBasis.TO_BE_DETERMINED
    )
    legal_basis_detail = fields.TextField(null=True)
    performed_in_public_tasks = fields.BooleanField(default=True)
    special_categories = fields.JSONField(default=list)
    art9_condition = fields.TextField(null=True)
    art10_basis = fields.TextField(null=True)
    data_subject_categories = fields.JSONField(default=list)
    data_subject_details = fields.TextField(null=True)
    data_categories = fields.JSONField(default=list)
    data_category_details = fields.TextField(null=True)
    retention = fields.JSONField(default=list)
    recipients = fields.JSONField(default=list)
    transfers = fields.JSONField(default=list)
    software = fields.CharField(max_length=200, null=True)
    collection_method = fields.CharEnumField(CollectionMethod, max_length=24, null=True)
    dpia_criteria = fields.JSONField(default=list)
    dpia_ref = fields.CharField(max_length=200, null=True)
    representative = fields.TextField(null=True)
    next_review = fields.DateField(null=True)
    # Folded (lower case, no accents) copy of the searchable text, kept by the service.
    search_text = fields.TextField(default="")
    # "|dc:civil_status|sc:health|ds:users|": list filters that work alike on both engines.
    facets = fields.TextField(default="")
    has_sensitive_data = fields.BooleanField(default=False)
    joint_controllers: fields.ManyToManyRelation = fields.ManyToManyField(
        "models.Organisation",
        related_name="joint_activities",
        through="activity_joint_controller",
    )
    conventions: fields.ManyToManyRelation = fields.ManyToManyField(
        "models.Convention",
        related_name="activities",
        through="activity_convention",
    )
    security_measures: fields.ManyToManyRelation = fields.ManyToManyField(
        "models.SecurityMeasure",
        related_name="activities",
        through="activity_measure",
    )

    class Meta:
        table = "processing_activity"
        ordering = ["name"]
        # Every list is ordered by (name, id): with this index a page is read in order
        # instead of sorting the whole register (deep pages, wide filters); one body's
        # activities in that order too (the export's batches, register.export).
        indexes = (("controller_id", "status"), ("name", "id"), ("controller_id", "name", "id"))

    @staticmethod
    def scope_filter(scope: Scope) -> dict:
        return {} if scope.is_unrestricted else {"controller_id__in": list(scope.org_ids)}


class ActivityDataCategory(Model):
    """One data category an activity processes: a copy of `data_categories`, kept by the
    service, so the `data_category` filter reads an index instead of every row's JSON."""

    id = fields.IntField(primary_key=True)
    activity: fields.ForeignKeyRelation = fields.ForeignKeyField(
        "models.ProcessingActivity", related_name="data_category_rows", on_delete=fields.CASCADE
    )
    category = fields.CharEnumField(DataCategory, max_length=32)

    class Meta:
        table = "activity_data_category"
        # (category, activity_id): the filter's lookup, answered from the index alone.
        unique_together = (("category", "activity"),)


# Journaled in the controller's chain, with its links (core.audit.trail); the search copies
# are derived from the journaled fields.
journaled_model(
    ProcessingActivity,
    "activity",
    owner="controller_id",
    links={
        "joint_controller_ids": "joint_controllers",
        "convention_ids": "conventions",
        "security_measure_ids": "security_measures",
    },
    ignore=["search_text", "facets", "has_sensitive_data"],
)
