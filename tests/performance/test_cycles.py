"""Evaluation cycles through the API (P5.1.4, P5.1.5): the job opens the monthly self, quarterly
supervisor and half-yearly 360-degree cycles once; a colleague assesses themselves once, only
their supervisor assesses them, and the 360-degree raters come from other departments, never
rate themselves, and stay unknown to the reviewee and HR; aggregates show only with enough
raters; closing makes the results once, however often the job runs."""

from __future__ import annotations

import json

import pytest

from domain import departments
from domain.models import (
    AuditEntry,
    EvaluationCycle,
    EvaluationResult,
    Notification,
    PeerRatingTally,
    PeerRatingTask,
)
from tests.dual_review_support import set_parameter_reviewed
from tests.performance.support import (
    CYCLES,
    EVALUATIONS,
    NODE,
    PEER,
    SELF,
    SUPERVISOR,
    TASKS,
    fresh,
    gid,
    move_to,
    ok,
    staff_id,
)
from workers.jobs import evaluation_cycles


async def _cycle(kind: str) -> EvaluationCycle:
    return await EvaluationCycle.get(kind=kind)


async def _self(gql, who, cycle, score=4, comment="A good month."):
    values = {"cycleId": gid("EvaluationCycle", cycle.id), "score": score, "comment": comment}
    reply = await gql(SELF, {"input": values}, token=await fresh(who))
    assert reply.errors == [], reply.body
    return reply.data["submitSelfAssessment"]


async def _supervise(gql, who, cycle, reviewee, score=3):
    values = {
        "cycleId": gid("EvaluationCycle", cycle.id),
        "revieweeId": staff_id(reviewee.account.id),
        "score": score,
        "comment": "Steady.",
    }
    reply = await gql(SUPERVISOR, {"input": values}, token=await fresh(who))
    assert reply.errors == [], reply.body
    return reply.data["submitSupervisorAssessment"]


async def _rate(gql, rater, cycle, reviewee_id: int, score: int):
    values = {
        "cycleId": gid("EvaluationCycle", cycle.id),
        "revieweeId": staff_id(reviewee_id),
        "score": score,
    }
    reply = await gql(PEER, {"input": values}, token=await fresh(rater))
    assert reply.errors == [], reply.body
    return reply.data["submitPeerRating"]


@pytest.mark.policy("P5.1.4")
async def test_the_job_opens_each_cycle_once_for_its_period(gql, person):
    await person("booking_agent")
    first = await evaluation_cycles({})
    again = await evaluation_cycles({})
    assert first["opened"] == 3 and again == {"opened": 0, "closed": 0}
    agent = await person("booking_agent")
    cycles = (await ok(gql, CYCLES, None, agent.token))["evaluationCycles"]
    found = {c["kind"]: c for c in cycles["nodes"]}
    assert {k: (c["periodKind"], c["label"], c["open"]) for k, c in found.items()} == {
        "SELF": ("MONTH", "2026-11", True),
        "SUPERVISOR": ("QUARTER", "2026-Q4", True),
        "PEER_360": ("HALF", "2026-H2", True),
    }
    # Open for the period and evaluation_window_days (7) after it, hotel-local.
    assert found["SELF"]["closesAt"].startswith("2026-12-07T16:00:00")
    # The month after, the next self-assessment cycle opens; the old one closes after its window.
    move_to(2026, 12, 9)
    assert await evaluation_cycles({}) == {"opened": 1, "closed": 1}
    assert await evaluation_cycles({}) == {"opened": 0, "closed": 0}
    assert await EvaluationCycle.filter(kind="SELF").count() == 2


@pytest.mark.policy("P5.1.4")
@pytest.mark.policy("P5.1.5")
async def test_a_monthly_self_assessment_is_recorded_once_while_the_cycle_is_open(gql, person):
    agent = await person("booking_agent")
    await evaluation_cycles({})
    cycle = await _cycle("SELF")
    done = await _self(gql, agent, cycle)
    assert done["errors"] == []
    assert done["evaluation"] | {"id": None} == {
        "id": None, "kind": "SELF", "score": "4.00", "comment": "A good month.",
        "label": "2026-11", "person": {"email": agent.account.email},
        "assessedBy": {"email": agent.account.email},
    }
    row = await EvaluationResult.get(kind="SELF")
    assert (row.subject_account_id, row.author_account_id, row.cycle_id) == (
        agent.account.id, agent.account.id, cycle.id,
    )
    assert (await _self(gql, agent, cycle, score=5))["errors"][0]["code"] == "DUPLICATE"
    other = await person("cs_rep")
    assert (await _self(gql, other, cycle, score=6))["errors"] == [
        {"field": "score", "code": "OUT_OF_RANGE", "message": "A score is from 1 to 5."}
    ]
    assert (await _self(gql, other, cycle, comment="x" * 2001))["errors"][0]["code"] == "TOO_LONG"
    wrong_kind = await _cycle("SUPERVISOR")
    assert (await _self(gql, other, wrong_kind))["errors"][0]["code"] == "NOT_FOUND"
    move_to(2026, 12, 8, 1 + 8)  # past the window (closes 2026-12-08 00:00 local)
    assert (await _self(gql, other, cycle))["errors"][0]["code"] == "CYCLE_CLOSED"
    assert await EvaluationResult.filter(kind="SELF").count() == 1


@pytest.mark.policy("P5.1.4")
async def test_only_the_colleagues_supervisor_assesses_them_each_quarter(gql, person):
    director, supervisor = await person("director"), await person("supervisor")
    agent, tech = await person("booking_agent"), await person("tech_lead")
    await evaluation_cycles({})
    cycle = await _cycle("SUPERVISOR")
    # The agent's department (booking & CRM) is headed by its supervisors.
    assert supervisor.account.id in await departments.heads_of(
        departments.department_of(agent.account.roles)
    )
    # A technical lead heads Engineering, not the agent's department.
    refused = await _supervise(gql, tech, cycle, agent)
    assert refused["errors"][0]["code"] == "FORBIDDEN"
    assert (await _supervise(gql, supervisor, cycle, supervisor))["errors"][0]["code"] == (
        "SELF_RATING"
    )
    done = await _supervise(gql, supervisor, cycle, agent, score=5)
    assert done["errors"] == []
    assert done["evaluation"]["assessedBy"] == {"email": supervisor.account.email}
    assert (await _supervise(gql, supervisor, cycle, agent))["errors"][0]["code"] == "DUPLICATE"
    # A department's head answers to the director.
    assert (await _supervise(gql, supervisor, cycle, await person("supervisor")))["errors"][0][
        "code"
    ] == "FORBIDDEN"
    boss = await _supervise(gql, director, cycle, supervisor)
    assert boss["errors"] == []
    rows = await EvaluationResult.filter(kind="SUPERVISOR").order_by("id")
    assert [(r.subject_account_id, r.author_account_id, r.score) for r in rows] == [
        (agent.account.id, supervisor.account.id, 5),
        (supervisor.account.id, director.account.id, 3),
    ]
    # A booking specialist holds no supervisor assessment at all.
    values = {"cycleId": gid("EvaluationCycle", cycle.id), "revieweeId": staff_id(tech.account.id),
              "score": 3}
    reply = await gql(SUPERVISOR, {"input": values}, token=agent.token)
    assert reply.error_codes == ["FORBIDDEN"]


async def _company(person):
    """Colleagues in five departments: two in booking & CRM, two in finance, two in
    Engineering, one in HR, one in operations (legal)."""
    return {
        "agent": await person("booking_agent"),
        "cs": await person("cs_rep"),
        "finance": await person("finance"),
        "finance2": await person("finance"),
        "tech": await person("tech_lead"),
        "tech2": await person("tech_lead"),
        "hr": await person("hr"),
        "legal": await person("legal"),
    }


@pytest.mark.policy("P5.1.4")
async def test_360_raters_come_from_other_departments_and_never_rate_themselves(gql, person):
    people = await _company(person)
    by_id = {p.account.id: p for p in people.values()}
    await evaluation_cycles({})
    cycle = await _cycle("PEER_360")
    tasks = await PeerRatingTask.filter(cycle_id=cycle.id)
    assert tasks
    for task in tasks:
        reviewee, rater = by_id[task.reviewee_account_id], by_id[task.rater_account_id]
        assert departments.department_of(reviewee.account.roles) != departments.department_of(
            rater.account.roles
        )
    per_reviewee = {}
    for task in tasks:
        per_reviewee.setdefault(task.reviewee_account_id, []).append(task.rater_account_id)
    # evaluation_360_raters (5) each, as far as the other departments have people.
    assert len(per_reviewee[people["agent"].account.id]) == 5
    assert len(per_reviewee[people["hr"].account.id]) == 5
    # Raters are told, and see only their own tasks.
    told = set(await Notification.filter(kind="PEER_RATING_ASSIGNED").values_list(
        "account_id", flat=True))
    assert told == {t.rater_account_id for t in tasks}
    rater = by_id[per_reviewee[people["agent"].account.id][0]]
    mine = (await ok(gql, TASKS, None, rater.token))["peerRatingTasks"]
    assert {t["revieweeId"] for t in mine} == {
        staff_id(t.reviewee_account_id) for t in tasks if t.rater_account_id == rater.account.id
    }
    # Rating oneself is refused, as is a colleague one was not asked to rate; nothing counts.
    own = await _rate(gql, rater, cycle, rater.account.id, 5)
    assert own == {"remaining": None, "errors": [
        {"field": "revieweeId", "code": "SELF_RATING", "message": "You cannot rate yourself."}]}
    # Hired after the cycle opened, so nobody was asked to rate them (the random draw may
    # give one rater everyone else of the company).
    colleague = await person("booking_agent")
    assert (await _rate(gql, rater, cycle, colleague.account.id, 5))["errors"][0]["code"] == (
        "NOT_FOUND"
    )
    assert (await _rate(gql, rater, cycle, people["agent"].account.id, 0))["errors"][0][
        "code"] == "OUT_OF_RANGE"
    assert await PeerRatingTally.filter(answers__gt=0).count() == 0
    rated = await _rate(gql, rater, cycle, people["agent"].account.id, 4)
    assert rated["errors"] == []
    assert rated["remaining"] == len(mine) - 1
    again = await _rate(gql, rater, cycle, people["agent"].account.id, 1)
    assert again["errors"][0]["code"] == "DUPLICATE"
    tally = await PeerRatingTally.get(
        cycle_id=cycle.id, reviewee_account_id=people["agent"].account.id
    )
    assert (tally.answers, tally.score_sum) == (1, 4)


async def _rated_half_year(gql, person, *, agent_raters=3, cs_raters=2):
    """A 360-degree cycle where the agent is rated by `agent_raters` colleagues (4, 5, 3, ...)
    and the representative by `cs_raters`; then the cycle closes."""
    people = await _company(person)
    by_id = {p.account.id: p for p in people.values()}
    await evaluation_cycles({})
    cycle = await _cycle("PEER_360")
    raters = {}
    for key, wanted, scores in (("agent", agent_raters, [4, 5, 3, 2, 5]),
                                ("cs", cs_raters, [1, 2, 3, 4, 5])):
        reviewee = people[key].account.id
        chosen = await PeerRatingTask.filter(
            cycle_id=cycle.id, reviewee_account_id=reviewee, rater_account_id__in=list(by_id)
        ).order_by("id").limit(wanted)
        raters[key] = [by_id[t.rater_account_id] for t in chosen]
        for rater, score in zip(raters[key], scores, strict=False):
            assert (await _rate(gql, rater, cycle, reviewee, score))["errors"] == []
    move_to(2027, 1, 9)  # H2 2026 closes 2027-01-08 00:00 local
    closed = await evaluation_cycles({})
    assert closed["closed"] == 3  # the month's, the quarter's and the half-year's
    return people, raters, cycle


@pytest.mark.policy("P5.1.4")
@pytest.mark.policy("P5.1.5")
async def test_360_aggregates_show_only_with_enough_raters(gql, person):
    people, _, cycle = await _rated_half_year(gql, person)
    agent, cs = people["agent"], people["cs"]
    shown = (await ok(gql, EVALUATIONS, {"filter": {"kind": "PEER_360"}},
                      await fresh(agent)))["evaluations"]
    [mine] = shown["nodes"]
    assert (mine["score"], mine["raterCount"], mine["scoresHidden"], mine["hiddenReason"]) == (
        "4.00", 3, False, None,
    )
    assert mine["assessedBy"] is None and mine["label"] == "2026-H2"
    hidden = (await ok(gql, EVALUATIONS, {"filter": {"kind": "PEER_360"}},
                       await fresh(cs)))["evaluations"]["nodes"]
    assert [(r["score"], r["raterCount"], r["scoresHidden"], r["hiddenReason"])
            for r in hidden] == [(None, None, True, "TOO_FEW_RATERS")]
    # The tallies are gone once the results are made; a rerun makes nothing twice.
    assert await PeerRatingTally.filter(cycle_id=cycle.id).count() == 0
    before = await EvaluationResult.filter(kind="PEER_360").count()
    assert await evaluation_cycles({}) == {"opened": 0, "closed": 0}
    assert await EvaluationResult.filter(kind="PEER_360").count() == before
    # No rating is taken once the cycle has closed.
    late = await _rate(gql, people["hr"], cycle, agent.account.id, 5)
    assert late["errors"][0]["code"] == "CYCLE_CLOSED"


@pytest.mark.policy("P5.1.4")
async def test_the_minimum_of_raters_is_a_parameter(gql, person):
    await set_parameter_reviewed("evaluation_min_raters", "2")
    people, _, _ = await _rated_half_year(gql, person, agent_raters=1, cs_raters=2)
    cs_view = (await ok(gql, EVALUATIONS, {"filter": {"kind": "PEER_360"}},
                        await fresh(people["cs"])))["evaluations"]["nodes"]
    assert [(r["score"], r["raterCount"]) for r in cs_view] == [("1.50", 2)]
    agent_view = (await ok(gql, EVALUATIONS, {"filter": {"kind": "PEER_360"}},
                           await fresh(people["agent"])))["evaluations"]["nodes"]
    assert agent_view[0]["scoresHidden"] is True


@pytest.mark.policy("P5.1.4")
async def test_the_rater_cannot_be_found_from_the_reviewees_or_hrs_view(gql, person):
    people, raters, cycle = await _rated_half_year(gql, person)
    agent = people["agent"]
    hr_director = await person("hr")
    secrets = set()
    for rater in raters["agent"] + raters["cs"]:
        secrets |= {rater.account.email, rater.account.display_name, staff_id(rater.account.id),
                    f"account:{rater.account.id}"}
    views = []
    about_agent = {"filter": {"personId": staff_id(agent.account.id)}, "first": 50}
    for viewer in (agent, hr_director):
        token = await fresh(viewer)
        listed = await ok(gql, EVALUATIONS, about_agent, token)
        assert [n["kind"] for n in listed["evaluations"]["nodes"]] == ["PEER_360"]
        views.append(listed)
        for node in listed["evaluations"]["nodes"]:
            views.append(await ok(gql, NODE, {"id": node["id"]}, token))
        views.append(await ok(gql, "{ notifications(first: 50) { nodes { title body } } }",
                              None, token))
        # Rating tasks are one's own only: none names the viewer as the one rated.
        tasks = (await ok(gql, TASKS, None, token))["peerRatingTasks"]
        assert staff_id(viewer.account.id) not in {t["revieweeId"] for t in tasks}
        assert len(tasks) == await PeerRatingTask.filter(
            rater_account_id=viewer.account.id, cycle__status="OPEN").count()
    text = json.dumps(views)
    assert agent.account.id not in {r.account.id for r in raters["agent"]}
    assert [s for s in secrets if s in text] == []
    # The trail names the rater (they acted) and the cycle, never whom they rated.
    entries = await AuditEntry.filter(action="submitPeerRating")
    assert entries and all(
        (e.subject_type, e.subject_id) == ("EvaluationCycle", str(cycle.id)) for e in entries
    )
    assert all(str(agent.account.id) not in (e.detail or "") for e in entries)
    assert all(e.detail in ("", None) for e in entries if e.outcome == "SUCCESS")
    # No row holds a single score next to its rater: tasks hold no score, tallies are gone.
    assert not hasattr(PeerRatingTask, "score")
    assert await PeerRatingTally.filter(cycle_id=cycle.id).count() == 0
    # HR and the reviewee cannot fetch a rating task by id (it is no node).
    reply = await gql(NODE, {"id": gid("PeerRatingTask", 1)}, token=await fresh(hr_director))
    assert (reply.data or {}).get("node") is None
