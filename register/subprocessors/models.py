from tortoise import fields

from core.audit.trail import journaled_model
from core.models import VersionedModel
from core.scope import Scope
from register.enums import SubprocessorAuthorisation, TransferMechanism
from register.subprocessors.enums import AnswerKind


class SubprocessorEngagement(VersionedModel):
    """A processor's own processor (art. 28(2), (4)). Stored once, read by every controller
    whose processing it touches. `parent` links a sub-sub-processor to form a chain."""

    processor: fields.ForeignKeyRelation = fields.ForeignKeyField(
        "models.Organisation",
        related_name="subprocessor_engagements",
        on_delete=fields.RESTRICT,
    )
    subprocessor_org: fields.ForeignKeyNullableRelation = fields.ForeignKeyField(
        "models.Organisation",
        related_name="engagements_as_subprocessor",
        null=True,
        on_delete=fields.RESTRICT,
    )
    parent: fields.ForeignKeyNullableRelation["SubprocessorEngagement"] = fields.ForeignKeyField(
        "models.SubprocessorEngagement",
        related_name="children",
        null=True,
        on_delete=fields.RESTRICT,
    )
    name = fields.CharField(max_length=300)
    siren = fields.CharField(max_length=9, null=True)
    country = fields.CharField(max_length=2, default="FR")
    address = fields.TextField(null=True)
    dpo_contact = fields.CharField(max_length=300, null=True)
    services = fields.TextField()
    data_locations = fields.JSONField(default=list)
    transfer_mechanism = fields.CharEnumField(TransferMechanism, max_length=32, null=True)
    authorisation = fields.CharEnumField(SubprocessorAuthorisation, max_length=16)
    authorised_at = fields.DateField(null=True)
    objection_deadline = fields.DateField(null=True)
    # When the controllers were last written to about this sub-processor (its recording, or
    # its replacement): only their answers given since count (register.subprocessors.states).
    change_notified_at = fields.DatetimeField(null=True)
    contract_ref = fields.CharField(max_length=200, null=True)
    contract_start = fields.DateField(null=True)
    contract_end = fields.DateField(null=True)
    clauses_verified = fields.BooleanField(default=False)
    certifications = fields.JSONField(default=list)
    next_review = fields.DateField(null=True)
    # Empty: the engagement serves every convention where the processor acts as such.
    conventions: fields.ManyToManyRelation = fields.ManyToManyField(
        "models.Convention",
        related_name="subprocessor_engagements",
        through="subprocessor_convention",
    )
    activities: fields.ManyToManyRelation = fields.ManyToManyField(
        "models.ProcessingActivity",
        related_name="subprocessor_engagements",
        through="subprocessor_activity",
    )

    class Meta:
        table = "subprocessor_engagement"
        ordering = ["name"]

    @staticmethod
    def scope_filter(scope: Scope) -> dict:
        return {} if scope.is_unrestricted else {"processor_id__in": list(scope.org_ids)}


# Journaled in the processor's chain, with its links (core.audit.trail).
journaled_model(
    SubprocessorEngagement,
    "subprocessor_engagement",
    owner="processor_id",
    links={"convention_ids": "conventions", "activity_ids": "activities"},
)


class SubprocessorAnswer(VersionedModel):
    """One controller's answer to an engagement under one convention: a specific
    authorisation, no objection, or an objection (art. 28(2)). Kept, never rewritten: the
    latest answer of a controller under a convention is the one that stands."""

    engagement: fields.ForeignKeyRelation[SubprocessorEngagement] = fields.ForeignKeyField(
        "models.SubprocessorEngagement", related_name="answers", on_delete=fields.RESTRICT
    )
    convention: fields.ForeignKeyRelation = fields.ForeignKeyField(
        "models.Convention", related_name="subprocessor_answers", on_delete=fields.RESTRICT
    )
    controller: fields.ForeignKeyRelation = fields.ForeignKeyField(
        "models.Organisation", related_name="subprocessor_answers", on_delete=fields.RESTRICT
    )
    answer = fields.CharEnumField(AnswerKind, max_length=16)
    comment = fields.TextField(null=True)
    answered_at = fields.DatetimeField()
    answered_by = fields.CharField(max_length=300)

    class Meta:
        table = "subprocessor_answer"
        ordering = ["answered_at", "id"]


# The controller's own act: journaled in its chain (the processor's gets the event of the
# engagement whose state it changes, register.subprocessors.answers).
journaled_model(SubprocessorAnswer, "subprocessor_answer", owner="controller_id")
