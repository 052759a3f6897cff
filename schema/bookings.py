"""The booking area's root fields: room types, availability, the booking terms, bookings and
vouchers, and the booking mutations. Every field declares its permission; ownership (a guest's
own bookings, a partner token's own creations) is applied by the resolvers through the domain.

Policy: P3.1.1-P3.1.5 (intake, eligibility, confirmation and voucher, changes, cancellation),
P6.1.1 (booking terms), P6.1.2 (access-permission matrix).
"""

from __future__ import annotations

import strawberry

from resolvers import bookings as booking_resolvers
from resolvers import rates
from schema.permissions import requires
from schema.types.bookings import (
    Booking,
    BookingChangePayload,
    BookingPayload,
    BookingTerms,
    CancelBookingPayload,
    CancellationQuoteResult,
    ChangeConfirmationPayload,
    VoucherVerification,
)
from schema.types.rates import SetNightlyRatesPayload
from schema.types.relay import Connection
from schema.types.rooms import (
    Room,
    RoomType,
    RoomTypeAvailability,
)


@strawberry.type
class BookingQuery:
    room_types: list[RoomType] = strawberry.field(
        resolver=booking_resolvers.room_types, extensions=[requires("room_type", "read")]
    )
    rooms: list[Room] = strawberry.field(
        resolver=booking_resolvers.rooms,
        extensions=[requires("room", "read")],
        description="The hotel's rooms, e.g. the free ones of a type for a check-in.",
    )
    availability: list[RoomTypeAvailability] = strawberry.field(
        resolver=booking_resolvers.availability,
        extensions=[requires("availability", "read")],
        description="Room types that fit the guests, with the rooms free on every night of "
        "the stay and its price. Invalid dates are a BAD_REQUEST error.",
    )
    booking_terms: BookingTerms = strawberry.field(
        resolver=booking_resolvers.booking_terms,
        extensions=[requires("booking_terms", "read")],
        description="The current booking terms in plain language (P6.1.1).",
    )
    bookings: Connection[Booking] = strawberry.field(
        resolver=booking_resolvers.list_bookings,
        extensions=[requires("booking", "read")],
        description="Newest first: all bookings for staff, their own for guests and partners.",
    )
    booking: Booking | None = strawberry.field(
        resolver=booking_resolvers.booking, extensions=[requires("booking", "read")]
    )
    cancellation_quote: CancellationQuoteResult = strawberry.field(
        resolver=booking_resolvers.cancellation_quote,
        extensions=[requires("booking", "read")],
        description="What cancelling the booking now would refund, under which rule (P3.1.5).",
    )
    verify_voucher: VoucherVerification = strawberry.field(
        resolver=booking_resolvers.verify_voucher,
        extensions=[requires("voucher", "verify")],
        description="Whether an electronic voucher is genuine and still admits its holder.",
    )


@strawberry.type
class BookingMutation:
    set_nightly_rates: SetNightlyRatesPayload = strawberry.mutation(
        resolver=rates.set_nightly_rates,
        extensions=[requires("rate_calendar", "update")],
        description="Price a range of nights of a room type and put them on sale.",
    )
    create_booking: BookingPayload = strawberry.mutation(
        resolver=booking_resolvers.create_booking, extensions=[requires("booking", "create")]
    )
    confirm_booking: BookingPayload = strawberry.mutation(
        resolver=booking_resolvers.confirm_booking,
        extensions=[requires("booking", "confirm")],
        description="PENDING_REVIEW -> CONFIRMED: sends the voucher, syncs the PMS (P3.1.3).",
    )
    request_booking_change: BookingChangePayload = strawberry.mutation(
        resolver=booking_resolvers.request_booking_change,
        extensions=[requires("booking", "change")],
        description="Needs the customer's written authorisation; an urgent change waits for "
        "three approvals (P3.1.4).",
    )
    issue_change_confirmation: ChangeConfirmationPayload = strawberry.mutation(
        resolver=booking_resolvers.issue_change_confirmation,
        extensions=[requires("booking", "issue_change_confirmation")],
        description="A signed token for the link by which the guest confirms a change.",
    )
    cancel_booking: CancelBookingPayload = strawberry.mutation(
        resolver=booking_resolvers.cancel_booking, extensions=[requires("booking", "cancel")]
    )
    check_in_booking: BookingPayload = strawberry.mutation(
        resolver=booking_resolvers.check_in_booking,
        extensions=[requires("booking", "check_in")],
    )
    check_out_booking: BookingPayload = strawberry.mutation(
        resolver=booking_resolvers.check_out_booking,
        extensions=[requires("booking", "check_out")],
    )
    mark_no_show: BookingPayload = strawberry.mutation(
        resolver=booking_resolvers.mark_no_show,
        extensions=[requires("booking", "mark_no_show")],
    )
