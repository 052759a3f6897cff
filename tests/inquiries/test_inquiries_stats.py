"""The numbers the department's goals are measured by (P1.2): the booking conversion rate and
the repeat-purchase rate over any period, by channel and by staff member, with progress against
the goals' baselines and targets, which are policy parameters."""

from __future__ import annotations

import pytest
from inquiry_support import AVAILABILITY, LOST, STATS, recorded

from domain.models import Booking
from tests.bookings.booking_support import CANCEL, TODAY, D, book, member_gid, new_member
from tests.dual_review_support import set_parameter_reviewed


async def _stats(gql, token, start, end, by="CHANNEL") -> dict:
    variables = {"from": start.isoformat(), "to": end.isoformat(), "by": by}
    reply = await gql(STATS, variables, token=token)
    assert reply.errors == [], reply.errors
    return reply.data["conversionStats"]


async def _inquiries_of_a_day(gql, staff, guest, hotel):
    """One agent takes four phone inquiries (one booked, one lost), a colleague two walk-ins
    (both booked), and a guest searches online once (open)."""
    first, second = await staff("booking_agent"), await staff("cs_rep")
    phone = [await recorded(gql, first.token) for _ in range(4)]
    await book(gql, first.token, hotel.std, inquiryId=phone[0]["id"])
    await gql(LOST, {"input": {"inquiryId": phone[1]["id"], "reason": "PRICE"}}, token=first.token)
    for _ in range(2):
        walk_in = await recorded(gql, second.token, channel="WALK_IN")
        await book(gql, second.token, hotel.std, channel="WALK_IN", inquiryId=walk_in["id"])
    me = await guest()
    start = TODAY + D(days=30)
    variables = {"in": start.isoformat(), "out": (start + D(days=1)).isoformat(), "guests": 1}
    assert (await gql(AVAILABILITY, variables, token=me.token)).errors == []


@pytest.mark.policy("P1.2")
async def test_conversion_rate_by_channel_with_progress_against_the_goal(gql, staff, guest, hotel):
    await _inquiries_of_a_day(gql, staff, guest, hotel)
    analyst = await staff("data_analyst")
    await set_parameter_reviewed("conversion_rate_baseline_percent", "40")
    stats = await _stats(gql, analyst.token, TODAY, TODAY)
    by_channel = {g["channel"]: g for g in stats["groups"]}
    assert set(by_channel) == {"PHONE", "WALK_IN", "ONLINE"}
    phone = by_channel["PHONE"]
    assert (phone["inquiries"], phone["converted"], phone["lost"], phone["open"]) == (4, 1, 1, 2)
    assert phone["conversionRatePercent"] == "25.00"
    assert by_channel["WALK_IN"]["conversionRatePercent"] == "100.00"
    assert by_channel["ONLINE"]["conversionRatePercent"] == "0.00"
    total = stats["total"]
    assert (total["inquiries"], total["converted"]) == (7, 3)
    assert total["conversionRatePercent"] == "42.86"
    # Target: the baseline raised by 10% (relative): 40 x 1.1 = 44. Progress (42.86-40)/(44-40).
    assert stats["conversionGoal"] == {
        "baselinePercent": "40.00",
        "targetPercent": "44.00",
        "actualPercent": "42.86",
        "progressPercent": "71.50",
    }
    assert stats["periodFrom"] == stats["periodTo"] == TODAY.isoformat()
    # The day before had no inquiries: nothing to measure, not a rate of zero.
    empty = await _stats(gql, analyst.token, TODAY - D(days=1), TODAY - D(days=1))
    assert empty["groups"] == [] and empty["total"]["conversionRatePercent"] is None
    assert empty["conversionGoal"]["progressPercent"] is None


@pytest.mark.policy("P1.2")
async def test_conversion_rate_by_staff_member(gql, staff, guest, hotel):
    await _inquiries_of_a_day(gql, staff, guest, hotel)
    stats = await _stats(gql, (await staff("supervisor")).token, TODAY, TODAY, "STAFF")
    assert stats["groupBy"] == "STAFF"
    rows = [
        (g["staffName"], g["inquiries"], g["converted"], g["conversionRatePercent"])
        for g in stats["groups"]
    ]
    assert rows == [
        ("Booking_Agent1", 4, 1, "25.00"),
        ("Cs_Rep2", 2, 2, "100.00"),
        (None, 1, 0, "0.00"),  # the guest's own online search: no staff member took it
    ]
    assert stats["groups"][0]["staffId"] and stats["groups"][2]["staffId"] is None


@pytest.mark.policy("P1.2")
async def test_repeat_purchase_rate_counts_customers_with_an_earlier_stay(gql, staff, hotel):
    """Period: check-ins from 20 to 60 days ahead. A member with a stay before the period and
    one in it, and a guest (by e-mail) with two stays in it, are repeat customers; a member
    with one stay, a guest whose other booking was cancelled, and a member whose other stay is
    after the period are not. 2 of 5 customers: 40%."""
    agent = await staff("booking_agent")
    one, two, three = [await new_member(name=f"Member {n}") for n in range(3)]

    async def stay(days: int, *, member=None, email=None, channel="PHONE") -> dict:
        who = (
            {"memberId": member_gid(member), "guest": None}
            if member
            else {"guest": {"fullName": "Guest", "email": email}}
        )
        return await book(
            gql, agent.token, hotel.std, TODAY + D(days=days), 1, channel=channel, **who
        )

    await stay(5, member=one)
    await stay(25, member=one)
    await stay(30, member=two, channel="WALK_IN")
    await stay(22, email="a@example.com")
    await stay(40, email="a@example.com")
    cancelled = await stay(35, email="b@example.com")
    await gql(CANCEL, {"id": cancelled["id"], "reason": "plans changed"}, token=agent.token)
    await stay(45, email="b@example.com")
    await stay(28, member=three)
    await stay(70, member=three)
    assert await Booking.filter(status="CANCELLED").count() == 1
    stats = await _stats(
        gql, (await staff("data_analyst")).token, TODAY + D(days=20), TODAY + D(days=60)
    )
    total = stats["total"]
    assert (total["customers"], total["repeatCustomers"]) == (5, 2)
    assert total["repeatRatePercent"] == "40.00"
    by_channel = {g["channel"]: g for g in stats["groups"]}
    assert (by_channel["PHONE"]["customers"], by_channel["PHONE"]["repeatCustomers"]) == (4, 2)
    assert by_channel["PHONE"]["repeatRatePercent"] == "50.00"
    assert (by_channel["WALK_IN"]["customers"], by_channel["WALK_IN"]["repeatCustomers"]) == (1, 0)
    # The long-term goal: from 20% to 35% (the parameters' defaults).
    assert stats["repeatPurchaseGoal"] == {
        "baselinePercent": "20.00",
        "targetPercent": "35.00",
        "actualPercent": "40.00",
        "progressPercent": "133.33",
    }
    by_staff = await _stats(
        gql, (await staff("director")).token, TODAY + D(days=20), TODAY + D(days=60), "STAFF"
    )
    assert [(g["staffName"], g["customers"], g["repeatCustomers"]) for g in by_staff["groups"]] == [
        ("Booking_Agent1", 5, 2)
    ]


@pytest.mark.parametrize(
    ("start", "end"),
    [(TODAY, TODAY - D(days=1)), (TODAY - D(days=3 * 366 + 1), TODAY)],
)
async def test_a_bad_period_is_a_bad_request(gql, staff, start, end):
    analyst = await staff("data_analyst")
    variables = {"from": start.isoformat(), "to": end.isoformat(), "by": "CHANNEL"}
    reply = await gql(STATS, variables, token=analyst.token)
    assert reply.error_codes == ["BAD_REQUEST"]
    assert reply.errors[0]["extensions"]["field"] == "period.to"
