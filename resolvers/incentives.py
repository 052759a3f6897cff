"""Rewards and penalties (P5.2): the ledger, deductions for complaint handling, the permanent
blacklist and violation cases. HR and the director decide and see everything; supervisors
propose for and see their team; every other member of staff sees their own. Whether the caller
decides or only proposes is the permission matrix's answer (`incentive:decide`), handed to the
domain."""

from __future__ import annotations

import strawberry

from authz.enforcer import Access, enforcer
from domain import incentives
from domain.errors import DomainError
from domain.incentives import blacklist, ledger, violations
from domain.models import PendingOperation as PendingRow
from domain.models import StaffBlacklistEntry as BlacklistRow
from resolvers.dual_review import pending_of
from resolvers.nodes import register
from resolvers.support import access_of, run_audited
from schema.types.errors import user_errors
from schema.types.incentives import (
    BlacklistEntry,
    BlacklistForFalsificationInput,
    BlacklistPayload,
    CloseViolationCaseInput,
    DecideIncentiveInput,
    DeductForComplaintHandlingInput,
    GrantRewardInput,
    ImposePenaltyInput,
    IncentiveDecision,
    IncentiveEntry,
    IncentiveFilter,
    IncentivePayload,
    OpenViolationCaseInput,
    StartViolationHandlingInput,
    ViolationCase,
    ViolationCaseFilter,
    ViolationCasePayload,
)
from schema.types.relay import Connection, paged, parse_global_id


def _scope(info: strawberry.Info, resource: str) -> incentives.Scope:
    everyone = access_of(info, resource, "read") == Access.ALL
    return incentives.Scope.of(info.context.actor, everyone=everyone)


async def _may(info: strawberry.Info, resource: str, action: str) -> bool:
    return await enforcer.decide(info.context.identity, resource, action) is not None


def _staff(value, field: str = "staffId") -> int:
    return parse_global_id(value, "StaffAccount", field)


def _optional(value, type_name: str, field: str) -> int | None:
    return None if value is None else parse_global_id(value, type_name, field)


# ---- the ledger -----------------------------------------------------------------------------


async def rewards_and_penalties(
    info: strawberry.Info,
    first: int | None = None,
    after: str | None = None,
    filter: IncentiveFilter | None = None,
) -> Connection[IncentiveEntry]:
    f = filter or IncentiveFilter()
    scope = _scope(info, "incentive")
    wanted = ledger.EntryFilter(
        staff_account_id=_optional(f.staff_id, "StaffAccount", "staffId"),
        category=f.category.value if f.category else None,
        status=f.status.value if f.status else None,
    )
    return await paged(
        first,
        after,
        lambda size, after_id: ledger.list_entries(scope, wanted, first=size, after_id=after_id),
        IncentiveEntry.of,
    )


async def _entry_payload(info: strawberry.Info, action: str, work) -> IncentivePayload:
    row, errors = await run_audited(info, action, "IncentiveEntry", work)
    pending = None
    if row is not None and row.pending_operation_id is not None:
        pending = pending_of(info, await PendingRow.get_or_none(id=row.pending_operation_id))
    return IncentivePayload(
        entry=row and IncentiveEntry.of(row), pending_operation=pending, errors=errors
    )


async def _record(
    info: strawberry.Info, action: str, input: GrantRewardInput | ImposePenaltyInput
) -> IncentivePayload:
    """Record a reward or a penalty: decided by a decider, proposed by anyone else."""
    basis = input.basis
    try:
        new = ledger.NewEntry(
            staff_account_id=_staff(input.staff_id),
            kind=input.kind.value,
            reason=input.reason,
            period_start=input.period_start,
            period_end=input.period_end,
            amount=input.amount,
            currency=input.currency,
        )
        if basis is not None:
            new.basis_kind = basis.kind.value
            new.basis_reference = basis.reference
            new.complaint_id = _optional(basis.complaint_id, "Complaint", "complaintId")
            new.violation_case_id = _optional(
                basis.violation_case_id, "ViolationCase", "violationCaseId"
            )
    except DomainError as refusal:
        return IncentivePayload(errors=user_errors(refusal))
    may_decide = await _may(info, "incentive", "decide")

    async def work():
        return await ledger.record(info.context.actor, new, may_decide=may_decide)

    return await _entry_payload(info, action, work)


async def grant_reward(info: strawberry.Info, input: GrantRewardInput) -> IncentivePayload:
    return await _record(info, "grantReward", input)


async def impose_penalty(info: strawberry.Info, input: ImposePenaltyInput) -> IncentivePayload:
    return await _record(info, "imposePenalty", input)


async def deduct_for_complaint_handling(
    info: strawberry.Info, input: DeductForComplaintHandlingInput
) -> IncentivePayload:
    try:
        staff_id = _staff(input.staff_id)
        complaint_id = parse_global_id(input.complaint_id, "Complaint", "complaintId")
    except DomainError as refusal:
        return IncentivePayload(errors=user_errors(refusal))
    may_decide = await _may(info, "incentive", "decide")

    async def work():
        return await ledger.deduct_for_complaint(
            info.context.actor,
            staff_account_id=staff_id,
            complaint_id=complaint_id,
            reason=input.reason,
            period_start=input.period_start,
            period_end=input.period_end,
            percent=input.percent,
            performance_pay=input.performance_pay,
            currency=input.currency,
            may_decide=may_decide,
        )

    return await _entry_payload(info, "deductForComplaintHandling", work)


async def decide_incentive(info: strawberry.Info, input: DecideIncentiveInput) -> IncentivePayload:
    try:
        entry_id = parse_global_id(input.entry_id, "IncentiveEntry", "entryId")
    except DomainError as refusal:
        return IncentivePayload(errors=user_errors(refusal))

    async def work():
        return await ledger.decide_proposal(
            info.context.actor,
            entry_id,
            input.decision == IncentiveDecision.APPROVE,
            input.comment,
        )

    return await _entry_payload(info, "decideIncentive", work)


# ---- the blacklist --------------------------------------------------------------------------


async def blacklist_entries(
    info: strawberry.Info, first: int | None = None, after: str | None = None
) -> Connection[BlacklistEntry]:
    return await paged(
        first,
        after,
        lambda size, after_id: blacklist.list_entries(first=size, after_id=after_id),
        BlacklistEntry.of,
    )


async def blacklist_for_falsification(
    info: strawberry.Info, input: BlacklistForFalsificationInput
) -> BlacklistPayload:
    try:
        staff_id = _staff(input.staff_id)
        case_id = _optional(input.violation_case_id, "ViolationCase", "violationCaseId")
    except DomainError as refusal:
        return BlacklistPayload(errors=user_errors(refusal))

    async def work():
        return await blacklist.add(
            info.context.actor, staff_id, input.id_document_number, input.reason, case_id
        )

    row, errors = await run_audited(info, "blacklistForFalsification", "StaffBlacklistEntry", work)
    return BlacklistPayload(entry=row and BlacklistEntry.of(row), errors=errors)


# ---- violation cases ------------------------------------------------------------------------


async def violation_cases(
    info: strawberry.Info,
    first: int | None = None,
    after: str | None = None,
    filter: ViolationCaseFilter | None = None,
) -> Connection[ViolationCase]:
    f = filter or ViolationCaseFilter()
    scope = _scope(info, "violation_case")
    wanted = violations.CaseFilter(
        status=f.status.value if f.status else None,
        staff_account_id=_optional(f.staff_id, "StaffAccount", "staffId"),
    )
    return await paged(
        first,
        after,
        lambda size, after_id: violations.list_cases(scope, wanted, first=size, after_id=after_id),
        ViolationCase.of,
    )


async def _case_payload(info: strawberry.Info, action: str, work, case_id=None):
    row, errors = await run_audited(info, action, "ViolationCase", work, subject_id=case_id)
    return ViolationCasePayload(violation_case=row and ViolationCase.of(row), errors=errors)


async def open_violation_case(
    info: strawberry.Info, input: OpenViolationCaseInput
) -> ViolationCasePayload:
    try:
        staff_id = _staff(input.staff_id)
    except DomainError as refusal:
        return ViolationCasePayload(errors=user_errors(refusal))
    may_handle = await _may(info, "violation_case", "handle")

    async def work():
        return await violations.open_case(
            info.context.actor,
            staff_id,
            input.severity.value,
            input.description,
            may_handle=may_handle,
        )

    return await _case_payload(info, "openViolationCase", work)


async def start_violation_handling(
    info: strawberry.Info, input: StartViolationHandlingInput
) -> ViolationCasePayload:
    try:
        case_id = parse_global_id(input.case_id, "ViolationCase", "caseId")
    except DomainError as refusal:
        return ViolationCasePayload(errors=user_errors(refusal))

    async def work():
        return await violations.start_handling(info.context.actor, case_id, input.note)

    return await _case_payload(info, "startViolationHandling", work, case_id)


async def close_violation_case(
    info: strawberry.Info, input: CloseViolationCaseInput
) -> ViolationCasePayload:
    try:
        case_id = parse_global_id(input.case_id, "ViolationCase", "caseId")
        penalty_id = _optional(input.penalty_id, "IncentiveEntry", "penaltyId")
    except DomainError as refusal:
        return ViolationCasePayload(errors=user_errors(refusal))

    async def work():
        return await violations.close_case(
            info.context.actor, case_id, input.outcome.value, penalty_id, input.note
        )

    return await _case_payload(info, "closeViolationCase", work, case_id)


# ---- nodes ----------------------------------------------------------------------------------


def _node_scope(info: strawberry.Info, access) -> incentives.Scope:
    return incentives.Scope.of(info.context.actor, everyone=access == Access.ALL)


@register("IncentiveEntry", "incentive")
async def _entry_node(info: strawberry.Info, pk: int, access) -> IncentiveEntry | None:
    row = await ledger.visible_entry(_node_scope(info, access), pk)
    return row and IncentiveEntry.of(row)


@register("ViolationCase", "violation_case")
async def _case_node(info: strawberry.Info, pk: int, access) -> ViolationCase | None:
    row = await violations.visible_case(_node_scope(info, access), pk)
    return row and ViolationCase.of(row)


@register("BlacklistEntry", "staff_blacklist")
async def _blacklist_node(info: strawberry.Info, pk: int, access) -> BlacklistEntry | None:
    if access != Access.ALL:
        return None
    row = await BlacklistRow.get_or_none(id=pk)
    return row and BlacklistEntry.of(row)
