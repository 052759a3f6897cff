"""The README's quick-start examples, run in order against the demo data as a newcomer would
paste them into GraphiQL, so the README stays true (issue: a README that stays true)."""

from __future__ import annotations

import re
from pathlib import Path

from domain.clock import clock
from server.demo import DEMO_PASSWORD, example_variables, seed_demo

README = Path(__file__).resolve().parent.parent / "README.md"


def quick_start_examples() -> dict[str, str]:
    """Operation name -> GraphQL document, for every ```graphql block of the quick start."""
    text = README.read_text(encoding="utf-8")
    section = text[text.index("## Quick start") : text.index("## The `hotel` command")]
    blocks = re.findall(r"```graphql\n(.*?)```", section, flags=re.S)
    examples = {}
    for block in blocks:
        name = re.match(r"\s*(?:query|mutation)\s+(\w+)", block)
        assert name, f"every README example is a named operation:\n{block}"
        examples[name.group(1)] = block
    return examples


def no_errors(reply, field: str) -> dict:
    assert reply.status == 200, reply.body
    assert not reply.errors, reply.errors
    payload = reply.data[field]
    if isinstance(payload, dict) and "errors" in payload:
        assert payload["errors"] == [], payload["errors"]
    return payload


async def test_every_quick_start_example_works_on_the_demo_hotel(gql):
    examples = quick_start_examples()
    assert await seed_demo()
    ran: set[str] = set()

    async def run(name: str, variables: dict | None = None, token: str | None = None):
        ran.add(name)
        return await gql(examples[name], variables, token=token)

    admin = no_errors(
        await run("LogIn", {"email": "admin@demo.hotel", "password": DEMO_PASSWORD}), "login"
    )
    me = no_errors(await run("WhoAmI", token=admin["accessToken"]), "me")
    assert me["roles"] == ["admin"]
    renewed = no_errors(
        await run("Refresh", {"refreshToken": admin["refreshToken"]}), "refreshToken"
    )
    assert renewed["accessToken"] and renewed["refreshToken"] != admin["refreshToken"]

    guest = no_errors(
        await run("LogIn", {"email": "guest@demo.hotel", "password": DEMO_PASSWORD}), "login"
    )
    token = guest["accessToken"]
    variables = example_variables(clock.today())
    offers = await run("Offers", variables, token)
    terms = no_errors(offers, "bookingTerms")
    room = next(
        offer["roomType"]
        for offer in offers.data["availability"]
        if offer["available"] > 0 and offer["roomType"]["capacity"] >= variables["guests"]
    )
    booked = no_errors(
        await run(
            "Book",
            {**variables, "roomTypeId": room["id"], "termsVersion": terms["version"]},
            token,
        ),
        "createBooking",
    )
    assert booked["booking"]["status"] == "CONFIRMED"
    assert booked["booking"]["pointsRedeemed"] == 5000
    assert booked["booking"]["voucher"]["code"]
    mine = no_errors(await run("MyBookings", token=token), "bookings")
    assert mine["totalCount"] == 1
    assert mine["edges"][0]["node"]["number"] == booked["booking"]["number"]
    assert ran == set(examples), f"README examples not exercised: {set(examples) - ran}"
