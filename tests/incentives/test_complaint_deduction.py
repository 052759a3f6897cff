"""Deductions of performance pay for improper complaint handling through the API (P5.2.3): the
complaint's severity names the share within `complaint_penalty_min_percent` to
`complaint_penalty_max_percent`, a decided share within the range is kept and one outside it
is refused, the deduction is linked to the complaint and made once per complaint and person."""

from __future__ import annotations

from decimal import Decimal

import pytest

from domain.models import Complaint, IncentiveEntry
from tests.complaints.complaint_support import file
from tests.dual_review_support import set_parameter_reviewed
from tests.incentives.support import DEDUCT, PERIOD, call, codes, pk_of, refused, staff_gid


def _deduction(rep, complaint: dict, **given) -> dict:
    return {
        "input": {
            "staffId": staff_gid(rep),
            "complaintId": complaint["id"],
            "reason": "Promised a call back and never called",
            **PERIOD,
            **given,
        }
    }


async def _deduct(gql, who, rep, complaint, **given) -> dict:
    values = _deduction(rep, complaint, **given)
    return await call(gql, DEDUCT, values, who.token, "deductForComplaintHandling")


@pytest.mark.policy("P5.2.3")
async def test_the_severity_names_the_share_of_performance_pay(gql, person):
    hr, rep = await person("hr"), await person("cs_rep")
    general = await file(gql, rep.token, severity="GENERAL")
    major = await file(gql, rep.token, severity="MAJOR")
    assert (await Complaint.get(id=pk_of(general["id"]))).owner_account_id == rep.account.id

    light = await _deduct(gql, hr, rep, general, performancePay="3000.00", currency="CNY")
    heavy = await _deduct(gql, hr, rep, major)
    assert light["errors"] == [] and heavy["errors"] == []
    assert (light["entry"]["percent"], light["entry"]["amount"]) == ("5.00", "150.00")
    assert (heavy["entry"]["percent"], heavy["entry"]["amount"]) == ("20.00", None)
    for payload, complaint in ((light, general), (heavy, major)):
        entry = payload["entry"]
        assert (entry["kind"], entry["category"], entry["status"]) == (
            "COMPLAINT_HANDLING_DEDUCTION",
            "PENALTY",
            "IN_EFFECT",
        )
        assert entry["complaintId"] == complaint["id"]
        assert (entry["basisKind"], entry["basisReference"]) == ("COMPLAINT", complaint["number"])
    rows = await IncentiveEntry.all().order_by("id")
    assert [(r.complaint_id, r.percent, r.amount) for r in rows] == [
        (pk_of(general["id"]), Decimal("5.00"), Decimal("150.00")),
        (pk_of(major["id"]), Decimal("20.00"), None),
    ]


@pytest.mark.policy("P5.2.3")
async def test_a_decided_share_is_kept_within_the_range_and_refused_outside_it(gql, person):
    director, rep = await person("director"), await person("cs_rep")
    complaint = await file(gql, rep.token, severity="GENERAL")
    for outside in ("4.99", "20.01", "100.00"):
        payload = await _deduct(gql, director, rep, complaint, percent=outside)
        assert codes(payload) == [("percent", "OUT_OF_RANGE")]
    assert await IncentiveEntry.all().count() == 0

    await set_parameter_reviewed("complaint_penalty_max_percent", "30")
    kept = await _deduct(
        gql, director, rep, complaint, percent="25.50", performancePay="1000", currency="CNY"
    )
    assert kept["errors"] == []
    assert (kept["entry"]["percent"], kept["entry"]["amount"]) == ("25.50", "255.00")
    # Once per complaint and person.
    again = await _deduct(gql, director, rep, complaint)
    assert codes(again) == [("complaintId", "DUPLICATE")]
    assert await IncentiveEntry.all().count() == 1


@pytest.mark.policy("P5.2.3")
async def test_only_someone_who_handled_the_complaint_is_deducted(gql, person):
    hr, rep, other = await person("hr"), await person("cs_rep"), await person("cs_rep")
    complaint = await file(gql, rep.token)
    payload = await _deduct(gql, hr, other, complaint)
    assert codes(payload) == [("staffId", "INVALID")]
    missing = await _deduct(gql, hr, rep, {"id": "Q29tcGxhaW50Ojk5OTk5"})  # Complaint:99999
    assert codes(missing) == [("complaintId", "NOT_FOUND")]
    no_reason = await _deduct(gql, hr, rep, complaint, reason=" ")
    assert codes(no_reason) == [("reason", "REQUIRED")]
    unpaid = await _deduct(gql, hr, rep, complaint, performancePay="100.00")
    assert codes(unpaid) == [("currency", "INVALID")]
    assert await IncentiveEntry.all().count() == 0


async def test_a_supervisor_proposes_a_deduction_and_others_may_not(gql, person):
    supervisor, rep = await person("supervisor"), await person("cs_rep")
    complaint = await file(gql, rep.token, severity="MAJOR")
    proposed = await _deduct(gql, supervisor, rep, complaint)
    assert proposed["errors"] == [] and proposed["entry"]["status"] == "PROPOSED"
    for role in ("cs_rep", "booking_agent", "finance"):
        caller = await person(role)
        values = _deduction(rep, complaint)
        assert await refused(gql, DEDUCT, values, caller.token) == "FORBIDDEN"
    assert await IncentiveEntry.all().count() == 1
