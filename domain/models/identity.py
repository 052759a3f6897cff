"""Accounts (staff and guests), refresh-token families, partner API tokens and the role grants
of the permission matrix (P6.1.2) with their HR filing (P4.1.5)."""

from __future__ import annotations

from tortoise import fields

from domain.models.base import TimestampedModel
from domain.personal_data.fields import EncryptedTextField


class Account(TimestampedModel):
    """A person who logs in: staff (with roles) or a guest (member)."""

    email = fields.CharField(max_length=254, unique=True)
    password_hash = fields.CharField(max_length=255)
    display_name = fields.CharField(max_length=120)
    kind = fields.CharField(max_length=10)  # STAFF | GUEST
    roles = fields.JSONField(default=list)
    is_active = fields.BooleanField(default=True)
    # Requests per minute; null means the default budget for the account's kind.
    request_budget = fields.IntField(null=True)
    member_id = fields.IntField(null=True)
    # Saved language for messages (en, zh-CN); empty: the request's Accept-Language decides.
    language = fields.CharField(max_length=10, default="")
    # The phone number a guest gave at sign-up (encrypted, P6.1.2). The e-mail address above is
    # still plaintext: it is the log-in name, looked up on every log-in.
    phone = EncryptedTextField(null=True)

    class Meta:
        table = "account"


class RefreshToken(TimestampedModel):
    """One link in a rotating refresh-token family. Reuse of a used link revokes the family."""

    family = fields.CharField(max_length=36, db_index=True)
    token_hash = fields.CharField(max_length=64, unique=True)
    account = fields.ForeignKeyField("models.Account", related_name="refresh_tokens")
    expires_at = fields.DatetimeField()
    used_at = fields.DatetimeField(null=True)
    revoked_at = fields.DatetimeField(null=True)

    class Meta:
        table = "refresh_token"


class ApiToken(TimestampedModel):
    """A partner's scoped token. The secret is shown once, only its SHA-256 is kept."""

    name = fields.CharField(max_length=120)
    prefix = fields.CharField(max_length=16, unique=True)
    secret_hash = fields.CharField(max_length=64)
    scopes = fields.JSONField(default=list)
    expires_at = fields.DatetimeField()
    revoked_at = fields.DatetimeField(null=True)
    created_by = fields.ForeignKeyField("models.Account", related_name="api_tokens_created")
    request_budget = fields.IntField(null=True)
    last_used_at = fields.DatetimeField(null=True)

    class Meta:
        table = "api_token"


class RoleGrant(TimestampedModel):
    """One cell of the permission matrix. Revoked grants stay as rows (granted=false) so that a
    default grant an admin removed is not silently re-added by a later release."""

    role = fields.CharField(max_length=40)
    resource = fields.CharField(max_length=60)
    action = fields.CharField(max_length=40)
    granted = fields.BooleanField(default=True)
    updated_at = fields.DatetimeField(null=True)

    class Meta:
        table = "role_grant"
        unique_together = (("role", "resource", "action"),)


class AuthorizationChange(TimestampedModel):
    """A change of authorisation filed with HR (P4.1.5): who changed which grant, and why."""

    changed_by = fields.ForeignKeyField("models.Account", related_name="authorization_changes")
    kind = fields.CharField(max_length=20, default="GRANT")  # GRANT | ROLE_ASSIGNMENT
    # For a role assignment: whose roles changed.
    account = fields.ForeignKeyField(
        "models.Account", related_name="role_assignments", null=True
    )
    role = fields.CharField(max_length=40)
    resource = fields.CharField(max_length=60)
    action = fields.CharField(max_length=40)
    granted = fields.BooleanField()
    reason = fields.TextField()
    hr_acknowledged_at = fields.DatetimeField(null=True)
    hr_acknowledged_by = fields.ForeignKeyField(
        "models.Account", related_name="authorization_acknowledgements", null=True
    )

    class Meta:
        table = "authorization_change"


class AuthzVersion(TimestampedModel):
    """A counter bumped on every grant change, so every API process reloads its enforcer."""

    version = fields.IntField(default=0)

    class Meta:
        table = "authz_version"
