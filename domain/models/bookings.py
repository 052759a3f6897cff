"""Rooms, rates, the inventory calendar, guests and members, and room bookings with the nights
they hold, their refunds and their change requests (P3.1.1 to P3.1.5)."""

from __future__ import annotations

from tortoise import fields
from tortoise.models import Model

from domain import personal_data
from domain.models.base import TimestampedModel, money_field
from domain.personal_data.fields import EncryptedTextField


class RoomType(TimestampedModel):
    """A kind of room the hotel sells, with its capacity in guests and its base nightly rate."""

    code = fields.CharField(max_length=20, unique=True)
    name = fields.CharField(max_length=120)
    description = fields.TextField(default="")
    capacity = fields.IntField()
    base_rate = money_field()
    currency = fields.CharField(max_length=3, default="CNY")
    is_active = fields.BooleanField(default=True)

    class Meta:
        table = "room_type"


class Room(TimestampedModel):
    """A physical room. current_booking_id is set while a guest is checked in."""

    number = fields.CharField(max_length=10, unique=True)
    room_type = fields.ForeignKeyField(
        "models.RoomType", related_name="rooms", on_delete=fields.RESTRICT
    )
    floor = fields.IntField(default=1)
    is_active = fields.BooleanField(default=True)
    current_booking_id = fields.IntField(null=True)

    class Meta:
        table = "room"


class NightlyRate(TimestampedModel):
    """The price of one night of a room type on a local date (overrides the base rate)."""

    room_type = fields.ForeignKeyField(
        "models.RoomType", related_name="nightly_rates", on_delete=fields.RESTRICT
    )
    date = fields.DateField()
    amount = money_field()

    class Meta:
        table = "nightly_rate"
        unique_together = (("room_type", "date"),)


class InventoryNight(TimestampedModel):
    """Sellable rooms of a type on a local date. Allocation is a conditional UPDATE of sold,
    guarded by sold below capacity, so the hotel can never be overbooked. No row means the
    night is not on sale."""

    room_type = fields.ForeignKeyField(
        "models.RoomType", related_name="inventory_nights", on_delete=fields.RESTRICT
    )
    date = fields.DateField()
    capacity = fields.IntField()
    sold = fields.IntField(default=0)

    class Meta:
        table = "inventory_night"
        unique_together = (("room_type", "date"),)


class GuestProfile(TimestampedModel):
    """A person who stays. Non-members get a temporary profile per booking (P3.1.2), members a
    permanent one. Blacklisted profiles send matching bookings to staff review. Name, phone,
    e-mail and identity document are encrypted (P6.1.2), found by their keyed blind indexes."""

    full_name = EncryptedTextField()
    phone = EncryptedTextField(null=True)
    email = EncryptedTextField(null=True)
    id_document_number = EncryptedTextField(null=True)
    phone_index = fields.CharField(max_length=32, null=True, db_index=True)
    email_index = fields.CharField(max_length=32, null=True, db_index=True)
    id_document_index = fields.CharField(max_length=32, null=True, db_index=True)
    search_terms = fields.TextField(null=True, default="")
    is_temporary = fields.BooleanField(default=True)
    blacklisted = fields.BooleanField(default=False)
    blacklist_reason = fields.TextField(default="")

    class Meta:
        table = "guest_profile"

    def refresh_indexes(self) -> None:
        """Recompute the blind indexes and search terms from the plaintext attributes."""
        for name, (kind, column) in GUEST_INDEXES.items():
            setattr(self, column, personal_data.blind_index(kind, getattr(self, name)))
        self.search_terms = personal_data.search_terms(
            word
            for name, kind in GUEST_SEARCHED.items()
            for word in personal_data.words_of(kind, getattr(self, name))
        )

    async def save(
        self, using_db=None, update_fields=None, force_create=False, force_update=False
    ) -> None:
        # Indexes follow the plaintext on every save, so they can never describe other values.
        self.refresh_indexes()
        if update_fields is not None and set(update_fields) & _GUEST_PERSONAL:
            update_fields = [*update_fields, *_GUEST_DERIVED]
        await super().save(using_db, update_fields, force_create, force_update)


# Encrypted guest fields with an equality lookup: field -> (kind of data, blind index column).
GUEST_INDEXES = {
    "phone": ("phone", "phone_index"),
    "email": ("email", "email_index"),
    "id_document_number": ("id_document", "id_document_index"),
}
# Fields staff search guests by: field -> kind of data (how it splits into words).
GUEST_SEARCHED = {"full_name": "name", "email": "email", "phone": "phone"}
_GUEST_PERSONAL = {"full_name", "phone", "email", "id_document_number"}
_GUEST_DERIVED = (*(column for _, column in GUEST_INDEXES.values()), "search_terms")


class Member(TimestampedModel):
    """A loyalty member with a points balance that never goes below zero."""

    member_number = fields.CharField(max_length=20, unique=True)
    tier = fields.CharField(max_length=20, default="STANDARD")
    points_balance = fields.IntField(default=0)
    guest_profile = fields.OneToOneField(
        "models.GuestProfile", related_name="member", on_delete=fields.RESTRICT
    )
    is_active = fields.BooleanField(default=True)
    # Month and day only: enough for birthday care (P3.1.11) in the hotel's calendar, and
    # plain so a sweep can select the day's members in SQL without decrypting profiles.
    birth_month = fields.SmallIntField(null=True)
    birth_day = fields.SmallIntField(null=True)
    # The yearly tier review falls on this day (a year after the last tier change, P3.1.10).
    tier_review_on = fields.DateField(null=True, db_index=True)

    class Meta:
        table = "member"


class PointsEntry(TimestampedModel):
    """One movement of a member points balance: reserved for a booking, returned, adjusted."""

    member = fields.ForeignKeyField(
        "models.Member", related_name="points_entries", on_delete=fields.RESTRICT
    )
    delta = fields.IntField()
    kind = fields.CharField(max_length=20)  # RESERVE | RETURN | ADJUST | EARN | EXPIRE
    booking_id = fields.IntField(null=True, db_index=True)
    note = fields.CharField(max_length=200, default="")

    class Meta:
        table = "points_entry"


class BookingTally(Model):
    """How many bookings exist, kept by the database itself (PostgreSQL triggers on `booking`,
    migration 0028) in a few rows summed on reading, so the unfiltered `totalCount` of the
    booking list costs the same at a million bookings as at ten (issue 12). A row per shard:
    each connection adds to its own (backend pid modulo the shard count), so concurrent
    bookings do not queue on one counter row."""

    shard = fields.SmallIntField(primary_key=True, generated=False)
    bookings = fields.BigIntField(default=0)

    class Meta:
        table = "booking_tally"


class Booking(TimestampedModel):
    """A room booking. The nights it holds are BookingNight rows, each counted once in the
    sold column of its inventory night."""

    number = fields.CharField(max_length=20, unique=True)
    status = fields.CharField(max_length=16, db_index=True)
    channel = fields.CharField(max_length=10, db_index=True)
    room_type = fields.ForeignKeyField(
        "models.RoomType", related_name="bookings", on_delete=fields.RESTRICT
    )
    room = fields.ForeignKeyField(
        "models.Room", related_name="bookings", null=True, on_delete=fields.SET_NULL
    )
    check_in = fields.DateField(db_index=True)
    # The language the guest's vouchers and e-mails are written in (en, zh-CN).
    language = fields.CharField(max_length=10, default="en")
    check_out = fields.DateField()
    guests = fields.IntField()
    nights = fields.IntField()
    guest = fields.ForeignKeyField(
        "models.GuestProfile", related_name="bookings", on_delete=fields.RESTRICT
    )
    # Indexed: a member's history, tiers, earning and the monthly analysis all start here.
    member = fields.ForeignKeyField(
        "models.Member",
        related_name="bookings",
        null=True,
        on_delete=fields.SET_NULL,
        db_index=True,
    )
    special_requests = fields.TextField(default="")
    gross_amount = money_field()
    points_redeemed = fields.IntField(default=0)
    points_value = money_field(default=0)
    total_amount = money_field()
    currency = fields.CharField(max_length=3)
    terms_version = fields.CharField(max_length=20)
    review_reason = fields.CharField(max_length=200, default="")
    voucher_code = fields.CharField(max_length=80, null=True)
    voucher_issued_at = fields.DatetimeField(null=True)
    created_by_account_id = fields.IntField(null=True, db_index=True)
    created_by_token_id = fields.IntField(null=True, db_index=True)
    # The guest account that claimed this booking by proving the guest's e-mail or phone
    # (a phone booking made before the account existed): the guest then sees it as their own.
    claimed_by_account_id = fields.IntField(null=True, db_index=True)
    confirmed_at = fields.DatetimeField(null=True)
    confirmed_by_account_id = fields.IntField(null=True)
    cancelled_at = fields.DatetimeField(null=True)
    cancel_reason = fields.TextField(default="")
    checked_in_at = fields.DatetimeField(null=True)
    checked_out_at = fields.DatetimeField(null=True)
    no_show_at = fields.DatetimeField(null=True)
    updated_at = fields.DatetimeField(null=True)
    version = fields.IntField(default=1)

    class Meta:
        table = "booking"


class BookingNight(TimestampedModel):
    """One night a booking holds, with the rate it was priced at."""

    booking = fields.ForeignKeyField(
        "models.Booking", related_name="held_nights", on_delete=fields.RESTRICT
    )
    room_type = fields.ForeignKeyField(
        "models.RoomType", related_name="booking_nights", on_delete=fields.RESTRICT
    )
    date = fields.DateField()
    amount = money_field()

    class Meta:
        table = "booking_night"
        unique_together = (("booking", "date"),)


class Refund(TimestampedModel):
    """Money owed back to a guest after a cancellation or no-show, for Finance to settle."""

    booking = fields.ForeignKeyField(
        "models.Booking", related_name="refunds", on_delete=fields.RESTRICT
    )
    kind = fields.CharField(max_length=20)  # CANCELLATION | NO_SHOW
    rule = fields.CharField(max_length=30)  # FREE_CANCELLATION | LATE_CANCELLATION | ...
    paid_amount = money_field()
    charge_amount = money_field()
    amount = money_field()
    currency = fields.CharField(max_length=3)
    points_returned = fields.IntField(default=0)
    status = fields.CharField(max_length=12, default="PENDING", db_index=True)
    explanation = fields.TextField(default="")
    created_by_ref = fields.CharField(max_length=40, null=True)
    settled_at = fields.DatetimeField(null=True)

    class Meta:
        table = "refund"


class BookingChangeRequest(TimestampedModel):
    """A requested change of dates, room type or guests with the written authorisation it came
    with (P3.1.4). Urgent ones wait for a three-level approval."""

    booking = fields.ForeignKeyField(
        "models.Booking", related_name="change_requests", on_delete=fields.RESTRICT
    )
    status = fields.CharField(max_length=20, db_index=True)
    urgent = fields.BooleanField(default=False)
    authorization_kind = fields.CharField(max_length=20)
    authorization_document_id = fields.CharField(max_length=120, null=True)
    old_check_in = fields.DateField()
    old_check_out = fields.DateField()
    old_room_type_id = fields.IntField()
    old_guests = fields.IntField()
    old_total = money_field()
    new_check_in = fields.DateField()
    new_check_out = fields.DateField()
    new_room_type_id = fields.IntField()
    new_guests = fields.IntField()
    new_total = money_field()
    approval = fields.ForeignKeyField(
        "models.ApprovalRequest",
        related_name="booking_changes",
        null=True,
        on_delete=fields.SET_NULL,
    )
    requested_by_ref = fields.CharField(max_length=40, null=True)
    applied_at = fields.DatetimeField(null=True)
    failure_reason = fields.TextField(default="")

    class Meta:
        table = "booking_change_request"
