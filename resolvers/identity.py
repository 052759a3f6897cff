"""Log-in, token refresh, log-out, the viewer, and partner API tokens (issue: identity)."""

from __future__ import annotations

import strawberry

from authz import accounts, sessions, tokens
from authz.identity import Identity
from resolvers.dual_review import pending_of
from resolvers.support import run_audited, run_self_audited
from schema.types.identity import (
    ApiToken as ApiTokenType,
)
from schema.types.identity import (
    CreateApiTokenInput,
    CreateApiTokenPayload,
    LoginInput,
    LoginPayload,
    LogoutInput,
    LogoutPayload,
    RefreshTokenInput,
    RevokeApiTokenInput,
    RevokeApiTokenPayload,
    SetPreferredLanguageInput,
    SetPreferredLanguagePayload,
    Viewer,
)
from schema.types.relay import parse_global_id


def _login_payload(issued: tokens.IssuedTokens) -> LoginPayload:
    return LoginPayload(
        access_token=issued.access_token,
        refresh_token=issued.refresh_token,
        expires_at=issued.expires_at,
        viewer=Viewer.of(issued.identity),
    )


async def login(info: strawberry.Info, input: LoginInput) -> LoginPayload:
    context = info.context
    issued, errors = await run_self_audited(
        lambda: sessions.login(input.email, input.password, context.client_ip, context.actor)
    )
    if errors:
        return LoginPayload(errors=errors)
    return _login_payload(issued)


async def refresh_token(info: strawberry.Info, input: RefreshTokenInput) -> LoginPayload:
    async def work() -> tokens.IssuedTokens:
        return await tokens.rotate_refresh_token(input.refresh_token)

    issued, errors = await run_audited(info, "refreshToken", "Session", work)
    if errors:
        return LoginPayload(errors=errors)
    return _login_payload(issued)


async def logout(info: strawberry.Info, input: LogoutInput) -> LogoutPayload:
    identity = info.context.identity

    async def work() -> bool:
        return await sessions.logout(identity.id, identity.session, input.refresh_token)

    ok, errors = await run_audited(info, "logout", "Session", work, subject_id=identity.session)
    return LogoutPayload(ok=bool(ok), errors=errors)


async def me(info: strawberry.Info) -> Viewer | None:
    identity = info.context.identity
    return Viewer.of(identity) if identity.is_authenticated else None


async def create_api_token(
    info: strawberry.Info, input: CreateApiTokenInput
) -> CreateApiTokenPayload:
    async def work():
        return await tokens.create_api_token(
            info.context.actor,
            input.name,
            list(input.scopes),
            input.expires_at,
            input.request_budget,
        )

    created, errors = await run_audited(info, "createApiToken", "ApiToken", work)
    if errors:
        return CreateApiTokenPayload(errors=errors)
    token, secret = created
    pending = pending_of(info, token)
    if pending is not None:  # a write scope: the token exists once confirmed (P6.2.3)
        return CreateApiTokenPayload(secret=secret, pending_operation=pending)
    return CreateApiTokenPayload(api_token=ApiTokenType.of(token), secret=secret)


async def revoke_api_token(
    info: strawberry.Info, input: RevokeApiTokenInput
) -> RevokeApiTokenPayload:
    async def work():
        return await tokens.revoke_api_token(parse_global_id(input.id, "ApiToken"))

    token, errors = await run_audited(info, "revokeApiToken", "ApiToken", work)
    if errors:
        return RevokeApiTokenPayload(errors=errors)
    return RevokeApiTokenPayload(api_token=ApiTokenType.of(token))


async def set_preferred_language(
    info: strawberry.Info, input: SetPreferredLanguageInput
) -> SetPreferredLanguagePayload:
    identity = info.context.identity
    account_id = identity.id if identity.kind in ("STAFF", "GUEST") else None

    async def work():
        return await accounts.set_language(account_id, input.language)

    account, errors = await run_audited(info, "setPreferredLanguage", "Account", work)
    if errors:
        return SetPreferredLanguagePayload(errors=errors)
    return SetPreferredLanguagePayload(
        viewer=Viewer.of(Identity.of_account(account, identity.session))
    )
