"""Compliance records (P6.1.2, P6.1.3, P6.1.4; PIPL Arts. 38-40): the partners guest data may
go to, with their country and the security assessments of transfers abroad, and the staff's
data-protection training."""

from __future__ import annotations

from enum import StrEnum

from tortoise import fields

from domain.models.base import TimestampedModel


class AssessmentResult(StrEnum):
    PASSED = "PASSED"
    FAILED = "FAILED"


class Partner(TimestampedModel):
    """An outside organisation that receives guest data (an OTA, a travel agency, a channel
    manager), in the country where it processes the data."""

    name = fields.CharField(max_length=120)
    country = fields.CharField(max_length=2)  # ISO 3166-1 alpha-2
    registered_by_account_id = fields.IntField(null=True)

    class Meta:
        table = "partner"


class PartnerToken(TimestampedModel):
    """That a partner API token belongs to a partner: what the token reads leaves to it."""

    partner = fields.ForeignKeyField(
        "models.Partner", related_name="tokens", on_delete=fields.RESTRICT
    )
    api_token_id = fields.IntField(unique=True)

    class Meta:
        table = "partner_token"


class SecurityAssessment(TimestampedModel):
    """A security assessment of transferring personal data to a partner abroad (PIPL Art. 38-40):
    when, by whom, the result, until when it holds and where its report is kept."""

    partner = fields.ForeignKeyField(
        "models.Partner", related_name="assessments", on_delete=fields.RESTRICT
    )
    assessed_on = fields.DateField()
    assessor = fields.CharField(max_length=200)
    result = fields.CharField(max_length=10)
    valid_until = fields.DateField()
    document_reference = fields.CharField(max_length=200)
    recorded_by_account_id = fields.IntField(null=True)

    class Meta:
        table = "security_assessment"


class ComplianceTraining(TimestampedModel):
    """A staff member completed data-protection training on a day, which holds until valid_until
    (P6.1.4). Kept apart from the improvement area's TrainingRecord, which acknowledges one
    policy change once and never lapses."""

    account_id = fields.IntField(db_index=True)
    topic = fields.CharField(max_length=200)
    completed_on = fields.DateField()
    valid_until = fields.DateField(db_index=True)
    recorded_by_account_id = fields.IntField(null=True)

    class Meta:
        table = "compliance_training"


class ComplianceTrainingReminder(TimestampedModel):
    """One reminder per staff member and lapse (`lapse_key`: the day their last training ran
    out, or NEVER for someone never trained), so a rerun of the job reminds no one
    twice."""

    account_id = fields.IntField()
    lapse_key = fields.CharField(max_length=20)

    class Meta:
        table = "compliance_training_reminder"
        unique_together = (("account_id", "lapse_key"),)
