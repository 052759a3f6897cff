"""The six-monthly policy review through the API and the job: scheduled six months ahead,
reminded once before it is due, completed by the director or the committee with the changes
it decided; a major change needs all-staff training, recorded by HR, and `trainingStatus`
lists who has not been trained yet (P8.3)."""

from __future__ import annotations

import datetime as dt

import pytest

from authz import tokens
from domain.clock import clock
from domain.models import Notification, PolicyChange, PolicyReview, TrainingRecord
from domain.policy_params import params
from workers.jobs import policy_reviews

REVIEWS = """{ policyReviews(first: 5) { totalCount edges { node { id dueOn status remindedAt
  changes { id title major } } } } }"""
COMPLETE = """mutation($input: CompletePolicyReviewInput!) { completePolicyReview(input: $input) {
  review { status summary changes { id title major } } errors { field code } } }"""
RECORD = """mutation($input: RecordTrainingInput!) { recordTraining(input: $input) {
  recorded errors { field code } } }"""
STATUS = """query($id: ID!) { trainingStatus(changeId: $id) { trained change { title }
  untrained(first: 50) { totalCount edges { node { email } } } } }"""


async def _tok(who) -> str:
    return (await tokens.issue_session(who.account)).access_token


@pytest.mark.policy("P8.3")
async def test_the_review_is_scheduled_every_six_months_and_reminded_once(gql, person):
    director, supervisor = await person("director"), await person("supervisor")
    await person("booking_agent")
    start = clock.today()
    assert await policy_reviews({}) == {"scheduled": 1, "reminded": 0}
    assert await policy_reviews({}) == {"scheduled": 0, "reminded": 0}  # one at a time
    review = await PolicyReview.get()
    assert review.due_on.month == (start.month + 5) % 12 + 1
    assert (review.due_on - start).days in range(181, 185)

    days = await params.policy_review_reminder_days
    clock.freeze(
        dt.datetime.combine(review.due_on - dt.timedelta(days=days + 1), dt.time(4), dt.UTC)
    )
    assert (await policy_reviews({}))["reminded"] == 0
    clock.advance(dt.timedelta(days=1))
    assert (await policy_reviews({}))["reminded"] == 1
    assert (await policy_reviews({}))["reminded"] == 0  # a rerun sends nothing twice
    told = await Notification.filter(kind="POLICY_REVIEW_DUE").values_list("account_id", flat=True)
    assert sorted(told) == sorted([director.account.id, supervisor.account.id])

    listed = (await gql(REVIEWS, token=await _tok(director))).data["policyReviews"]
    node = listed["edges"][0]["node"]
    assert node["status"] == "DUE" and node["remindedAt"] is not None
    done = await gql(
        COMPLETE,
        {
            "input": {
                "reviewId": node["id"],
                "summary": "Rates section rewritten.",
                "changes": [{"title": "New refund rules", "major": True}, {"title": "Typo fixes"}],
            }
        },
        token=await _tok(director),
    )
    assert done.data["completePolicyReview"]["errors"] == []
    assert done.data["completePolicyReview"]["review"]["status"] == "DONE"
    again = await gql(
        COMPLETE, {"input": {"reviewId": node["id"], "summary": "x"}}, token=await _tok(director)
    )
    assert again.data["completePolicyReview"]["errors"][0]["code"] == "ALREADY_DECIDED"
    assert await PolicyChange.all().count() == 2
    # The next review follows six months after this one was due.
    assert (await policy_reviews({}))["scheduled"] == 1
    following = await PolicyReview.filter(status="DUE").get()
    assert following.due_on.month == (review.due_on.month + 5) % 12 + 1


@pytest.mark.policy("P8.3")
async def test_a_major_change_needs_training_of_all_staff(gql, person):
    director, hr = await person("director"), await person("hr")
    agent, cs = await person("booking_agent"), await person("cs_rep")
    await person(kind="GUEST")
    await policy_reviews({})
    review_id = (await gql(REVIEWS, token=director.token)).data["policyReviews"]["edges"][0][
        "node"
    ]["id"]
    done = await gql(
        COMPLETE,
        {
            "input": {
                "reviewId": review_id,
                "summary": "Privacy rules changed.",
                "changes": [{"title": "Consent before marketing", "major": True}],
            }
        },
        token=director.token,
    )
    change = done.data["completePolicyReview"]["review"]["changes"][0]
    assert await Notification.filter(kind="POLICY_TRAINING_REQUIRED").count() == 4  # all staff

    recorded = await gql(
        RECORD,
        {"input": {"changeId": change["id"], "staffEmail": agent.account.email}},
        token=hr.token,
    )
    assert recorded.data["recordTraining"] == {"recorded": True, "errors": []}
    twice = await gql(
        RECORD,
        {"input": {"changeId": change["id"], "staffEmail": agent.account.email}},
        token=hr.token,
    )
    assert twice.data["recordTraining"]["errors"][0]["code"] == "DUPLICATE"
    nobody = await gql(
        RECORD,
        {"input": {"changeId": change["id"], "staffEmail": "nobody@test.hotel"}},
        token=hr.token,
    )
    assert nobody.data["recordTraining"]["errors"][0] == {
        "field": "staffEmail",
        "code": "NOT_FOUND",
    }
    assert await TrainingRecord.all().count() == 1

    status = (await gql(STATUS, {"id": change["id"]}, token=hr.token)).data["trainingStatus"]
    assert status["trained"] == 1
    assert status["change"]["title"] == "Consent before marketing"
    assert status["untrained"]["totalCount"] == 3
    assert {e["node"]["email"] for e in status["untrained"]["edges"]} == {
        director.account.email,
        hr.account.email,
        cs.account.email,
    }

    refused = await gql(
        RECORD,
        {"input": {"changeId": change["id"], "staffEmail": cs.account.email}},
        token=agent.token,
    )
    assert refused.errors[0]["extensions"]["code"] == "FORBIDDEN"
    for document, variables in ((STATUS, {"id": change["id"]}), (REVIEWS, None)):
        refused = await gql(document, variables, token=agent.token)
        assert refused.errors[0]["extensions"]["code"] == "FORBIDDEN"
    refused = await gql(
        COMPLETE, {"input": {"reviewId": review_id, "summary": "x"}}, token=hr.token
    )
    assert refused.errors[0]["extensions"]["code"] == "FORBIDDEN"
    guest = await person(kind="GUEST")
    refused = await gql(REVIEWS, token=guest.token)
    assert refused.errors[0]["extensions"]["code"] == "FORBIDDEN"
