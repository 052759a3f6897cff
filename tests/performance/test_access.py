"""Who reads and does what in performance evaluation (P5.1.5, P6.1.2): staff read their own
results, supervisors their team's, directors and HR all, analysts only the teams' aggregates;
every field is refused to a caller without its grant."""

from __future__ import annotations

import pytest

from domain.models import EvaluationResult
from tests.performance.support import (
    ATTENDED,
    CYCLES,
    EVALUATIONS,
    NODE,
    PEER,
    RAISE,
    RESOLVE,
    SELF,
    SUPERVISOR,
    TASKS,
    TEAM_KPIS,
    TICKETS,
    TRAINING,
    gid,
    ok,
    staff_id,
)
from workers.jobs import kpi_snapshots


async def _results(person):
    """A self-assessment of an agent, a cs representative and a technical lead, and the teams'
    KPI rows of October (a person's and the team's)."""
    people = {
        "agent": await person("booking_agent"),
        "cs": await person("cs_rep"),
        "tech": await person("tech_lead"),
    }
    for who in people.values():
        await EvaluationResult.create(
            kind="SELF", period_kind="MONTH", period_start="2026-11-01", period_end="2026-11-30",
            label="2026-11", cycle_id=1, subject_account_id=who.account.id,
            author_account_id=who.account.id, score=4,
        )
    await kpi_snapshots({})  # October's KPI rows: a row per person and per team
    return people


async def _listed(gql, who) -> list[dict]:
    data = await ok(gql, EVALUATIONS, {"first": 100}, who.token)
    return data["evaluations"]["nodes"]


@pytest.mark.policy("P5.1.5")
async def test_staff_read_their_own_results_and_supervisors_their_teams(gql, person):
    people = await _results(person)
    agent, cs, tech = people["agent"], people["cs"], people["tech"]
    mine = await _listed(gql, agent)
    assert {n["personId"] for n in mine} == {staff_id(agent.account.id)}
    assert {n["kind"] for n in mine} == {"SELF", "KPI"}
    # The booking & CRM supervisor sees the agent's and the representative's, not Engineering's
    # (and, with the aggregate grant, the teams' KPI rows).
    supervisor = await person("supervisor")
    team = {n["personId"] for n in await _listed(gql, supervisor)}
    assert team == {staff_id(agent.account.id), staff_id(cs.account.id), None}
    # A technical lead heads Engineering: their own (and other engineers').
    assert {n["personId"] for n in await _listed(gql, tech)} == {staff_id(tech.account.id)}
    # Another's result is no node to the agent; the supervisor fetches it.
    cs_self = await EvaluationResult.get(kind="SELF", subject_account_id=cs.account.id)
    assert (await ok(gql, NODE, {"id": gid("EvaluationResult", cs_self.id)}, agent.token))[
        "node"] is None
    assert (await ok(gql, NODE, {"id": gid("EvaluationResult", cs_self.id)}, supervisor.token))[
        "node"]["personId"] == staff_id(cs.account.id)


@pytest.mark.policy("P5.1.5")
async def test_directors_and_hr_read_all_and_analysts_only_aggregates(gql, person):
    people = await _results(person)
    everyone = await EvaluationResult.all().count()
    for role in ("director", "hr"):
        who = await person(role)
        assert (await ok(gql, EVALUATIONS, {"first": 1}, who.token))["evaluations"][
            "totalCount"] == everyone
    analyst = await person("data_analyst")
    seen = await _listed(gql, analyst)
    assert seen and all(n["personId"] is None and n["kind"] == "KPI" for n in seen)
    assert {n["team"] for n in seen} >= {"SALES", "CUSTOMER_SERVICE", "TECHNICAL_SUPPORT"}
    agent_self = await EvaluationResult.get(kind="SELF",
                                            subject_account_id=people["agent"].account.id)
    assert (await ok(gql, NODE, {"id": gid("EvaluationResult", agent_self.id)}, analyst.token))[
        "node"] is None
    variables = {"team": "CUSTOMER_SERVICE", "from": "2026-10-01", "to": "2026-12-31"}
    assert (await ok(gql, TEAM_KPIS, variables, analyst.token))["teamKpis"]["members"] == 1


CYCLE = gid("EvaluationCycle", 1)
STAFF = staff_id(1)
TICKET = gid("FacilityTicket", 1)
REFUSALS = [
    # (document, variables, a role without the grant; None: a guest)
    (EVALUATIONS, {}, None),
    (CYCLES, {}, None),
    (TASKS, {}, None),
    (TRAINING, {}, None),
    (TICKETS, {}, None),
    (TEAM_KPIS, {"team": "SALES", "from": "2026-11-01", "to": "2026-11-30"}, "booking_agent"),
    (TEAM_KPIS, {"team": "SALES", "from": "2026-11-01", "to": "2026-11-30"}, "cs_rep"),
    (SELF, {"input": {"cycleId": CYCLE, "score": 3}}, None),
    (SUPERVISOR, {"input": {"cycleId": CYCLE, "revieweeId": STAFF, "score": 3}},
     "booking_agent"),
    (SUPERVISOR, {"input": {"cycleId": CYCLE, "revieweeId": STAFF, "score": 3}}, "cs_rep"),
    (PEER, {"input": {"cycleId": CYCLE, "revieweeId": STAFF, "score": 3}}, None),
    (RAISE, {"input": {"title": "Leak"}}, None),
    (ATTENDED, {"id": gid("TrainingSession", 1)}, "cs_rep"),
    (ATTENDED, {"id": gid("TrainingSession", 1)}, "booking_agent"),
    (RESOLVE, {"input": {"ticketId": TICKET, "resolution": "fixed"}}, "booking_agent"),
    (RESOLVE, {"input": {"ticketId": TICKET, "resolution": "fixed"}}, "supervisor"),
]


@pytest.mark.policy("P6.1.2")
@pytest.mark.parametrize(("document", "variables", "role"), REFUSALS)
async def test_each_field_is_refused_to_a_caller_without_the_grant(
    gql, person, document, variables, role
):
    caller = await person(role) if role else await person(kind="GUEST")
    reply = await gql(document, variables, token=caller.token)
    assert reply.error_codes == ["FORBIDDEN"], reply.body
    anonymous = await gql(document, variables)
    assert anonymous.error_codes == ["UNAUTHENTICATED"]
    assert await EvaluationResult.all().count() == 0
