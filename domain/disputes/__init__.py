"""Disputes between staff or departments (P7.2.1-P7.2.5): the ladder, the moves, the outcomes
archived, the arbitration deadline swept by a job."""

from domain.disputes.ladder import DisputeStatus, Step, ladder
from domain.disputes.service import (
    DisputeFilter,
    decide,
    escalate,
    events_of,
    extend_arbitration,
    flag_overdue_arbitrations,
    list_disputes,
    open_dispute,
    visible_to,
)

__all__ = [
    "DisputeFilter",
    "DisputeStatus",
    "Step",
    "decide",
    "escalate",
    "events_of",
    "extend_arbitration",
    "flag_overdue_arbitrations",
    "ladder",
    "list_disputes",
    "open_dispute",
    "visible_to",
]
