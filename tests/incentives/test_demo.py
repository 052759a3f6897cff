"""The demo hotel has a reward and a violation case to try the area on (server/demo.py)."""

from __future__ import annotations

from authz import tokens
from domain.models import Account
from server.demo import seed_demo

LISTS = """{ rewardsAndPenalties { totalCount nodes { kind status staff { email } } }
  violationCases { totalCount nodes { status staff { email } } } }"""


async def test_hr_and_the_people_concerned_see_the_demo_reward_and_case(gql):
    assert await seed_demo()
    seen = {}
    for email in ("hr@demo.hotel", "agent@demo.hotel", "cs@demo.hotel", "finance@demo.hotel"):
        account = await Account.get(email=email)
        reply = await gql(LISTS, token=(await tokens.issue_session(account)).access_token)
        assert reply.errors == [], reply.errors
        seen[email] = (
            reply.data["rewardsAndPenalties"]["totalCount"],
            reply.data["violationCases"]["totalCount"],
        )
    assert seen == {
        "hr@demo.hotel": (1, 1),
        "agent@demo.hotel": (1, 0),
        "cs@demo.hotel": (0, 1),
        "finance@demo.hotel": (0, 0),
    }
