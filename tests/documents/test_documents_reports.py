"""Reports (P3.2.7): daily, weekly and monthly templates from registered sections, archived as
HTML with inline SVG charts in tier 3, with submission deadlines of 24 h / 48 h / 72 h,
reminders and overdue flags."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from domain.clock import clock
from domain.models import (
    Booking,
    BookingNight,
    Document,
    GuestProfile,
    InventoryNight,
    Notification,
    Refund,
    Report,
    RoomType,
)
from domain.reports import registry
from domain.reports.registry import Chart, SectionContent
from workers import jobs

# 10:00 on 10 November in the hotel's time zone; every time below is in the past, so access
# tokens issued at these instants are valid.
NOW = dt.datetime(2026, 11, 10, 2, 0, tzinfo=dt.UTC)
GENERATE = """
mutation($p: ReportPeriod!, $d: Date!) {
  generateReport(input: {period: $p, date: $d}) {
    report { id title status overdue dueAt periodStart periodEnd sections
             document { id name tier kind contentType } }
    errors { field code }
  }
}"""
REPORTS = """
query($f: ReportFilter) { reports(filter: $f) { totalCount
  nodes { title period status overdue submittedLate document { name } } } }"""
SUBMIT = """
mutation($id: ID!) { submitReport(input: {reportId: $id, note: "Sent to the director"}) {
  report { status submittedLate submittedAt } errors { code } } }"""


@pytest.fixture(autouse=True)
def report_time():
    clock.freeze(NOW)


async def booking(room_type, guest, n, channel, status, created, nights, **extra) -> Booking:
    total = sum(amount for _, amount in nights)
    row = await Booking.create(
        number=f"B20261109-{n:05d}",
        status=status,
        channel=channel,
        room_type=room_type,
        check_in=nights[0][0],
        check_out=nights[-1][0] + dt.timedelta(days=1),
        guests=1,
        nights=len(nights),
        guest=guest,
        gross_amount=total,
        total_amount=total,
        currency="CNY",
        terms_version="2026-1",
        created_at=created,
        **extra,
    )
    for day, amount in nights:
        await BookingNight.create(booking=row, room_type=room_type, date=day, amount=amount)
    return row


async def hotel_day() -> None:
    """Bookings on 9 November (hotel time): 3 taken, 1 cancelled with a refund."""
    room_type = await RoomType.create(code="STD", name="Standard", capacity=2, base_rate=500)
    guest = await GuestProfile.create(full_name="Zhang San")
    day = dt.date(2026, 11, 9)
    await InventoryNight.create(room_type=room_type, date=day, capacity=10, sold=2)
    at = dt.datetime(2026, 11, 9, 3, 0, tzinfo=dt.UTC)  # 11:00 local
    await booking(room_type, guest, 1, "ONLINE", "CONFIRMED", at, [(day, Decimal("500.00"))])
    await booking(room_type, guest, 2, "PHONE", "CHECKED_IN", at, [(day, Decimal("400.00"))])
    cancelled = await booking(
        room_type,
        guest,
        3,
        "ONLINE",
        "CANCELLED",
        at,
        [(day, Decimal("450.00"))],
        cancelled_at=at + dt.timedelta(hours=2),
    )
    await Refund.create(
        booking=cancelled,
        kind="CANCELLATION",
        rule="FREE_CANCELLATION",
        paid_amount=Decimal("450.00"),
        charge_amount=Decimal("150.00"),
        amount=Decimal("300.00"),
        currency="CNY",
        created_at=at + dt.timedelta(hours=2),
    )


async def generate(gql, token, period="DAILY", date="2026-11-09") -> dict:
    reply = await gql(GENERATE, {"p": period, "d": date}, token=token)
    assert reply.errors == [], reply.errors
    return reply.data["generateReport"]


@pytest.mark.policy("P3.2.7")
async def test_daily_report_is_built_from_sections_and_archived_as_html(gql, person, link, fetch):
    await hotel_day()
    analyst = await person("data_analyst")
    result = await generate(gql, analyst.token)
    assert result["errors"] == []
    report = result["report"]
    assert report["title"] == "Daily report 2026-11-09"
    assert report["sections"] == ["bookings", "occupancy", "revenue", "cancellations", "settlement"]
    assert (report["periodStart"], report["periodEnd"]) == ("2026-11-09", "2026-11-10")
    # Due 24 hours after the end of the day: midnight of the 10th (+08:00) plus 24 h.
    assert report["dueAt"] == "2026-11-10T16:00:00+00:00"
    assert (report["status"], report["overdue"]) == ("DUE", False)
    document = report["document"]
    assert (document["tier"], document["kind"], document["contentType"]) == (
        3,
        "REPORT",
        "text/html",
    )
    assert document["name"] == "20261110-0001-daily-report-2026-11-09"
    reply = await fetch(
        (await link(analyst.token, document["id"], "Read the report"))["url"], analyst.token
    )
    html = reply.text
    assert html.startswith("<!DOCTYPE html>")
    for expected in (
        "Bookings taken",
        "<svg",
        "Bookings by channel",
        "20.0%",
        "900.00 CNY",
        "Cancellations and refunds",
        "300.00 CNY",
        "Occupancy per night",
    ):
        assert expected in html, expected
    assert "<script" not in html and "src=" not in html and "href=" not in html
    assert "http" not in html.replace('xmlns="http://www.w3.org/2000/svg"', "")


@pytest.mark.policy("P3.2.7")
async def test_weekly_and_monthly_deadlines_are_48_and_72_hours(gql, person):
    analyst = await person("data_analyst")
    weekly = (await generate(gql, analyst.token, "WEEKLY", "2026-11-04"))["report"]
    assert (weekly["periodStart"], weekly["periodEnd"]) == ("2026-11-02", "2026-11-09")
    assert weekly["dueAt"] == "2026-11-10T16:00:00+00:00"  # 9 Nov 00:00 +08:00, plus 48 h
    monthly = (await generate(gql, analyst.token, "MONTHLY", "2026-10-15"))["report"]
    assert monthly["title"] == "Monthly report 2026-10"
    assert monthly["dueAt"] == "2026-11-03T16:00:00+00:00"  # 1 Nov 00:00 +08:00, plus 72 h
    assert (monthly["status"], monthly["overdue"]) == ("OVERDUE", True)


@pytest.mark.policy("P3.2.7")
async def test_reminder_then_overdue_flag_then_late_submission(gql, person):
    analyst = await person("data_analyst")
    supervisor = await person("supervisor")
    report = (await generate(gql, analyst.token))["report"]
    ready = await Notification.get(account_id=analyst.account.id, kind="REPORT_READY")
    assert "2026-11-11T00:00" in ready.body
    clock.freeze(dt.datetime(2026, 11, 10, 9, 59, tzinfo=dt.UTC))
    assert await jobs.report_deadlines({}) == {"reminded": 0, "overdue": 0}
    clock.freeze(dt.datetime(2026, 11, 10, 10, 0, tzinfo=dt.UTC))  # 6 h before the deadline
    assert await jobs.report_deadlines({}) == {"reminded": 1, "overdue": 0}
    assert await jobs.report_deadlines({}) == {"reminded": 0, "overdue": 0}
    assert await Notification.filter(kind="REPORT_DUE_SOON").count() == 1
    clock.freeze(dt.datetime(2026, 11, 10, 16, 0, tzinfo=dt.UTC))  # the deadline itself
    assert await jobs.report_deadlines({}) == {"reminded": 0, "overdue": 0}
    clock.freeze(dt.datetime(2026, 11, 10, 16, 0, 1, tzinfo=dt.UTC))
    assert await jobs.report_deadlines({}) == {"reminded": 0, "overdue": 1}
    assert await jobs.report_deadlines({}) == {"reminded": 0, "overdue": 0}
    flagged = {n.account_id for n in await Notification.filter(kind="REPORT_OVERDUE")}
    assert flagged == {analyst.account.id, supervisor.account.id}
    analyst = await person("data_analyst")
    listed = await gql(REPORTS, {"f": {"status": "OVERDUE"}}, token=analyst.token)
    assert listed.data["reports"]["totalCount"] == 1
    assert listed.data["reports"]["nodes"][0]["overdue"] is True
    submitted = await gql(SUBMIT, {"id": report["id"]}, token=analyst.token)
    assert submitted.data["submitReport"]["report"] == {
        "status": "SUBMITTED",
        "submittedLate": True,
        "submittedAt": "2026-11-10T16:00:01+00:00",
    }
    again = await gql(SUBMIT, {"id": report["id"]}, token=analyst.token)
    assert again.data["submitReport"]["errors"][0]["code"] == "INVALID_TRANSITION"
    assert (await gql(REPORTS, {"f": {"status": "SUBMITTED"}}, token=analyst.token)).data[
        "reports"
    ]["totalCount"] == 1


@pytest.mark.policy("P3.2.7")
async def test_submitted_in_time_is_not_late(gql, person):
    analyst = await person("data_analyst")
    report = (await generate(gql, analyst.token))["report"]
    reply = await gql(SUBMIT, {"id": report["id"]}, token=analyst.token)
    assert reply.data["submitReport"]["report"]["submittedLate"] is False
    clock.freeze(dt.datetime(2026, 11, 10, 17, 0, tzinfo=dt.UTC))
    assert await jobs.report_deadlines({}) == {"reminded": 0, "overdue": 0}


@pytest.mark.policy("P3.2.7")
async def test_the_job_generates_each_finished_period_once(gql, person):
    await hotel_day()
    assert await jobs.generate_reports({}) == 3
    assert await jobs.generate_reports({}) == 0
    rows = await Report.all().order_by("period")
    assert [(r.period, r.period_start.isoformat()) for r in rows] == [
        ("DAILY", "2026-11-09"),
        ("MONTHLY", "2026-10-01"),
        ("WEEKLY", "2026-11-02"),
    ]
    documents = await Document.filter(kind="REPORT").count()
    assert documents == 3


async def test_unfinished_or_repeated_periods_are_refused(gql, person):
    analyst = await person("data_analyst")
    today = await generate(gql, analyst.token, "DAILY", "2026-11-10")
    assert today["errors"][0] == {"field": "date", "code": "INVALID"}
    week = await generate(gql, analyst.token, "WEEKLY", "2026-11-10")
    assert week["errors"][0]["code"] == "INVALID"
    assert (await generate(gql, analyst.token))["errors"] == []
    assert (await generate(gql, analyst.token))["errors"][0]["code"] == "DUPLICATE"
    assert await Document.filter(kind="REPORT").count() == 1


@pytest.mark.policy("P3.2.7")
async def test_other_areas_register_their_own_sections(gql, person, link, fetch):
    async def complaints(window) -> SectionContent:
        return SectionContent(
            figures=[("Complaints <received>", "7")],
            charts=[Chart("bar", "By severity", ["GENERAL", "MAJOR"], [("n", [5.0, 2.0])])],
        )

    registry.register(registry.Section("complaints", "Complaints", 50, complaints))
    try:
        analyst = await person("data_analyst")
        report = (await generate(gql, analyst.token))["report"]
    finally:
        registry.unregister("complaints")
    assert report["sections"][-1] == "complaints"
    url = (await link(analyst.token, report["document"]["id"], "Read the report"))["url"]
    html = (await fetch(url, analyst.token)).text
    assert "Complaints &lt;received&gt;" in html and "By severity" in html


@pytest.mark.policy("P6.1.2")
async def test_report_permissions(gql, person):
    analyst = await person("data_analyst")
    report = (await generate(gql, analyst.token))["report"]
    agent = await person("booking_agent")
    assert (await gql(REPORTS, token=agent.token)).error_codes == ["FORBIDDEN"]
    cs = await person("cs_rep")
    reply = await gql(GENERATE, {"p": "DAILY", "d": "2026-11-08"}, token=cs.token)
    assert reply.error_codes == ["FORBIDDEN"]
    finance = await person("finance")
    assert (await gql(REPORTS, token=finance.token)).data["reports"]["totalCount"] == 1
    assert (await gql(SUBMIT, {"id": report["id"]}, token=finance.token)).error_codes == [
        "FORBIDDEN"
    ]
