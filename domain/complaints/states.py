"""The vocabulary of complaints: states, severities, channels, categories, timeline events, and
which staff roles handle complaints and which count as a supervisor taking part (P3.1.6)."""

from __future__ import annotations

from enum import StrEnum


class ComplaintStatus(StrEnum):
    OPEN = "OPEN"  # filed, not answered yet
    IN_PROGRESS = "IN_PROGRESS"  # answered (or reopened), not resolved
    RESOLVED = "RESOLVED"


class ComplaintSeverity(StrEnum):
    GENERAL = "GENERAL"  # a customer-service representative resolves it
    MAJOR = "MAJOR"  # resolved only once a supervisor has taken part


class ComplaintChannel(StrEnum):
    PHONE = "PHONE"
    EMAIL = "EMAIL"
    ONLINE = "ONLINE"
    WALK_IN = "WALK_IN"
    PARTNER = "PARTNER"


class ComplaintCategory(StrEnum):
    ROOM = "ROOM"
    CLEANLINESS = "CLEANLINESS"
    NOISE = "NOISE"
    SERVICE = "SERVICE"
    STAFF = "STAFF"
    BILLING = "BILLING"
    BOOKING = "BOOKING"
    FOOD = "FOOD"
    FACILITIES = "FACILITIES"
    OTHER = "OTHER"


class ComplaintEventKind(StrEnum):
    FILED = "FILED"
    TAKEN = "TAKEN"
    RESPONDED = "RESPONDED"
    HANDED_OVER = "HANDED_OVER"
    SUPERVISOR_JOINED = "SUPERVISOR_JOINED"
    RESOLVED = "RESOLVED"
    REOPENED = "REOPENED"
    RATED = "RATED"
    WARNED = "WARNED"
    ESCALATED = "ESCALATED"


class DeadlineKind(StrEnum):
    RESPOND = "RESPOND"  # the "5" of 5+X
    RESOLVE = "RESOLVE"  # the "X" of 5+X


# Roles that handle complaints (take, answer, hand over, resolve a GENERAL one).
HANDLER_ROLES = frozenset({"cs_rep", "supervisor", "director"})
# Roles whose part in a complaint is the supervisor's part a MAJOR complaint needs.
SUPERVISOR_ROLES = frozenset({"supervisor", "director"})
# Timeline events a guest sees of their own complaint (the others are internal work).
PUBLIC_EVENTS = frozenset(
    {
        ComplaintEventKind.FILED,
        ComplaintEventKind.RESPONDED,
        ComplaintEventKind.RESOLVED,
        ComplaintEventKind.REOPENED,
        ComplaintEventKind.RATED,
    }
)
