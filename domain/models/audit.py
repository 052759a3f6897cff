"""The audit trail (P0.3 traceability, P6.2.2 internal audit): append-only entries, each with a
keyed MAC, sealed in batches into a signed hash tree whose roots are archived write-once."""

from __future__ import annotations

from tortoise import fields
from tortoise.models import Model


class AuditEntry(Model):
    """One audited action. The MAC covers the id and every field under a key kept outside the
    database, so an entry cannot be edited or moved without detection."""

    id = fields.IntField(primary_key=True)
    at = fields.DatetimeField()
    actor_kind = fields.CharField(max_length=10)
    actor_id = fields.CharField(max_length=40, null=True)
    action = fields.CharField(max_length=80, db_index=True)
    subject_type = fields.CharField(max_length=60, null=True)
    subject_id = fields.CharField(max_length=60, null=True)
    outcome = fields.CharField(max_length=12)  # SUCCESS | REJECTED | DENIED | ERROR
    detail = fields.TextField(default="")
    request_id = fields.CharField(max_length=40, null=True)
    client_ip = fields.CharField(max_length=64, null=True)
    key_id = fields.CharField(max_length=64, null=True)
    mac = fields.CharField(max_length=64, default="")

    class Meta:
        table = "audit_entry"


class AuditSeal(Model):
    """A sealed batch of audit entries: the Merkle root of their MACs over an id range, linked
    to the previous seal, signed with Ed25519 and archived in tier 1 as a write-once document."""

    id = fields.IntField(primary_key=True)
    number = fields.IntField(unique=True)
    first_entry_id = fields.IntField()
    last_entry_id = fields.IntField()
    entry_count = fields.IntField()
    gaps = fields.JSONField(default=list)
    # Entries written before keyed MACs existed, accepted unkeyed in the first seal only.
    legacy_through = fields.IntField(default=0)
    merkle_root = fields.CharField(max_length=64)
    prev_seal_hash = fields.CharField(max_length=64)
    seal_hash = fields.CharField(max_length=64, unique=True)
    sealed_at = fields.DatetimeField()
    key_id = fields.CharField(max_length=64)
    signature = fields.CharField(max_length=128)
    document = fields.ForeignKeyField(
        "models.Document", related_name="audit_seals", null=True, on_delete=fields.SET_NULL
    )

    class Meta:
        table = "audit_seal"
