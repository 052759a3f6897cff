"""Improvement proposals through the API: submitted by any staff member, reviewed with a reason
by a supervisor, the director or the committee (never the author), adopted ones rewarded from
the innovation fund ledger, which never goes below zero, even with rewards paid at once
(P8.5)."""

from __future__ import annotations

import asyncio
import datetime as dt
from decimal import Decimal

import pytest
from strawberry.relay import to_base64

from authz import tokens
from domain.clock import clock
from domain.models import (
    Booking,
    ImprovementFigures,
    InnovationFund,
    InnovationFundEntry,
    Proposal,
    SatisfactionSurvey,
)
from domain.policy_params import params
from tests.bookings.booking_support import book, make_hotel
from tests.complaints import complaint_support as complaints
from tests.concurrency import assert_ran_concurrently, watching_transactions
from workers.jobs import improvement_followups

SUBMIT = """mutation($input: SubmitProposalInput!) { submitProposal(input: $input) {
  proposal { id status author { email } } errors { field code } } }"""
REVIEW = """mutation($input: ReviewProposalInput!) { reviewProposal(input: $input) {
  proposal { status reviewReason reviewer { email } } errors { field code } } }"""
REWARD = """mutation($input: PayProposalRewardInput!) { payProposalReward(input: $input) {
  proposal { status reward } errors { field code } } }"""
DEPOSIT = """mutation($input: DepositToInnovationFundInput!) { depositToInnovationFund(
  input: $input) { entry { amount balanceAfter kind } errors { field code } } }"""
FUND = """{ innovationFund { balance entries(first: 10) { totalCount
  edges { node { amount balanceAfter kind note } } } } }"""
PROPOSALS = """{ proposals(first: 10) { totalCount edges { node { id title status } } } }"""


async def _propose(gql, who, title="Self check-in kiosk"):
    reply = await gql(
        SUBMIT, {"input": {"title": title, "description": "Queue at 3pm."}}, token=who.token
    )
    return reply.data["submitProposal"]


async def _review(gql, who, proposal_id, accept=True, reason="Saves queue time."):
    reply = await gql(
        REVIEW,
        {"input": {"proposalId": proposal_id, "accept": accept, "reason": reason}},
        token=who.token,
    )
    return reply.data["reviewProposal"]


async def _reward(gql, who, proposal_id, amount):
    reply = await gql(
        REWARD, {"input": {"proposalId": proposal_id, "amount": amount}}, token=who.token
    )
    return reply.data["payProposalReward"]


async def _deposit(gql, who, amount):
    reply = await gql(DEPOSIT, {"input": {"amount": amount, "note": "Q1"}}, token=who.token)
    return reply.data["depositToInnovationFund"]


@pytest.mark.policy("P8.5")
async def test_an_adopted_proposal_is_rewarded_from_the_fund_and_never_beyond_it(gql, person):
    agent, supervisor = await person("booking_agent"), await person("supervisor")
    finance, director = await person("finance"), await person("director")
    submitted = await _propose(gql, agent)
    assert submitted["errors"] == []
    assert submitted["proposal"]["status"] == "SUBMITTED"
    proposal_id = submitted["proposal"]["id"]

    early = await _reward(gql, finance, proposal_id, "100.00")
    assert early["errors"][0]["code"] == "INVALID_TRANSITION"
    no_reason = await _review(gql, supervisor, proposal_id, reason=" ")
    assert no_reason["errors"][0] == {"field": "reason", "code": "REQUIRED"}
    adopted = await _review(gql, supervisor, proposal_id)
    assert adopted["errors"] == []
    assert adopted["proposal"]["status"] == "ADOPTED"
    assert adopted["proposal"]["reviewer"]["email"] == supervisor.account.email
    again = await _review(gql, director, proposal_id, accept=False)
    assert again["errors"][0]["code"] == "ALREADY_DECIDED"

    # A reward beyond the fund: a payload error, nothing written.
    assert (await _deposit(gql, finance, "300.00"))["entry"] == {
        "amount": "300.00",
        "balanceAfter": "300.00",
        "kind": "DEPOSIT",
    }
    beyond = await _reward(gql, finance, proposal_id, "300.01")
    assert beyond["errors"] == [{"field": "amount", "code": "INSUFFICIENT_FUNDS"}]
    row = await Proposal.get()
    assert (row.status, row.reward) == ("ADOPTED", None)
    assert await InnovationFundEntry.all().count() == 1
    assert (await InnovationFund.get()).balance == Decimal("300.00")

    paid = await _reward(gql, director, proposal_id, "120.50")
    assert paid["errors"] == []
    assert paid["proposal"] == {"status": "REWARDED", "reward": "120.50"}
    twice = await _reward(gql, finance, proposal_id, "1.00")
    assert twice["errors"][0]["code"] == "INVALID_TRANSITION"
    fund = (await gql(FUND, token=finance.token)).data["innovationFund"]
    assert fund["balance"] == "179.50"
    assert fund["entries"]["totalCount"] == 2
    assert fund["entries"]["edges"][0]["node"] == {
        "amount": "-120.50",
        "balanceAfter": "179.50",
        "kind": "REWARD",
        "note": "Self check-in kiosk",
    }
    entry = await InnovationFundEntry.get(kind="REWARD")
    assert entry.proposal_id == row.id


@pytest.mark.policy("P8.5")
async def test_rewards_paid_at_once_never_take_the_fund_below_zero(gql, person):
    """SQLite serialises the transactions; the PostgreSQL run contends for the balance row and
    proves the conditional update (it fails if the transactions did not overlap)."""
    finance, director = await person("finance"), await person("director")
    author = await person("cs_rep")
    ids = []
    for n in range(12):
        row = await Proposal.create(
            title=f"Idea {n}",
            description="d",
            author_account_id=author.account.id,
            status="ADOPTED",
        )
        ids.append(to_base64("Proposal", row.id))
    await _deposit(gql, finance, "100.00")
    with watching_transactions() as overlap:
        replies = await asyncio.gather(
            *(_reward(gql, (finance, director)[n % 2], i, "30.00") for n, i in enumerate(ids))
        )
    assert_ran_concurrently(overlap)
    codes = sorted(e["code"] for r in replies for e in r["errors"])
    assert codes == ["INSUFFICIENT_FUNDS"] * 9
    assert (await InnovationFund.get()).balance == Decimal("10.00")
    assert await Proposal.filter(status="REWARDED").count() == 3
    rewards = await InnovationFundEntry.filter(kind="REWARD").order_by("id")
    assert len(rewards) == 3
    assert sorted(r.balance_after for r in rewards) == [
        Decimal("10.00"),
        Decimal("40.00"),
        Decimal("70.00"),
    ]


async def test_rejection_bad_input_and_own_review_write_nothing(gql, person):
    agent, supervisor, committee = (
        await person("booking_agent"),
        await person("supervisor"),
        await person("committee"),
    )
    for title, code in (("", "REQUIRED"), ("x" * 201, "TOO_LONG")):
        refused = await _propose(gql, agent, title)
        assert refused["errors"][0] == {"field": "title", "code": code}
    assert await Proposal.all().count() == 0
    own = (await _propose(gql, supervisor, "Rota app"))["proposal"]
    mine = await _review(gql, supervisor, own["id"])
    assert mine["errors"][0]["code"] == "FORBIDDEN"
    rejected = await _review(gql, committee, own["id"], accept=False, reason="Too costly.")
    assert rejected["proposal"]["status"] == "REJECTED"
    assert rejected["proposal"]["reviewReason"] == "Too costly."
    finance = await person("finance")
    await _deposit(gql, finance, "50.00")
    for amount in ("0", "-5", "1000000.01"):
        refused = await _deposit(gql, finance, amount)
        assert refused["errors"][0] == {"field": "amount", "code": "OUT_OF_RANGE"}, amount
    cents = await gql(DEPOSIT, {"input": {"amount": "1.005"}}, token=finance.token)
    assert cents.errors[0]["extensions"]["code"] == "BAD_USER_INPUT"
    assert (await _reward(gql, finance, own["id"], "10.00"))["errors"][0]["code"] == (
        "INVALID_TRANSITION"
    )
    assert await InnovationFundEntry.all().count() == 1


async def test_who_may_review_reward_and_see_proposals(gql, person, partner):
    agent, analyst = await person("booking_agent"), await person("data_analyst")
    hr = await person("hr")
    mine = (await _propose(gql, agent))["proposal"]
    await _propose(gql, analyst, "Shared drive cleanup")
    assert (await gql(PROPOSALS, token=agent.token)).data["proposals"]["totalCount"] == 1
    assert (await gql(PROPOSALS, token=hr.token)).data["proposals"]["totalCount"] == 2
    for role in ("booking_agent", "hr", "finance"):
        who = await person(role)
        refused = await gql(
            REVIEW,
            {"input": {"proposalId": mine["id"], "accept": True, "reason": "ok"}},
            token=who.token,
        )
        assert refused.errors[0]["extensions"]["code"] == "FORBIDDEN", role
    for role in ("booking_agent", "supervisor", "hr"):
        who = await person(role)
        refused = await gql(DEPOSIT, {"input": {"amount": "10.00"}}, token=who.token)
        assert refused.errors[0]["extensions"]["code"] == "FORBIDDEN", role
        refused = await gql(
            REWARD, {"input": {"proposalId": mine["id"], "amount": "1.00"}}, token=who.token
        )
        assert refused.errors[0]["extensions"]["code"] == "FORBIDDEN", role
    refused = await gql(FUND, token=agent.token)
    assert refused.errors[0]["extensions"]["code"] == "FORBIDDEN"
    guest = await person(kind="GUEST")
    _, secret = await partner(["bookings:write"])
    for token in (guest.token, secret, None):
        for document in (PROPOSALS, FUND):
            refused = await gql(document, token=token)
            assert refused.errors[0]["extensions"]["code"] in {"FORBIDDEN", "UNAUTHENTICATED"}
        refused = await gql(SUBMIT, {"input": {"title": "x", "description": "y"}}, token=token)
        assert refused.errors[0]["extensions"]["code"] in {"FORBIDDEN", "UNAUTHENTICATED"}
    assert await Proposal.all().count() == 2
    assert await InnovationFundEntry.all().count() == 0


FIGURES = """{ proposals(first: 5) { edges { node { status figures { phase bookings
  cancellations cancellationRate windowStart windowEnd surveysAnswered averageSatisfaction
  complaints complaintsResponded averageResponseHours } } } } }"""


async def _answered(booking_number: str, score: int) -> None:
    """A first-stay survey the guest answered now (the survey area's own tests cover how)."""
    booking = await Booking.get(number=booking_number)
    await SatisfactionSurvey.create(
        booking=booking, token_hash=f"{booking.id:064d}", expires_at=clock.now(),
        score=score, answered_at=clock.now(), answered_via="LINK",
    )


async def _complaint(gql, rep, respond_after: dt.timedelta | None) -> None:
    complaint = await complaints.file(gql, await complaints.token_now(rep.account))
    if respond_after is not None:
        clock.advance(respond_after)
        await complaints.ok(
            gql, complaints.RESPOND, {"id": complaint["id"], "m": "We are on it."},
            await complaints.token_now(rep.account), "respondToComplaint",
        )


@pytest.mark.policy("P8.4")
async def test_an_adopted_improvement_is_followed_by_its_figures_before_and_after(gql, person):
    hotel = await make_hotel()
    agent, supervisor = await person("booking_agent"), await person("supervisor")
    rep = await person("cs_rep")
    before = [await book(gql, agent.token, hotel.std) for _ in range(2)]
    await Booking.filter(number=before[0]["number"]).update(status="CANCELLED")
    await _answered(before[1]["number"], 2)
    await _complaint(gql, rep, dt.timedelta(hours=6))
    await _complaint(gql, rep, None)
    clock.advance(dt.timedelta(minutes=1))
    for who in (agent, supervisor):  # their first tokens did not outlive the six hours
        who.token = (await tokens.issue_session(who.account)).access_token
    proposal = (await _propose(gql, agent))["proposal"]
    adopted_at = clock.now()
    await _review(gql, supervisor, proposal["id"])
    clock.advance(dt.timedelta(minutes=5))
    after = [await book(gql, agent.token, hotel.std) for _ in range(3)]
    await Booking.filter(number=after[2]["number"]).update(status="CANCELLED")
    await _answered(after[0]["number"], 5)
    await _answered(after[1]["number"], 4)
    await _complaint(gql, rep, dt.timedelta(hours=1))
    assert await improvement_followups({}) == 0  # the window has not passed

    clock.advance(dt.timedelta(days=await params.improvement_followup_days))
    assert await improvement_followups({}) == 1
    assert await improvement_followups({}) == 0  # a rerun takes none twice
    fresh = (await tokens.issue_session(supervisor.account)).access_token
    (edge,) = (await gql(FIGURES, token=fresh)).data["proposals"]["edges"]
    baseline, follow_up = edge["node"]["figures"]
    assert (baseline["phase"], baseline["bookings"], baseline["cancellations"]) == (
        "BASELINE",
        2,
        1,
    )
    assert baseline["cancellationRate"] == "50.00"
    assert (follow_up["phase"], follow_up["bookings"], follow_up["cancellations"]) == (
        "FOLLOW_UP",
        3,
        1,
    )
    assert follow_up["cancellationRate"] == "33.33"
    # Satisfaction and efficiency (P8.4): scores up, fewer complaints, faster first responses.
    assert (baseline["surveysAnswered"], baseline["averageSatisfaction"]) == (1, "2.00")
    assert (follow_up["surveysAnswered"], follow_up["averageSatisfaction"]) == (2, "4.50")
    assert (baseline["complaints"], baseline["complaintsResponded"]) == (2, 1)
    assert baseline["averageResponseHours"] == "6.00"
    assert (follow_up["complaints"], follow_up["averageResponseHours"]) == (1, "1.00")
    assert follow_up["windowStart"] == baseline["windowEnd"]
    row = await ImprovementFigures.get(phase="BASELINE")
    assert row.window_end == adopted_at
    assert (await Proposal.get()).followup_due_at is None
