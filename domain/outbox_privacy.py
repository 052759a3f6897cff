"""What of an outbox event's payload an operator or a delivery log may see (P6.1.2).

Payloads carry guest contact details (the recipient of an e-mail or SMS), guest names and
special requests (the PMS feed) and voucher codes (in message texts). Each such key is a kind of
personal data (`personal_data.PersonalData`); `redact()` shows each as the viewer's disclosure
allows, so an operator who may run the outbox but not read bookings sees that a message went
out, and to roughly whom, but not the guest's details or a usable voucher. The development file
channels keep only a `delivery_record()`: every personal value masked.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from domain.personal_data import Disclosure, PersonalData, reveal

# destination -> payload key -> the kind of personal data it holds.
PERSONAL_KEYS: dict[str, dict[str, PersonalData]] = {
    "EMAIL": {
        "to": PersonalData.EMAIL,
        "subject": PersonalData.VOUCHER_CODE,
        "body": PersonalData.VOUCHER_CODE,
    },
    "SMS": {
        "to": PersonalData.PHONE,
        "subject": PersonalData.VOUCHER_CODE,
        "body": PersonalData.VOUCHER_CODE,
    },
    "PMS_WEBHOOK": {"guestName": PersonalData.NAME, "specialRequests": PersonalData.NOTE},
}


def redact(
    destination: str, payload: Any, disclose: Callable[[PersonalData], Disclosure]
) -> Any:
    """`payload` with each personal value as `disclose(kind)` allows."""
    if not isinstance(payload, dict):
        return payload
    keys = PERSONAL_KEYS.get(destination, {})
    return {
        key: reveal(keys[key], value, disclose(keys[key])) if key in keys else value
        for key, value in payload.items()
    }


def delivery_record(destination: str, payload: Any) -> Any:
    """What a delivery log keeps of a payload: every personal value masked."""
    return redact(destination, payload, lambda kind: Disclosure.MASKED)
