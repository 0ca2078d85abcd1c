"""Every ENISA assessment of a breach, kept with its author and time, and the level of risk the
latest one points to: a decision below it must say why (EDPB 9/2022 §III.B, art. 33(5)).

The breach row keeps the current assessment (breach.breaches.service.assess); this table keeps
them all, the current one included, encrypted like it: the adjustments carry the DPO's
justifications. Read by the controller's people only (breach.breaches.visibility withholds
`assessments` from the source side).
"""

from collections import defaultdict
from datetime import datetime
from uuid import UUID

from tortoise import fields
from tortoise.models import Model

from breach.breaches.models import Breach
from breach.breaches.schemas import AssessmentRecordOut
from breach.enums import RiskLevel
from core.audit.trail import journaled_model, record_created
from core.crypto import EncryptedJSONField

# The ENISA result, as the level of risk it points to (breach.assessment: the bands and the
# recommendation after the art. 9/10 floor).
RISK_BY_BAND = {
    "low": RiskLevel.UNLIKELY,
    "medium": RiskLevel.RISK,
    "high": RiskLevel.HIGH,
    "very_high": RiskLevel.HIGH,
}
RISK_BY_RECOMMENDATION = {
    "document_only": RiskLevel.UNLIKELY,
    "notify_cnil": RiskLevel.RISK,
    "notify_cnil_and_inform": RiskLevel.HIGH,
}
RISK_RANK = {RiskLevel.UNLIKELY: 0, RiskLevel.RISK: 1, RiskLevel.HIGH: 2}


class BreachAssessment(Model):
    """One ENISA assessment as it was made: append-only."""

    id = fields.IntField(primary_key=True)
    breach: fields.ForeignKeyRelation = fields.ForeignKeyField(
        "models.Breach", related_name="assessment_history", on_delete=fields.CASCADE
    )
    at = fields.DatetimeField()
    author = fields.CharField(max_length=400, null=True)  # core.actor.signed_by
    severity_band = fields.CharField(max_length=16)
    # Inputs and result, as stored on the breach (breach.breaches.service.assess).
    assessment = EncryptedJSONField()

    class Meta:
        table = "breach_assessment"
        ordering = ["id"]


# The controller's record (art. 33(5)), journaled in its chain; the assessment as a digest.
journaled_model(
    BreachAssessment,
    "breach_assessment",
    owner=lambda row: Breach.filter(id=row["breach_id"]).values_list("controller_id", flat=True),
    digest=["assessment"],
)


def band_risk(assessment: dict | None) -> RiskLevel | None:
    """The level of risk the stored assessment points to, or None before any assessment."""
    if not assessment:
        return None
    levels = [
        RISK_BY_BAND.get(assessment.get("band", "")),
        RISK_BY_RECOMMENDATION.get(assessment.get("recommendation", "")),
    ]
    known = [level for level in levels if level is not None]
    return max(known, key=RISK_RANK.__getitem__) if known else None


def below_band(risk_level: RiskLevel, assessment: dict | None) -> RiskLevel | None:
    """The level the assessment points to when `risk_level` is below it, else None."""
    expected = band_risk(assessment)
    if expected is None or RISK_RANK[risk_level] >= RISK_RANK[expected]:
        return None
    return expected


async def record(breach_id: UUID, stored: dict, *, at: datetime, author: str | None) -> None:
    """Keep one assessment (inside the step's transaction), journaled as created."""
    made = await BreachAssessment.create(
        breach_id=breach_id,
        at=at,
        author=author,
        severity_band=stored["band"],
        assessment=stored,
    )
    await record_created(BreachAssessment, made.id)


async def histories(breaches: list[Breach]) -> dict[UUID, list[AssessmentRecordOut]]:
    """The assessments of several breaches, oldest first, in one query. A breach assessed
    before this table existed shows its current assessment, without an author."""
    found: dict[UUID, list[AssessmentRecordOut]] = defaultdict(list)
    rows = await BreachAssessment.filter(breach_id__in=[b.id for b in breaches]).order_by("id")
    for row in rows:
        found[row.breach_id].append(_record(row.at, row.author, row.severity_band, row.assessment))
    for breach in breaches:
        if breach.id not in found and breach.assessment and breach.assessed_at:
            found[breach.id].append(
                _record(breach.assessed_at, None, breach.severity_band or "", breach.assessment)
            )
    return found


def _record(at: datetime, author: str | None, band: str, stored: dict) -> AssessmentRecordOut:
    return AssessmentRecordOut(
        at=at,
        author=author,
        severity_band=band,
        se=str(stored.get("se", "")),
        band_label=str(stored.get("band_label", "")),
        recommendation_label=str(stored.get("recommendation_label", "")),
        assessment=stored,
    )
