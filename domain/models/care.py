"""The annual customer-care plan (P3.1.11): themed campaigns (birthday greetings, holiday
perks) planned weeks ahead, and one delivery record per member and campaign."""

from __future__ import annotations

from tortoise import fields

from domain.models.base import TimestampedModel


class CareCampaign(TimestampedModel):
    """A themed care activity. A dated campaign sends on run_on, a birthday campaign covers
    run_on to ends_on and greets each member on their birthday inside that period."""

    kind = fields.CharField(max_length=12, db_index=True)
    name = fields.CharField(max_length=120)
    message = fields.TextField()
    perk = fields.CharField(max_length=200, default="")
    # The text in other languages, by language (en, zh-CN): {"zh-CN": {"name": ..., "message":
    # ..., "perk": ...}}. A member whose account reads one of them gets it, others the above.
    translations = fields.JSONField(default=dict, null=True)  # null: campaigns planned before it
    run_on = fields.DateField(db_index=True)
    ends_on = fields.DateField(db_index=True)
    status = fields.CharField(max_length=12, default="PLANNED")
    planned_by_account_id = fields.IntField(null=True)

    class Meta:
        table = "care_campaign"


class CareDelivery(TimestampedModel):
    """One member's greeting of one campaign: written set-based on the sending day (unique per
    member and campaign, so a rerun adds nothing), then handed to the outbox once."""

    campaign = fields.ForeignKeyField(
        "models.CareCampaign", related_name="deliveries", on_delete=fields.RESTRICT
    )
    member_id = fields.IntField(db_index=True)
    send_on = fields.DateField()
    status = fields.CharField(max_length=10, default="PENDING", db_index=True)
    channel = fields.CharField(max_length=8, null=True)
    sent_at = fields.DatetimeField(null=True)

    class Meta:
        table = "care_delivery"
        unique_together = (("campaign", "member_id"),)
