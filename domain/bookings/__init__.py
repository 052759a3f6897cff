"""Room bookings (P3.1.1 to P3.1.5, P6.1.1): intake, eligibility review, confirmation with
voucher and PMS synchronisation, authorised and approved changes, cancellation with refunds
under plain-language terms, the stay, idempotent requests and ownership-filtered queries.

The resolver layer calls these services inside `domain.unit_of_work.audited(...)`; none opens
an outer transaction of its own. Module by module:

- `intake` create_booking (P3.1.1), `eligibility` and `profiles` (P3.1.2),
- `confirmation` and `vouchers` (P3.1.3), `changes` (P3.1.4),
- `cancellation` and `terms` (P3.1.5, P6.1.1), `stay` (check-in, check-out, no-show),
- `numbering`, `idempotency`, `queries`, `pricing`, `nights`, `states`, `sync`.
"""

from domain.bookings.cancellation import (
    CancellationQuote,
    CancellationResult,
    cancel_booking,
    cancellation_quote,
    cancellation_quotes,
)
from domain.bookings.change_links import (
    IssuedConfirmation,
    change_confirmation_token,
    issue_change_confirmation,
)
from domain.bookings.changes import (
    AuthorizationKind,
    ChangeAuthorization,
    ChangeResult,
    ChangeStatus,
    request_booking_change,
)
from domain.bookings.confirmation import confirm_booking
from domain.bookings.intake import create_booking
from domain.bookings.profiles import GuestDetails, set_blacklisted
from domain.bookings.queries import (
    BookingFilter,
    BookingPage,
    get_booking,
    get_booking_by_number,
    list_bookings,
)
from domain.bookings.states import BookingChannel, BookingStatus
from domain.bookings.stay import NoShowResult, check_in, check_out, mark_no_show
from domain.bookings.terms import BookingTerms, RefundRule, booking_terms
from domain.bookings.vouchers import VoucherVerification, configure, verify_voucher

__all__ = [
    "AuthorizationKind",
    "BookingChannel",
    "BookingFilter",
    "BookingPage",
    "BookingStatus",
    "BookingTerms",
    "CancellationQuote",
    "CancellationResult",
    "ChangeAuthorization",
    "ChangeResult",
    "ChangeStatus",
    "GuestDetails",
    "IssuedConfirmation",
    "NoShowResult",
    "RefundRule",
    "VoucherVerification",
    "booking_terms",
    "cancel_booking",
    "cancellation_quote",
    "cancellation_quotes",
    "change_confirmation_token",
    "check_in",
    "check_out",
    "configure",
    "confirm_booking",
    "create_booking",
    "get_booking",
    "get_booking_by_number",
    "issue_change_confirmation",
    "list_bookings",
    "mark_no_show",
    "request_booking_change",
    "set_blacklisted",
    "verify_voucher",
]
