"""GraphQL documents and shortcuts of the performance tests (P5.1)."""

from __future__ import annotations

import datetime as dt

from strawberry import relay

from authz import tokens
from domain.clock import clock

RESULT_FIELDS = """id kind team periodKind periodStart periodEnd label score comment raterCount
  scoresHidden hiddenReason flag rank createdAt personId person { id email displayName roles }
  assessedBy { id email displayName } figures { key value }"""
EVALUATIONS = f"""query($filter: EvaluationFilter, $first: Int) {{
  evaluations(first: $first, filter: $filter) {{ totalCount nodes {{ {RESULT_FIELDS} }} }} }}"""
NODE = f"""query($id: ID!) {{ node(id: $id) {{ id ... on EvaluationResult {{ {RESULT_FIELDS} }}
  ... on TrainingSession {{ sessionNumber }} ... on FacilityTicket {{ title }} }} }}"""
CYCLES = """query($filter: EvaluationCycleFilter) { evaluationCycles(first: 20, filter: $filter) {
  totalCount nodes { id kind periodKind periodStart periodEnd label closesAt status open } } }"""
TASKS = """{ peerRatingTasks { answered revieweeId reviewee { email } cycle { id label } } }"""
TRAINING = """{ trainingSessions(first: 50) { totalCount nodes { id sessionNumber dueOn status
  overdue assessmentId person { email } } } }"""
TICKETS = """query($filter: FacilityTicketFilter) { facilityTickets(first: 50, filter: $filter) {
  totalCount nodes { id title status fixDueAt resolvedAt onTime overdue resolution
  raisedBy { email } assignee { email } resolvedBy { email } } } }"""
TEAM_KPIS = """query($team: PerformanceTeam!, $from: Date!, $to: Date!) {
  teamKpis(team: $team, periodFrom: $from, periodTo: $to) {
    team periodFrom periodTo members figures { key value } } }"""

SELF = """mutation($input: SubmitSelfAssessmentInput!) { submitSelfAssessment(input: $input) {
  evaluation { id kind score comment label person { email } assessedBy { email } }
  errors { field code message } } }"""
SUPERVISOR = """mutation($input: SubmitSupervisorAssessmentInput!) {
  submitSupervisorAssessment(input: $input) {
  evaluation { id kind score comment label person { email } assessedBy { email } }
  errors { field code message } } }"""
PEER = """mutation($input: SubmitPeerRatingInput!) { submitPeerRating(input: $input) {
  remaining errors { field code message } } }"""
RAISE = """mutation($input: RaiseFacilityTicketInput!) { raiseFacilityTicket(input: $input) {
  ticket { id title status fixDueAt assignee { email } raisedBy { email } }
  errors { field code } } }"""
RESOLVE = """mutation($input: ResolveFacilityTicketInput!) { resolveFacilityTicket(input: $input) {
  ticket { id status onTime resolvedBy { email } } errors { field code } } }"""


def staff_id(account_id: int) -> str:
    return str(relay.GlobalID("StaffAccount", str(account_id)))


def gid(type_name: str, pk: int) -> str:
    return str(relay.GlobalID(type_name, str(pk)))


async def fresh(who) -> str:
    """A fresh access token for `who` (the clock may have moved past the fixture's)."""
    return (await tokens.issue_session(who.account)).access_token


def move_to(year: int, month: int, day: int, hour: int = 10) -> None:
    """Freeze the clock at a hotel-local moment (Asia/Shanghai, UTC+8)."""
    clock.freeze(dt.datetime(year, month, day, hour - 8, 0, tzinfo=dt.UTC))


async def ok(gql, document: str, variables: dict | None, token: str) -> dict:
    reply = await gql(document, variables, token=token)
    assert reply.errors == [], reply.body
    return reply.data
ATTENDED = """mutation($id: ID!) { recordTrainingAttendance(input: {sessionId: $id}) {
  session { id status attendedAt overdue } errors { field code } } }"""
