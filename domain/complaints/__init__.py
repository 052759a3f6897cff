"""Complaints (P3.1.6 first-contact responsibility and tiered handling, P3.1.9 the 5+X rule):
filing, handling and resolving (`service`), the deadline sweep (`deadlines`), reading
(`queries`) and the KPIs per representative and team (`kpis`)."""

from domain.complaints import deadlines, kpis, queries, service
from domain.complaints.service import NewComplaint
from domain.complaints.states import (
    ComplaintCategory,
    ComplaintChannel,
    ComplaintEventKind,
    ComplaintSeverity,
    ComplaintStatus,
)

__all__ = [
    "ComplaintCategory",
    "ComplaintChannel",
    "ComplaintEventKind",
    "ComplaintSeverity",
    "ComplaintStatus",
    "NewComplaint",
    "deadlines",
    "kpis",
    "queries",
    "service",
]
