"""The points ledger through the API (P3.1.2): earning at check-out by the money paid and the
tier's rate, redemption at booking oldest lots first and its return on cancellation, manual
adjustments with a reason (above the limit through an approval), expiry with a warning sent
once, sweeps killed between batches, and the three sums (balance, ledger, lots) agreeing under
concurrent earn/redeem/expire."""

from __future__ import annotations

import asyncio
import datetime as dt

import pytest

from domain.actor import SYSTEM
from domain.clock import clock
from domain.errors import DomainError
from domain.members import expiry, ledger, registration
from domain.models import Member, PointsAdjustment, PointsEntry, PointsLot, PointsUse
from domain.unit_of_work import audited
from tests.bookings.booking_support import CANCEL, TODAY, book, member_gid, new_member
from tests.concurrency import assert_ran_concurrently, watching_transactions
from tests.members.member_support import (
    ADJUST,
    DECIDE,
    assert_ledger_agrees,
    messages,
    set_params,
    stay,
)

D = dt.timedelta


async def _adjust(gql, token: str, member_id: int, delta: int, reason: str = "goodwill"):
    reply = await gql(
        ADJUST,
        {"input": {"memberId": member_gid(member_id), "delta": delta, "reason": reason}},
        token=token,
    )
    assert reply.errors == [], reply.body
    return reply.data["adjustPoints"]


async def _lots(member_id: int) -> list[tuple[int, int]]:
    return [
        (lot.original, lot.remaining)
        for lot in await PointsLot.filter(member_id=member_id).order_by("earned_at", "id")
    ]


async def _gold_member() -> int:
    details = registration.GuestDetails(full_name="Zhao Lei", email="zhao.lei@example.com")
    member = await audited(
        SYSTEM,
        "createMember",
        "Member",
        lambda: registration.create_member(SYSTEM, details, tier="GOLD"),
    )
    return member.id


@pytest.mark.policy("P3.1.2")
async def test_check_out_earns_the_money_paid_times_the_tier_rate(gql, hotel, staff):
    agent = await staff("booking_agent")
    standard, gold = await new_member(), await _gold_member()
    await stay(gql, agent.token, hotel.std, standard, 2, TODAY)  # 2 x 500.00
    await stay(gql, agent.token, hotel.std, gold, 2, TODAY)
    assert (await Member.get(id=standard)).points_balance == 1000  # rate 1
    assert (await Member.get(id=gold)).points_balance == 1500  # rate 1.5
    earned = await PointsEntry.get(member_id=gold, kind="EARN")
    assert earned.delta == 1500 and earned.booking_id is not None
    lot = await PointsLot.get(member_id=gold)
    assert (lot.original, lot.remaining, lot.source) == (1500, 1500, "EARN")
    assert lot.expires_at == clock.now().replace(year=2028)  # 24 months
    await assert_ledger_agrees(standard, 1000)
    await assert_ledger_agrees(gold, 1500)


@pytest.mark.policy("P3.1.2")
async def test_points_paid_part_earns_nothing_and_the_rate_is_a_parameter(gql, hotel, staff):
    agent, director = await staff("booking_agent"), await staff("director")
    await set_params(gql, director.token, points_earn_rate_standard="2")
    member = await new_member(points=10_000)  # pays 100.00 of the stay
    await stay(gql, agent.token, hotel.std, member, 1, TODAY, pointsToRedeem=10_000)
    earned = await PointsEntry.get(member_id=member, kind="EARN")
    assert earned.delta == 800  # (500.00 - 100.00) x 2
    await assert_ledger_agrees(member, 800)


@pytest.mark.policy("P3.1.2")
async def test_redemption_takes_the_oldest_lots_first_and_a_cancellation_gives_them_back(
    gql, hotel, staff
):
    rep, agent = await staff("cs_rep"), await staff("booking_agent")
    member = await new_member()
    assert (await _adjust(gql, rep.token, member, 300))["errors"] == []
    clock.advance(D(days=1))
    rep, agent = await staff("cs_rep"), await staff("booking_agent")  # fresh tokens
    assert (await _adjust(gql, rep.token, member, 500))["errors"] == []
    booking = await book(
        gql,
        agent.token,
        hotel.std,
        TODAY + D(days=20),
        1,
        guest=None,
        memberId=member_gid(member),
        pointsToRedeem=400,
    )
    assert await _lots(member) == [(300, 0), (500, 400)]
    await assert_ledger_agrees(member, 400)
    reply = await gql(CANCEL, {"id": booking["id"], "reason": "plans changed"}, token=agent.token)
    assert reply.data["cancelBooking"]["errors"] == []
    assert await _lots(member) == [(300, 300), (500, 500)]
    assert await PointsUse.filter(booking_id__isnull=False).count() == 2
    await assert_ledger_agrees(member, 800)


async def test_adjustments_apply_with_their_reason(gql, staff):
    rep = await staff("cs_rep")
    member = await new_member()
    payload = await _adjust(gql, rep.token, member, 250, "  missing  stay credit ")
    assert payload["errors"] == [] and payload["member"]["pointsBalance"] == 250
    assert payload["approval"] is None
    entry = await PointsEntry.get(member_id=member)
    assert (entry.kind, entry.delta, entry.note) == ("ADJUST", 250, "missing stay credit")
    adjustment = await PointsAdjustment.get(member_id=member)
    assert (adjustment.status, adjustment.requested_by_account_id) == ("APPLIED", rep.account_id)
    debit = await _adjust(gql, rep.token, member, -250, "entered twice")
    assert debit["member"]["pointsBalance"] == 0
    await assert_ledger_agrees(member, 0)


@pytest.mark.parametrize(
    ("delta", "reason", "target", "code", "field"),
    [
        (-101, "too much", "member", "INSUFFICIENT_POINTS", "delta"),
        (50, "   ", "member", "REQUIRED", "reason"),
        (0, "nothing", "member", "OUT_OF_RANGE", "delta"),
        (50, "unknown", "nobody", "NOT_FOUND", "memberId"),
        (50, "wrong type", "booking", "INVALID", "memberId"),
    ],
)
async def test_bad_adjustments_are_payload_errors_and_write_nothing(
    gql, staff, delta, reason, target, code, field
):
    rep = await staff("supervisor")
    member = await new_member(points=100)
    member_id = {
        "member": member_gid(member),
        "nobody": member_gid(999_999),
        "booking": "Qm9va2luZzox",
    }[target]
    before = (await PointsEntry.all().count(), await PointsLot.all().count())
    reply = await gql(
        ADJUST,
        {"input": {"memberId": member_id, "delta": delta, "reason": reason}},
        token=rep.token,
    )
    payload = reply.data["adjustPoints"]
    assert [(e["code"], e["field"]) for e in payload["errors"]] == [(code, field)]
    assert payload["member"] is None
    assert (await PointsEntry.all().count(), await PointsLot.all().count()) == before
    assert await PointsAdjustment.all().count() == 0
    await assert_ledger_agrees(member, 100)


@pytest.mark.policy("P3.1.2")
async def test_above_the_limit_an_adjustment_waits_for_approval(gql, staff):
    rep, supervisor = await staff("cs_rep"), await staff("supervisor")
    member = await new_member()
    payload = await _adjust(gql, rep.token, member, 5001, "compensation for the flood")
    assert payload["errors"] == []
    assert payload["approval"]["status"] == "PENDING"
    assert payload["approval"]["kind"] == "POINTS_ADJUSTMENT"
    assert payload["member"]["pointsBalance"] == 0
    assert await PointsEntry.filter(member_id=member).count() == 0
    at_limit = await _adjust(gql, rep.token, member, 5000, "the limit itself")
    assert at_limit["approval"] is None and at_limit["member"]["pointsBalance"] == 5000
    reply = await gql(
        DECIDE,
        {"id": payload["approval"]["id"], "d": "APPROVE", "c": "ok"},
        token=supervisor.token,
    )
    assert reply.data["decideApproval"]["errors"] == []
    assert reply.data["decideApproval"]["approval"]["status"] == "APPROVED"
    await assert_ledger_agrees(member, 10_001)
    adjustment = await PointsAdjustment.get(delta=5001)
    assert adjustment.status == "APPLIED" and adjustment.applied_at is not None


async def test_a_rejected_adjustment_changes_nothing(gql, staff):
    rep, director = await staff("cs_rep"), await staff("director")
    member = await new_member(points=6000)
    payload = await _adjust(gql, rep.token, member, -6000, "closing the account")
    reply = await gql(
        DECIDE, {"id": payload["approval"]["id"], "d": "REJECT", "c": "no"}, token=director.token
    )
    assert reply.data["decideApproval"]["approval"]["status"] == "REJECTED"
    assert (await PointsAdjustment.get(member_id=member)).status == "REJECTED"
    await assert_ledger_agrees(member, 6000)


@pytest.mark.parametrize("role", ["booking_agent", "data_analyst", "finance", "director"])
async def test_other_roles_may_not_adjust_points(gql, staff, role):
    caller = await staff(role)
    member = await new_member(points=10)
    reply = await gql(
        ADJUST,
        {"input": {"memberId": member_gid(member), "delta": 5, "reason": "x"}},
        token=caller.token,
    )
    assert reply.error_codes == ["FORBIDDEN"]
    await assert_ledger_agrees(member, 10)


async def test_guests_partners_and_anonymous_may_not_adjust_points(gql, guest, partner_token):
    me = await guest(member=True, points=10)
    given = {"input": {"memberId": member_gid(me.member_id), "delta": 5000, "reason": "me"}}
    assert (await gql(ADJUST, given, token=me.token)).error_codes == ["FORBIDDEN"]
    token = await partner_token("bookings:write")
    assert (await gql(ADJUST, given, token=token.token)).error_codes == ["FORBIDDEN"]
    assert (await gql(ADJUST, given)).error_codes == ["UNAUTHENTICATED"]
    await assert_ledger_agrees(me.member_id, 10)


# ---- expiry -------------------------------------------------------------------------------


@pytest.mark.policy("P3.1.2")
async def test_points_expire_oldest_first_after_a_warning_sent_once(gql, hotel, staff):
    rep, agent = await staff("cs_rep"), await staff("booking_agent")
    member = await new_member()
    await _adjust(gql, rep.token, member, 1000)  # expires 2028-11-28 02:00 UTC
    clock.advance(D(days=1))
    rep, agent = await staff("cs_rep"), await staff("booking_agent")  # fresh tokens
    await _adjust(gql, rep.token, member, 300)  # expires a day later
    await book(
        gql,
        agent.token,
        hotel.std,
        TODAY + D(days=20),
        1,
        guest=None,
        memberId=member_gid(member),
        pointsToRedeem=400,
    )
    assert await _lots(member) == [(1000, 600), (300, 300)]
    clock.freeze(dt.datetime(2028, 10, 29, 1, 0, tzinfo=dt.UTC))  # 30 days + 1 hour before
    assert await expiry.sweep() == {"warned": 0, "expired": 0}
    clock.advance(D(hours=2))
    assert await expiry.sweep() == {"warned": 1, "expired": 0}
    warning = (await messages("points.expiring"))[0]
    assert warning.destination == "EMAIL"
    assert warning.payload["to"] == "wang.fang@example.com"
    assert "600 of your points expire on" in warning.payload["body"]
    assert await expiry.sweep() == {"warned": 0, "expired": 0}  # sent once
    clock.freeze(dt.datetime(2028, 11, 28, 2, 0, tzinfo=dt.UTC))
    # the older lot expires; the younger one enters its own warning window
    assert await expiry.sweep() == {"warned": 1, "expired": 600}
    assert await _lots(member) == [(1000, 0), (300, 300)]
    expired = await PointsEntry.get(member_id=member, kind="EXPIRE")
    assert expired.delta == -600
    await assert_ledger_agrees(member, 300)
    assert await expiry.sweep() == {"warned": 0, "expired": 0}
    warnings = await messages("points.expiring")
    assert len(warnings) == 2 and "300 of your points" in warnings[1].payload["body"]
    clock.advance(D(days=1))
    assert await expiry.sweep() == {"warned": 0, "expired": 300}
    await assert_ledger_agrees(member, 0)


class Killed(Exception):
    pass


@pytest.mark.policy("P3.1.2")
async def test_an_expiry_sweep_killed_between_batches_sends_nothing_twice_and_misses_nothing(
    gql, staff
):
    rep = await staff("cs_rep")
    members = [await new_member(name=f"Member {n}") for n in range(5)]
    for member in members:
        await _adjust(gql, rep.token, member, 100)
    clock.advance(D(days=24 * 31 - 40))  # inside the warning window of every lot

    async def kill() -> None:
        raise Killed

    with pytest.raises(Killed):
        await expiry.sweep(batch=2, between=kill)
    assert len(await messages("points.expiring")) == 2
    assert await expiry.sweep(batch=2) == {"warned": 3, "expired": 0}
    sent = await messages("points.expiring")
    refs = sorted(event.payload["ref"] for event in sent)
    numbers = sorted(m.member_number for m in await Member.filter(id__in=members))
    assert refs == numbers  # every member told exactly once
    clock.advance(D(days=60))
    with pytest.raises(Killed):
        await expiry.sweep(batch=2, between=kill)
    assert await PointsEntry.filter(kind="EXPIRE").count() == 2
    assert await expiry.sweep(batch=2) == {"warned": 0, "expired": 300}
    assert await PointsEntry.filter(kind="EXPIRE").count() == 5
    for member in members:
        await assert_ledger_agrees(member, 0)
    assert len(await messages("points.expiring")) == 5


# ---- concurrency --------------------------------------------------------------------------


@pytest.mark.policy("P3.1.2")
async def test_parallel_earn_redeem_and_expire_keep_the_three_sums_equal(staff):
    """Separate transactions (connections on PostgreSQL) earn, redeem and expire the same
    member's points at once: the balance never goes negative and equals the ledger and the
    lots at the end."""
    member = await new_member(points=500)
    clock.advance(D(days=24 * 31))  # the opening lot is past its expiry
    for _ in range(3):
        await audited(
            SYSTEM,
            "earn",
            "Member",
            lambda: ledger.credit(member, 200, kind="EARN", source="EARN"),
        )
    expiring = await PointsLot.filter(member_id=member, source="OPENING").first()

    async def earn() -> str:
        await audited(
            SYSTEM,
            "earn",
            "Member",
            lambda: ledger.credit(member, 50, kind="EARN", source="EARN"),
        )
        return "earned"

    async def redeem() -> str:
        try:
            await audited(SYSTEM, "redeem", "Member", lambda: ledger.reserve_points(member, 120))
        except DomainError as refusal:
            return refusal.code
        return "redeemed"

    async def expire() -> str:
        points = await audited(SYSTEM, "expire", "Member", lambda: ledger.expire_lot(expiring.id))
        return f"expired {points}"

    work = [earn() for _ in range(6)] + [redeem() for _ in range(12)] + [expire() for _ in range(3)]
    with watching_transactions() as overlap:
        results = await asyncio.gather(*work)
    assert_ran_concurrently(overlap)
    redeemed = results.count("redeemed")
    expired = sum(int(r.split()[1]) for r in results if r.startswith("expired"))
    # the expiring lot is the oldest: redemptions that ran first took from it, the expiry
    # took the rest, and nothing of it is left
    assert 0 <= expired <= 500
    assert (await PointsLot.get(id=expiring.id)).remaining == 0
    assert results.count("earned") == 6
    balance, entries, lots = await ledger.balance_check(member)
    assert balance == entries == lots >= 0
    assert balance == 500 + 600 + 6 * 50 - 120 * redeemed - expired
    assert await PointsLot.filter(remaining__lt=0).count() == 0
    assert results.count("INSUFFICIENT_POINTS") + redeemed == 12


async def test_the_migration_gives_balances_from_before_lots_an_opening_lot():
    """Members whose balance predates the lots get one OPENING lot, so the three sums agree."""
    from importlib import import_module

    from tortoise import Tortoise

    migration = import_module("migrations.0015_loyalty")
    member = await new_member(points=700)
    await PointsLot.filter(member_id=member).delete()

    class Editor:
        collect_sql = False
        client = Tortoise.get_connection("default")

    await migration.open_lots_for_existing_balances(None, Editor())
    lot = await PointsLot.get(member_id=member)
    assert (lot.original, lot.remaining, lot.source) == (700, 700, "OPENING")
    assert lot.expires_at.year == lot.earned_at.year + 2
    await assert_ledger_agrees(member, 700)


LEDGER = """query($id: ID!, $first: Int, $after: String) { node(id: $id) { ... on Member {
  pointsBalance
  pointsLedger(first: $first, after: $after) {
    totalCount pageInfo { hasNextPage endCursor }
    nodes { kind points reason bookingNumber at } }
  expiringPoints { points earnedAt expiresAt } } } }"""


async def _ledger(gql, token: str, member_id: int, first: int = 10, after=None) -> dict:
    variables = {"id": member_gid(member_id), "first": first, "after": after}
    reply = await gql(LEDGER, variables, token=token)
    assert reply.errors == [], reply.body
    return reply.data["node"]


@pytest.mark.policy("P3.1.2")
async def test_the_member_and_staff_read_the_ledger_the_balance_is_the_sum_of(
    gql, hotel, staff, person
):
    rep, agent = await staff("cs_rep"), await staff("booking_agent")
    member = await new_member()
    await _adjust(gql, rep.token, member, 300, "welcome gift")
    clock.advance(D(days=1))
    rep, agent = await staff("cs_rep"), await staff("booking_agent")  # fresh tokens
    redeemed = await book(
        gql,
        agent.token,
        hotel.std,
        TODAY + D(days=20),
        1,
        guest=None,
        memberId=member_gid(member),
        pointsToRedeem=100,
    )
    stayed = await stay(gql, agent.token, hotel.std, member, 1, TODAY + D(days=1))
    clock.freeze(dt.datetime(2028, 11, 28, 3, 0, tzinfo=dt.UTC))  # the gift's lot is over
    assert await expiry.sweep() == {"warned": 1, "expired": 200}
    guest = await person(kind="GUEST", member_id=member)
    rep = await staff("cs_rep")

    for token in (guest.token, rep.token):
        first = await _ledger(gql, token, member, first=2)
        moves = first["pointsLedger"]
        assert moves["totalCount"] == 4 and moves["pageInfo"]["hasNextPage"]
        assert [(m["kind"], m["points"], m["bookingNumber"]) for m in moves["nodes"]] == [
            ("EXPIRE", -200, None),
            ("EARN", 500, stayed["number"]),  # one night at 500.00, rate 1
        ]
        rest = await _ledger(gql, token, member, after=moves["pageInfo"]["endCursor"])
        older = rest["pointsLedger"]["nodes"]
        assert [(m["kind"], m["points"], m["bookingNumber"], m["reason"]) for m in older] == [
            ("RESERVE", -100, redeemed["number"], None),
            ("ADJUST", 300, None, "welcome gift"),
        ]
        assert not rest["pointsLedger"]["pageInfo"]["hasNextPage"]
        everything = moves["nodes"] + older
        assert sum(m["points"] for m in everything) == first["pointsBalance"] == 500
        assert [e["points"] for e in first["expiringPoints"]] == [500]
        assert first["expiringPoints"][0]["expiresAt"].startswith("2028-11-29")
    await assert_ledger_agrees(member, 500)


async def test_the_ledger_is_withheld_from_analysts_partners_and_other_guests(
    gql, hotel, staff, person, partner_token
):
    rep = await staff("cs_rep")
    member = await new_member()
    await _adjust(gql, rep.token, member, 300, "welcome gift")
    analyst = await staff("data_analyst")
    listed = await gql(
        "{ members { nodes { memberNumber pointsLedger { totalCount } expiringPoints { points } "
        "tierChanges { toTier } } } }",
        token=analyst.token,
    )
    assert listed.errors == [], listed.body
    [seen] = listed.data["members"]["nodes"]
    assert seen["pointsLedger"] is None and seen["expiringPoints"] is None
    assert seen["tierChanges"] == []  # pseudonymous figures are theirs to read
    stranger = await person(kind="GUEST", member_id=await new_member(name="Li Na"))
    reply = await gql(LEDGER, {"id": member_gid(member)}, token=stranger.token)
    assert reply.errors == [] and reply.data["node"] is None
    partner = await partner_token("bookings:write", "bookings:read")
    from tests.bookings.booking_support import create

    made = await create(
        gql,
        partner.token,
        hotel.std,
        TODAY + D(days=5),
        1,
        channel="PARTNER",
        guest=None,
        memberId=member_gid(member),
    )
    assert made["errors"] == [], made["errors"]
    through_booking = await gql(
        "{ bookings { nodes { member { memberNumber pointsBalance pointsLedger { totalCount } "
        "expiringPoints { points } tierChanges { toTier } } } } }",
        token=partner.token,
    )
    assert through_booking.errors == [], through_booking.body
    [booking] = through_booking.data["bookings"]["nodes"]
    assert booking["member"]["memberNumber"]
    assert booking["member"]["pointsBalance"] is None
    assert booking["member"]["pointsLedger"] is None
    assert booking["member"]["expiringPoints"] is None
    assert booking["member"]["tierChanges"] is None


NOTICES = "{ notifications(first: 10) { nodes { kind title } } }"


async def test_the_approval_notices_of_an_adjustment_read_in_chinese(gql, staff):
    """The kind and the outcome filled into the notices are translated with the title."""
    rep, director = await staff("cs_rep"), await staff("director")
    payload = await _adjust(gql, rep.token, await new_member(), 5001, "compensation")
    chinese = {"Accept-Language": "zh-CN"}
    waiting = await gql(NOTICES, token=director.token, headers=chinese)
    assert waiting.data["notifications"]["nodes"] == [
        {"kind": "APPROVAL_WAITING", "title": "积分调整 等待您的决定（第 1 级，共 1 级）"}
    ]
    await gql(
        DECIDE, {"id": payload["approval"]["id"], "d": "REJECT", "c": "no"}, token=director.token
    )
    decided = await gql(NOTICES, token=rep.token, headers=chinese)
    assert decided.data["notifications"]["nodes"] == [
        {"kind": "APPROVAL_DECIDED", "title": "积分调整 申请结果：驳回"}
    ]
    english = await gql(NOTICES, token=rep.token)
    assert english.data["notifications"]["nodes"][0]["title"] == (
        "Points Adjustment request rejected"
    )
