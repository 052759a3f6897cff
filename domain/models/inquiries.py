"""Inquiries about a stay, whatever their channel, and what became of them (P3.1.1 intake of
needs, P1.2 booking conversion rate)."""

from __future__ import annotations

from tortoise import fields

from domain.models.base import TimestampedModel, money_field


class Inquiry(TimestampedModel):
    """A customer's inquiry about a stay: the needs, who took it (a staff account or a partner
    token, none for a guest's own online search), the guest when known, and its outcome: OPEN,
    CONVERTED into a booking, or LOST with a reason. search_key is set only for an online search
    of a signed-in guest, unique per guest, search and hotel-local day, so a repeated search
    records nothing new."""

    channel = fields.CharField(max_length=10, db_index=True)
    status = fields.CharField(max_length=10, default="OPEN", db_index=True)
    check_in = fields.DateField()
    check_out = fields.DateField()
    guests = fields.IntField()
    room_type = fields.ForeignKeyField(
        "models.RoomType", related_name="inquiries", null=True, on_delete=fields.RESTRICT
    )
    budget_amount = money_field(null=True)
    budget_currency = fields.CharField(max_length=3, null=True)
    notes = fields.TextField(default="")
    taken_by_account_id = fields.IntField(null=True, db_index=True)
    taken_by_token_id = fields.IntField(null=True, db_index=True)
    guest_account_id = fields.IntField(null=True, db_index=True)
    # Erasing a guest's profile (their personal data) leaves the inquiry, anonymous, counted.
    guest = fields.ForeignKeyField(
        "models.GuestProfile", related_name="inquiries", null=True, on_delete=fields.SET_NULL
    )
    member = fields.ForeignKeyField(
        "models.Member", related_name="inquiries", null=True, on_delete=fields.SET_NULL
    )
    booking = fields.ForeignKeyField(
        "models.Booking", related_name="inquiries", null=True, on_delete=fields.SET_NULL
    )
    lost_reason = fields.CharField(max_length=20, null=True)
    lost_note = fields.TextField(default="")
    closed_at = fields.DatetimeField(null=True)
    search_key = fields.CharField(max_length=64, null=True, unique=True)

    class Meta:
        table = "inquiry"
