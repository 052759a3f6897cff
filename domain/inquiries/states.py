"""What an inquiry became (P1.2 conversion) and why a lost one was lost."""

from __future__ import annotations

from enum import StrEnum


class InquiryStatus(StrEnum):
    OPEN = "OPEN"
    CONVERTED = "CONVERTED"  # a booking was made from it
    LOST = "LOST"  # the customer did not book, for a recorded reason


class LostReason(StrEnum):
    PRICE = "PRICE"  # over the customer's budget
    NO_AVAILABILITY = "NO_AVAILABILITY"  # nothing free that fits
    COMPETITOR = "COMPETITOR"  # booked elsewhere
    PLANS_CHANGED = "PLANS_CHANGED"  # the trip was called off or moved
    NO_RESPONSE = "NO_RESPONSE"  # the customer could not be reached again
    OTHER = "OTHER"  # say why in the note
