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
