from tortoise import fields
from tortoise.models import Model

from core.audit.trail import journaled_model
from core.models import VersionedModel
from core.scope import Scope
from register.enums import (
    ConventionKind,
    ConventionStatus,
    EndOfService,
    JointBreachDuty,
    LegalInstrument,
    PartyAnswer,
    PartyRole,
    ProposalKind,
    ProposalStatus,
    SubprocessorAuthorisation,
)


class Convention(VersionedModel):
    """An agreement between bodies, with a role per party and its art. 28 clauses."""

    title = fields.CharField(max_length=300)
    # A convention binds a body only once that body agreed (register.conventions.consent):
    # until then it gives nobody a role, fans out no breach and sends no message.
    status = fields.CharEnumField(
        ConventionStatus, max_length=16, default=ConventionStatus.IN_FORCE, db_index=True
    )
    kind = fields.CharEnumField(ConventionKind, max_length=32)
    legal_instrument = fields.CharEnumField(
        LegalInstrument, max_length=16, default=LegalInstrument.OTHER_LEGAL_ACT
    )
    legal_basis = fields.CharField(max_length=200, null=True)  # e.g. "CGCT L5211-4-1 III"
    subject = fields.TextField(null=True)
    deliberation_refs = fields.JSONField(default=list)
    signed_at = fields.DateField(null=True)
    start_date = fields.DateField()
    duration_months = fields.IntField(null=True)  # None: open-ended
    tacit_renewals = fields.IntField(default=0)
    notice_months = fields.IntField(null=True)
    end_date = fields.DateField(null=True)  # fixed or early end (démutualisation)
    # Events of its life (register.conventions.life): express renewals allowed and decided,
    # an early termination agreed by the parties, a notice given by one party.
    express_renewals = fields.IntField(default=0, db_default=0)
    express_renewal_decisions = fields.JSONField(default=list, null=True)
    terminated_on = fields.DateField(null=True)  # the last day in force
    termination_reason = fields.TextField(null=True)
    terminated_by = fields.CharField(max_length=300, null=True)
    notice_given_on = fields.DateField(null=True)
    notice_party = fields.UUIDField(null=True)  # the party that gave notice
    notice_effective_on = fields.DateField(null=True)  # the last day in force
    notice_recorded_by = fields.CharField(max_length=300, null=True)
    # Art. 28(3)(a)-(h) clauses: the checklist (register.conventions.clauses, per clause its
    # status, article and note); the yes/no columns are written from it in the same write.
    clauses = fields.JSONField(default=dict, null=True)
    documented_instructions = fields.BooleanField(default=False)
    staff_confidentiality = fields.BooleanField(default=False)
    assists_data_subject_rights = fields.BooleanField(default=False)
    assists_security_obligations = fields.BooleanField(default=False)
    informs_unlawful_instruction = fields.BooleanField(default=False)
    subprocessor_authorisation = fields.CharEnumField(
        SubprocessorAuthorisation, max_length=16, default=SubprocessorAuthorisation.UNKNOWN
    )
    subprocessor_notice_days = fields.IntField(null=True)
    breach_notice_hours = fields.IntField(null=True)  # None: "without undue delay"
    breach_notice_channels = fields.JSONField(default=list)
    breach_phased_information = fields.BooleanField(default=False)
    breach_lead: fields.ForeignKeyNullableRelation = fields.ForeignKeyField(
        "models.Organisation",
        related_name="led_conventions",
        null=True,
        on_delete=fields.SET_NULL,
    )
    # Art. 26(1)-(2): what a joint controllers' arrangement says of breaches (who notifies the
    # CNIL: breach.fanout) and its essence, shown in each joint controller's record.
    # db_default: the column is added NOT NULL to a table that already holds conventions.
    joint_breach_duty = fields.CharEnumField(
        JointBreachDuty,
        max_length=16,
        default=JointBreachDuty.LEAD_NOTIFIES,
        db_default=JointBreachDuty.LEAD_NOTIFIES.value,
    )
    arrangement_essence = fields.TextField(null=True)
    audit_right = fields.BooleanField(default=False)
    last_audit_at = fields.DateField(null=True)
    end_of_service = fields.CharEnumField(EndOfService, max_length=24, null=True)
    end_of_service_proof = fields.BooleanField(default=False)
    # Days after the end within which the data must be returned or destroyed (None: at the
    # end); the steps done are stored apart (register.conventions.end_of_service_models).
    end_of_service_days = fields.IntField(null=True)
    notes = fields.TextField(null=True)

    parties: fields.ReverseRelation["ConventionParty"]

    class Meta:
        table = "convention"
        ordering = ["title"]

    @staticmethod
    def scope_filter(scope: Scope) -> dict:
        return (
            {} if scope.is_unrestricted else {"parties__organisation_id__in": list(scope.org_ids)}
        )

    @classmethod
    def in_force(cls):
        """The conventions that bind their parties: the only ones any rule may read."""
        return cls.filter(status=ConventionStatus.IN_FORCE)


class ConventionParty(Model):
    id = fields.IntField(primary_key=True)
    convention: fields.ForeignKeyRelation[Convention] = fields.ForeignKeyField(
        "models.Convention",
        related_name="parties",
        on_delete=fields.CASCADE,
    )
    organisation: fields.ForeignKeyRelation = fields.ForeignKeyField(
        "models.Organisation",
        related_name="convention_parties",
        on_delete=fields.RESTRICT,
    )
    role = fields.CharEnumField(PartyRole, max_length=32)

    class Meta:
        table = "convention_party"
        unique_together = (("convention", "organisation"),)

    @classmethod
    def in_force(cls):
        """Parties of conventions in force: roles exist only there."""
        return cls.filter(convention__status=ConventionStatus.IN_FORCE)


async def _parties(convention: Convention) -> list[dict]:
    rows = await ConventionParty.filter(convention_id=convention.id).values_list(
        "organisation_id", "role"
    )
    return sorted(({"organisation_id": str(o), "role": r} for o, r in rows), key=str)


# Journaled in the chain of each party (core.audit.trail), parties included.
journaled_model(
    Convention,
    "convention",
    owner=lambda row: [p["organisation_id"] for p in row["parties"]],
    links={"parties": _parties},
)


class ConventionProposal(Model):
    """A convention, or a change to one, put to the parties the author may not act for.

    A creation proposal points at the convention row (status `proposed`); a change proposal
    carries the whole proposed text in `payload` while the accepted version stays in force.
    """

    id = fields.UUIDField(primary_key=True)
    convention: fields.ForeignKeyRelation[Convention] = fields.ForeignKeyField(
        "models.Convention", related_name="proposals", on_delete=fields.CASCADE
    )
    kind = fields.CharEnumField(ProposalKind, max_length=16)
    status = fields.CharEnumField(ProposalStatus, max_length=16, db_index=True)
    payload = fields.JSONField(null=True)  # change: the proposed convention (ConventionIn)
    base_version = fields.IntField()  # the convention's version the change was made against
    proposed_by = fields.CharField(max_length=300)  # the signed-in actor
    proposed_at = fields.DatetimeField()
    decided_at = fields.DatetimeField(null=True)

    answers: fields.ReverseRelation["ProposalAnswer"]

    class Meta:
        table = "convention_proposal"
        ordering = ["-proposed_at"]


class ProposalAnswer(Model):
    """One party's answer to a proposal: pending until its DPO or administrator answers."""

    id = fields.IntField(primary_key=True)
    proposal: fields.ForeignKeyRelation[ConventionProposal] = fields.ForeignKeyField(
        "models.ConventionProposal", related_name="answers", on_delete=fields.CASCADE
    )
    organisation: fields.ForeignKeyRelation = fields.ForeignKeyField(
        "models.Organisation", related_name="proposal_answers", on_delete=fields.CASCADE
    )
    answer = fields.CharEnumField(PartyAnswer, max_length=16)
    answered_by = fields.CharField(max_length=300, null=True)
    answered_at = fields.DatetimeField(null=True)
    comment = fields.TextField(null=True)

    class Meta:
        table = "convention_proposal_answer"
        unique_together = (("proposal", "organisation"),)
