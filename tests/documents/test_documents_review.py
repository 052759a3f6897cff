"""Legal review of contracts (P6.1.3): a tier 1 contract counts as effective only once legal
approved it; only legal decides, once."""

from __future__ import annotations

import pytest

from domain.models import AuditEntry, Notification

REVIEW = """
mutation($id: ID!, $d: ReviewDecision!, $c: String!) {
  reviewContract(input: {documentId: $id, decision: $d, comment: $c}) {
    document { legalReviewStatus isEffective legalReviewComment legalReviewedAt }
    errors { field code }
  }
}"""


@pytest.mark.policy("P6.1.3")
async def test_legal_approval_makes_the_contract_effective(gql, person, uploaded):
    director = await person("director")
    legal = await person("legal")
    doc = await uploaded(director.token, kind="CONTRACT", subject="Laundry services")
    assert doc["isEffective"] is False
    reply = await gql(REVIEW, {"id": doc["id"], "d": "APPROVE", "c": "OK"}, token=legal.token)
    document = reply.data["reviewContract"]["document"]
    assert document["legalReviewStatus"] == "APPROVED" and document["isEffective"] is True
    assert document["legalReviewedAt"] == "2026-11-28T02:00:00+00:00"
    told = await Notification.get(account_id=director.account.id, kind="CONTRACT_REVIEWED")
    assert "approved" in told.title
    again = await gql(REVIEW, {"id": doc["id"], "d": "REJECT", "c": "late"}, token=legal.token)
    assert again.data["reviewContract"]["errors"][0]["code"] == "ALREADY_DECIDED"


@pytest.mark.policy("P6.1.3")
async def test_rejection_needs_a_reason_and_never_becomes_effective(gql, person, uploaded):
    legal = await person("legal")
    doc = await uploaded(legal.token, kind="AGREEMENT", subject="Travel agency agreement")
    empty = await gql(REVIEW, {"id": doc["id"], "d": "REJECT", "c": " "}, token=legal.token)
    assert empty.data["reviewContract"]["errors"][0] == {"field": "comment", "code": "REQUIRED"}
    reply = await gql(
        REVIEW,
        {"id": doc["id"], "d": "REJECT", "c": "Liability clause missing"},
        token=legal.token,
    )
    document = reply.data["reviewContract"]["document"]
    assert document["legalReviewStatus"] == "REJECTED" and document["isEffective"] is False
    assert document["legalReviewComment"] == "Liability clause missing"


async def test_only_contracts_go_to_review(gql, person, uploaded):
    legal = await person("legal")
    doc = await uploaded(legal.token, kind="WORK_RECORD", subject="Minutes draft")
    reply = await gql(REVIEW, {"id": doc["id"], "d": "APPROVE", "c": ""}, token=legal.token)
    assert reply.data["reviewContract"]["errors"][0]["code"] == "INVALID"


@pytest.mark.policy("P6.1.3")
@pytest.mark.parametrize("role", ["director", "supervisor", "committee", "admin"])
async def test_only_legal_reviews(gql, person, uploaded, role):
    legal = await person("legal")
    doc = await uploaded(legal.token)
    caller = await person(role)
    reply = await gql(REVIEW, {"id": doc["id"], "d": "APPROVE", "c": ""}, token=caller.token)
    assert reply.error_codes == ["FORBIDDEN"]
    assert await AuditEntry.filter(action="reviewContract", outcome="DENIED").count() == 1
