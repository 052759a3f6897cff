"""Helpers of the complaint API tests: the GraphQL documents a frontend sends and shortcuts that
file and handle complaints through the API."""

from __future__ import annotations

from strawberry import relay

COMPLAINT_FIELDS = """
  id number status severity channel category description contactName contactPhone
  bookingNumber filedAt respondDueAt resolveDueAt firstResponseAt resolvedAt resolution
  reopenCount handedOver supervisorJoinedAt escalatedAt satisfactionScore
  owner { id displayName } handler { id displayName } recordedBy { id }
  events { kind actorRole note actor { id } handedTo { id } }
"""
PAYLOAD = f"complaint {{ {COMPLAINT_FIELDS} }} errors {{ field message code }}"

FILE = (
    f"""mutation($input: FileComplaintInput!) {{ fileComplaint(input: $input) {{ {PAYLOAD} }} }}"""
)
TAKE = f"""mutation($id: ID!) {{ takeComplaint(input: {{complaintId: $id}}) {{ {PAYLOAD} }} }}"""
RESPOND = f"""mutation($id: ID!, $m: String!) {{
  respondToComplaint(input: {{complaintId: $id, message: $m}}) {{ {PAYLOAD} }} }}"""
HAND_OVER = f"""mutation($id: ID!, $to: ID!, $note: String!) {{
  handOverComplaint(input: {{complaintId: $id, toStaffId: $to, note: $note}}) {{ {PAYLOAD} }} }}"""
JOIN = f"""mutation($id: ID!) {{ joinComplaint(input: {{complaintId: $id, note: "on it"}}) {{
  {PAYLOAD} }} }}"""
RESOLVE = f"""mutation($id: ID!, $r: String!) {{
  resolveComplaint(input: {{complaintId: $id, resolution: $r}}) {{ {PAYLOAD} }} }}"""
REOPEN = f"""mutation($id: ID!, $r: String!) {{
  reopenComplaint(input: {{complaintId: $id, reason: $r}}) {{ {PAYLOAD} }} }}"""
RATE = f"""mutation($id: ID!, $s: Int!, $c: String) {{
  rateComplaintResolution(input: {{complaintId: $id, score: $s, comment: $c}}) {{ {PAYLOAD} }} }}"""
LIST = """query($first: Int, $after: String, $filter: ComplaintFilter) {
  complaints(first: $first, after: $after, filter: $filter) {
    totalCount pageInfo { hasNextPage endCursor }
    edges { node { id number status severity description owner { id } } } } }"""
NODE = "query($id: ID!) { node(id: $id) { id ... on Complaint { number description } } }"
KPIS = """query($start: Date!, $end: Date!, $rep: ID) {
  complaintKpis(period: {start: $start, end: $end}, representativeId: $rep) {
    start end
    team { complaints resolved firstContactResolved firstContactResolutionRate answered
           averageResponseHours medianResponseHours rated averageSatisfaction }
    representatives { representative { id displayName } complaints resolved
           firstContactResolved firstContactResolutionRate answered averageResponseHours
           medianResponseHours rated averageSatisfaction } } }"""


def staff_gid(pk: int) -> str:
    return str(relay.GlobalID("StaffAccount", str(pk)))


def viewer_id(pk: int) -> str:
    return f"account:{pk}"


def pk_of(global_id: str) -> int:
    return int(relay.GlobalID.from_id(global_id).node_id)


def complaint_input(**given) -> dict:
    return {
        "channel": "PHONE",
        "severity": "GENERAL",
        "category": "NOISE",
        "description": "Loud music from room 502 until 2 a.m.; guest Li Wei, +8613800138000.",
        **given,
    }


async def call(gql, document: str, variables: dict, token: str, field: str) -> dict:
    """A mutation's payload; the request itself must be accepted."""
    reply = await gql(document, variables, token=token)
    assert reply.status == 200 and not reply.errors, reply.body
    return reply.data[field]


async def file(gql, token: str, **given) -> dict:
    payload = await call(gql, FILE, {"input": complaint_input(**given)}, token, "fileComplaint")
    assert payload["errors"] == [], payload["errors"]
    return payload["complaint"]


async def ok(gql, document: str, variables: dict, token: str, field: str) -> dict:
    payload = await call(gql, document, variables, token, field)
    assert payload["errors"] == [], payload["errors"]
    return payload["complaint"]


def codes(payload: dict) -> list[str]:
    return [e["code"] for e in payload["errors"]]


async def token_now(account) -> str:
    """A new access token for `account` (after the clock moved past the old one's expiry)."""
    from authz import tokens

    return (await tokens.issue_session(account)).access_token
