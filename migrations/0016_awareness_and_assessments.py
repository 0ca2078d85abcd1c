from tortoise import fields, migrations
from tortoise.fields.base import OnDelete
from tortoise.migrations import operations as ops

from core.crypto import EncryptedJSONField, EncryptedTextField
from core.migration_ops import AddColumn

# Issue 15, area B1: awareness and detection moved later keep their first instant, their
# moves with reasons and the overdue mark (breach.breaches.awareness); a decision below the
# ENISA result keeps its justification; every assessment is kept (breach_assessment). New
# columns are nullable: existing rows keep their meaning (never moved, no justification).


class Migration(migrations.Migration):
    dependencies = [("models", "0015_joint_and_shared_systems")]

    initial = False

    operations = [
        AddColumn(
            model_name="Breach",
            name="first_aware_at",
            field=fields.DatetimeField(null=True, auto_now=False, auto_now_add=False),
        ),
        AddColumn(
            model_name="Breach",
            name="aware_moves",
            field=EncryptedJSONField(null=True, unique=False),
        ),
        AddColumn(
            model_name="Breach",
            name="overdue_at",
            field=fields.DatetimeField(null=True, auto_now=False, auto_now_add=False),
        ),
        AddColumn(
            model_name="Breach",
            name="below_band_justification",
            field=EncryptedTextField(null=True, unique=False),
        ),
        AddColumn(
            model_name="Incident",
            name="first_detected_at",
            field=fields.DatetimeField(null=True, auto_now=False, auto_now_add=False),
        ),
        AddColumn(
            model_name="Incident",
            name="detection_later_reasons",
            field=EncryptedTextField(null=True, unique=False),
        ),
        ops.CreateModel(
            name="BreachAssessment",
            fields=[
                (
                    "id",
                    fields.IntField(generated=True, primary_key=True, unique=True, db_index=True),
                ),
                (
                    "breach",
                    fields.ForeignKeyField(
                        "models.Breach",
                        source_field="breach_id",
                        db_constraint=True,
                        to_field="id",
                        related_name="assessment_history",
                        on_delete=OnDelete.CASCADE,
                    ),
                ),
                ("at", fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ("author", fields.CharField(null=True, max_length=400)),
                ("severity_band", fields.CharField(max_length=16)),
                ("assessment", EncryptedJSONField(unique=False)),
            ],
            options={
                "table": "breach_assessment",
                "app": "models",
                "pk_attr": "id",
                "table_description": "One ENISA assessment as it was made: append-only.",
            },
            bases=["Model"],
        ),
    ]
