"""The 5+X rule (P3.1.9): the first answer is due within `complaint_respond_days` and the
resolution within `complaint_resolve_days`, counted in calendar days of the hotel's time zone
(the filing day is day 0, a deadline ends at local midnight). The sweep job warns the handler
before each deadline and escalates to the supervisors after it; a sweep stopped between
batches and run again sends nothing twice and misses nothing."""

from __future__ import annotations

import asyncio
import datetime as dt

import pytest
from complaint_support import LIST, RESPOND, file, ok, pk_of, token_now

from domain.clock import clock
from domain.complaints import deadlines
from domain.models import Complaint, ComplaintDeadline, ComplaintEvent, Notification
from tests.conftest import needs_postgres
from tests.dual_review_support import set_parameter_reviewed
from workers import jobs

pytestmark = pytest.mark.policy("P3.1.9")
SHANGHAI = dt.timezone(dt.timedelta(hours=8))


def local(text: str) -> str:
    """An ISO time at the hotel as the API returns it (UTC)."""
    moment = dt.datetime.fromisoformat(text).replace(tzinfo=SHANGHAI)
    return moment.astimezone(dt.UTC).isoformat()


async def test_deadlines_are_whole_hotel_days_from_the_filing_day(gql, person):
    rep = await person("cs_rep")
    # The suite's clock: Saturday 28 November 2026, 10:00 at the hotel.
    morning = await file(gql, rep.token)
    assert morning["respondDueAt"] == local("2026-12-04T00:00:00")  # 5 days after the 28th
    assert morning["resolveDueAt"] == local("2026-12-09T00:00:00")  # 10 days (the X)
    clock.freeze(dt.datetime(2026, 11, 28, 23, 59, tzinfo=SHANGHAI))
    late_evening = await file(gql, await token_now(rep.account))
    assert late_evening["respondDueAt"] == local("2026-12-04T00:00:00")  # same hotel day
    clock.freeze(dt.datetime(2026, 11, 29, 0, 1, tzinfo=SHANGHAI))  # still the 28th in UTC
    after_midnight = await file(gql, await token_now(rep.account))
    assert after_midnight["respondDueAt"] == local("2026-12-05T00:00:00")


async def test_the_days_are_policy_parameters(gql, person):
    rep = await person("cs_rep")
    for key, value in (("complaint_resolve_days", "7"), ("complaint_respond_days", "2")):
        await set_parameter_reviewed(key, value, "faster service")
    complaint = await file(gql, rep.token)
    assert complaint["respondDueAt"] == local("2026-12-01T00:00:00")
    assert complaint["resolveDueAt"] == local("2026-12-06T00:00:00")


async def _notices(kind: str, account_id: int) -> int:
    return await Notification.filter(kind=kind, account_id=account_id).count()


async def test_the_sweep_warns_before_and_escalates_after_a_missed_deadline(gql, person):
    rep, supervisor = await person("cs_rep"), await person("supervisor")
    complaint = await file(gql, rep.token)
    # 24 hours before the response deadline (3 December, 00:00 at the hotel): not yet
    clock.freeze(dt.datetime(2026, 12, 2, 23, 59, tzinfo=SHANGHAI))
    assert await jobs.sweep_complaint_deadlines({}) == {"warned": 0, "escalated": 0}
    clock.freeze(dt.datetime(2026, 12, 3, 0, 0, tzinfo=SHANGHAI))
    assert await jobs.sweep_complaint_deadlines({}) == {"warned": 1, "escalated": 0}
    assert await _notices("COMPLAINT_DUE_SOON", rep.account.id) == 1
    assert await jobs.sweep_complaint_deadlines({}) == {"warned": 0, "escalated": 0}
    # the answer was due before 4 December at the hotel
    clock.freeze(dt.datetime(2026, 12, 4, 0, 0, tzinfo=SHANGHAI))
    assert await jobs.sweep_complaint_deadlines({}) == {"warned": 0, "escalated": 1}
    assert await _notices("COMPLAINT_OVERDUE", supervisor.account.id) == 1
    assert await _notices("COMPLAINT_OVERDUE", rep.account.id) == 1
    row = await Complaint.get(id=pk_of(complaint["id"]))
    assert row.escalated_at is not None
    assert await ComplaintEvent.filter(complaint_id=row.id, kind="ESCALATED").count() == 1
    assert await jobs.sweep_complaint_deadlines({}) == {"warned": 0, "escalated": 0}
    reply = await gql(
        LIST, {"filter": {"escalated": True}}, token=await token_now(supervisor.account)
    )
    assert reply.data["complaints"]["totalCount"] == 1
    # a late answer closes the response deadline as missed; the resolution one still runs
    await ok(
        gql,
        RESPOND,
        {"id": complaint["id"], "m": "Sorry for the wait."},
        await token_now(rep.account),
        "respondToComplaint",
    )
    respond = await ComplaintDeadline.get(complaint_id=row.id, kind="RESPOND")
    assert respond.closed_at is not None and respond.met is False
    clock.freeze(dt.datetime(2026, 12, 9, 0, 0, tzinfo=SHANGHAI))
    assert await jobs.sweep_complaint_deadlines({}) == {"warned": 0, "escalated": 1}
    assert await _notices("COMPLAINT_OVERDUE", supervisor.account.id) == 2


async def test_an_answer_in_time_meets_the_deadline_and_nobody_is_warned(gql, person):
    rep = await person("cs_rep")
    complaint = await file(gql, rep.token)
    clock.advance(dt.timedelta(days=2))
    await ok(
        gql,
        RESPOND,
        {"id": complaint["id"], "m": "Done today."},
        await token_now(rep.account),
        "respondToComplaint",
    )
    clock.freeze(dt.datetime(2026, 12, 4, 0, 0, tzinfo=SHANGHAI))
    assert await jobs.sweep_complaint_deadlines({}) == {"warned": 0, "escalated": 0}
    respond = await ComplaintDeadline.get(complaint_id=pk_of(complaint["id"]), kind="RESPOND")
    assert respond.met is True and respond.warned_at is None


async def test_an_unowned_complaint_warns_the_customer_service_team(gql, person):
    guest, rep, other = await person(kind="GUEST"), await person("cs_rep"), await person("cs_rep")
    await file(gql, guest.token)
    clock.freeze(dt.datetime(2026, 12, 3, 1, 0, tzinfo=SHANGHAI))
    assert (await jobs.sweep_complaint_deadlines({}))["warned"] == 1
    assert await _notices("COMPLAINT_DUE_SOON", rep.account.id) == 1
    assert await _notices("COMPLAINT_DUE_SOON", other.account.id) == 1


class Killed(Exception):
    """The worker process dies."""


async def test_a_sweep_killed_between_batches_and_run_again_sends_each_notice_once(gql, person):
    rep, supervisor = await person("cs_rep"), await person("supervisor")
    filed = [await file(gql, rep.token) for _ in range(5)]
    clock.freeze(dt.datetime(2026, 12, 4, 0, 0, tzinfo=SHANGHAI))  # all five answers overdue

    async def die() -> None:
        raise Killed

    with pytest.raises(Killed):
        await deadlines.sweep(batch_size=2, after_batch=die)
    assert await _notices("COMPLAINT_OVERDUE", supervisor.account.id) == 2
    assert await jobs.sweep_complaint_deadlines({}) == {"warned": 0, "escalated": 3}
    assert await jobs.sweep_complaint_deadlines({}) == {"warned": 0, "escalated": 0}
    for complaint in filed:
        told = await Notification.filter(
            kind="COMPLAINT_OVERDUE",
            account_id=supervisor.account.id,
            subject_id=str(pk_of(complaint["id"])),
        ).count()
        assert told == 1
        assert (
            await ComplaintEvent.filter(
                complaint_id=pk_of(complaint["id"]), kind="ESCALATED"
            ).count()
            == 1
        )


async def test_two_sweeps_at_once_send_each_notice_once(gql, person):
    rep, supervisor = await person("cs_rep"), await person("supervisor")
    for _ in range(3):
        await file(gql, rep.token)
    clock.freeze(dt.datetime(2026, 12, 4, 0, 0, tzinfo=SHANGHAI))
    first = await deadlines.sweep(batch_size=2)
    second = await deadlines.sweep(batch_size=2)
    assert first["escalated"] + second["escalated"] == 3
    assert await _notices("COMPLAINT_OVERDUE", supervisor.account.id) == 3


@needs_postgres
async def test_parallel_sweeps_on_postgres_send_each_notice_once(gql, person):
    """Two workers sweep at the same moment on their own connections: every escalation is
    claimed by one of them."""
    rep, supervisor = await person("cs_rep"), await person("supervisor")
    for _ in range(6):
        await file(gql, rep.token)
    clock.freeze(dt.datetime(2026, 12, 4, 0, 0, tzinfo=SHANGHAI))
    done = await asyncio.gather(*(deadlines.sweep(batch_size=2) for _ in range(3)))
    assert sum(d["escalated"] for d in done) == 6
    assert await _notices("COMPLAINT_OVERDUE", supervisor.account.id) == 6
    assert await ComplaintEvent.filter(kind="ESCALATED").count() == 6
