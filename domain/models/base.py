"""Shared model pieces: timestamps from the injected clock and money fields."""

from __future__ import annotations

from tortoise import fields
from tortoise.models import Model

from domain.clock import utcnow


def money_field(**kwargs) -> fields.DecimalField:
    """Money is Decimal with two places, never float (ARCHITECTURE.md, Money)."""
    return fields.DecimalField(max_digits=14, decimal_places=2, **kwargs)


class TimestampedModel(Model):
    id = fields.IntField(primary_key=True)
    created_at = fields.DatetimeField(default=utcnow)

    class Meta:
        abstract = True
