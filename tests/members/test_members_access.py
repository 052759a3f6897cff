"""Who sees members (P6.1.2, P3.1.2): the member list with its filters and search by name,
phone or e-mail through the keyed search terms, contact details masked by role, analysts
pseudonymous (no profile, no balance, no search), guests only their own membership through
node(id:), partners nothing; a member's booking history."""

from __future__ import annotations

import pytest

from domain.models import Member
from tests.bookings.booking_support import TODAY, book, member_gid, new_member
from tests.members.member_support import MEMBERS, NODE, stay


async def _members(gql, token: str, **variables) -> dict:
    reply = await gql(MEMBERS, {"first": 10, **variables}, token=token)
    assert reply.errors == [], reply.errors
    return reply.data["members"]


async def test_staff_list_members_with_filters_and_see_contact_details(gql, staff):
    first = await new_member(points=10, name="Wang Fang")
    second = await new_member(points=20, name="Chen Jing")
    await Member.filter(id=second).update(tier="GOLD")
    third = await new_member(name="Liu Yang")
    await Member.filter(id=third).update(is_active=False)
    rep = await staff("cs_rep")
    every = await _members(gql, rep.token)
    assert every["totalCount"] == 3
    assert [e["node"]["id"] for e in every["edges"]] == [
        member_gid(pk) for pk in (third, second, first)
    ]
    node = every["edges"][2]["node"]
    assert node["pointsBalance"] == 10
    assert node["profile"] == {
        "fullName": "Wang Fang",
        "phone": "+8613900139000",
        "email": "wang.fang@example.com",
    }
    gold = await _members(gql, rep.token, filter={"tier": ["GOLD"]})
    assert [e["node"]["id"] for e in gold["edges"]] == [member_gid(second)]
    active = await _members(gql, rep.token, filter={"active": True})
    assert active["totalCount"] == 2
    page = await _members(gql, rep.token, first=2)
    assert page["pageInfo"]["hasNextPage"]
    rest = await _members(gql, rep.token, after=page["pageInfo"]["endCursor"])
    assert [e["node"]["id"] for e in rest["edges"]] == [member_gid(first)]


@pytest.mark.parametrize(
    ("search", "found"),
    [
        ("chen", ["Chen Jing"]),
        ("jing", ["Chen Jing"]),
        ("wang.fang@example.com", ["Wang Fang"]),
        ("+8613900139000", ["Wang Fang", "Chen Jing"]),
        ("nobody", []),
    ],
)
async def test_staff_search_members_by_name_phone_or_email(gql, staff, search, found):
    from domain.models import GuestProfile

    await new_member(name="Wang Fang")
    other = await new_member(name="Chen Jing")
    profile = await GuestProfile.get(member__id=other)
    profile.email = "chen.jing@example.com"
    await profile.save()
    agent = await staff("booking_agent")
    result = await _members(gql, agent.token, filter={"search": search})
    assert sorted(e["node"]["profile"]["fullName"] for e in result["edges"]) == sorted(found)


async def test_analysts_read_members_pseudonymously(gql, staff):
    await new_member(points=10, name="Wang Fang")
    analyst = await staff("data_analyst")
    result = await _members(gql, analyst.token)
    node = result["edges"][0]["node"]
    assert node["memberNumber"].startswith("M") and node["tier"] == "STANDARD"
    assert node["profile"] is None and node["pointsBalance"] is None
    reply = await gql(MEMBERS, {"filter": {"search": "wang"}}, token=analyst.token)
    assert reply.error_codes == ["FORBIDDEN"] and reply.data is None
    birthday = await gql("{ members { nodes { birthMonth birthDay } } }", token=analyst.token)
    assert birthday.data["members"]["nodes"] == [{"birthMonth": None, "birthDay": None}]


@pytest.mark.parametrize("role", ["finance", "hr", "auditor", "tech_lead"])
async def test_other_roles_may_not_list_members(gql, staff, role):
    await new_member()
    caller = await staff(role)
    assert (await gql(MEMBERS, {}, token=caller.token)).error_codes == ["FORBIDDEN"]


async def test_guests_partners_and_anonymous_may_not_list_members(gql, guest, partner_token):
    me = await guest(member=True)
    assert (await gql(MEMBERS, {}, token=me.token)).error_codes == ["FORBIDDEN"]
    for scopes in (("bookings:read",), ("bookings:write",)):
        token = await partner_token(*scopes)
        assert (await gql(MEMBERS, {}, token=token.token)).error_codes == ["FORBIDDEN"]
    assert (await gql(MEMBERS, {})).error_codes == ["UNAUTHENTICATED"]


async def test_a_member_node_with_booking_history_for_staff_and_the_member_only(
    gql, hotel, staff, guest, partner_token
):
    agent = await staff("booking_agent")
    me, other = await guest(member=True, points=5), await guest(member=True)
    done = await stay(gql, agent.token, hotel.std, me.member_id, 1, TODAY)
    later = await book(
        gql,
        agent.token,
        hotel.std,
        TODAY.replace(day=30),
        1,
        guest=None,
        memberId=member_gid(me.member_id),
    )
    own = await gql(NODE, {"id": member_gid(me.member_id)}, token=me.token)
    assert own.errors == []
    node = own.data["node"]
    assert node["pointsBalance"] == 5 + 500
    assert node["profile"]["fullName"] == "Wang Fang"
    assert node["bookings"]["totalCount"] == 2
    assert [e["node"]["number"] for e in node["bookings"]["edges"]] == [
        later["number"],
        done["number"],
    ]
    assert node["bookings"]["edges"][1]["node"]["status"] == "CHECKED_OUT"
    others = await gql(NODE, {"id": member_gid(other.member_id)}, token=me.token)
    assert others.data["node"] is None
    rep = await staff("cs_rep")
    assert (await gql(NODE, {"id": member_gid(me.member_id)}, token=rep.token)).data["node"][
        "bookings"
    ]["totalCount"] == 2
    analyst = await staff("data_analyst")
    refused = await gql(NODE, {"id": member_gid(me.member_id)}, token=analyst.token)
    assert refused.errors == [] and refused.data["node"] is None
    token = await partner_token("bookings:read")
    by_partner = await gql(NODE, {"id": member_gid(me.member_id)}, token=token.token)
    assert by_partner.errors == [] and by_partner.data["node"] is None


async def test_a_partner_sees_only_its_own_bookings_of_a_member(gql, hotel, staff, partner_token):
    from tests.bookings.booking_support import create

    agent = await staff("booking_agent")
    member = await new_member(points=0)
    direct = await book(
        gql,
        agent.token,
        hotel.std,
        TODAY.replace(day=29),
        1,
        guest=None,
        memberId=member_gid(member),
    )
    token = await partner_token("bookings:write")
    made = await create(
        gql,
        token.token,
        hotel.std,
        TODAY.replace(day=30),
        1,
        channel="PARTNER",
        guest=None,
        memberId=member_gid(member),
    )
    assert made["errors"] == [], made["errors"]
    history = """{ bookings { nodes { number member { bookings { totalCount
      nodes { number } } } } } }"""
    reply = await gql(history, token=token.token)
    assert reply.errors == [], reply.errors
    seen = reply.data["bookings"]["nodes"][0]["member"]["bookings"]
    assert seen == {"totalCount": 1, "nodes": [{"number": made["booking"]["number"]}]}
    by_staff = await gql(history, token=agent.token)
    numbers = {
        n["number"] for n in by_staff.data["bookings"]["nodes"][0]["member"]["bookings"]["nodes"]
    }
    assert numbers == {direct["number"], made["booking"]["number"]}
