"""Rewards and penalties fields of the root types (P5.2)."""

from __future__ import annotations

import strawberry

from resolvers import incentives as incentive_resolvers
from schema.permissions import requires
from schema.types.incentives import (
    BlacklistEntry,
    BlacklistPayload,
    IncentiveEntry,
    IncentivePayload,
    ViolationCase,
    ViolationCasePayload,
)
from schema.types.relay import Connection


@strawberry.type
class IncentiveQuery:
    rewards_and_penalties: Connection[IncentiveEntry] = strawberry.field(
        resolver=incentive_resolvers.rewards_and_penalties,
        extensions=[requires("incentive", "read")],
        description="Rewards and penalties: HR and the director see all, supervisors their "
        "team, everyone else what was decided about them (P5.2).",
    )
    violation_cases: Connection[ViolationCase] = strawberry.field(
        resolver=incentive_resolvers.violation_cases,
        extensions=[requires("violation_case", "read")],
    )
    blacklist: Connection[BlacklistEntry] = strawberry.field(
        resolver=incentive_resolvers.blacklist_entries,
        extensions=[requires("staff_blacklist", "read")],
        description="The permanent blacklist for data falsification (P5.2.4).",
    )


@strawberry.type
class IncentiveMutation:
    grant_reward: IncentivePayload = strawberry.mutation(
        resolver=incentive_resolvers.grant_reward,
        extensions=[requires("incentive", "propose")],
    )
    impose_penalty: IncentivePayload = strawberry.mutation(
        resolver=incentive_resolvers.impose_penalty,
        extensions=[requires("incentive", "propose")],
    )
    deduct_for_complaint_handling: IncentivePayload = strawberry.mutation(
        resolver=incentive_resolvers.deduct_for_complaint_handling,
        extensions=[requires("incentive", "propose")],
    )
    decide_incentive: IncentivePayload = strawberry.mutation(
        resolver=incentive_resolvers.decide_incentive,
        extensions=[requires("incentive", "decide")],
        description="Approve or reject a supervisor's proposed reward or penalty.",
    )
    blacklist_for_falsification: BlacklistPayload = strawberry.mutation(
        resolver=incentive_resolvers.blacklist_for_falsification,
        extensions=[requires("staff_blacklist", "add")],
    )
    open_violation_case: ViolationCasePayload = strawberry.mutation(
        resolver=incentive_resolvers.open_violation_case,
        extensions=[requires("violation_case", "open")],
    )
    start_violation_handling: ViolationCasePayload = strawberry.mutation(
        resolver=incentive_resolvers.start_violation_handling,
        extensions=[requires("violation_case", "handle")],
    )
    close_violation_case: ViolationCasePayload = strawberry.mutation(
        resolver=incentive_resolvers.close_violation_case,
        extensions=[requires("violation_case", "handle")],
    )
