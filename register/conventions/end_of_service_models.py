"""What was done with a controller's data at the end of a processor convention (art. 28(3)(g)).

Only the steps done are stored, one row each, dated: the due dates are derived from the
convention's end each time they are read (register.conventions.end_of_service).
"""

from tortoise import fields

from core.audit.trail import journaled_model
from core.models import VersionedModel
from core.scope import Scope
from register.conventions.models import ConventionParty
from register.enums import PROCESSOR_ROLES, EndOfServiceStep


class EndOfServiceRecord(VersionedModel):
    """One step done for one controller of a convention: returned, destroyed, proof, archived."""

    # RESTRICT: a convention whose end of service is on record cannot vanish with it.
    convention: fields.ForeignKeyRelation = fields.ForeignKeyField(
        "models.Convention", related_name="end_of_service_records", on_delete=fields.RESTRICT
    )
    controller: fields.ForeignKeyRelation = fields.ForeignKeyField(
        "models.Organisation", related_name="end_of_service_records", on_delete=fields.RESTRICT
    )
    step = fields.CharEnumField(EndOfServiceStep, max_length=16)
    done_on = fields.DateField()
    how = fields.TextField(null=True)  # returned: the means and format
    done_by = fields.CharField(max_length=300, null=True)  # destroyed: by whom
    reference = fields.CharField(max_length=300, null=True)  # proof: its reference
    document_id = fields.UUIDField(null=True)  # proof: a document attached to the convention
    legal_ground = fields.TextField(null=True)  # archived: the rule that keeps or sorts them
    recorded_by = fields.CharField(max_length=400)  # the signed-in actor

    class Meta:
        table = "end_of_service_record"
        unique_together = (("convention", "controller", "step"),)
        ordering = ["done_on"]

    @staticmethod
    def scope_filter(scope: Scope) -> dict:
        if scope.is_unrestricted:
            return {}
        return {"convention__parties__organisation_id__in": list(scope.org_ids)}


async def _owners(row: dict) -> list[str]:
    """The controller's chain and each processor's of the convention."""
    processors = await ConventionParty.filter(
        convention_id=row["convention_id"], role__in=list(PROCESSOR_ROLES)
    ).values_list("organisation_id", flat=True)
    return [row["controller_id"], *(str(p) for p in processors)]


journaled_model(EndOfServiceRecord, "end_of_service_record", owner=_owners)
