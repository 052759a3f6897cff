"""The customer-care plan through the API (P3.1.11): campaigns planned at least
care_plan_lead_weeks ahead (never in the past), the annual plan, and the sending worker: on the
day in the hotel's time zone, only to members with a current marketing consent, exactly once
per member and campaign, even when a run is killed between batches."""

from __future__ import annotations

import datetime as dt

import pytest

from domain import care, consents, outbox
from domain.actor import SYSTEM
from domain.clock import clock
from domain.models import (
    AuditEntry,
    CareCampaign,
    CareDelivery,
    ConsentPurpose,
    GuestProfile,
    Member,
    OutboxEvent,
)
from domain.unit_of_work import audited
from tests.bookings.booking_support import TODAY, new_member
from tests.conftest import counting_queries
from tests.dual_review_support import set_parameter_reviewed

D = dt.timedelta
PLAN = """mutation($input: PlanCareCampaignInput!) { planCareCampaign(input: $input) {
  campaign { id kind name message perk runOn endsOn status plannedBy { id } }
  errors { field code } } }"""
CARE_PLAN = """query($year: Int!) { carePlan(year: $year) { id kind name runOn endsOn
  deliveryCounts { pending sent skipped }
  deliveries(first: 10) { totalCount
    edges { node { status channel sendOn member { memberNumber } } } }
} }"""
LEAD = D(weeks=4)  # care_plan_lead_weeks by default


def campaign(kind: str = "HOLIDAY", run_on: dt.date = TODAY + LEAD, **extra) -> dict:
    return {
        "input": {
            "kind": kind,
            "name": "Spring Festival",
            "runOn": run_on.isoformat(),
            "message": "Happy Spring Festival from all of us.",
            **extra,
        }
    }


async def consenting_member(
    name: str, *, granted: bool = True, email: bool = True, birthday: tuple[int, int] | None = None
) -> int:
    member = await new_member(name=name)
    if not email:
        profile = await GuestProfile.get(member__id=member)
        profile.email = None
        await profile.save()
    if birthday:
        await Member.filter(id=member).update(birth_month=birthday[0], birth_day=birthday[1])

    async def consent():
        return await consents.record(
            SYSTEM,
            ConsentPurpose.MARKETING,
            granted=granted,
            notice_version="2026-1",
            channel="STAFF",
            member_id=member,
        )

    await audited(SYSTEM, "recordConsent", "Member", consent)
    return member


def day_at_hotel(day: dt.date, hour: int = 9) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(hour), tzinfo=clock.hotel_timezone)


async def fresh_token(someone) -> str:
    from authz import tokens

    return (await tokens.issue_session(someone.account)).access_token


@pytest.mark.policy("P3.1.11")
async def test_a_campaign_is_planned_the_lead_time_ahead_and_never_in_the_past(gql, person):
    supervisor = await person("supervisor")
    too_soon = await gql(PLAN, campaign(run_on=TODAY + LEAD - D(days=1)), token=supervisor.token)
    assert too_soon.data["planCareCampaign"]["errors"] == [
        {"field": "runOn", "code": "INSIDE_LEAD_TIME"}
    ]
    past = await gql(PLAN, campaign(run_on=TODAY - D(days=1)), token=supervisor.token)
    assert past.data["planCareCampaign"]["errors"] == [{"field": "runOn", "code": "OUT_OF_RANGE"}]
    blank = await gql(PLAN, campaign(name=" "), token=supervisor.token)
    assert blank.data["planCareCampaign"]["errors"] == [{"field": "name", "code": "REQUIRED"}]
    dated_period = await gql(
        PLAN, campaign(endsOn=(TODAY + LEAD + D(days=3)).isoformat()), token=supervisor.token
    )
    assert dated_period.data["planCareCampaign"]["errors"][0]["code"] == "INVALID"
    assert await CareCampaign.all().count() == 0
    assert await AuditEntry.filter(action="planCareCampaign", outcome="REJECTED").count() == 4

    planned = await gql(PLAN, campaign(perk="Late check-out"), token=supervisor.token)
    payload = planned.data["planCareCampaign"]
    assert payload["errors"] == []
    assert payload["campaign"]["runOn"] == payload["campaign"]["endsOn"] == str(TODAY + LEAD)
    assert payload["campaign"]["perk"] == "Late check-out"
    assert payload["campaign"]["plannedBy"]["id"] == f"account:{supervisor.account.id}"
    birthday = await gql(
        PLAN,
        campaign("BIRTHDAY", dt.date(2027, 1, 1), name="Birthdays 2027"),
        token=supervisor.token,
    )
    assert birthday.data["planCareCampaign"]["campaign"]["endsOn"] == "2027-12-31"
    too_long = await gql(
        PLAN, campaign("BIRTHDAY", dt.date(2027, 1, 1), endsOn="2028-01-05"), token=supervisor.token
    )
    assert too_long.data["planCareCampaign"]["errors"] == [
        {"field": "endsOn", "code": "OUT_OF_RANGE"}
    ]
    # A longer lead time is a policy parameter.
    director = await person("director")
    await set_parameter_reviewed("care_plan_lead_weeks", "8", "plan further ahead")
    late = await gql(PLAN, campaign(run_on=TODAY + D(weeks=6)), token=director.token)
    assert late.data["planCareCampaign"]["errors"][0]["code"] == "INSIDE_LEAD_TIME"


@pytest.mark.policy("P3.1.11")
async def test_the_annual_plan_lists_the_year_s_campaigns(gql, person):
    director = await person("director")
    for kind, day, name in (
        ("HOLIDAY", dt.date(2027, 2, 6), "Spring Festival"),
        ("OTHER", dt.date(2027, 5, 1), "Labour Day"),
        ("BIRTHDAY", dt.date(2027, 7, 1), "Birthdays"),
        ("HOLIDAY", dt.date(2028, 2, 6), "Next year"),
    ):
        reply = await gql(PLAN, campaign(kind, day, name=name), token=director.token)
        assert reply.data["planCareCampaign"]["errors"] == []
    plan_2027 = (await gql(CARE_PLAN, {"year": 2027}, token=director.token)).data["carePlan"]
    assert [c["name"] for c in plan_2027] == ["Spring Festival", "Labour Day", "Birthdays"]
    plan_2028 = (await gql(CARE_PLAN, {"year": 2028}, token=director.token)).data["carePlan"]
    # The birthday campaign runs into 2028.
    assert [c["name"] for c in plan_2028] == ["Birthdays", "Next year"]
    bad = await gql(CARE_PLAN, {"year": 12}, token=director.token)
    assert bad.error_codes == ["BAD_REQUEST"]


@pytest.mark.policy("P3.1.11")
async def test_sends_on_the_day_only_to_consenting_members_once(gql, person):
    supervisor = await person("supervisor")
    yes = await consenting_member("Yes Email")
    by_sms = await consenting_member("Yes Phone", email=False)
    await consenting_member("No Consent", granted=False)
    withdrawn = await consenting_member("Withdrew")
    await audited(
        SYSTEM,
        "withdraw",
        "Member",
        lambda: consents.record(
            SYSTEM,
            ConsentPurpose.MARKETING,
            granted=False,
            notice_version="2026-1",
            channel="STAFF",
            member_id=withdrawn,
        ),
    )
    await new_member(name="Never Asked")
    day = TODAY + LEAD
    reply = await gql(PLAN, campaign(run_on=day, perk="A free upgrade"), token=supervisor.token)
    campaign_id = reply.data["planCareCampaign"]["campaign"]["id"]

    # 23:30 at the hotel the evening before: not yet.
    clock.freeze(day_at_hotel(day - D(days=1), 23) + D(minutes=30))
    report = await care.send_due()
    assert (report.sent, await CareDelivery.all().count()) == (0, 0)

    # Just after midnight at the hotel (still the previous day in UTC): the day has come.
    clock.freeze(day_at_hotel(day, 0) + D(minutes=5))
    assert clock.now().date() == day - D(days=1)
    from workers.jobs import send_care_campaigns

    assert await send_care_campaigns({}) == {"recorded": 2, "sent": 2, "skipped": 0}
    assert await send_care_campaigns({}) == {"recorded": 2, "sent": 0, "skipped": 0}
    deliveries = {d.member_id: d for d in await CareDelivery.all()}
    assert set(deliveries) == {yes, by_sms}
    assert deliveries[yes].channel == outbox.EMAIL and deliveries[by_sms].channel == outbox.SMS
    messages = await OutboxEvent.filter(topic="care.holiday").order_by("id")
    assert [m.destination for m in messages] == [outbox.EMAIL, outbox.SMS]
    assert messages[0].payload["subject"] == "Spring Festival"
    assert "A free upgrade" in messages[0].payload["body"]

    # The day after: nothing more.
    clock.freeze(day_at_hotel(day + D(days=1)))
    assert (await care.send_due()).sent == 0
    assert await OutboxEvent.filter(topic="care.holiday").count() == 2

    shown = await gql(
        "query($id: ID!) { node(id: $id) { ... on CareCampaign { name deliveryCounts { sent } "
        "deliveries(first: 1) { totalCount pageInfo { hasNextPage endCursor } "
        "edges { node { status member { id } } } } } } }",
        {"id": campaign_id},
        token=await fresh_token(supervisor),
    )
    node = shown.data["node"]
    assert node["deliveryCounts"]["sent"] == 2
    assert node["deliveries"]["totalCount"] == 2 and node["deliveries"]["pageInfo"]["hasNextPage"]
    assert node["deliveries"]["edges"][0]["node"]["status"] == "SENT"


@pytest.mark.policy("P3.1.11")
async def test_a_birthday_campaign_greets_each_member_on_their_birthday(gql, person):
    director = await person("director")
    december = await consenting_member("December", birthday=(12, 30))
    january = await consenting_member("January", birthday=(1, 2))
    await consenting_member("Leap Day", birthday=(2, 29))
    await consenting_member("No Birthday")
    reply = await gql(
        PLAN,
        campaign("BIRTHDAY", TODAY + LEAD, name="Happy birthday", message="Happy birthday!"),
        token=director.token,
    )
    assert reply.data["planCareCampaign"]["errors"] == []

    clock.freeze(day_at_hotel(dt.date(2026, 12, 29)))
    assert (await care.send_due()).sent == 0
    clock.freeze(day_at_hotel(dt.date(2026, 12, 30)))
    assert (await care.send_due()).sent == 1
    clock.freeze(day_at_hotel(dt.date(2027, 1, 2)))
    assert (await care.send_due()).sent == 1
    clock.freeze(day_at_hotel(dt.date(2027, 2, 28)))  # not a leap year: 29 February greeted
    assert (await care.send_due()).sent == 1
    sent = {d.member_id for d in await CareDelivery.filter(status="SENT")}
    assert {december, january} <= sent and len(sent) == 3
    assert await OutboxEvent.filter(topic="care.birthday").count() == 3


class Killed(Exception):
    pass


@pytest.mark.policy("P3.1.11")
async def test_a_run_killed_between_batches_sends_nothing_twice_and_misses_nobody(gql, person):
    director = await person("director")
    members = [await consenting_member(f"Member {n}") for n in range(5)]
    day = TODAY + LEAD
    reply = await gql(PLAN, campaign(run_on=day), token=director.token)
    assert reply.data["planCareCampaign"]["errors"] == []
    clock.freeze(day_at_hotel(day))

    async def die(report):
        raise Killed

    with pytest.raises(Killed):
        await care.send_due(batch_size=2, after_batch=die)
    assert await CareDelivery.filter(status="SENT").count() == 2
    assert await CareDelivery.filter(status="PENDING").count() == 3
    assert await OutboxEvent.filter(topic="care.holiday").count() == 2

    rerun = await care.send_due(batch_size=2)
    assert (rerun.sent, rerun.batches) == (3, 2)
    assert (await care.send_due(batch_size=2)).sent == 0
    mails = await OutboxEvent.filter(topic="care.holiday")
    refs = sorted(m.payload["ref"] for m in mails)
    campaign_id = (await CareCampaign.get()).id
    assert refs == sorted(f"care:{campaign_id}:{m}" for m in members)


@pytest.mark.parametrize("role", ["cs_rep", "booking_agent", "data_analyst", "finance", "guest"])
async def test_only_supervisors_and_the_director_plan_campaigns(gql, person, role):
    someone = await (person(kind="GUEST") if role == "guest" else person(role))
    assert (await gql(PLAN, campaign(), token=someone.token)).error_codes == ["FORBIDDEN"]
    assert await CareCampaign.all().count() == 0


@pytest.mark.parametrize("role", ["booking_agent", "data_analyst", "finance", "guest"])
async def test_the_care_plan_is_refused_to_other_roles(gql, person, role):
    someone = await (person(kind="GUEST") if role == "guest" else person(role))
    assert (await gql(CARE_PLAN, {"year": 2027}, token=someone.token)).error_codes == ["FORBIDDEN"]


async def test_anonymous_callers_and_partners_get_no_care_plan(gql, partner):
    assert (await gql(PLAN, campaign())).error_codes == ["UNAUTHENTICATED"]
    assert (await gql(CARE_PLAN, {"year": 2027})).error_codes == ["UNAUTHENTICATED"]
    _, secret = await partner(["bookings:write", "bookings:read"])
    assert (await gql(PLAN, campaign(), token=secret)).error_codes == ["FORBIDDEN"]
    assert (await gql(CARE_PLAN, {"year": 2027}, token=secret)).error_codes == ["FORBIDDEN"]


@pytest.mark.policy("P3.1.11")
async def test_a_consent_withdrawn_before_the_member_s_batch_is_honoured(gql, person):
    director = await person("director")
    members = [await consenting_member(f"Member {n}") for n in range(4)]
    day = TODAY + LEAD
    reply = await gql(PLAN, campaign(run_on=day), token=director.token)
    assert reply.data["planCareCampaign"]["errors"] == []
    clock.freeze(day_at_hotel(day))

    async def withdraw_the_last(report):
        if report.batches == 1:
            await audited(
                SYSTEM,
                "withdraw",
                "Member",
                lambda: consents.record(
                    SYSTEM,
                    ConsentPurpose.MARKETING,
                    granted=False,
                    notice_version="2026-1",
                    channel="ONLINE",
                    member_id=members[-1],
                ),
            )

    report = await care.send_due(batch_size=2, after_batch=withdraw_the_last)
    assert (report.recorded, report.sent, report.skipped) == (4, 3, 1)
    skipped = await CareDelivery.get(status="SKIPPED")
    assert skipped.member_id == members[-1] and skipped.sent_at is None
    assert await OutboxEvent.filter(topic="care.holiday").count() == 3


SET_LANGUAGE = """mutation($l: String!) { setPreferredLanguage(input: {language: $l}) {
  viewer { language } errors { code } } }"""
PLAN_TRANSLATED = """mutation($input: PlanCareCampaignInput!) { planCareCampaign(input: $input) {
  campaign { id name perk translations { language name message perk } }
  errors { field code message } } }"""
CHINESE = {
    "language": "zh-CN",
    "name": "春节快乐",
    "message": "全体员工祝您春节快乐。",
    "perk": "免费升级房型",
}


async def member_reading(gql, person, name: str, language: str | None) -> int:
    """A consenting member; with a guest account that saved `language` through the API."""
    member = await consenting_member(name)
    if language is not None:
        guest = await person(kind="GUEST", member_id=member)
        saved = await gql(SET_LANGUAGE, {"l": language}, token=guest.token)
        assert saved.data["setPreferredLanguage"] == {
            "viewer": {"language": language},
            "errors": [],
        }
    return member


@pytest.mark.policy("P3.1.11")
async def test_each_member_gets_the_campaign_in_their_language(gql, person):
    supervisor = await person("supervisor")
    chinese = await member_reading(gql, person, "Reads Chinese", "zh-CN")
    english = await member_reading(gql, person, "Reads English", "en")
    no_account = await member_reading(gql, person, "No Account", None)
    day = TODAY + LEAD
    reply = await gql(
        PLAN_TRANSLATED,
        campaign(run_on=day, perk="A free upgrade", translations=[CHINESE]),
        token=supervisor.token,
    )
    payload = reply.data["planCareCampaign"]
    assert payload["errors"] == []
    assert payload["campaign"]["translations"] == [CHINESE]
    stored = await CareCampaign.get()
    assert stored.translations == {
        "zh-CN": {"name": "春节快乐", "message": "全体员工祝您春节快乐。", "perk": "免费升级房型"}
    }
    listed = await gql(
        "query($y: Int!) { carePlan(year: $y) { translations { language name } } }",
        {"y": day.year},
        token=supervisor.token,
    )
    assert listed.data["carePlan"] == [
        {"translations": [{"language": "zh-CN", "name": "春节快乐"}]}
    ]

    clock.freeze(day_at_hotel(day))
    with counting_queries() as counter:
        report = await care.send_due(batch_size=10)
    assert (report.sent, report.batches) == (3, 1)
    # The members' languages are read once for the batch, not once per member.
    assert len([sql for sql in counter.statements if 'FROM "account"' in sql]) == 1
    sent = {
        m.payload["ref"].rsplit(":", 1)[1]: m.payload
        for m in await OutboxEvent.filter(topic="care.holiday")
    }
    assert sent[str(chinese)]["subject"] == "春节快乐"
    assert sent[str(chinese)]["body"] == "全体员工祝您春节快乐。\n\n免费升级房型"
    for member in (english, no_account):
        assert sent[str(member)]["subject"] == "Spring Festival"
        assert (
            sent[str(member)]["body"] == "Happy Spring Festival from all of us.\n\nA free upgrade"
        )


@pytest.mark.policy("P3.1.11")
@pytest.mark.parametrize(
    ("translations", "perk", "code"),
    [
        ([{**CHINESE, "language": "fr"}], "A free upgrade", "INVALID"),
        ([{**CHINESE, "language": "klingon-xx"}], "A free upgrade", "INVALID"),
        ([CHINESE, {**CHINESE, "language": "zh-Hans"}], "A free upgrade", "DUPLICATE"),
        ([{**CHINESE, "name": " "}], "A free upgrade", "REQUIRED"),
        ([{**CHINESE, "perk": None}], "A free upgrade", "REQUIRED"),
        ([CHINESE], None, "INVALID"),
    ],
)
async def test_a_translation_in_an_unsupported_language_or_incomplete_is_refused(
    gql, person, translations, perk, code
):
    supervisor = await person("supervisor")
    extra = {"perk": perk} if perk else {}
    reply = await gql(
        PLAN_TRANSLATED, campaign(translations=translations, **extra), token=supervisor.token
    )
    payload = reply.data["planCareCampaign"]
    assert payload["campaign"] is None
    assert [(e["field"], e["code"]) for e in payload["errors"]] == [("translations", code)]
    assert await CareCampaign.all().count() == 0
    assert await AuditEntry.filter(action="planCareCampaign", outcome="REJECTED").count() == 1


async def test_an_unsupported_language_is_explained_in_the_reader_s_language(gql, person):
    supervisor = await person("supervisor")
    reply = await gql(
        PLAN_TRANSLATED,
        campaign(translations=[{**CHINESE, "language": "fr"}]),
        token=supervisor.token,
        headers={"Accept-Language": "zh-CN"},
    )
    [error] = reply.data["planCareCampaign"]["errors"]
    assert error["message"] == "请选择以下之一：en, zh-CN。"
