"""Durable messages: the transactional outbox (events for other systems, e.g. the PMS) and the
viewer's notifications. Jobs deliver what is due from these tables, so a lost or repeated run
loses and doubles nothing."""

from __future__ import annotations

from tortoise import fields

from domain.models.base import TimestampedModel
from domain.personal_data.fields import EncryptedJSONField


class OutboxEvent(TimestampedModel):
    topic = fields.CharField(max_length=80, db_index=True)
    destination = fields.CharField(max_length=40)  # e.g. PMS_WEBHOOK, EMAIL, SMS
    # Recipients, guest names and voucher codes: encrypted at rest (P6.1.2).
    payload = EncryptedJSONField()
    status = fields.CharField(max_length=12, default="PENDING", db_index=True)
    attempts = fields.IntField(default=0)
    next_attempt_at = fields.DatetimeField(null=True)
    last_error = fields.TextField(default="")
    delivered_at = fields.DatetimeField(null=True)
    # A worker claims an event until this time so two workers never send it twice.
    locked_until = fields.DatetimeField(null=True)

    class Meta:
        table = "outbox_event"


class Notification(TimestampedModel):
    """Something the viewer should see: a task assigned, an approval waiting, a deadline near."""

    account = fields.ForeignKeyField("models.Account", related_name="notifications")
    kind = fields.CharField(max_length=40)
    title = fields.CharField(max_length=200)
    body = fields.TextField(default="")
    subject_type = fields.CharField(max_length=60, null=True)
    subject_id = fields.CharField(max_length=60, null=True)
    read_at = fields.DatetimeField(null=True)

    class Meta:
        table = "notification"


class IdempotencyRecord(TimestampedModel):
    """A client's idempotency key with the input it came with and the result it produced."""

    scope = fields.CharField(max_length=80)
    key = fields.CharField(max_length=120)
    request_hash = fields.CharField(max_length=64)
    result_ref = fields.CharField(max_length=80, null=True)
    expires_at = fields.DatetimeField()

    class Meta:
        table = "idempotency_record"
        unique_together = (("scope", "key"),)
