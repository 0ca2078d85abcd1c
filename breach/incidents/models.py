from tortoise import fields
from tortoise.models import Model

from breach.enums import IncidentCause, IncidentOrigin
from core.audit.trail import journaled_model
from core.crypto import EncryptedJSONField, EncryptedTextField
from core.models import VersionedModel
from core.scope import Scope


class Incident(VersionedModel):
    """A security incident on a system run by one body, declared at any hour."""

    organisation: fields.ForeignKeyRelation = fields.ForeignKeyField(
        "models.Organisation", related_name="incidents", on_delete=fields.RESTRICT
    )
    # The facts may name the people hit: stored encrypted (core.crypto), read in clear.
    title = EncryptedTextField()
    description = EncryptedTextField()
    system = fields.CharField(max_length=300, null=True)
    started_at = fields.DatetimeField(null=True)
    start_is_estimate = fields.BooleanField(default=False)
    detected_at = fields.DatetimeField()
    # Detection moved (update_incident_facts): the first instant, written once, and the
    # reasons given for the last move later.
    first_detected_at = fields.DatetimeField(null=True)
    detection_later_reasons = EncryptedTextField(null=True)
    ongoing = fields.BooleanField(default=True)
    ended_at = fields.DatetimeField(null=True)
    nature = fields.JSONField(default=list)  # BreachNature, several allowed
    origin = fields.CharEnumField(IncidentOrigin, max_length=32, null=True)
    cause = fields.CharEnumField(IncidentCause, max_length=24, null=True)
    declared_by = fields.CharField(max_length=400, null=True)  # core.actor.signed_by
    activities: fields.ManyToManyRelation = fields.ManyToManyField(
        "models.ProcessingActivity", related_name="incidents", through="incident_activity"
    )
    conventions: fields.ManyToManyRelation = fields.ManyToManyField(
        "models.Convention", related_name="incidents", through="incident_convention"
    )

    class Meta:
        table = "incident"
        ordering = ["-detected_at"]

    @staticmethod
    def scope_filter(scope: Scope) -> dict:
        return {} if scope.is_unrestricted else {"organisation_id__in": list(scope.org_ids)}


class IncidentChange(Model):
    """Append-only history of an incident's facts: who changed what, from what, to what."""

    id = fields.IntField(primary_key=True)
    incident: fields.ForeignKeyRelation[Incident] = fields.ForeignKeyField(
        "models.Incident", related_name="changes", on_delete=fields.CASCADE
    )
    at = fields.DatetimeField()
    author = fields.CharField(max_length=400, null=True)  # core.actor.signed_by
    # {field: {"before": ..., "after": ...}}: the facts again, so encrypted as they are.
    changes = EncryptedJSONField()

    class Meta:
        table = "incident_change"
        ordering = ["id"]


# The declaring body's record, journaled in its chain (core.audit.trail); fields encrypted at
# rest are journaled as digests.
journaled_model(
    Incident,
    "incident",
    owner="organisation_id",
    links={"activity_ids": "activities", "convention_ids": "conventions"},
)
