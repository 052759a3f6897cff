"""Helpers of the members API tests: the documents a frontend sends and shortcuts for stays,
parameters and the ledger's three sums."""

from __future__ import annotations

from strawberry import relay

from domain.members import ledger
from domain.members.registration import MEMBERSHIP_TERMS_VERSION
from domain.models import OutboxEvent
from tests.bookings.booking_support import CHECK_IN, CHECK_OUT, book, member_gid
from tests.dual_review_support import set_parameter_reviewed

TERMS = MEMBERSHIP_TERMS_VERSION
ERR = "errors { field code message }"
MEMBER = "id memberNumber tier pointsBalance isActive birthMonth birthDay"
REGISTER = f"""mutation($input: RegisterMemberInput!) {{ registerMember(input: $input) {{
  member {{ {MEMBER} }} {ERR} }} }}"""
ADJUST = f"""mutation($input: AdjustPointsInput!) {{ adjustPoints(input: $input) {{
  member {{ id pointsBalance }} approval {{ id status kind }} {ERR} }} }}"""
MEMBERS = """query($first: Int, $after: String, $filter: MemberFilter) {
  members(first: $first, after: $after, filter: $filter) {
    totalCount pageInfo { hasNextPage endCursor }
    edges { node { id memberNumber tier pointsBalance profile { fullName phone email } } } } }"""
PROGRESS = """query($id: ID) { tierProgress(memberId: $id) { tier spend nights periodStart
  periodEnd nextTier nextTierSpend nextTierNights spendNeeded nightsNeeded reviewOn } }"""
NODE = """query($id: ID!) { node(id: $id) { id ... on Member { memberNumber tier pointsBalance
  profile { fullName email } bookings(first: 10) { totalCount edges { node { number status } } }
  tierChanges { fromTier toTier reason spend nights } } } }"""
DECIDE = """mutation($id: ID!, $d: ApprovalDecisionKind!, $c: String!) {
  decideApproval(input: {approvalId: $id, decision: $d, comment: $c}) {
    approval { status } errors { field code message } } }"""


def gid(type_name: str, pk: int) -> str:
    return str(relay.GlobalID(type_name, str(pk)))


async def set_params(gql, director_token: str, **values) -> None:
    """Change parameters as the service does (P6.2.3: asked, then confirmed by a second
    person); the members tests are about what the values do."""
    for key, value in values.items():
        await set_parameter_reviewed(key, str(value))


async def stay(
    gql, agent_token: str, room_type: str, member_id: int, nights: int, day, **extra
) -> dict:
    """A member's stay booked, checked in and checked out through the API."""
    booking = await book(
        gql,
        agent_token,
        room_type,
        day,
        nights,
        guest=None,
        memberId=member_gid(member_id),
        **extra,
    )
    for document in (CHECK_IN, CHECK_OUT):
        reply = await gql(document, {"id": booking["id"]}, token=agent_token)
        assert reply.errors == [], reply.errors
        payload = next(iter(reply.data.values()))
        assert payload["errors"] == [], payload["errors"]
    return booking


async def assert_ledger_agrees(member_id: int, balance: int | None = None) -> None:
    have, entries, lots = await ledger.balance_check(member_id)
    assert have == entries == lots, (have, entries, lots)
    assert have >= 0
    if balance is not None:
        assert have == balance


async def messages(topic: str) -> list[OutboxEvent]:
    return await OutboxEvent.filter(topic=topic).order_by("id")
