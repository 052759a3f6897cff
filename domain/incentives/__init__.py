"""Rewards and penalties (P5.2): the ledger of rewards and penalties per staff member
(`ledger`: P5.2.1 rewards, P5.2.2 penalties with a termination under dual review, P5.2.3
deductions for improper complaint handling), the permanent blacklist for data falsification
(`blacklist`: P5.2.4, `is_blacklisted` for hiring) and violation cases whose handling starts in
time (`violations`: P5.2.5, escalated by a job)."""

from domain.incentives import blacklist, ledger, violations
from domain.incentives.blacklist import is_blacklisted
from domain.incentives.common import Scope

__all__ = ["Scope", "blacklist", "is_blacklisted", "ledger", "violations"]
