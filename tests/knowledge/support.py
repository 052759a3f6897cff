"""GraphQL documents and helpers shared by the knowledge-area tests."""

from __future__ import annotations

import datetime as dt

from domain import outbox
from domain.clock import clock
from workers.delivery.files import FileChannelAdapter

SEND = """mutation($input: SendNoticeInput!) { sendNotice(input: $input) {
  notice { id title body byEmail recipientCount audience { departments roles staff { email } }
           sentBy { email }
           delivery { recipients read emailPending emailDelivered emailFailed }
           recipients { person { email } readAt email } }
  errors { field code message } } }"""
NOTICES = """query($f: NoticeFilter) { notices(first: 20, filter: $f) { totalCount
  edges { node { id title recipients { person { email } email readAt }
                 delivery { recipients read emailPending emailDelivered emailFailed } } } } }"""
CALL = """mutation($input: RecordPhoneCallInput!) { recordPhoneCall(input: $input) {
  phoneCall { id calledAt subject outcome emergency
              caller { name staff { email } } callee { name staff { email } }
              recordedBy { email } }
  errors { field code message } } }"""
CALLS = """query($f: PhoneCallFilter) { phoneCalls(first: 20, filter: $f) { totalCount
  edges { node { id subject caller { name staff { email } }
                 callee { name staff { email } } } } } }"""
PUBLISH = """mutation($input: PublishProcedureInput!) { publishProcedure(input: $input) {
  procedure { id title version scope { departments roles everyone }
              current { version title body changeSummary publishedBy { email } }
              versions { version body changeSummary current } }
  errors { field code message } } }"""
ACK = """mutation($id: ID!, $v: Int!) {
  acknowledgeProcedure(input: {procedureId: $id, version: $v}) {
  procedure { id version readState { inScope read unread readByMe concernsMe } }
  errors { field code message } } }"""
NON_READERS = """query($id: ID!) { procedureNonReaders(procedureId: $id, first: 50) {
  totalCount nodes { email } } }"""
PROCEDURE = """query($id: ID!, $n: Int!) { procedure(id: $id) { id title version
  old: versionNumber(number: $n) { version title body changeSummary current }
  readState { inScope read unread readByMe concernsMe } } }"""
PROCEDURES = """query($f: ProcedureFilter) { procedures(first: 20, filter: $f) { totalCount
  nodes { id title version } } }"""
LOG = """mutation($input: LogLearningInput!) { logLearning(input: $input) {
  session { minutes studiedOn procedure { title } }
  progress { id requiredHours loggedHours expectedHours status dueOn person { email } }
  errors { field code message } } }"""
PROGRESS = """query($f: LearningProgressFilter) { learningProgress(first: 50, filter: $f) {
  totalCount nodes { id status loggedHours expectedHours person { email }
                     sessions { minutes procedure { title } } } } }"""


async def ok(gql, document: str, variables: dict, token: str, field: str) -> dict:
    reply = await gql(document, variables, token=token)
    assert reply.errors == [], reply.body
    answer = reply.data[field]
    assert answer["errors"] == [], answer
    return answer


async def publish(gql, token: str, **values) -> dict:
    values.setdefault("title", "Late check-out")
    values.setdefault("body", "Offer late check-out until 14:00 when the room is not sold.")
    values.setdefault("changeSummary", "First version.")
    return (await ok(gql, PUBLISH, {"input": values}, token, "publishProcedure"))["procedure"]


def file_dispatcher(tmp_path) -> outbox.OutboxDispatcher:
    """Delivers e-mails to the development log files (the embedded default's transport)."""
    return outbox.OutboxDispatcher({outbox.EMAIL: FileChannelAdapter(tmp_path, "email")})


def failing_dispatcher() -> outbox.OutboxDispatcher:
    """A dispatcher with no transport and one attempt: whatever it claims ends DEAD."""
    return outbox.OutboxDispatcher({}, retry=outbox.RetryPolicy(max_attempts=1))


def ago(**delta) -> str:
    return (clock.now() - dt.timedelta(**delta)).isoformat()
