"""The tiered document archive as rows: documents with their archive evidence, the per-day
number sequence of document names, download grants, the monthly seals of work records and
the replica checks (P3.2.1 to P3.2.5, P6.1.3)."""

from __future__ import annotations

from tortoise import fields

from domain.models.base import TimestampedModel


class Document(TimestampedModel):
    """An archived document. The content lives encrypted in the archive under storage_key, the
    row keeps its name, tier, checksums and key id as evidence. Rows are never removed: a
    deleted or purged document stays as a tombstone that says what was removed and when."""

    archive_id = fields.CharField(max_length=32, unique=True)
    name = fields.CharField(max_length=120, unique=True)
    subject = fields.CharField(max_length=200)
    number = fields.IntField()
    document_date = fields.DateField(db_index=True)
    tier = fields.IntField(db_index=True)
    kind = fields.CharField(max_length=20, db_index=True)
    description = fields.TextField(default="")
    original_filename = fields.CharField(max_length=255, default="")
    content_type = fields.CharField(max_length=120)
    size = fields.BigIntField()
    sha256 = fields.CharField(max_length=64)
    ciphertext_size = fields.BigIntField()
    ciphertext_sha256 = fields.CharField(max_length=64)
    storage_key = fields.CharField(max_length=300, unique=True)
    kek_id = fields.CharField(max_length=64)
    stores = fields.JSONField(default=list)
    retain_until = fields.DatetimeField(null=True, db_index=True)
    status = fields.CharField(max_length=10, default="ACTIVE", db_index=True)
    legal_review_status = fields.CharField(max_length=14, default="NOT_REQUIRED")
    legal_reviewed_by_account_id = fields.IntField(null=True)
    legal_reviewed_at = fields.DatetimeField(null=True)
    legal_review_comment = fields.TextField(default="")
    uploaded_by_account_id = fields.IntField(null=True, db_index=True)
    uploaded_by_ref = fields.CharField(max_length=40, null=True)
    related_subject_type = fields.CharField(max_length=40, null=True)
    related_subject_id = fields.CharField(max_length=60, null=True)
    archived_at = fields.DatetimeField(null=True)
    archive_seal = fields.ForeignKeyField(
        "models.WorkRecordSeal", related_name="documents", null=True, on_delete=fields.RESTRICT
    )
    removed_at = fields.DatetimeField(null=True)
    removed_by_ref = fields.CharField(max_length=40, null=True)
    removal_reason = fields.TextField(default="")

    class Meta:
        table = "document"
        indexes = (("related_subject_type", "related_subject_id"),)


class DocumentSequence(TimestampedModel):
    """The last number handed out for document names of one hotel-local day. Incremented by a
    conditional UPDATE in its own transaction, so two uploads never get the same number."""

    day = fields.DateField(unique=True)
    last_number = fields.IntField(default=0)

    class Meta:
        table = "document_sequence"


class DownloadGrant(TimestampedModel):
    """One issued download link: which account may fetch which document until when, and why.
    Every use is counted here and written to the audit trail with the purpose."""

    document = fields.ForeignKeyField(
        "models.Document", related_name="download_grants", on_delete=fields.RESTRICT
    )
    account_id = fields.IntField(db_index=True)
    purpose = fields.TextField()
    expires_at = fields.DatetimeField()
    use_count = fields.IntField(default=0)
    last_used_at = fields.DatetimeField(null=True)

    class Meta:
        table = "document_download_grant"


class WorkRecordSeal(TimestampedModel):
    """The monthly archiving of tier 3 work records: one index document listing every record of
    the month with its checksum, stored in the archive under the same retention."""

    period = fields.CharField(max_length=7)
    part = fields.IntField(default=1)
    status = fields.CharField(max_length=10, default="SEALING")
    record_count = fields.IntField(default=0)
    index_document_id = fields.IntField(null=True)
    sealed_at = fields.DatetimeField(null=True)

    class Meta:
        table = "work_record_seal"
        unique_together = (("period", "part"),)


class ReplicaCheck(TimestampedModel):
    """One comparison of the primary and backup copies of every archived document, with what
    was wrong, what was repaired and what needs a person."""

    deep = fields.BooleanField(default=True)
    checked = fields.IntField(default=0)
    problems = fields.JSONField(default=list)
    repaired = fields.JSONField(default=list)
    failed = fields.JSONField(default=list)
    started_by_ref = fields.CharField(max_length=40, null=True)
    finished_at = fields.DatetimeField(null=True)

    class Meta:
        table = "replica_check"
