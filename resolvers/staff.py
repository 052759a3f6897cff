"""Staff accounts (admin) and HR's view of authorisation changes (P4.1.5)."""

from __future__ import annotations

import strawberry

from authz import accounts
from domain.models import Account
from domain.models import AuthorizationChange as AuthorizationChangeRow
from resolvers.dual_review import pending_of
from resolvers.nodes import register
from resolvers.support import run_audited
from schema.types.governance import AuthorizationChange
from schema.types.relay import Connection, paginate, parse_global_id
from schema.types.staff import (
    AcknowledgeAuthorizationChangeInput,
    AuthorizationChangeFilter,
    AuthorizationChangePayload,
    CreateStaffAccountInput,
    StaffAccount,
    StaffAccountPayload,
    UpdateStaffAccountInput,
)


async def staff_accounts(
    info: strawberry.Info, first: int | None = None, after: str | None = None
) -> Connection[StaffAccount]:
    return await paginate(Account.filter(kind="STAFF"), first, after, StaffAccount.of)


async def create_staff_account(
    info: strawberry.Info, input: CreateStaffAccountInput
) -> StaffAccountPayload:
    async def work():
        return await accounts.create_staff(
            info.context.actor,
            input.email,
            input.display_name,
            list(input.roles),
            input.password,
            input.reason,
        )

    pending, errors = await run_audited(info, "createStaffAccount", "Account", work)
    return StaffAccountPayload(pending_operation=pending_of(info, pending), errors=errors)


async def update_staff_account(
    info: strawberry.Info, input: UpdateStaffAccountInput
) -> StaffAccountPayload:
    async def work():
        return await accounts.update_staff(
            info.context.actor,
            parse_global_id(input.account_id, "StaffAccount", "accountId"),
            reason=input.reason,
            roles=None if input.roles is None else list(input.roles),
            is_active=input.is_active,
            request_budget=input.request_budget,
        )

    result, errors = await run_audited(info, "updateStaffAccount", "Account", work)
    pending = pending_of(info, result)
    account = None if pending is not None or result is None else StaffAccount.of(result)
    return StaffAccountPayload(account=account, pending_operation=pending, errors=errors)


async def authorization_changes(
    info: strawberry.Info,
    first: int | None = None,
    after: str | None = None,
    filter: AuthorizationChangeFilter | None = None,
) -> Connection[AuthorizationChange]:
    query = AuthorizationChangeRow.all()
    if filter and filter.unacknowledged_only:
        query = query.filter(hr_acknowledged_at=None)
    if filter and filter.kind:
        query = query.filter(kind=filter.kind)
    return await paginate(query, first, after, AuthorizationChange.of)


async def acknowledge_authorization_change(
    info: strawberry.Info, input: AcknowledgeAuthorizationChangeInput
) -> AuthorizationChangePayload:
    async def work():
        return await accounts.acknowledge_change(
            info.context.identity.id, parse_global_id(input.id, "AuthorizationChange")
        )

    change, errors = await run_audited(
        info, "acknowledgeAuthorizationChange", "AuthorizationChange", work
    )
    return AuthorizationChangePayload(
        authorization_change=change and AuthorizationChange.of(change), errors=errors
    )


@register("StaffAccount", "staff_account")
async def _staff_node(info: strawberry.Info, pk: int, access) -> StaffAccount | None:
    row = await Account.get_or_none(id=pk, kind="STAFF")
    return row and StaffAccount.of(row)


@register("AuthorizationChange", "authorization_change")
async def _change_node(info: strawberry.Info, pk: int, access) -> AuthorizationChange | None:
    row = await AuthorizationChangeRow.get_or_none(id=pk)
    return row and AuthorizationChange.of(row)
