"""The demo hotel has complaints to try the handling on (server/demo.py)."""

from __future__ import annotations

from authz import tokens
from domain.models import Account, Complaint
from server.demo import seed_demo


async def test_the_demo_guest_and_customer_service_see_the_demo_complaints(gql):
    assert await seed_demo()
    assert await Complaint.all().count() == 2
    listing = "{ complaints { totalCount nodes { severity owner { displayName } } } }"
    seen = {}
    for email in ("guest@demo.hotel", "cs@demo.hotel"):
        account = await Account.get(email=email)
        token = (await tokens.issue_session(account)).access_token
        reply = await gql(listing, token=token)
        assert reply.errors == [], reply.errors
        seen[email] = reply.data["complaints"]
    assert seen["guest@demo.hotel"]["totalCount"] == 2  # filed online, and about their stay
    assert seen["cs@demo.hotel"]["nodes"][0] == {
        "severity": "MAJOR",
        "owner": {"displayName": "Casey Service"},
    }
