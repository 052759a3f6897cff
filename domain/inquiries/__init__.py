"""Inquiries and conversion (P3.1.1 inquiry intake by every channel, P1.2 booking conversion
and repeat-purchase goals).

- `intake`: record_inquiry (staff, partners), mark_lost, record_search (a signed-in guest's
  online availability search, recorded after the answer is sent),
- `conversion`: a booking converts the inquiry it names, and a guest's own matching searches,
- `queries`: ownership-filtered reading, `stats`: conversion and repeat-purchase rates.

The resolver layer calls the writing services inside `domain.unit_of_work.audited(...)`.
"""

from domain.inquiries.conversion import claimable, convert
from domain.inquiries.intake import mark_lost, record_inquiry, record_search
from domain.inquiries.queries import (
    InquiryFilter,
    InquiryPage,
    get_inquiry,
    list_inquiries,
    staff_names_by_ids,
)
from domain.inquiries.states import InquiryStatus, LostReason
from domain.inquiries.stats import (
    ConversionStats,
    GoalProgress,
    GroupStats,
    StatsGrouping,
    conversion_stats,
)

__all__ = [
    "ConversionStats",
    "GoalProgress",
    "GroupStats",
    "InquiryFilter",
    "InquiryPage",
    "InquiryStatus",
    "LostReason",
    "StatsGrouping",
    "claimable",
    "conversion_stats",
    "convert",
    "get_inquiry",
    "list_inquiries",
    "mark_lost",
    "record_inquiry",
    "record_search",
    "staff_names_by_ids",
]
