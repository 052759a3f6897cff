"""Disputes: open, escalate one step, decide a step, extend an arbitration, list (P7.2).
HR, the director, supervisors and the committee see every dispute; other staff see theirs."""

from __future__ import annotations

import strawberry

from authz.enforcer import Access
from domain import disputes
from domain.errors import DomainError
from domain.models import Dispute as DisputeRow
from resolvers.nodes import register
from resolvers.support import access_of, run_audited, run_self_audited
from schema.types.disputes import (
    DecideDisputeInput,
    Dispute,
    DisputeFilter,
    DisputePayload,
    EscalateDisputeInput,
    ExtendArbitrationInput,
    OpenDisputeInput,
)
from schema.types.errors import user_errors
from schema.types.relay import Connection, paged, parse_global_id


async def list_disputes(
    info: strawberry.Info,
    first: int | None = None,
    after: str | None = None,
    filter: DisputeFilter | None = None,
) -> Connection[Dispute]:
    f = filter or DisputeFilter()
    mine = f.only_mine or access_of(info, "dispute", "read") == Access.OWN
    criteria = disputes.DisputeFilter(
        involving_account_id=info.context.identity.id if mine else None,
        status=f.status.value if f.status else None,
    )
    return await paged(
        first,
        after,
        lambda size, after_id: disputes.list_disputes(criteria, first=size, after_id=after_id),
        Dispute.of,
    )


async def open_dispute(info: strawberry.Info, input: OpenDisputeInput) -> DisputePayload:
    async def work():
        return await disputes.open_dispute(
            info.context.actor,
            input.subject,
            input.description,
            other_party_email=input.other_party_email,
            other_department=input.other_department,
        )

    row, errors = await run_audited(info, "openDispute", "Dispute", work)
    return DisputePayload(dispute=row and Dispute.of(row), errors=errors)


async def escalate_dispute(info: strawberry.Info, input: EscalateDisputeInput) -> DisputePayload:
    async def work():
        dispute_id = parse_global_id(input.dispute_id, "Dispute", "disputeId")
        return await disputes.escalate(
            info.context.actor, dispute_id, disputes.Step(input.to_step.value), input.reason
        )

    row, errors = await run_audited(info, "escalateDispute", "Dispute", work)
    return DisputePayload(dispute=row and Dispute.of(row), errors=errors)


async def decide_dispute(info: strawberry.Info, input: DecideDisputeInput) -> DisputePayload:
    try:
        dispute_id = parse_global_id(input.dispute_id, "Dispute", "disputeId")
    except DomainError as refusal:
        return DisputePayload(errors=user_errors(refusal))
    row, errors = await run_self_audited(
        lambda: disputes.decide(info.context.actor, dispute_id, input.outcome)
    )
    return DisputePayload(dispute=row and Dispute.of(row), errors=errors)


async def extend_arbitration(
    info: strawberry.Info, input: ExtendArbitrationInput
) -> DisputePayload:
    async def work():
        dispute_id = parse_global_id(input.dispute_id, "Dispute", "disputeId")
        return await disputes.extend_arbitration(info.context.actor, dispute_id, input.reason)

    row, errors = await run_audited(info, "extendArbitration", "Dispute", work)
    return DisputePayload(dispute=row and Dispute.of(row), errors=errors)


@register("Dispute", "dispute")
async def _dispute_node(info: strawberry.Info, pk: int, access) -> Dispute | None:
    row = await DisputeRow.get_or_none(id=pk)
    if row is None:
        return None
    if access == Access.OWN and not await disputes.visible_to(row, info.context.identity.id):
        return None
    return Dispute.of(row)
