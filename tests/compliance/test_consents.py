"""A guest's consents per purpose (PIPL Arts. 14-15; P6.1.2 boundaries of use): a guest grants
and withdraws MARKETING, PARTNER_SHARING and CROSS_BORDER under the current privacy notice,
reads the current answers and the ledger; the areas that process for a purpose refuse without
its current consent and honour a withdrawal on the next request (care campaigns, the analysis'
personalised recommendations; partner transfers in test_partners.py)."""

from __future__ import annotations

import datetime as dt

import pytest

from domain import accounts, care
from domain.clock import clock
from domain.models import (
    AuditEntry,
    CareDelivery,
    ConsentRecord,
    ConsentState,
    Member,
    OutboxEvent,
)
from tests.analysis.analysis_support import RECOMMENDATIONS, grow_history, member, reanalyse
from tests.analysis.analysis_support import room_types as analysis_room_types
from tests.bookings.booking_support import TODAY, member_gid, new_member

D = dt.timedelta
SET = """mutation($input: SetConsentInput!) { setConsent(input: $input) {
  consent { purpose granted noticeVersion channel changedAt } errors { field code } } }"""
WITHDRAW = """mutation($input: WithdrawConsentInput!) { withdrawConsent(input: $input) {
  consent { purpose granted noticeVersion } errors { field code } } }"""
MINE = """{ myConsents { purpose granted noticeVersion channel }
  myConsentHistory(first: 10) { totalCount edges { node { id purpose granted at } } } }"""
PLAN = """mutation($input: PlanCareCampaignInput!) { planCareCampaign(input: $input) {
  campaign { id } errors { field code } } }"""


def notice() -> str:
    return accounts.privacy_notice().version


async def _set(gql, who, purpose, version=None):
    values = {"purpose": purpose, "noticeVersion": version or notice()}
    reply = await gql(SET, {"input": values}, token=who.token)
    assert reply.errors == [], reply.errors
    return reply.data["setConsent"]


async def _withdraw(gql, who, purpose):
    reply = await gql(WITHDRAW, {"input": {"purpose": purpose}}, token=who.token)
    assert reply.errors == [], reply.errors
    return reply.data["withdrawConsent"]


@pytest.mark.policy("P6.1.2")
async def test_a_guest_grants_and_withdraws_a_purpose_and_reads_the_ledger(gql, person):
    member_id = await new_member()
    guest = await person(kind="GUEST", member_id=member_id)
    granted = await _set(gql, guest, "MARKETING")
    assert granted["errors"] == []
    assert granted["consent"]["purpose"] == "MARKETING" and granted["consent"]["granted"] is True
    assert granted["consent"]["noticeVersion"] == notice()
    withdrawn = await _withdraw(gql, guest, "MARKETING")
    assert withdrawn["consent"] == {"purpose": "MARKETING", "granted": False,
                                    "noticeVersion": notice()}
    await _set(gql, guest, "PARTNER_SHARING")

    mine = (await gql(MINE, token=guest.token)).data
    assert {c["purpose"]: c["granted"] for c in mine["myConsents"]} == {
        "MARKETING": False,
        "PARTNER_SHARING": True,
    }
    history = mine["myConsentHistory"]
    assert history["totalCount"] == 3
    assert [(e["node"]["purpose"], e["node"]["granted"]) for e in history["edges"]] == [
        ("PARTNER_SHARING", True),
        ("MARKETING", False),
        ("MARKETING", True),
    ]
    rows = await ConsentRecord.filter(member_id=member_id).order_by("id")
    assert [(r.purpose, r.granted, r.account_id) for r in rows] == [
        ("MARKETING", True, guest.account.id),
        ("MARKETING", False, guest.account.id),
        ("PARTNER_SHARING", True, guest.account.id),
    ]
    state = await ConsentState.get(member_id=member_id, purpose="MARKETING")
    assert state.granted is False
    assert await AuditEntry.filter(action="withdrawConsent", outcome="SUCCESS").count() == 1
    # An entry of the ledger is a node its guest reaches, no one else.
    node = """query($id: ID!) { node(id: $id) { ... on ConsentEntry { purpose granted } } }"""
    entry_id = history["edges"][0]["node"]["id"]
    assert (await gql(node, {"id": entry_id}, token=guest.token)).data["node"] == {
        "purpose": "PARTNER_SHARING", "granted": True,
    }
    other = await person(kind="GUEST")
    assert (await gql(node, {"id": entry_id}, token=other.token)).data["node"] is None


async def test_a_guest_without_membership_consents_on_their_account(gql, person):
    guest = await person(kind="GUEST")
    assert (await _set(gql, guest, "CROSS_BORDER"))["errors"] == []
    row = await ConsentState.get(purpose="CROSS_BORDER")
    assert (row.account_id, row.member_id, row.subject_key) == (
        guest.account.id, None, f"account:{guest.account.id}",
    )


async def test_bad_consent_requests_are_refused_and_write_nothing(gql, person):
    guest = await person(kind="GUEST", member_id=await new_member())
    stale = await _set(gql, guest, "MARKETING", version="N0000000")
    assert stale["errors"] == [{"field": "noticeVersion", "code": "STALE_NOTICE"}]
    for purpose in ("PRIVACY_NOTICE", "BOOKING", "MEMBERSHIP"):
        refused = await _set(gql, guest, purpose)
        assert refused["errors"] == [{"field": "purpose", "code": "INVALID"}], purpose
        refused = await _withdraw(gql, guest, purpose)
        assert refused["errors"] == [{"field": "purpose", "code": "INVALID"}], purpose
    blank = await _set(gql, guest, "MARKETING", version=" ")
    assert blank["errors"][0]["field"] == "noticeVersion"
    assert await ConsentRecord.all().count() == 0
    assert await ConsentState.all().count() == 0


@pytest.mark.parametrize("role", ["booking_agent", "cs_rep", "legal", "admin"])
async def test_staff_neither_choose_nor_read_a_guest_s_consents_here(gql, person, role):
    someone = await person(role)
    values = {"purpose": "MARKETING", "noticeVersion": notice()}
    assert (await gql(SET, {"input": values}, token=someone.token)).error_codes == ["FORBIDDEN"]
    reply = await gql(WITHDRAW, {"input": {"purpose": "MARKETING"}}, token=someone.token)
    assert reply.error_codes == ["FORBIDDEN"]
    assert (await gql("{ myConsents { purpose } }", token=someone.token)).error_codes == [
        "FORBIDDEN"
    ]
    assert await ConsentRecord.all().count() == 0


async def test_partners_and_anonymous_callers_are_refused(gql, partner):
    _, secret = await partner(["bookings:read", "bookings:write"])
    values = {"purpose": "MARKETING", "noticeVersion": notice()}
    assert (await gql(SET, {"input": values}, token=secret)).error_codes == ["FORBIDDEN"]
    assert (await gql(SET, {"input": values})).error_codes == ["UNAUTHENTICATED"]
    assert (await gql("{ myConsents { purpose } }", token=secret)).error_codes == ["FORBIDDEN"]


@pytest.mark.policy("P6.1.2")
async def test_a_withdrawn_marketing_consent_stops_care_greetings_on_the_next_run(gql, person):
    director = await person("director")
    stay_on = await new_member(name="Stays Subscribed")
    leaves = await new_member(name="Withdraws Later")
    staying, leaving = (
        await person(kind="GUEST", member_id=stay_on),
        await person(kind="GUEST", member_id=leaves),
    )
    await _set(gql, staying, "MARKETING")
    await _set(gql, leaving, "MARKETING")
    no_consent = await new_member(name="Never Asked")
    day = TODAY + D(weeks=4)
    campaign = {"kind": "HOLIDAY", "name": "Spring Festival", "message": "Happy new year",
                "runOn": day.isoformat()}
    reply = await gql(PLAN, {"input": campaign}, token=director.token)
    assert reply.data["planCareCampaign"]["errors"] == [], reply.body
    await _withdraw(gql, leaving, "MARKETING")
    clock.freeze(dt.datetime.combine(day, dt.time(9), tzinfo=clock.hotel_timezone))
    await care.send_due()
    sent = set(await CareDelivery.filter(status="SENT").values_list("member_id", flat=True))
    assert sent == {stay_on}
    assert leaves not in sent and no_consent not in sent
    assert await OutboxEvent.filter(topic__contains="care").count() >= 1


@pytest.mark.policy("P6.1.2")
async def test_personalised_recommendations_need_a_current_marketing_consent(gql, person):
    types = await analysis_room_types()
    who = await member("Zhao Lei", "zhao.lei@example.com")  # consents to marketing
    await grow_history(who, 2, room_type=types["STD"], channel="ONLINE",
                       first=dt.date(2026, 10, 3))
    await reanalyse()
    guest = await person(kind="GUEST", member_id=who.id)
    rep = await person("cs_rep")

    async def shown(token):
        reply = await gql(RECOMMENDATIONS, {"id": member_gid(who.id)}, token=token)
        assert reply.errors == [], reply.errors
        return reply.data["recommendations"]

    assert await shown(rep.token) != [] and await shown(guest.token) != []
    await _withdraw(gql, guest, "MARKETING")
    assert await shown(rep.token) == [] and await shown(guest.token) == []
    await _set(gql, guest, "MARKETING")
    assert await shown(rep.token) != []
    assert await Member.filter(id=who.id).exists()
