"""Types of bookings (P3.1.1 intake, P3.1.2 eligibility, P3.1.3 confirmation and
voucher, P3.1.4 changes, P3.1.5 cancellation and refunds, P6.1.1 booking terms), named as in
CONTRACT.md; rooms, members and change requests have modules of their own (`rooms`,
`members`, `booking_changes`). Money is `Decimal` with its currency. Nested objects load through
the per-request dataloaders of `schema.loaders.bookings`.

Personal data (P6.1.2): what of a guest profile or a points balance a caller sees is decided by
`schema.privacy` (the domain's masking rule under the permission matrix); why a booking waits
for review is for staff only."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import TYPE_CHECKING, Annotated

import strawberry
from strawberry import relay

from authz.identity import Kind
from domain import i18n
from domain.bookings import states
from domain.personal_data import PersonalData
from domain.personal_data.masking import MASK
from schema.loaders import bookings as loaders
from schema.loaders.at_once import then_load
from schema.loaders.compliance import transfer_refusal
from schema.privacy import shown, shown_at_once
from schema.types.booking_changes import (
    BookingChangeRequest,
    ChangeAuthorizationKind,
)
from schema.types.dual_review import PendingOperation
from schema.types.errors import UserError
from schema.types.mapping import from_row
from schema.types.members import Member
from schema.types.rooms import Room, RoomType

if TYPE_CHECKING:
    from schema.types.finance import LedgerEntry

_STAFF = (Kind.STAFF, Kind.SYSTEM)


def _is_staff(info: strawberry.Info) -> bool:
    return info.context.identity.kind in _STAFF


def _global(type_name: str, pk: int | None) -> strawberry.ID | None:
    return None if pk is None else strawberry.ID(str(relay.GlobalID(type_name, str(pk))))


# ---- enums --------------------------------------------------------------------------------


# The domain's enums, exposed under their GraphQL names (one declaration of each).
BookingChannel = strawberry.enum(
    states.BookingChannel, name="BookingChannel", description="Where the booking came in (P3.1.1)."
)
BookingStatus = strawberry.enum(states.BookingStatus, name="BookingStatus")


# ---- rooms, rates and terms ---------------------------------------------------------------


@strawberry.type
class RefundRule:
    code: str
    title: str
    description: str


@strawberry.type(description="The booking terms in plain language (P6.1.1, P3.1.5).")
class BookingTerms:
    version: str = strawberry.field(description="Accept this version when booking.")
    summary: str
    full_text: str
    cancellation_grace_hours: int
    late_cancellation_charge_nights: int
    no_show_refund_percent: Decimal
    checkin_local_time: str
    checkout_local_time: str
    refund_rules: list[RefundRule]

    @classmethod
    def of(cls, terms) -> BookingTerms:
        return from_row(
            cls, terms, refund_rules=[from_row(RefundRule, r) for r in terms.refund_rules]
        )


# ---- guests and members -------------------------------------------------------------------


@strawberry.type(
    description="Who stays: a member's profile or a temporary one (P3.1.2). Contact details and "
    "the identity document are shown in full to the guest and to the roles granted them, "
    "masked to other staff and partners; partners never get the document number (P6.1.2)."
)
class GuestProfile:
    is_temporary: bool
    row: strawberry.Private[object]

    def _shown(self, info: strawberry.Info, data: PersonalData, value, withheld=None):
        # A partner abroad gets nothing of a guest the transfer guard withholds (P6.1.3); only
        # partners are asked, so staff and guests get the value without a task (at_once).
        if info.context.identity.kind != Kind.PARTNER:
            return shown_at_once(info, data, value)
        return self._shown_to_partner(info, data, value, withheld)

    async def _shown_to_partner(self, info: strawberry.Info, data: PersonalData, value, withheld):
        if await transfer_refusal(info, self.row.id) is not None:
            return withheld
        return await shown(info, data, value)

    @strawberry.field(description="`***` when the guest's data is withheld (see transferBlocked).")
    def full_name(self, info: strawberry.Info) -> str:
        return self._shown(info, PersonalData.NAME, self.row.full_name, withheld=MASK * 3)

    @strawberry.field
    def phone(self, info: strawberry.Info) -> str | None:
        return self._shown(info, PersonalData.PHONE, self.row.phone)

    @strawberry.field
    def email(self, info: strawberry.Info) -> str | None:
        return self._shown(info, PersonalData.EMAIL, self.row.email)

    @strawberry.field
    def id_document_number(self, info: strawberry.Info) -> str | None:
        return self._shown(info, PersonalData.ID_DOCUMENT, self.row.id_document_number)

    @strawberry.field(
        description="Why the guest's personal data is withheld from the calling partner: "
        "CROSS_BORDER_ASSESSMENT_REQUIRED (no valid security assessment of the partner abroad) "
        "or CROSS_BORDER_CONSENT_REQUIRED (the guest has not consented to partner sharing "
        "and transfer abroad); null when it is not withheld (P6.1.3, PIPL Arts. 38-40)."
    )
    async def transfer_blocked(self, info: strawberry.Info) -> str | None:
        return await transfer_refusal(info, self.row.id)

    @classmethod
    def of(cls, row) -> GuestProfile:
        return cls(is_temporary=row.is_temporary, row=row)


# ---- vouchers, refunds, cancellation quotes -----------------------------------------------


@strawberry.type(description="The electronic voucher sent on confirmation (P3.1.3).")
class Voucher:
    code: str
    issued_at: dt.datetime | None


@strawberry.type(description="What a voucher check shows: the stay, not who stays.")
class VoucherBooking:
    number: str
    status: BookingStatus
    check_in: dt.date
    check_out: dt.date
    nights: int
    guests: int
    room_type_pk: strawberry.Private[int]

    @strawberry.field
    async def room_type(self, info: strawberry.Info) -> RoomType:
        return RoomType.of(await loaders.room_types(info).load(self.room_type_pk))

    @classmethod
    def of(cls, row) -> VoucherBooking:
        return from_row(cls, row, status=BookingStatus(row.status), room_type_pk=row.room_type_id)


@strawberry.type(
    description="valid: issued by the hotel for a booking that still admits its holder. "
    "reason when not: MALFORMED, FORGED, NOT_ISSUED, or the booking's status."
)
class VoucherVerification:
    valid: bool
    booking: VoucherBooking | None
    reason: str | None


@strawberry.type(description="Money (and points) owed back after a cancellation or no-show.")
class Refund(relay.Node):
    id: relay.NodeID[int]
    kind: str = strawberry.field(description="CANCELLATION or NO_SHOW.")
    rule: str
    paid_amount: Decimal
    charge_amount: Decimal
    amount: Decimal = strawberry.field(description="Money given back.")
    currency: str
    points_returned: int
    status: str
    explanation: str
    created_at: dt.datetime
    settled_at: dt.datetime | None

    @classmethod
    def of(cls, row) -> Refund:
        return from_row(cls, row, explanation=i18n.translate(row.explanation))


@strawberry.type(description="What cancelling now would give back, and why (P3.1.5).")
class CancellationQuote:
    rule: str
    free_until: dt.datetime = strawberry.field(description="The last moment of free cancellation.")
    paid_amount: Decimal
    charge_amount: Decimal
    refundable_amount: Decimal
    points_redeemed: int
    points_returned: int
    currency: str
    explanation: str

    @classmethod
    def of(cls, quote) -> CancellationQuote:
        return from_row(cls, quote, explanation=i18n.translate(quote.explanation))


@strawberry.type
class CancellationQuoteResult:
    quote: CancellationQuote | None = None
    errors: list[UserError] = strawberry.field(default_factory=list)


# ---- changes ------------------------------------------------------------------------------


@strawberry.type(description="A room booking (P3.1.1-P3.1.5).")
class Booking(relay.Node):
    id: relay.NodeID[int]
    number: str = strawberry.field(description="The booking number, e.g. B20261128-7K3QX.")
    status: BookingStatus
    channel: BookingChannel
    check_in: dt.date
    check_out: dt.date
    guests: int
    nights: int
    gross_amount: Decimal = strawberry.field(description="The nights at their rates.")
    points_redeemed: int
    points_value: Decimal = strawberry.field(description="What the redeemed points pay.")
    total_amount: Decimal = strawberry.field(description="What the guest pays in money.")
    currency: str
    terms_version: str = strawberry.field(description="The booking terms the customer accepted.")
    voucher: Voucher | None
    created_at: dt.datetime
    confirmed_at: dt.datetime | None
    cancelled_at: dt.datetime | None
    cancel_reason: str | None
    checked_in_at: dt.datetime | None
    checked_out_at: dt.datetime | None
    no_show_at: dt.datetime | None
    row: strawberry.Private[object]

    # The nested fields a page of bookings asks for resolve at once from the loaders the
    # page primed (schema.loaders.at_once), without a task per booking.
    @strawberry.field
    def room_type(self, info: strawberry.Info) -> RoomType:
        return then_load(loaders.room_types(info), self.row.room_type_id, RoomType.of)

    @strawberry.field(description="The room assigned at check-in.")
    def room(self, info: strawberry.Info) -> Room | None:
        if self.row.room_id is None:
            return None
        return then_load(loaders.rooms(info), self.row.room_id, lambda row: row and Room.of(row))

    @strawberry.field(description="Withheld from a partner the guest's data may not go to.")
    async def special_requests(self, info: strawberry.Info) -> str | None:
        if await transfer_refusal(info, self.row.guest_id) is not None:
            return None
        return self.row.special_requests or None

    @strawberry.field
    def guest(self, info: strawberry.Info) -> GuestProfile:
        return then_load(loaders.guest_profiles(info), self.row.guest_id, GuestProfile.of)

    @strawberry.field
    def member(self, info: strawberry.Info) -> Member | None:
        if self.row.member_id is None:
            return None
        return then_load(loaders.members(info), self.row.member_id, lambda r: r and Member.of(r))

    @strawberry.field
    async def refunds(self, info: strawberry.Info) -> list[Refund]:
        return [Refund.of(row) for row in await loaders.refunds(info).load(self.id)]

    @strawberry.field(
        description="Payments, deposits and refunds of the booking as Finance recorded them (P1.1)."
    )
    async def payments(
        self, info: strawberry.Info
    ) -> list[Annotated[LedgerEntry, strawberry.lazy("schema.types.finance")]]:
        from schema.loaders.finance import ledger_entries
        from schema.types.finance import LedgerEntry

        return [LedgerEntry.of(row) for row in await ledger_entries(info).load(self.id)]

    @strawberry.field
    async def change_requests(self, info: strawberry.Info) -> list[BookingChangeRequest]:
        rows = await loaders.change_requests(info).load(self.id)
        return [BookingChangeRequest.of(row) for row in rows]

    @strawberry.field(description="What cancelling now would give back; null once it cannot be.")
    async def cancellation_quote(self, info: strawberry.Info) -> CancellationQuote | None:
        quote = await loaders.cancellation_quotes(info).load(self.row)
        return quote and CancellationQuote.of(quote)  # none once cancelled, checked in or over

    @strawberry.field(description="Why the booking waits for staff review (staff only).")
    def review_reason(self, info: strawberry.Info) -> str | None:
        return (self.row.review_reason or None) if _is_staff(info) else None

    @staticmethod
    async def prime_page(info: strawberry.Info, rows) -> None:
        """Load what the selection asks of a page of booking rows before it resolves, so its
        nested fields complete without a task per booking (`loaders.prime_page`)."""
        await loaders.prime_page(info, rows)

    @classmethod
    def of(cls, row) -> Booking:
        return from_row(
            cls,
            row,
            status=BookingStatus(row.status),
            channel=BookingChannel(row.channel),
            voucher=(
                Voucher(code=row.voucher_code, issued_at=row.voucher_issued_at)
                if row.voucher_code
                else None
            ),
            cancel_reason=row.cancel_reason or None,
            row=row,
        )


# ---- inputs and payloads ------------------------------------------------------------------


@strawberry.input
class BookingFilter:
    status: list[BookingStatus] | None = None
    channel: list[BookingChannel] | None = None
    check_in_from: dt.date | None = strawberry.field(default=None, description="On or after.")
    check_in_to: dt.date | None = strawberry.field(default=None, description="On or before.")
    staying_on: dt.date | None = strawberry.field(
        default=None, description="The stay includes this night."
    )
    guest: str | None = strawberry.field(
        default=None,
        description="Words of the guest's name, phone or e-mail, or their first 3+ characters.",
    )
    room_type_id: strawberry.ID | None = None
    member_id: strawberry.ID | None = None


@strawberry.input(description="Who stays, when they are not a member (P3.1.2).")
class GuestInput:
    full_name: str
    phone: str | None = None
    email: str | None = None
    id_document_number: str | None = None


@strawberry.input
class CreateBookingInput:
    channel: BookingChannel
    room_type_id: strawberry.ID
    check_in: dt.date
    check_out: dt.date
    guests: int
    accepted_terms_version: str = strawberry.field(
        description="The version of bookingTerms the customer accepted (P6.1.1)."
    )
    member_id: strawberry.ID | None = None
    guest: GuestInput | None = None
    special_requests: str | None = None
    points_to_redeem: int | None = 0
    idempotency_key: str | None = strawberry.field(
        default=None, description="A retry with the same key returns the first booking."
    )
    inquiry_id: strawberry.ID | None = strawberry.field(
        default=None,
        description="The open inquiry this booking converts (P1.2); a converted or lost one "
        "cannot be converted again.",
    )


@strawberry.type
class BookingPayload:
    booking: Booking | None = None
    pending_operation: PendingOperation | None = strawberry.field(
        default=None,
        description="markNoShow, staff: the dual review (P6.2.3) the no-show refund waits for "
        "when it is above dual_review_refund_limit (refund status IN_REVIEW); null otherwise.",
    )
    errors: list[UserError] = strawberry.field(default_factory=list)


@strawberry.input
class ConfirmBookingInput:
    booking_id: strawberry.ID


@strawberry.input
class ChangeAuthorizationInput:
    kind: ChangeAuthorizationKind
    document_id: strawberry.ID | None = strawberry.field(
        default=None, description="The signed document (WRITTEN_DOCUMENT)."
    )
    confirmation_token: str | None = strawberry.field(
        default=None, description="From the guest's confirmation link (GUEST_CONFIRMED)."
    )


@strawberry.input
class RequestBookingChangeInput:
    booking_id: strawberry.ID
    authorization: ChangeAuthorizationInput
    check_in: dt.date | None = None
    check_out: dt.date | None = None
    room_type_id: strawberry.ID | None = None
    guests: int | None = None
    urgent: bool | None = strawberry.field(
        default=False,
        description="Urgent (as is any change close to check-in): it waits for three "
        "approvals (P3.1.4).",
    )
    reason: str = ""


@strawberry.type
class BookingChangePayload:
    change_request: BookingChangeRequest | None = None
    booking: Booking | None = None
    errors: list[UserError] = strawberry.field(default_factory=list)


@strawberry.input
class CancelBookingInput:
    booking_id: strawberry.ID
    reason: str
    idempotency_key: str | None = None


@strawberry.type
class CancelBookingPayload:
    booking: Booking | None = None
    refund: Refund | None = None
    pending_operation: PendingOperation | None = strawberry.field(
        default=None,
        description="Staff: the dual review (P6.2.3) the refund waits for when it is above "
        "dual_review_refund_limit (refund status IN_REVIEW); null when it needs none.",
    )
    errors: list[UserError] = strawberry.field(default_factory=list)


@strawberry.input
class BookingActionInput:
    booking_id: strawberry.ID
    room_id: strawberry.ID | None = strawberry.field(
        default=None, description="Check-in: this room rather than any free one of the type."
    )


@strawberry.input(description="The change a guest is asked to confirm through a signed link.")
class IssueChangeConfirmationInput:
    booking_id: strawberry.ID
    check_in: dt.date | None = None
    check_out: dt.date | None = None
    room_type_id: strawberry.ID | None = None
    guests: int | None = None
    valid_for_hours: int = 72


@strawberry.type
class ChangeConfirmationPayload:
    confirmation_token: str | None = strawberry.field(
        default=None,
        description="Send it to the guest; presented with requestBookingChange it is their "
        "written confirmation of exactly this change (P3.1.4).",
    )
    expires_at: dt.datetime | None = None
    errors: list[UserError] = strawberry.field(default_factory=list)
