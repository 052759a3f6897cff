"""Monthly consumption analysis and recommendations through the API (P3.1.8), on a hand-built
history whose numbers are worked out by hand; the job's rerun and resume; who may read what
(P6.1.2: guests their own, analysts no contact details, partners and anonymous callers
nothing)."""

from __future__ import annotations

import asyncio
import datetime as dt
import io
import json
from dataclasses import dataclass
from decimal import Decimal

import pytest
from analysis_support import (
    ANALYSIS,
    BEHAVIOUR,
    OCTOBER,
    RECOMMENDATIONS,
    analysis_rows,
    at,
    forget_analysis,
    member,
    member_gid,
    room_types,
    stay,
)

from domain import analysis
from domain.errors import DomainError
from domain.i18n import format_money
from domain.models import AnalysisRun, AnalysisStay, AuditEntry, MemberBehaviour, Recommendation
from server.cli import analyse_members as cli_analyse
from workers.jobs import analyse_members as job

D = dt.date


@dataclass
class History:
    a: int  # 5 stays, mostly Deluxe, mostly in May, online
    b: int  # 2 stays, Standard, March 2025, through partners
    c: int  # no stays
    d: int  # only a cancelled booking
    others: list[int]  # one stay each


@pytest.fixture
async def history() -> History:
    rt = await room_types()
    std, dlx, ste = rt["STD"], rt["DLX"], rt["STE"]
    a = await member("Zhao Lei", "zhao.lei@example.com")
    await stay(a, dlx, D(2024, 5, 10), 2, gross="1600.00", booked_at=at("2024-04-19"))
    # Booked at 01:00 hotel time on 21 April (17:00 UTC on the 20th): 21 days ahead, not 22.
    await stay(
        a,
        dlx,
        D(2025, 5, 12),
        3,
        gross="2400.00",
        paid="2300.00",
        booked_at=dt.datetime(2025, 4, 20, 17, 0, tzinfo=dt.UTC),
    )
    await stay(
        a, dlx, D(2025, 8, 1), 1, gross="800.00", channel="PHONE", booked_at=at("2025-07-25")
    )
    await stay(a, std, D(2026, 2, 14), 2, gross="1000.00", booked_at=at("2026-02-14", 1))
    await stay(a, dlx, D(2026, 5, 20), 2, gross="1700.00", booked_at=at("2026-04-29"))
    # Not stays of the history up to October: cancelled, still ahead, begun in November.
    await stay(
        a, dlx, D(2026, 6, 10), 2, gross="1600.00", booked_at=at("2026-05-01"), status="CANCELLED"
    )
    await stay(
        a, ste, D(2026, 12, 20), 1, gross="9000.00", booked_at=at("2026-11-20"), status="CONFIRMED"
    )
    await stay(a, std, D(2026, 11, 2), 1, gross="500.00", booked_at=at("2026-10-20"))
    await stay(None, ste, D(2026, 3, 1), 1, gross="9000.00", booked_at=at("2026-02-01"))
    b = await member("Qian Min", "qian.min@example.com")
    for day in (D(2025, 3, 1), D(2025, 3, 15)):
        await stay(
            b,
            std,
            day,
            1,
            gross="500.00",
            channel="PARTNER",
            booked_at=at((day - dt.timedelta(days=10)).isoformat()),
        )
    c = await member("Sun Li")
    d = await member("Li Na")
    await stay(
        d, std, D(2026, 7, 1), 1, gross="500.00", booked_at=at("2026-06-01"), status="CANCELLED"
    )
    others = []
    for i in range(3):
        someone = await member(f"Guest {i}", f"guest{i}@example.com")
        await stay(
            someone,
            std,
            D(2026, 9, 1 + i),
            1 + i,
            gross=f"{500 * (1 + i)}.00",
            channel="WALK_IN",
            booked_at=at(f"2026-09-0{1 + i}"),
        )
        others.append(someone.id)
    return History(a.id, b.id, c.id, d.id, others)


async def _ok(gql, document: str, variables: dict, token: str, **kwargs) -> dict:
    reply = await gql(document, variables, token=token, **kwargs)
    assert reply.errors == [], reply.errors
    return reply.data


@pytest.mark.policy("P3.1.8")
async def test_the_monthly_job_computes_each_members_behaviour_exactly(gql, person, history):
    assert await job({}) == 5  # A, B and the three one-stay members
    analyst = await person("data_analyst")
    data = await _ok(gql, BEHAVIOUR, {"id": member_gid(history.a)}, analyst.token)
    a = data["memberBehaviour"]
    assert a == {
        "memberNumber": a["memberNumber"],
        "computedFor": "2026-10",
        "stays": 5,
        "nights": 10,
        "spend": "7400.00",  # paid after points: 1600 + 2300 + 800 + 1000 + 1700
        "averageRate": "750.00",  # room price 7500 over 10 nights
        "averageLeadDays": 14.0,  # 21, 21, 7, 0, 21 days ahead
        "mainChannel": "ONLINE",
        "mainChannelStays": 4,
        "preferredRoomType": {"code": "DLX", "name": "Deluxe"},
        "preferredRoomTypeStays": 4,
        "preferredRoomTypeShare": 0.8,
        "peakMonth": 5,
        "peakMonthStays": 3,
        "seasonality": [0, 1, 0, 0, 3, 0, 0, 1, 0, 0, 0, 0],
        "firstStay": "2024-05-10",
        "lastStay": "2026-05-20",
    }
    assert a["memberNumber"].startswith("M")
    b = (await _ok(gql, BEHAVIOUR, {"id": member_gid(history.b)}, analyst.token))["memberBehaviour"]
    assert (b["stays"], b["nights"], b["spend"], b["averageRate"], b["averageLeadDays"]) == (
        2,
        2,
        "1000.00",
        "500.00",
        10.0,
    )
    assert (b["mainChannel"], b["preferredRoomType"]["code"], b["peakMonth"]) == (
        "PARTNER",
        "STD",
        3,
    )
    for nobody in (history.c, history.d):
        data = await _ok(gql, BEHAVIOUR, {"id": member_gid(nobody)}, analyst.token)
        assert data["memberBehaviour"] is None
    # The database: one row per member with stays, the run finished, its snapshot dropped.
    assert await MemberBehaviour.filter(month=OCTOBER).count() == 5
    run = await AnalysisRun.get(month=OCTOBER)
    assert (run.status, run.members_total, run.members_done, run.stays_total) == ("DONE", 5, 5, 10)
    assert await AnalysisStay.all().count() == 0
    assert await AuditEntry.filter(action="analyseMembers", outcome="SUCCESS").count() == 1


@pytest.mark.policy("P3.1.8")
async def test_recommendations_are_ranked_and_explained_in_the_readers_language(
    gql, person, history
):
    await job({})
    rep = await person("cs_rep")
    data = await _ok(gql, RECOMMENDATIONS, {"id": member_gid(history.a)}, rep.token)
    rate = format_money(Decimal("750.00"), "CNY", "en")
    assert data["recommendations"] == [
        {
            "kind": "ROOM_TYPE",
            "topic": "PREFERRED",
            "rank": 1,
            "title": "Offer Deluxe for the next stay",
            "reason": "Stayed in DLX 4 of 5 times, books 3 weeks ahead in May.",
            "score": 0.8,
            "computedFor": "2026-10",
        },
        {
            "kind": "TIMING",
            "topic": "SEASON",
            "rank": 2,
            "title": "Send a May offer 3 weeks ahead",
            "reason": "3 of 5 stays began in May, booked 21.0 days ahead on average.",
            "score": 0.54,
            "computedFor": "2026-10",
        },
        {
            "kind": "OFFER",
            "topic": "UPGRADE",
            "rank": 3,
            "title": "Offer an upgrade to Suite",
            "reason": f"5 stays at {rate} a night on average, mostly in DLX.",
            "score": 0.5,
            "computedFor": "2026-10",
        },
    ]
    data = await _ok(gql, RECOMMENDATIONS, {"id": member_gid(history.b)}, rep.token)
    assert [(r["topic"], r["score"], r["reason"]) for r in data["recommendations"]] == [
        ("PREFERRED", 1.0, "Stayed in STD 2 of 2 times, books 1 weeks ahead in March."),
        ("SEASON", 0.9, "2 of 2 stays began in March, booked 10.0 days ahead on average."),
        ("WELCOME_BACK", 0.7, "Last stay began on 2025-03-15, after 2 stays."),
        ("DIRECT", 0.6, "Booked 2 of 2 stays through partners."),
    ]
    chinese = await _ok(
        gql,
        RECOMMENDATIONS,
        {"id": member_gid(history.a)},
        rep.token,
        headers={"Accept-Language": "zh-CN"},
    )
    first = chinese["recommendations"][0]
    assert first["reason"] == "5 次入住中有 4 次住 DLX，通常在五月提前 3 周预订。"
    assert first["title"] == "下次入住推荐 Deluxe"
    none = await _ok(gql, RECOMMENDATIONS, {"id": member_gid(history.c)}, rep.token)
    assert none["recommendations"] == []
    # The database keeps numbers, not texts: one row per rank.
    ranks = (
        await Recommendation.filter(member_id=history.a)
        .order_by("rank")
        .values_list("rank", "kind", "topic", "evidence", "total")
    )
    assert ranks == [
        (1, "ROOM_TYPE", "PREFERRED", 4, 5),
        (2, "TIMING", "SEASON", 3, 5),
        (3, "OFFER", "UPGRADE", 5, 5),
    ]


@pytest.mark.policy("P3.1.8")
async def test_a_rerun_adds_no_duplicates(gql, person, history):
    assert await job({}) == 5
    before = await analysis_rows()
    assert await job({}) is None  # the month is done: nothing repeats
    run = await analysis.analyse_month(OCTOBER)  # asked again by hand: left as it is
    assert run.status == "DONE"
    assert await analysis_rows() == before
    assert await AnalysisRun.all().count() == 1
    assert await MemberBehaviour.all().count() == 5
    assert await Recommendation.all().count() == len(before[1])


class Killed(Exception):
    pass


@pytest.mark.policy("P3.1.8")
async def test_a_run_killed_between_batches_resumes_to_the_same_result(history):
    await analysis.analyse_month(OCTOBER, batch_size=2)
    clean = await analysis_rows()
    await forget_analysis()

    def kill_after_two_batches(progress: analysis.Progress) -> None:
        if progress.batches_done == 2:
            raise Killed

    with pytest.raises(Killed):
        await analysis.analyse_month(OCTOBER, batch_size=1, on_progress=kill_after_two_batches)
    run = await AnalysisRun.get(month=OCTOBER)
    assert (run.status, run.batches_done, run.members_done) == ("RUNNING", 2, 2)
    assert await MemberBehaviour.all().count() == 2  # the two committed batches, no more
    assert await AnalysisStay.all().count() == 10 - 7  # A's 5 and B's 2 stays are done
    seen: list[int] = []
    run = await analysis.analyse_month(
        OCTOBER, batch_size=1, on_progress=lambda p: seen.append(p.members_done)
    )
    assert run.status == "DONE" and run.members_done == 5 and run.batches_done == 5
    assert seen[0] == 2 and seen[-1] == 5  # resumed after the last committed batch
    assert await analysis_rows() == clean
    assert await AnalysisStay.all().count() == 0


async def test_the_command_line_shows_a_progress_bar(history, capsys):
    stream = io.StringIO()
    assert await cli_analyse("2026-10", 2, stream) == 0
    shown = stream.getvalue()
    assert "2026-10 [" in shown and "5/5 members, 3 batches" in shown
    assert "Analysed 2026-10: 5 members, 10 stays, 3 batches." in capsys.readouterr().out
    assert await cli_analyse("2026-11", 2, io.StringIO()) == 2  # not over yet
    assert await cli_analyse("November", 2, io.StringIO()) == 2


async def test_a_month_not_over_is_refused():
    with pytest.raises(DomainError) as refused:
        await analysis.analyse_month(dt.date(2026, 11, 1))
    assert refused.value.code == "INVALID"
    assert await AnalysisRun.all().count() == 0


@pytest.mark.policy("P3.1.8")
async def test_a_guest_reads_only_their_own_recommendations(gql, person, partner, history):
    await job({})
    own = await person(kind="GUEST", member_id=history.a)
    data = await _ok(gql, RECOMMENDATIONS, {"id": member_gid(history.a)}, own.token)
    assert [r["topic"] for r in data["recommendations"]] == ["PREFERRED", "SEASON", "UPGRADE"]
    other = await gql(RECOMMENDATIONS, {"id": member_gid(history.b)}, token=own.token)
    assert other.error_codes == ["FORBIDDEN"] and other.data is None
    stranger = await person(kind="GUEST")  # a guest account that is no member
    refused = await gql(RECOMMENDATIONS, {"id": member_gid(history.a)}, token=stranger.token)
    assert refused.error_codes == ["FORBIDDEN"]
    # The behaviour analysis is staff work: not for guests, even their own.
    mine = await gql(BEHAVIOUR, {"id": member_gid(history.a)}, token=own.token)
    assert mine.error_codes == ["FORBIDDEN"]


@pytest.mark.parametrize("document", [RECOMMENDATIONS, BEHAVIOUR])
async def test_partners_anonymous_callers_and_other_roles_are_refused(
    gql, person, partner, history, document
):
    await job({})
    variables = {"id": member_gid(history.a)}
    _, secret = await partner(["bookings:read", "bookings:write", "inventory:read"])
    assert (await gql(document, variables, token=secret)).error_codes == ["FORBIDDEN"]
    assert (await gql(document, variables)).error_codes == ["UNAUTHENTICATED"]
    for role in ("finance", "hr", "auditor", "tech_lead"):
        someone = await person(role)
        assert (await gql(document, variables, token=someone.token)).error_codes == ["FORBIDDEN"], (
            role
        )


async def test_the_member_analysis_listing_is_refused_to_others(gql, person, partner):
    guest = await person(kind="GUEST")
    _, secret = await partner(["bookings:read"])
    finance = await person("finance")
    for token in (guest.token, secret, finance.token):
        assert (await gql(ANALYSIS, {}, token=token)).error_codes == ["FORBIDDEN"]
    assert (await gql(ANALYSIS, {})).error_codes == ["UNAUTHENTICATED"]


@pytest.mark.policy("P3.1.8")
async def test_analysts_see_the_analysis_pseudonymously(gql, person, history):
    await job({})
    analyst = await person("data_analyst")
    data = await _ok(gql, ANALYSIS, {"first": 3}, analyst.token)
    page = data["memberAnalysis"]
    assert page["totalCount"] == 5 and page["pageInfo"]["hasNextPage"] is True
    rest = await _ok(
        gql, ANALYSIS, {"first": 3, "after": page["pageInfo"]["endCursor"]}, analyst.token
    )
    rows = page["nodes"] + rest["memberAnalysis"]["nodes"]
    assert sorted(r["stays"] for r in rows) == [1, 1, 1, 2, 5]
    partners = await _ok(gql, ANALYSIS, {"filter": {"mainChannel": "PARTNER"}}, analyst.token)
    assert [r["stays"] for r in partners["memberAnalysis"]["nodes"]] == [2]
    # Nothing that reaches a person: no names, e-mail addresses or phone numbers anywhere.
    answer = json.dumps([data, rest])
    for personal in ("Zhao", "Qian", "example.com", "+86", "1390013"):
        assert personal not in answer
    from schema import build_schema

    behaviour_type = build_schema()._schema.type_map["MemberBehaviour"]
    assert not {"fullName", "email", "phone", "member", "guest"} & set(behaviour_type.fields)
    bad = await gql(ANALYSIS, {"filter": {"month": "October"}}, token=analyst.token)
    assert bad.error_codes == ["BAD_REQUEST"]
    empty = await _ok(gql, ANALYSIS, {"filter": {"month": "2026-09"}}, analyst.token)
    assert empty["memberAnalysis"]["totalCount"] == 0


@pytest.mark.policy("P3.1.8")
async def test_two_runners_at_once_write_each_row_once(history, monkeypatch):
    await analysis.analyse_month(OCTOBER, batch_size=2)
    clean = await analysis_rows()
    await forget_analysis()
    # The stays are copied three bookings per statement this time: the same snapshot.
    monkeypatch.setattr("domain.analysis.runs.STAGE_CHUNK", 3)
    first, second = await asyncio.gather(
        analysis.analyse_month(OCTOBER, batch_size=1),
        analysis.analyse_month(OCTOBER, batch_size=1),
    )
    assert first.status == second.status == "DONE"
    assert await analysis_rows() == clean
    run = await AnalysisRun.get(month=OCTOBER)
    assert run.members_done == 5 and run.batches_done == 5
    # One entry for the clean run and one for the raced run, whichever runner finished it.
    assert await AuditEntry.filter(action="analyseMembers", outcome="SUCCESS").count() == 2


@pytest.mark.policy("P3.1.8")
async def test_without_a_season_the_room_type_is_recommended_alone(gql, person):
    dlx = (await room_types())["DLX"]
    someone = await member()
    await stay(someone, dlx, D(2026, 1, 10), 1, gross="800.00", booked_at=at("2026-01-01"))
    await stay(someone, dlx, D(2026, 6, 10), 1, gross="800.00", booked_at=at("2026-06-01"))
    await job({})
    rep = await person("cs_rep")
    data = await _ok(gql, RECOMMENDATIONS, {"id": member_gid(someone.id)}, rep.token)
    assert [(r["topic"], r["reason"]) for r in data["recommendations"]] == [
        ("PREFERRED", "Stayed in DLX 2 of 2 times.")
    ]
