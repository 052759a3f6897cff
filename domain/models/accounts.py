"""Single-use, expiring account tokens: a guest's pending sign-up until the e-mail address is
verified, a password reset, and a booking-history claim (issue 9 item 0, P6.1.2). Only each
token's SHA-256 is kept, and what a token carries (the pending account, the claimed address) is
encrypted."""

from __future__ import annotations

from enum import StrEnum

from tortoise import fields

from domain.models.base import TimestampedModel
from domain.personal_data.fields import EncryptedJSONField


class AccountTokenPurpose(StrEnum):
    SIGN_UP = "SIGN_UP"  # verifies the e-mail address of a pending sign-up
    RESET_PASSWORD = "RESET_PASSWORD"
    CLAIM_BOOKINGS = "CLAIM_BOOKINGS"  # proves an e-mail address or phone number of bookings


class AccountToken(TimestampedModel):
    """One token sent by e-mail or text message, usable once and until it expires.

    used_at is set by a conditional update, so two concurrent uses have one winner."""

    purpose = fields.CharField(max_length=16)
    token_hash = fields.CharField(max_length=64, unique=True)
    # The account it acts on (a reset, a claim) - null for a sign-up, whose account is created
    # only when its address is verified.
    account_id = fields.IntField(null=True, db_index=True)
    # What the token carries: the pending sign-up, or the channel and contact of a claim.
    details = EncryptedJSONField(null=True)
    expires_at = fields.DatetimeField(db_index=True)
    used_at = fields.DatetimeField(null=True)

    class Meta:
        table = "account_token"
