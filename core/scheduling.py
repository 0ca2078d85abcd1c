"""What the scheduler tells the rest of the instance: who leads and when it last ran."""

from tortoise import fields
from tortoise.models import Model


class SchedulerState(Model):
    """One row per instance (name 'scheduler'), written by the leader at each run and read
    by /healthz and the dashboard to show that reminders are being looked after."""

    name = fields.CharField(max_length=32, primary_key=True)
    leader = fields.CharField(max_length=200)
    leader_since = fields.DatetimeField()
    last_run_at = fields.DatetimeField(null=True)
    last_run_seconds = fields.FloatField(null=True)
    last_error = fields.TextField(null=True)

    class Meta:
        table = "scheduler_state"


# Lateness is kept for the last hour: /metrics reads it, the scheduler's polls prune it.
LATENESS_WINDOW_SECONDS = 3600


class ReminderLateness(Model):
    """How late each breach reminder was written by the scheduler, kept for an hour.

    One row per reminder: a time and a number of seconds, nothing that names a breach or a
    person. Read by /metrics (rgpd_reminder_lateness_seconds)."""

    id = fields.BigIntField(primary_key=True)
    written_at = fields.DatetimeField(db_index=True)
    seconds = fields.FloatField(
        description="Written at, minus the stage's moment or the breach's last change if later"
    )

    class Meta:
        table = "reminder_lateness"
