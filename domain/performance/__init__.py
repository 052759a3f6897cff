"""Performance evaluation (P5.1): KPIs of the sales, customer-service and technical-support
teams from the system's own records (`kpis`, P5.1.1-P5.1.3), facility-fault tickets raised to
Engineering (`tickets`, P5.1.3), the monthly self, quarterly supervisor and half-yearly
anonymous cross-department 360-degree cycles (`cycles`, P5.1.4), and the stored results they
and the period KPI snapshots make, the basis of pay and promotion (`queries`, P5.1.5)."""

from domain.performance import cycles, kpis, people, queries, tickets, training
from domain.performance.cycles import CycleKind, CycleStatus
from domain.performance.people import Team
from domain.performance.periods import Period, PeriodKind, period_of
from domain.performance.tickets import TicketStatus

__all__ = [
    "CycleKind",
    "CycleStatus",
    "Period",
    "PeriodKind",
    "Team",
    "TicketStatus",
    "cycles",
    "kpis",
    "people",
    "period_of",
    "queries",
    "tickets",
    "training",
]
