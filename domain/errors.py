"""Business-rule failures as data. Domain code raises `DomainError(code, message, field)`; the
resolver layer turns it into a `UserError` in the mutation payload (ARCHITECTURE.md, Errors).
A value the ORM refuses before it reaches the database (too long for its column) is such a
refusal too (`as_refusal`), never an unexpected error."""

from __future__ import annotations

import re
from enum import StrEnum

from tortoise.exceptions import ValidationError


class ErrorCode(StrEnum):
    INVALID = "INVALID"
    REQUIRED = "REQUIRED"
    NOT_FOUND = "NOT_FOUND"
    FORBIDDEN = "FORBIDDEN"
    CONFLICT = "CONFLICT"
    INVALID_CREDENTIALS = "INVALID_CREDENTIALS"
    TOKEN_EXPIRED = "TOKEN_EXPIRED"
    TOKEN_REVOKED = "TOKEN_REVOKED"
    RATE_LIMITED = "RATE_LIMITED"
    OUT_OF_RANGE = "OUT_OF_RANGE"
    INVALID_TRANSITION = "INVALID_TRANSITION"
    ROOM_UNAVAILABLE = "ROOM_UNAVAILABLE"
    INSUFFICIENT_POINTS = "INSUFFICIENT_POINTS"
    STALE_TERMS = "STALE_TERMS"
    IDEMPOTENCY_CONFLICT = "IDEMPOTENCY_CONFLICT"
    AUTHORIZATION_REQUIRED = "AUTHORIZATION_REQUIRED"
    ALREADY_DECIDED = "ALREADY_DECIDED"
    DUPLICATE = "DUPLICATE"
    TOO_LONG = "TOO_LONG"
    # Documents, signatures and the archive (P3.2, P4.2.5, P6.1.3).
    FILE_TOO_LARGE = "FILE_TOO_LARGE"
    CONTENT_TYPE_NOT_ALLOWED = "CONTENT_TYPE_NOT_ALLOWED"
    STORAGE_UNAVAILABLE = "STORAGE_UNAVAILABLE"
    TAMPERED = "TAMPERED"
    OPERATION_FAILED = "OPERATION_FAILED"
    INTERRUPTED = "INTERRUPTED"
    WRONG_KEY = "WRONG_KEY"
    RETENTION_LOCKED = "RETENTION_LOCKED"
    LEGAL_REVIEW_REQUIRED = "LEGAL_REVIEW_REQUIRED"
    SIGNING_KEY_REQUIRED = "SIGNING_KEY_REQUIRED"
    WRONG_PASSPHRASE = "WRONG_PASSPHRASE"
    LINK_INVALID = "LINK_INVALID"
    LINK_EXPIRED = "LINK_EXPIRED"
    LINK_NOT_YOURS = "LINK_NOT_YOURS"
    # Personal-information rights (P6.1.3).
    CONSENT_REQUIRED = "CONSENT_REQUIRED"
    # Governance: meetings, minutes, disputes (P4.2, P7.2).
    NOTICE_TOO_SHORT = "NOTICE_TOO_SHORT"
    # Guest accounts (issue 9 item 0).
    STALE_NOTICE = "STALE_NOTICE"
    TOKEN_USED = "TOKEN_USED"
    # Complaints (P3.1.6, P3.1.9).
    SUPERVISOR_REQUIRED = "SUPERVISOR_REQUIRED"
    NOT_HANDLER = "NOT_HANDLER"
    REOPEN_WINDOW_CLOSED = "REOPEN_WINDOW_CLOSED"
    # Follow-ups and the care plan (P3.1.7, P3.1.11).
    ALREADY_ANSWERED = "ALREADY_ANSWERED"
    INSIDE_LEAD_TIME = "INSIDE_LEAD_TIME"
    # Budgets and settlement with Finance (P4.1.3, P1.1).
    OVER_BUDGET = "OVER_BUDGET"
    ALREADY_SETTLED = "ALREADY_SETTLED"
    # Improvement: the innovation fund (P8.5).
    INSUFFICIENT_FUNDS = "INSUFFICIENT_FUNDS"
    # Organisation: headcount, hiring criteria, promotion ladder (P2.3-P2.5).
    HEADCOUNT_CAP_REACHED = "HEADCOUNT_CAP_REACHED"
    HIRING_CRITERIA_NOT_MET = "HIRING_CRITERIA_NOT_MET"
    PROMOTION_NOT_ALLOWED = "PROMOTION_NOT_ALLOWED"
    # Compliance: transfers of guest data abroad (P6.1.3, PIPL Arts. 38-40).
    CROSS_BORDER_ASSESSMENT_REQUIRED = "CROSS_BORDER_ASSESSMENT_REQUIRED"
    CROSS_BORDER_CONSENT_REQUIRED = "CROSS_BORDER_CONSENT_REQUIRED"
    # Risk: the quarterly internal audit (P6.2.2).
    EMPTY_QUARTER = "EMPTY_QUARTER"
    # Performance evaluation (P5.1).
    SELF_RATING = "SELF_RATING"
    CYCLE_CLOSED = "CYCLE_CLOSED"
    # Privacy: a guest cannot be erased while they stay (P6.1.3).
    STAY_IN_PROGRESS = "STAY_IN_PROGRESS"


class DomainError(Exception):
    """A business rule said no. Carries a stable code, a human message and the input field."""

    def __init__(
        self,
        code: ErrorCode | str,
        message: str,
        field: str | None = None,
        *,
        retry_after_seconds: int | None = None,
        on_refusal=None,
    ) -> None:
        super().__init__(message)
        self.code = str(code)
        self.message = message
        self.field = field
        self.retry_after_seconds = retry_after_seconds
        # Work that must be kept although the operation is refused and rolled back (e.g.
        # revoking a session whose refresh token was replayed); run with the REJECTED entry.
        self.on_refusal = on_refusal

    def __repr__(self) -> str:
        return f"DomainError({self.code!r}, {self.message!r}, field={self.field!r})"


# The ORM checks every value against its column (a CharField's `max_length`, a field's
# validators) before it builds a query, and raises `ValidationError("<field>: <why>")`.
_TOO_LONG = re.compile(r"^(?P<field>\w+): Length of .* (?P<length>\d+) > (?P<limit>\d+)$", re.S)


def _camel(name: str) -> str:
    head, *rest = name.split("_")
    return head + "".join(part.title() for part in rest)


def refusal_of_invalid_value(error: ValidationError) -> DomainError:
    """The ORM's refusal of a value as a business refusal on the field, named as the API names
    it: TOO_LONG for a string longer than its column, INVALID otherwise. Declared lengths are
    the domain's limits, so every input that lands in (or is looked up in) a column is checked
    without a length check per input."""
    match = _TOO_LONG.match(str(error))
    if match:
        field = _camel(match["field"])
        return DomainError(
            ErrorCode.TOO_LONG, f"{field} has at most {match['limit']} characters.", field
        )
    field = _camel(str(error).split(":", 1)[0])
    return DomainError(ErrorCode.INVALID, f"{field} is not valid.", field)


def as_refusal(error: BaseException | None) -> DomainError | None:
    """The refusal an exception stands for, if it is one (a DomainError or a value the ORM
    refused before it reached the database); None for an unexpected error."""
    if isinstance(error, DomainError):
        return error
    if isinstance(error, ValidationError):
        return refusal_of_invalid_value(error)
    return None


def required_text(value: str | None, field: str, limit: int, missing: str) -> str:
    """A required free text, stripped: REQUIRED (with the `missing` message) when blank,
    TOO_LONG past `limit` characters. The one check the areas' `_text` helpers repeat."""
    clean = (value or "").strip()
    if not clean:
        raise DomainError(ErrorCode.REQUIRED, missing, field)
    if len(clean) > limit:
        raise DomainError(ErrorCode.TOO_LONG, f"At most {limit} characters.", field)
    return clean
