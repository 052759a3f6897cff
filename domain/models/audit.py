"""The audit trail (P0.3 traceability, P6.2.2 internal audit): append-only, hash-chained."""

from __future__ import annotations

from tortoise import fields
from tortoise.models import Model


class AuditEntry(Model):
    id = fields.IntField(primary_key=True)
    seq = fields.IntField(unique=True)
    at = fields.DatetimeField()
    actor_kind = fields.CharField(max_length=10)
    actor_id = fields.CharField(max_length=40, null=True)
    action = fields.CharField(max_length=80, db_index=True)
    subject_type = fields.CharField(max_length=60, null=True)
    subject_id = fields.CharField(max_length=60, null=True)
    outcome = fields.CharField(max_length=12)  # SUCCESS | REJECTED | DENIED
    detail = fields.TextField(default="")
    request_id = fields.CharField(max_length=40, null=True)
    client_ip = fields.CharField(max_length=64, null=True)
    prev_hash = fields.CharField(max_length=64)
    hash = fields.CharField(max_length=64)

    class Meta:
        table = "audit_entry"


class AuditChainHead(Model):
    """Single row: the sequence number and hash of the newest entry. Updating it first in every
    appending transaction serialises appends on both PostgreSQL and SQLite, so the chain never
    forks under concurrent mutations."""

    id = fields.IntField(primary_key=True)
    seq = fields.IntField(default=0)
    last_hash = fields.CharField(max_length=64)

    class Meta:
        table = "audit_chain_head"
