"""Types of identity and access: the viewer, log-in payloads, partner API tokens."""

from __future__ import annotations

import datetime as dt

import strawberry
from strawberry import relay

from authz.identity import Identity
from schema.types.dual_review import PendingOperation
from schema.types.errors import UserError


@strawberry.type(description="Whoever is calling: a staff member, a guest or a partner token.")
class Viewer:
    id: strawberry.ID
    email: str | None
    display_name: str
    roles: list[str]
    kind: str
    scopes: list[str]
    language: str | None = strawberry.field(
        default=None,
        description="The saved language for messages (en, zh-CN); null: the "
        "request's Accept-Language decides.",
    )

    @classmethod
    def of(cls, identity: Identity) -> Viewer:
        return cls(
            id=strawberry.ID(identity.actor_ref or "anonymous"),
            email=identity.email,
            display_name=identity.display_name,
            roles=list(identity.roles),
            kind=str(identity.kind),
            scopes=list(identity.scopes),
            language=identity.language,
        )


async def viewer_by_id(info: strawberry.Info, account_id: int | None) -> Viewer | None:
    """The public face of an account by id, through the request's accounts dataloader."""
    if account_id is None:
        return None
    from schema.loaders import accounts_loader

    account = await accounts_loader(info).load(account_id)
    return account and viewer_of_account(account)


def viewer_of_account(account) -> Viewer:
    """The public face of an account (as the submitter or decider of something)."""
    return Viewer(
        id=strawberry.ID(f"account:{account.id}"),
        email=account.email if account.kind == "STAFF" else None,
        display_name=account.display_name,
        roles=list(account.roles or ()),
        kind=account.kind,
        scopes=[],
        language=account.language or None,
    )


@strawberry.input
class LoginInput:
    email: str
    password: str


@strawberry.input
class RefreshTokenInput:
    refresh_token: str


@strawberry.input
class LogoutInput:
    refresh_token: str | None = None


@strawberry.type
class LoginPayload:
    access_token: str | None = None
    refresh_token: str | None = None
    expires_at: dt.datetime | None = None
    viewer: Viewer | None = None
    errors: list[UserError] = strawberry.field(default_factory=list)


@strawberry.type
class LogoutPayload:
    ok: bool = False
    errors: list[UserError] = strawberry.field(default_factory=list)


@strawberry.type
class ApiToken(relay.Node):
    id: relay.NodeID[int]
    name: str
    scopes: list[str]
    expires_at: dt.datetime
    revoked_at: dt.datetime | None
    created_at: dt.datetime

    @classmethod
    def of(cls, row) -> ApiToken:
        return cls(
            id=row.id,
            name=row.name,
            scopes=list(row.scopes),
            expires_at=row.expires_at,
            revoked_at=row.revoked_at,
            created_at=row.created_at,
        )


@strawberry.input
class CreateApiTokenInput:
    name: str
    scopes: list[str]
    expires_at: dt.datetime
    request_budget: int | None = strawberry.field(
        default=None, description="Requests per minute; the partner default when omitted."
    )


@strawberry.type
class CreateApiTokenPayload:
    api_token: ApiToken | None = None
    secret: str | None = strawberry.field(
        default=None,
        description="Shown once, never again. With a write scope it works once the token is "
        "confirmed by a second person (pendingOperation).",
    )
    pending_operation: PendingOperation | None = strawberry.field(
        default=None,
        description="Set when the change waits for a second person's confirmation (P6.2.3).",
    )
    errors: list[UserError] = strawberry.field(default_factory=list)


@strawberry.input
class RevokeApiTokenInput:
    id: relay.GlobalID


@strawberry.type
class RevokeApiTokenPayload:
    api_token: ApiToken | None = None
    errors: list[UserError] = strawberry.field(default_factory=list)


@strawberry.input
class SetPreferredLanguageInput:
    language: str = strawberry.field(description="en or zh-CN (any zh-* or en-* tag is accepted).")


@strawberry.type
class SetPreferredLanguagePayload:
    viewer: Viewer | None = None
    errors: list[UserError] = strawberry.field(default_factory=list)
