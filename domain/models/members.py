"""The loyalty programme beyond the balance: earning lots spent oldest first and expiring, the
uses that consumed them, manual adjustments (some waiting for approval) and the tier history
(P3.1.2 points, P3.1.10 tiers on spend and nights)."""

from __future__ import annotations

from tortoise import fields

from domain.models.base import TimestampedModel, money_field


class PointsLot(TimestampedModel):
    """Points earned (or credited) at one moment, spent and expired oldest first. The sum of
    the remaining amounts of a member's lots equals the member's balance."""

    member = fields.ForeignKeyField(
        "models.Member", related_name="points_lots", on_delete=fields.RESTRICT
    )
    earned_at = fields.DatetimeField()
    expires_at = fields.DatetimeField(db_index=True)
    original = fields.IntField()
    remaining = fields.IntField()
    source = fields.CharField(max_length=20)  # EARN | ADJUST | OPENING
    booking_id = fields.IntField(null=True)
    entry_id = fields.IntField(null=True)
    # Set when the expiry warning was sent (claimed by a conditional update: sent once).
    warned_at = fields.DatetimeField(null=True)
    expired_at = fields.DatetimeField(null=True)

    class Meta:
        table = "points_lot"
        indexes = (("member_id", "earned_at"),)


class PointsUse(TimestampedModel):
    """How much of one lot a debit (a redemption, an adjustment, an expiry) consumed, so a
    returned redemption goes back to the lots it came from."""

    lot = fields.ForeignKeyField("models.PointsLot", related_name="uses", on_delete=fields.RESTRICT)
    entry_id = fields.IntField(db_index=True)
    booking_id = fields.IntField(null=True, db_index=True)
    amount = fields.IntField()
    returned = fields.IntField(default=0)

    class Meta:
        table = "points_use"


class PointsAdjustment(TimestampedModel):
    """A manual change of a balance by staff with its reason, applied at once or, above the
    approval limit, when its approval request is approved."""

    member = fields.ForeignKeyField(
        "models.Member", related_name="points_adjustments", on_delete=fields.RESTRICT
    )
    delta = fields.IntField()
    reason = fields.TextField()
    status = fields.CharField(max_length=20)  # APPLIED | PENDING_APPROVAL | REJECTED | FAILED
    requested_by_account_id = fields.IntField(null=True)
    approval_id = fields.IntField(null=True, unique=True)
    applied_at = fields.DatetimeField(null=True)
    outcome = fields.CharField(max_length=200, default="")

    class Meta:
        table = "points_adjustment"


class TierChange(TimestampedModel):
    """One move of a member between tiers, with the reason and the figures it was decided on."""

    member = fields.ForeignKeyField(
        "models.Member", related_name="tier_changes", on_delete=fields.RESTRICT
    )
    from_tier = fields.CharField(max_length=20)
    to_tier = fields.CharField(max_length=20)
    reason = fields.CharField(max_length=20)  # UPGRADE | YEARLY_REVIEW
    spend = money_field()
    nights = fields.IntField()
    period_start = fields.DateField()
    period_end = fields.DateField()

    class Meta:
        table = "tier_change"
