"""Booking money settled with Finance through the API (P1.1: the department works with Finance
on the settlement of booking payments; P3.1.5 refunds are paid out by Finance)."""

from __future__ import annotations

import asyncio
from decimal import Decimal

import pytest
from strawberry import relay

from domain.models import AuditEntry, LedgerEntry, Refund
from domain.reports import registry
from domain.reports.periods import Period
from tests.bookings.booking_support import CANCEL, TODAY, book, make_hotel
from tests.concurrency import assert_ran_concurrently, watching_transactions

PAY = """mutation($input: RecordPaymentInput!) { recordPayment(input: $input) {
  ledgerEntry { id kind amount currency method reference businessDate bookingId refundId }
  errors { field code message } } }"""
SETTLE = """mutation($id: ID!, $ref: String!) {
  settleRefund(input: {refundId: $id, reference: $ref}) {
    refund { id status amount settledAt } ledgerEntry { kind amount reference refundId }
    errors { field code message } } }"""
LEDGER = """query($f: LedgerFilter) { ledgerEntries(first: 20, filter: $f) { totalCount
  edges { node { kind amount reference } } } }"""
REPORT = """query($d: Date!) { settlementReport(date: $d) { date balanced mismatches
  lines { currency bookingsCount bookedValue paymentsReceived depositsReceived refundsPaid
          ledgerNet receivable payable balanced } } }"""


@pytest.fixture
async def hotel():
    return await make_hotel()


async def _pay(gql, token, booking_id, amount, reference, kind="PAYMENT", **extra):
    given = {
        "bookingId": booking_id,
        "amount": amount,
        "kind": kind,
        "method": "CARD",
        "reference": reference,
        **extra,
    }
    reply = await gql(PAY, {"input": given}, token=token)
    assert reply.errors == [], reply.body
    return reply.data["recordPayment"]


async def _cancel(gql, token, booking_id) -> dict:
    reply = await gql(CANCEL, {"id": booking_id, "reason": "plans changed"}, token=token)
    assert reply.data["cancelBooking"]["errors"] == [], reply.body
    return reply.data["cancelBooking"]["refund"]


@pytest.mark.policy("P1.1")
async def test_payments_and_deposits_are_ledger_entries_to_the_cent(gql, person, hotel):
    agent, finance = await person("booking_agent"), await person("finance")
    booking = await book(gql, agent.token, hotel.std)  # two nights at 500.00
    deposit = await _pay(gql, finance.token, booking["id"], "200.00", "DEP-1", "DEPOSIT")
    assert deposit["errors"] == []
    assert deposit["ledgerEntry"] | {"id": None} == {
        "id": None,
        "kind": "DEPOSIT",
        "amount": "200.00",
        "currency": "CNY",
        "method": "CARD",
        "reference": "DEP-1",
        "businessDate": TODAY.isoformat(),
        "bookingId": booking["id"],
        "refundId": None,
    }
    assert (await _pay(gql, finance.token, booking["id"], "799.99", "PAY-1"))["errors"] == []
    assert (await _pay(gql, finance.token, booking["id"], "0.01", "PAY-2"))["errors"] == []
    more = await _pay(gql, finance.token, booking["id"], "0.01", "PAY-3")
    assert more["errors"][0]["code"] == "OUT_OF_RANGE"
    amounts = await LedgerEntry.all().values_list("amount", flat=True)
    assert sum(amounts, Decimal(0)) == Decimal("1000.00")
    listed = await gql(LEDGER, {"f": {"bookingId": booking["id"]}}, token=finance.token)
    assert listed.data["ledgerEntries"]["totalCount"] == 3
    assert await AuditEntry.filter(action="recordPayment", outcome="SUCCESS").count() == 3


@pytest.mark.parametrize(
    ("changes", "field", "code"),
    [
        ({"amount": "-5.00"}, "amount", "OUT_OF_RANGE"),
        ({"amount": "0"}, "amount", "OUT_OF_RANGE"),
        ({"currency": "EUR"}, "currency", "INVALID"),
        ({"currency": "ABC"}, "currency", "INVALID"),
        ({"reference": "  "}, "reference", "REQUIRED"),
        ({"reference": "R" * 81}, "reference", "TOO_LONG"),
        ({"bookingId": str(relay.GlobalID("Booking", "999999"))}, "bookingId", "NOT_FOUND"),
        ({"bookingId": str(relay.GlobalID("Refund", "1"))}, "bookingId", "INVALID"),
    ],
)
async def test_a_bad_payment_is_refused_and_writes_nothing(
    gql, person, hotel, changes, field, code
):
    agent, finance = await person("booking_agent"), await person("finance")
    booking = await book(gql, agent.token, hotel.std)
    given = {
        "bookingId": booking["id"],
        "amount": "100.00",
        "kind": "PAYMENT",
        "method": "CASH",
        "reference": "R-1",
        **changes,
    }
    reply = await gql(PAY, {"input": given}, token=finance.token)
    assert reply.errors == [], reply.body
    error = reply.data["recordPayment"]["errors"][0]
    assert (error["field"], error["code"]) == (field, code)
    assert await LedgerEntry.all().count() == 0
    assert await AuditEntry.filter(action="recordPayment", outcome="REJECTED").count() == 1


async def test_a_reference_is_recorded_once_and_a_cancelled_booking_takes_no_payment(
    gql, person, hotel
):
    agent, finance = await person("booking_agent"), await person("finance")
    booking = await book(gql, agent.token, hotel.std)
    assert (await _pay(gql, finance.token, booking["id"], "10", "SAME"))["errors"] == []
    again = await _pay(gql, finance.token, booking["id"], "10", "SAME")
    assert again["errors"][0]["code"] == "DUPLICATE"
    await _cancel(gql, agent.token, booking["id"])
    closed = await _pay(gql, finance.token, booking["id"], "10", "OTHER")
    assert closed["errors"][0]["code"] == "INVALID_TRANSITION"
    assert await LedgerEntry.all().count() == 1


@pytest.mark.policy("P1.1")
async def test_finance_pays_a_refund_once_with_its_reference(gql, person, hotel):
    agent, finance = await person("booking_agent"), await person("finance")
    booking = await book(gql, agent.token, hotel.std)
    await _pay(gql, finance.token, booking["id"], "1000.00", "PAY-1")
    refund = await _cancel(gql, agent.token, booking["id"])
    assert (refund["status"], refund["amount"]) == ("PENDING", "1000.00")
    paid = await gql(SETTLE, {"id": refund["id"], "ref": "BANK-77"}, token=finance.token)
    settled = paid.data["settleRefund"]
    assert settled["errors"] == []
    assert settled["refund"]["status"] == "PAID" and settled["refund"]["settledAt"]
    assert settled["ledgerEntry"] == {
        "kind": "REFUND",
        "amount": "-1000.00",
        "reference": "BANK-77",
        "refundId": refund["id"],
    }
    twice = await gql(SETTLE, {"id": refund["id"], "ref": "BANK-78"}, token=finance.token)
    assert twice.data["settleRefund"]["errors"][0]["code"] == "ALREADY_SETTLED"
    assert await LedgerEntry.filter(kind="REFUND").count() == 1
    row = await Refund.get()
    assert row.status == "PAID"
    assert await AuditEntry.filter(action="settleRefund", outcome="SUCCESS").count() == 1
    assert await AuditEntry.filter(action="settleRefund", outcome="REJECTED").count() == 1


async def test_a_refund_beyond_what_was_paid_is_refused(gql, person, hotel):
    agent, finance = await person("booking_agent"), await person("finance")
    booking = await book(gql, agent.token, hotel.std)
    await _pay(gql, finance.token, booking["id"], "200.00", "DEP-1", "DEPOSIT")
    refund = await _cancel(gql, agent.token, booking["id"])
    refused = await gql(SETTLE, {"id": refund["id"], "ref": "BANK-1"}, token=finance.token)
    assert refused.data["settleRefund"]["errors"][0]["code"] == "OUT_OF_RANGE"
    assert (await Refund.get()).status == "PENDING"
    assert await LedgerEntry.filter(kind="REFUND").count() == 0


async def test_two_people_paying_one_refund_at_once_pay_it_once(gql, person, hotel):
    agent = await person("booking_agent")
    first, second = await person("finance"), await person("finance")
    booking = await book(gql, agent.token, hotel.std)
    await _pay(gql, first.token, booking["id"], "1000.00", "PAY-1")
    refund = await _cancel(gql, agent.token, booking["id"])
    with watching_transactions() as overlap:
        answers = await asyncio.gather(
            gql(SETTLE, {"id": refund["id"], "ref": "A"}, token=first.token),
            gql(SETTLE, {"id": refund["id"], "ref": "B"}, token=second.token),
        )
    assert_ran_concurrently(overlap)
    codes = sorted(
        (a.data["settleRefund"]["errors"] or [{"code": "OK"}])[0]["code"] for a in answers
    )
    assert codes == ["ALREADY_SETTLED", "OK"]
    assert await LedgerEntry.filter(kind="REFUND").count() == 1


@pytest.mark.policy("P1.1")
async def test_the_daily_settlement_balances_bookings_payments_and_refunds_to_the_cent(
    gql, person, hotel
):
    agent, finance = await person("booking_agent"), await person("finance")
    kept = await book(gql, agent.token, hotel.std)  # 1000.00
    cancelled = await book(gql, agent.token, hotel.dlx, nights=1)  # 800.00
    unpaid = await book(gql, agent.token, hotel.single, nights=3)  # 900.00
    await _pay(gql, finance.token, kept["id"], "333.33", "DEP-1", "DEPOSIT")
    await _pay(gql, finance.token, kept["id"], "333.34", "PAY-1")
    await _pay(gql, finance.token, cancelled["id"], "800.00", "PAY-2")
    refund = await _cancel(gql, agent.token, cancelled["id"])
    await gql(SETTLE, {"id": refund["id"], "ref": "BANK-1"}, token=finance.token)
    assert unpaid["totalAmount"] == "900.00"

    reply = await gql(REPORT, {"d": TODAY.isoformat()}, token=finance.token)
    assert reply.errors == [], reply.body
    report = reply.data["settlementReport"]
    assert report["balanced"] is True and report["mismatches"] == []
    assert report["lines"] == [
        {
            "currency": "CNY",
            "bookingsCount": 3,
            "bookedValue": "2700.00",
            "paymentsReceived": "1466.67",
            "depositsReceived": "333.33",
            "refundsPaid": "800.00",
            "ledgerNet": "666.67",
            # kept owes 1000.00 - 666.67; unpaid owes 900.00; the cancelled one is square.
            "receivable": "1233.33",
            "payable": "0.00",
            "balanced": True,
        }
    ]
    # A refund marked paid without its ledger entry is flagged, and the day no longer balances.
    other = await book(gql, agent.token, hotel.std, nights=1)
    await _pay(gql, finance.token, other["id"], "500.00", "PAY-3")
    pending = await _cancel(gql, agent.token, other["id"])
    pk = int(relay.GlobalID.from_id(pending["id"]).node_id)
    await Refund.filter(id=pk).update(
        status="PAID", settled_at=(await Refund.get(id=pk)).created_at
    )
    flagged = (await gql(REPORT, {"d": TODAY.isoformat()}, token=finance.token)).data
    assert flagged["settlementReport"]["balanced"] is False
    assert any(f"Refund {pk}" in m for m in flagged["settlementReport"]["mismatches"])
    assert flagged["settlementReport"]["lines"][0]["balanced"] is False


async def test_a_day_without_money_is_balanced_and_the_daily_report_carries_the_settlement(
    gql, person
):
    finance = await person("finance")
    reply = await gql(REPORT, {"d": "2026-11-01"}, token=finance.token)
    assert reply.data["settlementReport"] == {
        "date": "2026-11-01",
        "balanced": True,
        "mismatches": [],
        "lines": [],
    }
    assert "settlement" in [s.key for s in registry.sections_for(Period.DAILY)]
    assert "settlement" not in [s.key for s in registry.sections_for(Period.MONTHLY)]


@pytest.mark.parametrize("role", ["booking_agent", "supervisor", "director", "data_analyst"])
async def test_only_finance_records_payments_and_pays_refunds(gql, person, hotel, role):
    agent, caller = await person("booking_agent"), await person(role)
    booking = await book(gql, agent.token, hotel.std)
    given = {
        "bookingId": booking["id"],
        "amount": "10",
        "kind": "PAYMENT",
        "method": "CASH",
        "reference": "X",
    }
    refused = await gql(PAY, {"input": given}, token=caller.token)
    assert refused.errors[0]["extensions"]["code"] == "FORBIDDEN"
    refund = await _cancel(gql, agent.token, booking["id"])
    refused = await gql(SETTLE, {"id": refund["id"], "ref": "X"}, token=caller.token)
    assert refused.errors[0]["extensions"]["code"] == "FORBIDDEN"
    assert await LedgerEntry.all().count() == 0
    assert (await Refund.get()).status == "PENDING"


async def test_guests_partners_and_staff_outside_finance_see_no_settlement(gql, person, partner):
    guest = await person(kind="GUEST")
    _, secret = await partner(["bookings:read", "bookings:write"])
    callers = [
        guest.token,
        secret,
        (await person("booking_agent")).token,
        (await person("cs_rep")).token,
    ]
    for token in callers:
        for document, variables in ((REPORT, {"d": TODAY.isoformat()}), (LEDGER, {})):
            reply = await gql(document, variables, token=token)
            assert reply.errors[0]["extensions"]["code"] == "FORBIDDEN", document
    anonymous = await gql(REPORT, {"d": TODAY.isoformat()})
    assert anonymous.errors[0]["extensions"]["code"] in {"UNAUTHENTICATED", "FORBIDDEN"}
    auditor = await person("auditor")
    assert (await gql(REPORT, {"d": TODAY.isoformat()}, token=auditor.token)).errors == []


async def test_a_settlement_day_out_of_range_is_a_bad_request(gql, person):
    finance = await person("finance")
    reply = await gql(REPORT, {"d": "0001-01-01"}, token=finance.token)
    assert reply.errors[0]["extensions"]["code"] == "BAD_REQUEST"


MY_BOOKINGS = """{ bookings(first: 10) { edges { node { number payments {
  kind amount reference } } } } }"""


async def test_a_guest_sees_the_payments_of_their_own_booking_only(gql, person, hotel):
    from tests.bookings.booking_support import new_member

    agent, finance = await person("booking_agent"), await person("finance")
    me = await person(kind="GUEST", member_id=await new_member())
    mine = await book(gql, me.token, hotel.std, channel="ONLINE", guest=None)
    theirs = await book(gql, agent.token, hotel.dlx)
    await _pay(gql, finance.token, mine["id"], "1000.00", "PAY-MINE")
    await _pay(gql, finance.token, theirs["id"], "800.00", "PAY-THEIRS")
    reply = await gql(MY_BOOKINGS, token=me.token)
    assert reply.errors == [], reply.body
    assert [e["node"]["payments"] for e in reply.data["bookings"]["edges"]] == [
        [{"kind": "PAYMENT", "amount": "1000.00", "reference": "PAY-MINE"}]
    ]


async def test_payments_at_once_never_take_more_than_the_booking_owes(gql, person, hotel):
    agent = await person("booking_agent")
    cashiers = [await person("finance") for _ in range(3)]
    booking = await book(gql, agent.token, hotel.std)  # 1000.00
    with watching_transactions() as overlap:
        answers = await asyncio.gather(
            *(
                _pay(gql, c.token, booking["id"], "600.00", f"PAY-{i}")
                for i, c in enumerate(cashiers)
            )
        )
    assert_ran_concurrently(overlap)
    assert sorted((a["errors"] or [{"code": "OK"}])[0]["code"] for a in answers) == [
        "OK",
        "OUT_OF_RANGE",
        "OUT_OF_RANGE",
    ]
    assert await LedgerEntry.all().count() == 1
