"""NIS2 beside the GDPR: the significant-incident record of an essential or important entity.

NIS2 (Directive (EU) 2022/2555, art. 23) is about the incident of the entity, not the
controller's breach: one row per incident of a body whose `nis2_status` is essential or
important, written when a person decides whether the incident is significant (art. 23(3)).
Its clocks (early warning 24 h, incident notification 72 h, final report one month after the
notification, docs/regulatory.md §7) are stored with it, so that the reminders, the calendar
and the pages read the same instants (breach.nis2).
"""

from enum import StrEnum

from tortoise import fields

from core.audit.trail import journaled_model
from core.crypto import EncryptedTextField
from core.models import VersionedModel
from core.scope import Scope
from register.enums import labelled


@labelled(
    {
        "early_warning": "Alerte précoce (24 h)",
        "notification": "Notification d'incident (72 h)",
        "intermediate": "Rapport intermédiaire (sur demande)",
        "final": "Rapport final (1 mois)",
    }
)
class Nis2Phase(StrEnum):
    EARLY_WARNING = "early_warning"
    NOTIFICATION = "notification"
    INTERMEDIATE = "intermediate"
    FINAL = "final"


@labelled(
    {
        "portal": "Portail de l'ANSSI (MesServicesCyber)",
        "email": "Courriel",
        "phone": "Téléphone",
        "other": "Autre canal",
    }
)
class Nis2Channel(StrEnum):
    PORTAL = "portal"
    EMAIL = "email"
    PHONE = "phone"
    OTHER = "other"


class Nis2Incident(VersionedModel):
    """The NIS2 view of one incident: the significance decision, awareness, the reports."""

    incident = fields.OneToOneField(
        "models.Incident", related_name="nis2", on_delete=fields.CASCADE
    )
    organisation = fields.ForeignKeyField(
        "models.Organisation", related_name="nis2_incidents", on_delete=fields.RESTRICT
    )
    # The decision (art. 23(3)): by a person, with reasons, helped by the body's thresholds.
    significant = fields.BooleanField()
    decided_at = fields.DatetimeField()
    decided_by = fields.CharField(max_length=400, null=True)  # core.actor.signed_by
    reasons = EncryptedTextField()
    # The facts weighed against the body's thresholds (register.organisations: nis2_*).
    unavailability_hours = fields.IntField(null=True)
    people_affected = fields.IntField(null=True)
    financial_loss_eur = fields.BigIntField(null=True)
    damage_to_others = fields.BooleanField(null=True)  # considerable material or other damage
    malicious = fields.BooleanField(null=True)  # suspected unlawful or malicious act
    cross_border = fields.BooleanField(null=True)
    thresholds_met = fields.JSONField(default=list)  # the settings the facts reach
    # Awareness of the significant incident (art. 23(4)(a)); first instant kept when moved.
    aware_at = fields.DatetimeField(null=True)
    first_aware_at = fields.DatetimeField(null=True)
    aware_reasons = EncryptedTextField(null=True)
    # What the reports say beyond the incident's facts (the draft reads them).
    severity = EncryptedTextField(null=True)
    impact = EncryptedTextField(null=True)
    indicators = EncryptedTextField(null=True)  # indicators of compromise
    threat = EncryptedTextField(null=True)  # type of threat or root cause
    mitigation = EncryptedTextField(null=True)
    # The clocks (breach.nis2.clocks_of) and each report recorded as sent.
    early_warning_due_at = fields.DatetimeField(null=True)
    notification_due_at = fields.DatetimeField(null=True)
    intermediate_due_at = fields.DatetimeField(null=True)  # set when the CSIRT asks for one
    final_due_at = fields.DatetimeField(null=True)
    early_warning_sent_at = fields.DatetimeField(null=True)
    early_warning_channel = fields.CharField(max_length=16, null=True)
    early_warning_ref = fields.CharField(max_length=120, null=True)
    notification_sent_at = fields.DatetimeField(null=True)
    notification_channel = fields.CharField(max_length=16, null=True)
    notification_ref = fields.CharField(max_length=120, null=True)
    intermediate_sent_at = fields.DatetimeField(null=True)
    intermediate_channel = fields.CharField(max_length=16, null=True)
    intermediate_ref = fields.CharField(max_length=120, null=True)
    final_sent_at = fields.DatetimeField(null=True)
    final_channel = fields.CharField(max_length=16, null=True)
    final_ref = fields.CharField(max_length=120, null=True)

    class Meta:
        table = "nis2_incident"

    @staticmethod
    def scope_filter(scope: Scope) -> dict:
        return {} if scope.is_unrestricted else {"organisation_id__in": list(scope.org_ids)}


journaled_model(Nis2Incident, "nis2_incident", owner="organisation_id")
