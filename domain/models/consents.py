"""The consent ledger: every grant and withdrawal of a person's consent to one purpose, and the
current answer per person and purpose (P6.1.3, PIPL Arts. 13-14)."""

from __future__ import annotations

from enum import StrEnum

from tortoise import fields

from domain.models.base import TimestampedModel


class ConsentPurpose(StrEnum):
    """What a person agrees to. Processing for a purpose needs its current consent."""

    PRIVACY_NOTICE = "PRIVACY_NOTICE"  # the account's privacy notice, accepted at sign-up
    BOOKING = "BOOKING"
    MEMBERSHIP = "MEMBERSHIP"  # the membership terms
    MARKETING = "MARKETING"  # care greetings, offers, campaigns
    PARTNER_SHARING = "PARTNER_SHARING"
    CROSS_BORDER = "CROSS_BORDER"


class ConsentRecord(TimestampedModel):
    """One grant or withdrawal, never changed afterwards: the evidence of what a person agreed
    to, which notice version they saw, when, through which channel and who recorded it."""

    subject_key = fields.CharField(max_length=24, db_index=True)
    account_id = fields.IntField(null=True)
    member_id = fields.IntField(null=True)
    purpose = fields.CharField(max_length=24)
    granted = fields.BooleanField()
    notice_version = fields.CharField(max_length=40)
    channel = fields.CharField(max_length=16)
    recorded_by_account_id = fields.IntField(null=True)
    request_id = fields.CharField(max_length=64, null=True)

    class Meta:
        table = "consent_record"


class ConsentState(TimestampedModel):
    """The current answer per person and purpose (the latest ledger row), kept in step with the
    ledger in the same transaction so set-based sweeps can join on it."""

    subject_key = fields.CharField(max_length=24)
    account_id = fields.IntField(null=True, db_index=True)
    member_id = fields.IntField(null=True, db_index=True)
    purpose = fields.CharField(max_length=24)
    granted = fields.BooleanField()
    notice_version = fields.CharField(max_length=40)
    channel = fields.CharField(max_length=16)
    changed_at = fields.DatetimeField()

    class Meta:
        table = "consent_state"
        unique_together = (("subject_key", "purpose"),)
