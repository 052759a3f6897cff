"""Crisis groups: convene, dissolve, list (P4.1.4). Directors, the committee, HR and internal
audit see every group; supervisors and technical leads see the groups they sit in."""

from __future__ import annotations

import strawberry

from authz.enforcer import Access
from domain import crisis
from domain.errors import DomainError
from domain.models import CrisisGroup as CrisisGroupRow
from resolvers.nodes import register
from resolvers.support import access_of, run_audited, run_self_audited
from schema.types.crisis import (
    ConveneCrisisGroupInput,
    CrisisGroup,
    CrisisGroupFilter,
    CrisisGroupPayload,
    DissolveCrisisGroupInput,
)
from schema.types.errors import user_errors
from schema.types.relay import Connection, connection, decode_cursor, page_size, parse_global_id


async def list_crisis_groups(
    info: strawberry.Info,
    first: int | None = None,
    after: str | None = None,
    filter: CrisisGroupFilter | None = None,
) -> Connection[CrisisGroup]:
    size = page_size(first)
    f = filter or CrisisGroupFilter()
    mine = f.only_mine or access_of(info, "crisis_group", "read") == Access.OWN
    rows, has_next, count = await crisis.list_groups(
        crisis.CrisisGroupFilter(
            member_account_id=info.context.identity.id if mine else None,
            status=f.status.value if f.status else None,
        ),
        first=max(size, 1),
        after_id=decode_cursor(after) if after else None,
    )
    return connection(
        rows[:size], has_next=has_next, count=count, after=after, to_node=CrisisGroup.of
    )


async def convene_crisis_group(
    info: strawberry.Info, input: ConveneCrisisGroupInput
) -> CrisisGroupPayload:
    async def work():
        return await crisis.convene(
            info.context.actor,
            input.reason,
            input.matters,
            input.member_emails,
            input.expires_at,
        )

    row, errors = await run_audited(info, "conveneCrisisGroup", "CrisisGroup", work)
    return CrisisGroupPayload(crisis_group=row and CrisisGroup.of(row), errors=errors)


async def dissolve_crisis_group(
    info: strawberry.Info, input: DissolveCrisisGroupInput
) -> CrisisGroupPayload:
    try:
        group_id = parse_global_id(input.group_id, "CrisisGroup", "groupId")
    except DomainError as refusal:
        return CrisisGroupPayload(errors=user_errors(refusal))
    row, errors = await run_self_audited(
        lambda: crisis.dissolve(info.context.actor, group_id, input.reason)
    )
    return CrisisGroupPayload(crisis_group=row and CrisisGroup.of(row), errors=errors)


@register("CrisisGroup", "crisis_group")
async def _crisis_group_node(info: strawberry.Info, pk: int, access) -> CrisisGroup | None:
    row = await CrisisGroupRow.get_or_none(id=pk)
    if row is None:
        return None
    if access == Access.OWN and not await crisis.visible_to(row, info.context.identity.id):
        return None
    return CrisisGroup.of(row)
