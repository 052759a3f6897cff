"""When each background job last ran and how it ended (issue 12: job lag is observable): one row
per job name, shared by every worker process and the in-process runner, so an operator sees a
job that stopped running whichever process should have run it."""

from __future__ import annotations

from tortoise import fields
from tortoise.models import Model


class JobRun(Model):
    """The latest outcome of one job. Errors keep only the exception's type: a job's message
    may quote personal data."""

    name = fields.CharField(max_length=80, primary_key=True)
    last_ok_at = fields.DatetimeField(null=True)
    last_failed_at = fields.DatetimeField(null=True)
    last_error = fields.CharField(max_length=120, default="")
    last_seconds = fields.FloatField(default=0)
    runs = fields.BigIntField(default=0)
    failures = fields.BigIntField(default=0)

    class Meta:
        table = "job_run"
