from tortoise import fields
from tortoise.expressions import Q, Subquery
from tortoise.models import Model

from breach.enums import (
    Art34Exemption,
    BreachPath,
    BreachStatus,
    InformPeople,
    NotificationChannel,
    NotificationPhase,
    NotificationRecipient,
    RiskLevel,
)
from core.audit.trail import journaled_model
from core.crypto import EncryptedJSONField, EncryptedTextField
from core.models import VersionedModel
from core.scope import Scope
from register.enums import JointBreachDuty


class Breach(VersionedModel):
    """One controller's personal-data breach, with its own clock (art. 33) and its entry in
    that controller's breach register (art. 33(5))."""

    incident: fields.ForeignKeyRelation = fields.ForeignKeyField(
        "models.Incident", related_name="breaches", on_delete=fields.RESTRICT
    )
    controller: fields.ForeignKeyRelation = fields.ForeignKeyField(
        "models.Organisation", related_name="breaches", on_delete=fields.RESTRICT
    )
    # The body whose system was hit, when it is not the controller (processor, host...).
    source_org: fields.ForeignKeyNullableRelation = fields.ForeignKeyField(
        "models.Organisation",
        related_name="breaches_caused",
        null=True,
        on_delete=fields.RESTRICT,
    )
    convention: fields.ForeignKeyNullableRelation = fields.ForeignKeyField(
        "models.Convention", related_name="breaches", null=True, on_delete=fields.RESTRICT
    )
    ref = fields.CharField(max_length=40)
    # Joint controllers (art. 26, path `joint`): the arrangement's duty when fanned out, and on
    # a joint controller's breach other than the lead's, the lead's breach (breach.fanout).
    joint_duty = fields.CharEnumField(JointBreachDuty, max_length=16, null=True)
    lead_breach: fields.ForeignKeyNullableRelation = fields.ForeignKeyField(
        "models.Breach", related_name="joint_followers", null=True, on_delete=fields.SET_NULL
    )
    # The controller's activities the incident touched (art. 33(3)(a): nature of the breach).
    activities: fields.ManyToManyRelation = fields.ManyToManyField(
        "models.ProcessingActivity", related_name="breaches", through="breach_activity"
    )
    path = fields.CharEnumField(BreachPath, max_length=16)
    status = fields.CharEnumField(BreachStatus, max_length=16, default=BreachStatus.DECLARED)
    # Notice owed to the controller by the body whose system was hit (art. 33(2), convention).
    controller_notice_due_at = fields.DatetimeField(null=True)
    controller_informed_at = fields.DatetimeField(null=True)
    controller_notice_late_reason = EncryptedTextField(null=True)
    # The controller's clock: aware_at + 72 h (art. 33(1)); cnil_due_at is stored for queries
    # and always written by breach.deadlines.cnil_deadline.
    aware_at = fields.DatetimeField(null=True)
    aware_rationale = EncryptedTextField(null=True)
    cnil_due_at = fields.DatetimeField(null=True)
    # Awareness moved (breach.breaches.awareness): the first instant recorded, written once;
    # every move with its reasons; the CNIL deadline already missed when a move came after it.
    first_aware_at = fields.DatetimeField(null=True)
    aware_moves = EncryptedJSONField(null=True)
    overdue_at = fields.DatetimeField(null=True)
    # Facts for the register and the notification (art. 33(3), 33(5)). Every free text of a
    # breach may name the people hit: stored encrypted (core.crypto), read in clear.
    data_categories = fields.JSONField(default=list)
    subject_categories = fields.JSONField(default=list)
    approx_subjects = fields.IntField(null=True)
    subjects_is_estimate = fields.BooleanField(default=True)
    approx_records = fields.IntField(null=True)
    consequences = fields.JSONField(default=list)
    consequences_detail = EncryptedTextField(null=True)
    measures_taken = EncryptedTextField(null=True)
    measures_planned = EncryptedTextField(null=True)
    # The facts above the controller set itself: the source's later completions leave them
    # (breach.breaches.source_facts).
    # null: a breach stored before migration 0020 (read as none)
    controller_facts = fields.JSONField(null=True, default=list)
    # What the CNIL's form also asks (breach.cnil_facts); null: not known yet.
    other_authorities = fields.JSONField(null=True)
    cross_border = fields.BooleanField(null=True)
    other_member_states = fields.JSONField(null=True, default=list)  # null on rows before 0018
    # ENISA assessment (inputs and result) — breach.assessment computes, this stores. Encrypted
    # with the free-text facts (core.crypto): its adjustments carry the DPO's justifications.
    assessment = EncryptedJSONField(null=True)
    severity_band = fields.CharField(max_length=16, null=True)
    assessed_at = fields.DatetimeField(null=True)
    # The DPO's decision, with its reasons
    risk_level = fields.CharEnumField(RiskLevel, max_length=16, null=True)
    notify_cnil = fields.BooleanField(null=True)
    inform_people = fields.CharEnumField(InformPeople, max_length=8, null=True)
    art34_exemption = fields.CharEnumField(Art34Exemption, max_length=24, null=True)
    decision_reasons = EncryptedTextField(null=True)
    # A decision below the ENISA result (breach.breaches.assessments.band_risk) says why.
    below_band_justification = EncryptedTextField(null=True)
    decided_at = fields.DatetimeField(null=True)
    decided_by = fields.CharField(max_length=400, null=True)  # core.actor.signed_by
    closed_at = fields.DatetimeField(null=True)
    closing_reasons = EncryptedTextField(null=True)
    # Phases (art. 33(4)): the date the initial notification committed to for the rest; its
    # clock runs until the complementary notification (breach.deadlines.running_clocks).
    followup_due_at = fields.DatetimeField(null=True)
    # Art. 34: when the people were first told (or the public communication made, 34(3)(c)).
    people_informed_at = fields.DatetimeField(null=True)
    # Why the breach was closed with the incident ongoing or facts unknown (breach.phases).
    incomplete_reasons = EncryptedTextField(null=True)

    class Meta:
        table = "breach"
        ordering = ["-created_at"]
        unique_together = (("incident", "controller"), ("controller", "ref"))

    @staticmethod
    def scope_filter(scope: Scope) -> dict:
        """The controller's breaches; with `scope.sources`, also the breaches those bodies
        must report to their controllers (a processor sees what it reports, nothing more)."""
        if scope.is_unrestricted:
            return {}
        if not scope.sources:
            return {"controller_id__in": list(scope.org_ids)}
        either = Q(controller_id__in=list(scope.org_ids)) | Q(source_org_id__in=list(scope.sources))
        return {"id__in": Subquery(Breach.filter(either).values("id"))}


class BreachNotification(Model):
    """A notification recorded as made: to the CNIL, to the people, or to the controller."""

    id = fields.UUIDField(primary_key=True)
    breach: fields.ForeignKeyRelation[Breach] = fields.ForeignKeyField(
        "models.Breach", related_name="notifications", on_delete=fields.RESTRICT
    )
    recipient = fields.CharEnumField(NotificationRecipient, max_length=16)
    phase = fields.CharEnumField(NotificationPhase, max_length=16)
    channel = fields.CharEnumField(NotificationChannel, max_length=24)
    sent_at = fields.DatetimeField()
    due_at = fields.DatetimeField(null=True)
    late_reason = EncryptedTextField(null=True)
    external_ref = fields.CharField(max_length=100, null=True)  # CNIL file number
    summary = EncryptedTextField(null=True)
    # A public communication (art. 34(3)(c)): where it was published (medium, address).
    published_where = fields.CharField(max_length=500, null=True)
    # The message as sent (rendered from its template), kept for the register and evidence.
    message_subject = EncryptedTextField(null=True)
    message_body = EncryptedTextField(null=True)
    recorded_by = fields.CharField(max_length=400, null=True)  # core.actor.signed_by
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "breach_notification"
        ordering = ["sent_at"]


class BreachEvent(Model):
    """Append-only log of a breach's transitions and decisions."""

    id = fields.IntField(primary_key=True)
    breach: fields.ForeignKeyRelation[Breach] = fields.ForeignKeyField(
        "models.Breach", related_name="events", on_delete=fields.CASCADE
    )
    at = fields.DatetimeField()
    from_status = fields.CharField(max_length=16, null=True)
    to_status = fields.CharField(max_length=16)
    action = fields.CharField(max_length=40)
    note = EncryptedTextField(null=True)
    author = fields.CharField(max_length=400, null=True)  # core.actor.signed_by

    class Meta:
        table = "breach_event"
        ordering = ["id"]


# The controller's record (art. 33(5)), journaled in its chain (core.audit.trail); fields
# encrypted at rest are journaled as digests.
journaled_model(Breach, "breach", owner="controller_id", links={"activity_ids": "activities"})
# The texts of the notifications as made restate the facts: digests only.
journaled_model(
    BreachNotification,
    "breach_notification",
    owner=lambda row: Breach.filter(id=row["breach_id"]).values_list("controller_id", flat=True),
    digest=["message_subject", "message_body"],
)
