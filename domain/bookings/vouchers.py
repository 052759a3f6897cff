"""Electronic vouchers (P3.1.3: on confirmation the customer receives an electronic voucher) and
the signing key shared with signed change-confirmation links (P3.1.4).

A voucher code is ``<booking number>.<signature>``: the first 20 bytes of HMAC-SHA256 over the
booking's number and id under the server's secret, in base-32. Nobody without the secret can
make a code that verifies; `verify_voucher` also looks the booking up, so a code stops verifying
as soon as the booking is cancelled (or the guest did not show up).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from dataclasses import dataclass

from domain.clock import clock
from domain.models import Booking

_secret: bytes | None = None

# A voucher admits its holder while the booking is in one of these statuses.
VALID_STATUSES = ("CONFIRMED", "CHECKED_IN")


def configure(*, secret: str | bytes) -> None:
    """Set the signing secret (the server calls this at start-up with its SECRET_KEY)."""
    global _secret
    raw = secret.encode() if isinstance(secret, str) else secret
    if len(raw) < 16:
        raise ValueError("the voucher secret needs at least 16 bytes")
    # Derive a key for this purpose, so the server secret itself signs nothing here.
    _secret = hmac.new(raw, b"hotel-platform/booking-signatures/v1", hashlib.sha256).digest()


def sign(purpose: str, message: str, length: int = 20) -> str:
    """Base-32 HMAC of `message` for `purpose` under the configured secret."""
    if _secret is None:
        raise RuntimeError("domain.bookings.vouchers.configure(secret=...) was not called")
    digest = hmac.new(_secret, f"{purpose}\n{message}".encode(), hashlib.sha256).digest()
    return base64.b32encode(digest[:length]).decode().rstrip("=")


def verify_signature(purpose: str, message: str, signature: str, length: int = 20) -> bool:
    return hmac.compare_digest(sign(purpose, message, length), signature.strip().upper())


def voucher_code(booking: Booking) -> str:
    return f"{booking.number}.{sign('voucher', f'{booking.number}:{booking.id}')}"


async def issue_voucher(booking: Booking) -> str:
    """Give the booking its voucher (once; later calls keep the first code)."""
    if booking.voucher_code:
        return booking.voucher_code
    code = voucher_code(booking)
    booking.voucher_code = code
    booking.voucher_issued_at = clock.now()
    await Booking.filter(id=booking.id).update(
        voucher_code=code, voucher_issued_at=booking.voucher_issued_at
    )
    return code


@dataclass(frozen=True)
class VoucherVerification:
    valid: bool
    booking: Booking | None
    reason: str | None  # why it is not valid: MALFORMED | FORGED | UNKNOWN_BOOKING | CANCELLED ...


async def verify_voucher(code: str) -> VoucherVerification:
    """Is this a voucher the hotel issued, for a booking that still admits its holder?
    `booking` is only returned for a genuine code, so guessing reveals nothing."""
    text = (code or "").strip()
    number, dot, signature = text.rpartition(".")
    if not dot or not number or not signature or len(text) > 80:
        return VoucherVerification(False, None, "MALFORMED")
    booking = await Booking.get_or_none(number=number.upper())
    if booking is None:
        return VoucherVerification(False, None, "FORGED")
    if not verify_signature("voucher", f"{booking.number}:{booking.id}", signature):
        return VoucherVerification(False, None, "FORGED")
    if booking.voucher_code is None:
        return VoucherVerification(False, None, "NOT_ISSUED")
    if booking.status not in VALID_STATUSES:
        return VoucherVerification(False, booking, booking.status)
    return VoucherVerification(True, booking, None)
