"""Data-protection training of the staff who handle personal data (P6.1.4: regular compliance
training, especially on handling sensitive information): who must be trained follows the
permission matrix (roles that read guest data); HR records a training, which holds
compliance_training_valid_days; the status list shows who is CURRENT, DUE or OVERDUE; a job
reminds each DUE or OVERDUE person once per lapse, and a rerun reminds no one twice."""

from __future__ import annotations

import datetime as dt

import pytest

from authz import tokens
from domain.clock import clock
from domain.models import ComplianceTraining, ComplianceTrainingReminder, Notification
from domain.policy_params import params
from tests.bookings.booking_support import TODAY
from workers.jobs import remind_compliance_training

D = dt.timedelta
RECORD = """mutation($input: RecordComplianceTrainingInput!) {
  recordComplianceTraining(input: $input) {
    training { topic completedOn validUntil } status { state validUntil person { email } }
    errors { field code } } }"""
STATUS = """query($state: ComplianceTrainingState) { complianceTrainingStatus(state: $state) {
  state validUntil person { email } lastTraining { topic completedOn validUntil } } }"""


async def _record(gql, hr, email, completed_on=TODAY - D(days=10), topic=None):
    values = {"staffEmail": email, "completedOn": completed_on.isoformat()}
    if topic is not None:
        values["topic"] = topic
    reply = await gql(RECORD, {"input": values}, token=hr.token)
    assert reply.errors == [], reply.errors
    return reply.data["recordComplianceTraining"]


async def _status(gql, who, state=None) -> dict[str, dict]:
    """As `who`, with a fresh access token (tests move the clock past the fixture's)."""
    token = (await tokens.issue_session(who.account)).access_token
    reply = await gql(STATUS, {"state": state}, token=token)
    assert reply.errors == [], reply.errors
    return {row["person"]["email"]: row for row in reply.data["complianceTrainingStatus"]}


def _at(day: dt.date) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(10), tzinfo=clock.hotel_timezone)


@pytest.mark.policy("P6.1.4")
async def test_staff_handling_guest_data_are_listed_until_trained_and_again_when_it_lapses(
    gql, person
):
    hr = await person("hr")
    agent, cs = await person("booking_agent"), await person("cs_rep")
    tech = await person("tech_lead")
    listed = await _status(gql, hr)
    assert {agent.account.email, cs.account.email} <= set(listed)
    # Roles that read no guest data need no data-protection training.
    assert tech.account.email not in listed and hr.account.email not in listed
    assert listed[agent.account.email]["state"] == "OVERDUE"
    assert listed[agent.account.email]["lastTraining"] is None

    recorded = await _record(gql, hr, agent.account.email.upper(), topic="PIPL basics")
    assert recorded["errors"] == []
    valid_days = await params.compliance_training_valid_days
    until = TODAY - D(days=10) + D(days=valid_days)
    assert recorded["training"] == {
        "topic": "PIPL basics",
        "completedOn": (TODAY - D(days=10)).isoformat(),
        "validUntil": until.isoformat(),
    }
    assert recorded["status"]["state"] == "CURRENT"
    row = await ComplianceTraining.get(account_id=agent.account.id)
    assert (row.valid_until, row.recorded_by_account_id) == (until, hr.account.id)

    overdue = await _status(gql, hr, "OVERDUE")
    assert agent.account.email not in overdue and cs.account.email in overdue

    notice = await params.compliance_training_notice_days
    clock.freeze(_at(until - D(days=notice - 1)))
    assert (await _status(gql, hr))[agent.account.email]["state"] == "DUE"
    clock.freeze(_at(until + D(days=1)))
    assert (await _status(gql, hr))[agent.account.email]["state"] == "OVERDUE"


@pytest.mark.policy("P6.1.4")
async def test_the_job_reminds_each_lapsed_person_once_per_lapse(gql, person):
    hr = await person("hr")
    agent, cs = await person("booking_agent"), await person("cs_rep")
    await person("tech_lead")
    await _record(gql, hr, agent.account.email)

    told = await remind_compliance_training({})
    assert told >= 1
    assert await Notification.filter(
        account_id=cs.account.id, kind="COMPLIANCE_TRAINING_OVERDUE"
    ).count() == 1
    assert not await Notification.filter(account_id=agent.account.id).exists()
    # A rerun (or a run after a killed one) tells no one again.
    assert await remind_compliance_training({}) == 0
    assert await Notification.filter(kind__startswith="COMPLIANCE_TRAINING").count() == told

    # The agent's training comes due, then lapses: one reminder each.
    until = (await ComplianceTraining.get(account_id=agent.account.id)).valid_until
    clock.freeze(_at(until - D(days=3)))
    assert await remind_compliance_training({}) == 1
    clock.freeze(_at(until - D(days=2)))
    assert await remind_compliance_training({}) == 0
    clock.freeze(_at(until + D(days=1)))
    assert await remind_compliance_training({}) == 1
    kinds = await Notification.filter(account_id=agent.account.id).order_by("id").values_list(
        "kind", flat=True
    )
    assert kinds == ["COMPLIANCE_TRAINING_DUE", "COMPLIANCE_TRAINING_OVERDUE"]
    assert await ComplianceTrainingReminder.filter(account_id=agent.account.id).count() == 2


async def test_bad_training_records_are_refused_and_write_nothing(gql, person):
    hr = await person("hr")
    agent = await person("booking_agent")
    unknown = await _record(gql, hr, "nobody@test.hotel")
    assert unknown["errors"] == [{"field": "staffEmail", "code": "NOT_FOUND"}]
    guest = await person(kind="GUEST")
    not_staff = await _record(gql, hr, guest.account.email)
    assert not_staff["errors"] == [{"field": "staffEmail", "code": "NOT_FOUND"}]
    future = await _record(gql, hr, agent.account.email, completed_on=TODAY + D(days=1))
    assert future["errors"] == [{"field": "completedOn", "code": "INVALID"}]
    long_topic = await _record(gql, hr, agent.account.email, topic="x" * 201)
    assert long_topic["errors"] == [{"field": "topic", "code": "TOO_LONG"}]
    assert await ComplianceTraining.all().count() == 0


@pytest.mark.parametrize("role", ["legal", "auditor", "director", "booking_agent", "admin"])
async def test_only_hr_records_compliance_training(gql, person, role):
    agent = await person("booking_agent")
    values = {"staffEmail": agent.account.email, "completedOn": TODAY.isoformat()}
    reply = await gql(RECORD, {"input": values}, token=(await person(role)).token)
    assert reply.error_codes == ["FORBIDDEN"]
    assert await ComplianceTraining.all().count() == 0


async def test_who_follows_the_training_status(gql, person, partner):
    for role in ("hr", "legal", "auditor", "director"):
        reply = await gql(STATUS, token=(await person(role)).token)
        assert reply.errors == [], role
    for role in ("booking_agent", "cs_rep", "admin", "tech_lead"):
        reply = await gql(STATUS, token=(await person(role)).token)
        assert reply.error_codes == ["FORBIDDEN"], role
    assert (await gql(STATUS, token=(await person(kind="GUEST")).token)).error_codes == [
        "FORBIDDEN"
    ]
    _, secret = await partner(["bookings:read"])
    assert (await gql(STATUS, token=secret)).error_codes == ["FORBIDDEN"]
