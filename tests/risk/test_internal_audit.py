"""The quarterly internal audit through the API (P6.2.2): a seeded, recorded, reproducible
random sample of audit_sample_percent of an ended quarter's bookings, complaints, approvals and
permission uses, at least one of each kind that has any; an empty quarter is refused; a job
draws the last quarter once; auditors record a finding per case and close the audit, whose
report is archived and sent to the operations committee; wrong roles are refused."""

from __future__ import annotations

import asyncio
import datetime as dt
from decimal import Decimal

import pytest
from strawberry import relay

from authz import tokens
from domain.clock import clock
from domain.models import AuditEntry, AuditSample, Document, InternalAudit, Notification
from domain.risk import audits
from tests.bookings.booking_support import book, make_hotel
from tests.complaints.complaint_support import file
from tests.concurrency import assert_ran_concurrently, watching_transactions
from workers.jobs import quarterly_internal_audit

pytestmark = pytest.mark.usefixtures("archive")

D = dt.timedelta
AUDIT_FIELDS = """id quarter seed samplePercent status closedAt summary documentId
  population { kind cases sampled }
  samples { id caseKind caseId severity finding recordedBy { email } }"""
START = f"""mutation($q: String!, $seed: String) {{
  startInternalAudit(input: {{quarter: $q, seed: $seed}}) {{
  internalAudit {{ {AUDIT_FIELDS} }} errors {{ field code message }} }} }}"""
RECORD = """mutation($id: ID!, $s: AuditSeverity!, $f: String!) {
  recordAuditFinding(input: {sampleId: $id, severity: $s, finding: $f}) {
  sample { id severity finding recordedBy { email } } errors { field code message } } }"""
CLOSE = f"""mutation($id: ID!, $s: String!) {{
  closeInternalAudit(input: {{auditId: $id, summary: $s}}) {{
  internalAudit {{ {AUDIT_FIELDS} }} errors {{ field code message }} }} }}"""
LIST = f"""{{ internalAudits(first: 5) {{ totalCount edges {{ node {{ {AUDIT_FIELDS} }} }} }} }}"""
SUBMIT = """mutation { submitApproval(input: {kind: "PURCHASE", reason: "new linen",
  amount: "800", currency: "CNY", emergency: false}) { approval { id } errors { code } } }"""
SET_PARAMETER = """mutation { setPolicyParameter(input: {key: "audit_sample_percent",
  value: "50", reason: "more"}) { errors { code } } }"""
Q4 = audits.Quarter(2026, 4)
# 5 January 2027, 10:00 at the hotel: the fourth quarter of 2026 has ended.
AFTER_Q4 = dt.datetime(2027, 1, 5, 2, 0, tzinfo=dt.UTC)


async def _tok(who) -> str:
    return (await tokens.issue_session(who.account)).access_token


async def _quarter_of_cases(gql, person, bookings: int = 21):
    """Bookings, complaints, an approval and a refused privileged attempt, in 2026-Q4."""
    hotel = await make_hotel()
    agent = await person("booking_agent")
    for n in range(bookings):
        guest = {"fullName": f"Guest {n}", "email": f"guest{n}@example.com"}
        await book(gql, agent.token, hotel.std, clock.today() + D(days=1 + n % 30), 1,
                   guest=guest)
    rep = await person("cs_rep")
    await file(gql, rep.token)
    await file(gql, rep.token, category="CLEANLINESS")
    submitted = await gql(SUBMIT, token=agent.token)
    assert submitted.data["submitApproval"]["errors"] == [], submitted.body
    denied = await gql(SET_PARAMETER, token=agent.token)
    assert denied.error_codes == ["FORBIDDEN"]


async def _start(gql, auditor, quarter="2026-Q4", seed=None):
    reply = await gql(START, {"q": quarter, "seed": seed}, token=await _tok(auditor))
    assert reply.errors == [], reply.body
    return reply.data["startInternalAudit"]


@pytest.mark.policy("P6.2.2")
async def test_the_sample_is_seeded_recorded_reproducible_and_covers_every_kind(gql, person):
    await _quarter_of_cases(gql, person)
    auditor, other_auditor = await person("auditor"), await person("auditor")
    # A quarter still running is not audited.
    early = await _start(gql, auditor)
    assert [(e["field"], e["code"]) for e in early["errors"]] == [("quarter", "OUT_OF_RANGE")]

    clock.freeze(AFTER_Q4)
    started = await _start(gql, auditor, seed="spring-2027")
    assert started["errors"] == []
    audit = started["internalAudit"]
    assert (audit["quarter"], audit["seed"], audit["status"]) == ("2026-Q4", "spring-2027", "OPEN")
    assert Decimal(audit["samplePercent"]) == Decimal("5")
    counts = {p["kind"]: (p["cases"], p["sampled"]) for p in audit["population"]}
    permission_uses = counts["PERMISSION_USE"][0]
    assert permission_uses >= 1  # the refused setPolicyParameter at least
    # 5% rounded up, at least one of every kind that has cases.
    assert counts["BOOKING"] == (21, 2)
    assert counts["COMPLAINT"] == (2, 1)
    assert counts["APPROVAL"] == (1, 1)
    assert counts["PERMISSION_USE"][1] == 1
    assert len(audit["samples"]) == 5

    # The sample stored is the one the seed draws, and drawing again gives it again.
    cases = await audits.population(Q4)
    assert len(cases[audits.CaseKind.PERMISSION_USE]) == permission_uses
    denied = await AuditEntry.get(action="setPolicyParameter", outcome="DENIED")
    assert denied.id in cases[audits.CaseKind.PERMISSION_USE]
    first = audits.draw(cases, Decimal("5"), "spring-2027", Q4)
    again = audits.draw(await audits.population(Q4), Decimal("5"), "spring-2027", Q4)
    assert first == again
    stored = {
        (s.case_kind, s.case_id) for s in await AuditSample.filter(audit_id=pk(audit["id"]))
    }
    assert stored == {(kind.value, i) for kind, ids in first.items() for i in ids}
    shown = {(s["caseKind"], s["caseId"]) for s in audit["samples"]}
    assert shown == {
        (kind.value, str(relay.GlobalID(audits.CASE_TYPE[kind], str(i))))
        for kind, ids in first.items()
        for i in ids
    }
    # Another seed draws another sample of the same sizes.
    drawn = [audits.draw(cases, Decimal("5"), f"seed-{n}", Q4) for n in range(6)]
    assert any(d[audits.CaseKind.BOOKING] != first[audits.CaseKind.BOOKING] for d in drawn)
    assert {len(d[audits.CaseKind.BOOKING]) for d in drawn} == {2}

    row = await InternalAudit.get(quarter="2026-Q4")
    assert row.seed == "spring-2027" and row.population["BOOKING"] == 21
    told = await Notification.filter(kind="INTERNAL_AUDIT_OPENED").values_list(
        "account_id", flat=True
    )
    assert list(told) == [other_auditor.account.id]

    # Once per quarter; the job leaves an audited quarter alone.
    twice = await _start(gql, auditor, seed="again")
    assert [(e["field"], e["code"]) for e in twice["errors"]] == [("quarter", "DUPLICATE")]
    assert await quarterly_internal_audit({}) == 0
    assert await InternalAudit.all().count() == 1


@pytest.mark.policy("P6.2.2")
async def test_an_empty_quarter_is_refused_and_bad_input_writes_nothing(gql, person):
    auditor = await person("auditor")
    for quarter, seed, field, code in [
        ("2026-Q2", None, "quarter", "EMPTY_QUARTER"),
        ("2026-Q5", None, "quarter", "INVALID"),
        ("Q3", None, "quarter", "INVALID"),
        ("1999-Q1", None, "quarter", "INVALID"),
        ("2026-Q2", "no spaces please", "seed", "INVALID"),
    ]:
        payload = await _start(gql, auditor, quarter, seed)
        assert [(e["field"], e["code"]) for e in payload["errors"]] == [(field, code)], quarter
    assert await InternalAudit.all().count() == 0 and await AuditSample.all().count() == 0
    refused = await AuditEntry.filter(action="startInternalAudit", outcome="REJECTED").count()
    assert refused == 5
    # The job leaves an empty quarter alone too.
    clock.freeze(dt.datetime(2026, 10, 3, 2, 0, tzinfo=dt.UTC))
    assert await quarterly_internal_audit({}) == 0
    assert await InternalAudit.all().count() == 0


@pytest.mark.policy("P6.2.2")
async def test_the_job_draws_the_last_quarter_once_with_a_recorded_seed(gql, person):
    await _quarter_of_cases(gql, person, bookings=3)
    auditor = await person("auditor")
    clock.freeze(AFTER_Q4)
    # Two runs at once, then another: one audit.
    both = await asyncio.gather(quarterly_internal_audit({}), quarterly_internal_audit({}))
    assert sorted(both) == [0, 1]
    assert await quarterly_internal_audit({}) == 0
    assert await InternalAudit.all().count() == 1
    audit = await InternalAudit.get(quarter="2026-Q4")
    assert audit.seed and audit.opened_by_ref == "system"
    samples = await AuditSample.filter(audit_id=audit.id)
    expected = audits.draw(await audits.population(Q4), audit.sample_percent, audit.seed, Q4)
    assert {(s.case_kind, s.case_id) for s in samples} == {
        (kind.value, i) for kind, ids in expected.items() for i in ids
    }
    assert await Notification.filter(
        kind="INTERNAL_AUDIT_OPENED", account_id=auditor.account.id
    ).exists()


@pytest.mark.policy("P6.2.2")
async def test_two_auditors_starting_the_same_quarter_at_once_open_one_audit(gql, person):
    """Both see no audit yet; the quarter's unique row decides: the loser is told DUPLICATE
    (not an internal error) and leaves nothing, and a later start is told the same."""
    await _quarter_of_cases(gql, person, bookings=3)
    first, second = await person("auditor"), await person("auditor")
    clock.freeze(AFTER_Q4)
    tokens_now = [await _tok(first), await _tok(second)]
    with watching_transactions() as overlap:
        replies = await asyncio.gather(
            *(gql(START, {"q": "2026-Q4", "seed": f"s{n}"}, token=t)
              for n, t in enumerate(tokens_now))
        )
    assert_ran_concurrently(overlap)
    assert [r.errors for r in replies] == [[], []], [r.body for r in replies]
    payloads = [r.data["startInternalAudit"] for r in replies]
    won = [p for p in payloads if p["internalAudit"] is not None]
    lost = [p for p in payloads if p["internalAudit"] is None]
    assert len(won) == 1 and len(lost) == 1, payloads
    assert won[0]["errors"] == []
    assert [(e["field"], e["code"]) for e in lost[0]["errors"]] == [("quarter", "DUPLICATE")]
    assert "2026-Q4" in lost[0]["errors"][0]["message"]

    # One audit with its own sample only; the loser's opening wrote and told nothing.
    audit = await InternalAudit.get(quarter="2026-Q4")
    assert audit.seed == won[0]["internalAudit"]["seed"]
    assert await AuditSample.all().count() == len(won[0]["internalAudit"]["samples"])
    assert await AuditSample.exclude(audit_id=audit.id).count() == 0
    assert await Notification.filter(kind="INTERNAL_AUDIT_OPENED").count() == 1
    outcomes = await AuditEntry.filter(action="startInternalAudit").values_list(
        "outcome", flat=True
    )
    assert sorted(outcomes) == ["REJECTED", "SUCCESS"]

    later = await _start(gql, first, seed="later")
    assert [(e["field"], e["code"]) for e in later["errors"]] == [("quarter", "DUPLICATE")]
    assert await InternalAudit.all().count() == 1


@pytest.mark.policy("P6.2.2")
async def test_findings_close_the_audit_and_the_report_goes_to_the_committee_and_the_archive(
    gql, person, archive
):
    await _quarter_of_cases(gql, person, bookings=3)
    auditor, committee, director = (
        await person("auditor"), await person("committee"), await person("director")
    )
    clock.freeze(AFTER_Q4)
    audit = (await _start(gql, auditor, seed="s1"))["internalAudit"]
    samples = audit["samples"]
    assert len(samples) == 4  # one of each kind: 5% of a handful, rounded up

    first = await gql(RECORD, {"id": samples[0]["id"], "s": "HIGH", "f": "Booked without terms"},
                      token=await _tok(auditor))
    recorded = first.data["recordAuditFinding"]
    assert recorded["errors"] == []
    assert recorded["sample"]["severity"] == "HIGH"
    assert recorded["sample"]["recordedBy"]["email"] == auditor.account.email
    blank = await gql(RECORD, {"id": samples[1]["id"], "s": "LOW", "f": "  "},
                      token=await _tok(auditor))
    assert blank.data["recordAuditFinding"]["errors"][0]["field"] == "finding"

    early = await gql(CLOSE, {"id": audit["id"], "s": "Mostly fine"}, token=await _tok(auditor))
    assert early.data["closeInternalAudit"]["errors"][0]["code"] == "REQUIRED"
    assert await Document.all().count() == 0

    for sample in samples[1:]:
        done = await gql(RECORD, {"id": sample["id"], "s": "NONE", "f": "As the process says"},
                         token=await _tok(auditor))
        assert done.data["recordAuditFinding"]["errors"] == []
    closed = await gql(CLOSE, {"id": audit["id"], "s": "One booking without terms."},
                       token=await _tok(auditor))
    payload = closed.data["closeInternalAudit"]
    assert payload["errors"] == []
    shown = payload["internalAudit"]
    assert shown["status"] == "CLOSED" and shown["documentId"]

    document = await Document.get(related_subject_type="InternalAudit")
    assert document.kind == "REPORT" and document.tier == 3
    assert shown["documentId"] == str(relay.GlobalID("Document", str(document.id)))
    report = archive.read_bytes(document.archive_id, document.tier, document.storage_key).decode()
    assert "Internal audit 2026-Q4" in report and "seed s1" in report
    assert "HIGH - Booked without terms" in report and "One booking without terms." in report
    told = await Notification.filter(kind="INTERNAL_AUDIT_REPORT")
    assert [n.account_id for n in told] == [committee.account.id]
    assert told[0].subject_type == "Document" and told[0].subject_id == str(document.id)

    # The committee and the director read it; closed means closed.
    listed = await gql(LIST, token=await _tok(committee))
    assert listed.data["internalAudits"]["totalCount"] == 1
    assert (await gql(LIST, token=await _tok(director))).errors == []
    late = await gql(RECORD, {"id": samples[0]["id"], "s": "LOW", "f": "Changed my mind"},
                     token=await _tok(auditor))
    assert late.data["recordAuditFinding"]["errors"][0]["code"] == "ALREADY_DECIDED"
    again = await gql(CLOSE, {"id": audit["id"], "s": "again"}, token=await _tok(auditor))
    assert again.data["closeInternalAudit"]["errors"][0]["code"] == "ALREADY_DECIDED"
    assert await Document.all().count() == 1


@pytest.mark.policy("P6.1.2")
async def test_wrong_roles_are_refused(gql, person):
    await _quarter_of_cases(gql, person, bookings=1)
    clock.freeze(AFTER_Q4)
    auditor = await person("auditor")
    audit = (await _start(gql, auditor))["internalAudit"]
    sample_id = audit["samples"][0]["id"]
    for role in ("committee", "director", "tech_lead", "booking_agent", "admin"):
        someone = await person(role)
        token = someone.token
        assert (await gql(START, {"q": "2026-Q4"}, token=token)).error_codes == ["FORBIDDEN"]
        reply = await gql(RECORD, {"id": sample_id, "s": "LOW", "f": "x"}, token=token)
        assert reply.error_codes == ["FORBIDDEN"], role
        reply = await gql(CLOSE, {"id": audit["id"], "s": "x"}, token=token)
        assert reply.error_codes == ["FORBIDDEN"], role
    for role in ("booking_agent", "cs_rep", "tech_lead", "pr"):
        assert (await gql(LIST, token=(await person(role)).token)).error_codes == ["FORBIDDEN"]
    guest = await person(kind="GUEST")
    assert (await gql(LIST, token=guest.token)).error_codes == ["FORBIDDEN"]
    assert await AuditSample.filter(severity__isnull=False).count() == 0


def pk(global_id: str) -> int:
    return int(relay.GlobalID.from_id(global_id).node_id)
