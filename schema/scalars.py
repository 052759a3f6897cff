"""Scalars whose input is checked at the boundary, so a malformed value is refused with a code
before any resolver runs.

`Decimal` keeps the name clients know but replaces strawberry's lenient parser: the schema's
`Decimal` inputs are all amounts of money (rates, amounts to approve), and a value that is not
finite, has too many digits for the money columns or more than two decimal places is refused
with `BAD_USER_INPUT` (domain/money.py holds the rule)."""

from __future__ import annotations

from decimal import Decimal

from graphql import FloatValueNode, IntValueNode, StringValueNode, ValueNode
from strawberry.types.scalar import ScalarDefinition

from domain import money
from schema.types.errors import BAD_USER_INPUT, ApiError


def _parse_money(value: object) -> Decimal:
    problem = money.amount_problem(value)
    if problem is not None:
        raise ApiError(BAD_USER_INPUT, problem)
    return Decimal(value.strip() if isinstance(value, str) else str(value))


def _parse_money_literal(node: ValueNode, variables: dict | None = None) -> Decimal:
    if isinstance(node, StringValueNode | IntValueNode | FloatValueNode):
        return _parse_money(node.value)
    raise ApiError(BAD_USER_INPUT, money.amount_problem(None) or "Not an amount.")


MoneyDecimal = ScalarDefinition(
    name="Decimal",
    description=(
        'A decimal number as a string, e.g. "1250.00". Inputs are amounts of money: finite, '
        f"at most {money.MAX_DIGITS - money.PLACES} digits before the point and "
        f"{money.PLACES} after."
    ),
    specified_by_url=None,
    serialize=str,
    parse_value=_parse_money,
    parse_literal=_parse_money_literal,
    origin=Decimal,
)

SCALAR_OVERRIDES = {Decimal: MoneyDecimal}
