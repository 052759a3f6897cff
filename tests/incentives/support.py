"""Helpers of the rewards-and-penalties API tests: the documents a frontend sends and shortcuts
through the API."""

from __future__ import annotations

from strawberry import relay

ENTRY = """id category kind status reason periodStart periodEnd amount currency percent
  basisKind basisReference complaintId violationCaseId pendingOperationId decisionComment
  staff { id } proposedBy { id } decidedBy { id } confirmedBy { id }"""
PAYLOAD = f"""entry {{ {ENTRY} }} pendingOperation {{ id status argumentsDigest }}
  errors {{ field code message }}"""
GRANT = f"""mutation($input: GrantRewardInput!) {{ grantReward(input: $input) {{ {PAYLOAD} }} }}"""
IMPOSE = f"""mutation($input: ImposePenaltyInput!) {{
  imposePenalty(input: $input) {{ {PAYLOAD} }} }}"""
DEDUCT = f"""mutation($input: DeductForComplaintHandlingInput!) {{
  deductForComplaintHandling(input: $input) {{ {PAYLOAD} }} }}"""
DECIDE = f"""mutation($input: DecideIncentiveInput!) {{
  decideIncentive(input: $input) {{ {PAYLOAD} }} }}"""
LEDGER = """query($filter: IncentiveFilter) { rewardsAndPenalties(first: 50, filter: $filter) {
  totalCount edges { node { id kind status staff { id } } } } }"""

CASE = """id severity description status handlingDueAt handlingStartedAt escalatedAt closedAt
  outcome outcomeNote penaltyId staff { id } openedBy { id } handler { id }"""
CASE_PAYLOAD = f"violationCase {{ {CASE} }} errors {{ field code message }}"
OPEN = f"""mutation($input: OpenViolationCaseInput!) {{
  openViolationCase(input: $input) {{ {CASE_PAYLOAD} }} }}"""
START = f"""mutation($input: StartViolationHandlingInput!) {{
  startViolationHandling(input: $input) {{ {CASE_PAYLOAD} }} }}"""
CLOSE = f"""mutation($input: CloseViolationCaseInput!) {{
  closeViolationCase(input: $input) {{ {CASE_PAYLOAD} }} }}"""
CASES = """query($filter: ViolationCaseFilter) { violationCases(first: 50, filter: $filter) {
  totalCount edges { node { id status staff { id } } } } }"""

BLACKLIST = """mutation($input: BlacklistForFalsificationInput!) {
  blacklistForFalsification(input: $input) {
    entry { id displayName idDocumentNumber reason violationCaseId staff { id } decidedBy { id } }
    errors { field code message } } }"""
BLACKLISTED = """{ blacklist(first: 20) { totalCount edges { node { id idDocumentNumber
  staff { id } } } } }"""

PERIOD = {"periodStart": "2026-11-01", "periodEnd": "2026-11-30"}


def staff_gid(person) -> str:
    return str(relay.GlobalID("StaffAccount", str(person.account.id)))


def viewer_id(person) -> str:
    return f"account:{person.account.id}"


def pk_of(global_id: str) -> int:
    return int(relay.GlobalID.from_id(global_id).node_id)


async def call(gql, document: str, variables: dict, token: str | None, field: str) -> dict:
    """A mutation's payload; the request itself must be accepted."""
    reply = await gql(document, variables, token=token)
    assert reply.status == 200 and not reply.errors, reply.body
    return reply.data[field]


async def refused(gql, document: str, variables: dict, token: str | None) -> str:
    """The top-level error code of a request the permission check refuses."""
    reply = await gql(document, variables, token=token)
    assert reply.errors, reply.body
    return reply.errors[0]["extensions"]["code"]


def codes(payload: dict) -> list[tuple[str | None, str]]:
    return [(e["field"], e["code"]) for e in payload["errors"]]


async def token_now(account) -> str:
    """A new access token for `account` (after the clock moved past the old one's expiry)."""
    from authz import tokens

    return (await tokens.issue_session(account)).access_token
