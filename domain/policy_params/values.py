"""Parameter values as text: parsing with range checks, and rendering for storage (the stored
versions keep the text an administrator entered, canonicalised)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal, InvalidOperation
from typing import Any

from domain.errors import DomainError, ErrorCode
from domain.policy_params.catalogue import Parameter


def parse_value(param: Parameter, raw: str) -> Any:
    """Parse and range-check a textual value; raise DomainError(field='value') when it is bad."""
    text = raw.strip()
    try:
        if param.value_type == "INT":
            value: Any = int(text)
        elif param.value_type in ("DECIMAL", "MONEY", "PERCENT"):
            value = Decimal(text)
            if not value.is_finite():
                raise InvalidOperation
            if param.value_type == "MONEY" and value != value.quantize(Decimal("0.01")):
                raise DomainError(
                    ErrorCode.INVALID, "Money has at most two decimal places.", "value"
                )
        elif param.value_type == "TIME":
            value = dt.time.fromisoformat(text).strftime("%H:%M")
        else:
            value = text
    except (ValueError, InvalidOperation):
        raise DomainError(
            ErrorCode.INVALID,
            f"'{raw}' is not a valid {param.value_type.lower()} for {param.key}.",
            "value",
        ) from None
    if isinstance(value, int | Decimal) and not isinstance(value, bool):
        if param.minimum is not None and value < param.minimum:
            raise DomainError(
                ErrorCode.OUT_OF_RANGE, f"{param.key} must be at least {param.minimum}.", "value"
            )
        if param.maximum is not None and value > param.maximum:
            raise DomainError(
                ErrorCode.OUT_OF_RANGE, f"{param.key} must be at most {param.maximum}.", "value"
            )
    return value


def render(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)
