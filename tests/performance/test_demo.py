"""The demo hotel has this period's evaluation cycles, 360-degree tasks for its staff and a
facility fault for Engineering (server/demo.py)."""

from __future__ import annotations

from authz import tokens
from domain.models import Account
from server.demo import seed_demo
from tests.performance.support import CYCLES, TASKS, TICKETS, ok


async def _token(email: str) -> str:
    return (await tokens.issue_session(await Account.get(email=email))).access_token


async def test_the_demo_staff_find_cycles_rating_tasks_and_a_facility_ticket(gql):
    assert await seed_demo()
    agent = await _token("agent@demo.hotel")
    cycles = (await ok(gql, CYCLES, None, agent))["evaluationCycles"]
    assert {c["kind"] for c in cycles["nodes"]} == {"SELF", "SUPERVISOR", "PEER_360"}
    assert (await ok(gql, TASKS, None, agent))["peerRatingTasks"]
    tech = await _token("techlead@demo.hotel")
    tickets = (await ok(gql, TICKETS, None, tech))["facilityTickets"]["nodes"]
    assert [(t["title"], t["assignee"]["email"]) for t in tickets] == [
        ("Lift 2 stops between floors", "techlead@demo.hotel")
    ]
