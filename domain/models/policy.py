"""Versioned policy parameters: every "X" of POLICY.md, one row per version."""

from __future__ import annotations

from tortoise import fields

from domain.models.base import TimestampedModel


class PolicyParameterVersion(TimestampedModel):
    key = fields.CharField(max_length=80)
    value = fields.TextField()
    version = fields.IntField()
    reason = fields.TextField()
    changed_by = fields.ForeignKeyField("models.Account", related_name="policy_changes", null=True)

    class Meta:
        table = "policy_parameter_version"
        unique_together = (("key", "version"),)
