"""Manual points adjustments by staff (P3.1.2 points; P4.1 approval of what exceeds a limit):
every adjustment states its reason; one larger than `points_adjust_approval_limit` (either way)
waits for a supervisor's or director's approval through `domain.approvals` and is applied by
the approval handler when approved, in the deciding transaction. A debit never takes the
balance below zero: applied later, it is re-checked then (and recorded FAILED if the points
are no longer there)."""

from __future__ import annotations

from dataclasses import dataclass

from authz.identity import Kind
from domain import approvals
from domain.actor import Actor
from domain.approval_handlers import handles
from domain.clock import clock
from domain.errors import DomainError, ErrorCode
from domain.members import ledger
from domain.members.registration import get_member
from domain.models import ApprovalRequest, Member, PointsAdjustment
from domain.policy_params import params

APPROVAL_KIND = "POINTS_ADJUSTMENT"
HANDLER = "points_adjustment.decided"
LEVELS = [["supervisor", "director"]]
MAX_POINTS = 10_000_000
MAX_REASON = 500


@dataclass(frozen=True)
class AdjustmentResult:
    member: Member
    adjustment: PointsAdjustment
    approval: ApprovalRequest | None

    @property
    def pk(self) -> int:
        return self.member.id


async def _apply(adjustment: PointsAdjustment) -> None:
    if adjustment.delta > 0:
        await ledger.credit(
            adjustment.member_id,
            adjustment.delta,
            kind="ADJUST",
            source="ADJUST",
            note=adjustment.reason,
        )
    else:
        await ledger.debit(
            adjustment.member_id,
            -adjustment.delta,
            kind="ADJUST",
            note=adjustment.reason,
            field="delta",
        )


async def adjust_points(actor: Actor, member_id: int, delta: int, reason: str) -> AdjustmentResult:
    """Credit or debit points by hand (inside an audited unit of work)."""
    if actor.identity.kind not in (Kind.STAFF, Kind.SYSTEM):
        raise DomainError(ErrorCode.FORBIDDEN, "Hotel staff adjust points.", "memberId")
    member = await get_member(member_id)
    clean = " ".join((reason or "").split())
    if not clean:
        raise DomainError(ErrorCode.REQUIRED, "Say why the points change.", "reason")
    if len(clean) > MAX_REASON:
        raise DomainError(ErrorCode.TOO_LONG, "The reason is too long.", "reason")
    if delta == 0:
        raise DomainError(ErrorCode.OUT_OF_RANGE, "An adjustment changes the balance.", "delta")
    if abs(delta) > MAX_POINTS:
        raise DomainError(ErrorCode.OUT_OF_RANGE, "That is too many points.", "delta")
    if delta < 0 and member.points_balance < -delta:
        raise DomainError(
            ErrorCode.INSUFFICIENT_POINTS,
            "The balance cannot go below zero.",
            "delta",
        )
    needs_approval = abs(delta) > await params.points_adjust_approval_limit
    adjustment = await PointsAdjustment.create(
        member_id=member.id,
        delta=delta,
        reason=clean,
        status="PENDING_APPROVAL" if needs_approval else "APPLIED",
        requested_by_account_id=actor.account_id,
        applied_at=None if needs_approval else clock.now(),
    )
    approval = None
    if needs_approval:
        approval = await approvals.submit_approval(
            actor,
            kind=APPROVAL_KIND,
            levels=LEVELS,
            subject_type="Member",
            subject_id=member.id,
            reason=f"{delta:+d} points for member {member.member_number}: {clean}",
            handler=HANDLER,
        )
        await PointsAdjustment.filter(id=adjustment.id).update(approval_id=approval.id)
        adjustment.approval_id = approval.id
    else:
        await _apply(adjustment)
    return AdjustmentResult(await Member.get(id=member.id), adjustment, approval)


@handles(HANDLER)
async def on_adjustment_decided(request: ApprovalRequest) -> None:
    """Apply an approved adjustment; close a rejected or expired one. Claimed by a conditional
    update, so it applies once."""
    adjustment = await PointsAdjustment.get_or_none(approval_id=request.id)
    if adjustment is None:
        return
    if request.status != approvals.ApprovalStatus.APPROVED:
        await PointsAdjustment.filter(id=adjustment.id, status="PENDING_APPROVAL").update(
            status=request.status
        )
        return
    claimed = await PointsAdjustment.filter(id=adjustment.id, status="PENDING_APPROVAL").update(
        status="APPLIED", applied_at=clock.now()
    )
    if claimed != 1:
        return
    try:
        await _apply(adjustment)
    except DomainError as refusal:  # the points were spent meanwhile: record, do not fail
        await PointsAdjustment.filter(id=adjustment.id).update(
            status="FAILED", applied_at=None, outcome=refusal.message[:200]
        )
