"""The resolution ladder of a dispute (P7.2.1, P7.2.3): the first `dispute_steps` of direct
talk, supervisor mediation and the department arbitration panel, then the appeal to HR and the
mediation committee, whose ruling is final. Who may record the outcome at each step, and who
escalates: only the parties, one step at a time."""

from __future__ import annotations

from enum import StrEnum

from domain.policy_params import params


class Step(StrEnum):
    DIRECT_TALK = "DIRECT_TALK"
    SUPERVISOR_MEDIATION = "SUPERVISOR_MEDIATION"
    ARBITRATION_PANEL = "ARBITRATION_PANEL"
    HR_APPEAL = "HR_APPEAL"
    MEDIATION_COMMITTEE = "MEDIATION_COMMITTEE"


class DisputeStatus(StrEnum):
    OPEN = "OPEN"  # the current step has not given an outcome
    SETTLED = "SETTLED"  # an outcome; a party may still appeal to the next step
    FINAL = "FINAL"  # the mediation committee ruled


INTERNAL = (Step.DIRECT_TALK, Step.SUPERVISOR_MEDIATION, Step.ARBITRATION_PANEL)
APPEALS = (Step.HR_APPEAL, Step.MEDIATION_COMMITTEE)
# Who records the outcome of each step (besides being no party to the dispute, except in the
# parties' own direct talk).
DECIDERS = {
    Step.DIRECT_TALK: (),  # the parties themselves
    Step.SUPERVISOR_MEDIATION: ("supervisor", "director"),
    Step.ARBITRATION_PANEL: ("director", "committee"),
    Step.HR_APPEAL: ("hr",),
    Step.MEDIATION_COMMITTEE: ("committee",),
}


async def ladder() -> tuple[Step, ...]:
    return (*INTERNAL[: await params.dispute_steps], *APPEALS)


async def next_step(current: Step) -> Step | None:
    steps = await ladder()
    at = steps.index(current) if current in steps else -1
    return steps[at + 1] if 0 <= at < len(steps) - 1 else None
