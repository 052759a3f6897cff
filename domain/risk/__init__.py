"""Risk response (P6.2): incidents under the level 1-3 emergency plans with their timelines,
restore deadlines and SMS notices (P6.2.1, `incidents`), and the quarterly internal audit of a
seeded random sample of cases, reported to the operations committee (P6.2.2, `audits`)."""

from domain.risk import audits, incidents

__all__ = ["audits", "incidents"]
