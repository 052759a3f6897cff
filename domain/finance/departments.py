"""The departments a budget line belongs to (P4.1.3 budgets are declared per department; P1.1
the booking and customer-relationship department works with Finance).

Until the organisation model exists this is a declared enumeration, and `department_code` is
the one place that decides whether a department exists: when the organisation is built,
replace the body of `department_code` with a lookup of its departments (the stored codes stay
plain strings on `Budget.department`, so no budget row changes)."""

from __future__ import annotations

from domain.errors import DomainError, ErrorCode

DEPARTMENTS: tuple[str, ...] = (
    "BOOKING_CRM",  # booking & customer relationship (sales operations, customer service)
    "MARKETING",
    "FINANCE",
    "ENGINEERING",
    "HR",
    "OPERATIONS",
)


def department_code(value: str | None, field: str = "department") -> str:
    """The department's code, or a DomainError(INVALID) naming the known ones."""
    code = (value or "").strip().upper()
    if not code:
        raise DomainError(ErrorCode.REQUIRED, "Name the department.", field)
    if code not in DEPARTMENTS:
        raise DomainError(
            ErrorCode.INVALID,
            f"There is no department {code[:40]}. Departments: {', '.join(DEPARTMENTS)}.",
            field,
        )
    return code
