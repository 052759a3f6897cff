"""Guest data leaving to partners (P6.1.3: cross-border transfer requires a security
assessment; PIPL Arts. 38-40): legal registers a partner with its country and API tokens and
records security assessments; a partner outside the hotel's country receives a guest's data
through its token only while a PASSED assessment holds AND the guest consents to both
PARTNER_SHARING and CROSS_BORDER; otherwise it gets nothing of the guest, a code says why,
and the refusal is audited. A withdrawal or an expiry counts from the next request."""

from __future__ import annotations

import datetime as dt

import pytest
from strawberry import relay

from domain import accounts
from domain.clock import clock
from domain.models import AuditEntry, Partner, PartnerToken, RoomType, SecurityAssessment
from tests.bookings.booking_support import GUEST, TODAY, book, make_hotel, member_gid, new_member

D = dt.timedelta
REGISTER = """mutation($input: RegisterPartnerInput!) { registerPartner(input: $input) {
  partner { id name country abroad apiTokenIds transferAllowed } errors { field code } } }"""
ATTACH = """mutation($input: AttachPartnerTokensInput!) { attachPartnerTokens(input: $input) {
  partner { id apiTokenIds } errors { field code } } }"""
ASSESS = """mutation($input: RecordSecurityAssessmentInput!) {
  recordSecurityAssessment(input: $input) {
    assessment { assessedOn assessor result validUntil documentReference validToday }
    partner { transferAllowed } errors { field code } } }"""
PARTNERS = """{ partners(first: 10) { totalCount edges { node { id name country abroad
  transferAllowed assessments { result validUntil validToday } } } } }"""
BY_NUMBER = """query($n: String!) { booking(number: $n) {
  number specialRequests guest { fullName phone email idDocumentNumber transferBlocked } } }"""
LIST = """{ bookings(first: 20) { edges { node { number guest { fullName phone
  transferBlocked } } } } }"""
SET = """mutation($input: SetConsentInput!) { setConsent(input: $input) {
  consent { purpose granted } errors { field code } } }"""
WITHDRAW = """mutation($input: WithdrawConsentInput!) { withdrawConsent(input: $input) {
  consent { purpose granted } errors { field code } } }"""


def token_gid(pk: int) -> str:
    return str(relay.GlobalID("ApiToken", str(pk)))


async def _register(gql, who, token_ids, country="SG", name="Lion City Travel"):
    values = {"name": name, "country": country, "apiTokenIds": [token_gid(i) for i in token_ids]}
    reply = await gql(REGISTER, {"input": values}, token=who.token)
    assert reply.errors == [], reply.errors
    return reply.data["registerPartner"]


async def _assess(gql, who, partner_id, **changes):
    values = {
        "partnerId": partner_id,
        "assessedOn": (TODAY - D(days=10)).isoformat(),
        "assessor": "CAC-accredited assessor Zhang",
        "result": "PASSED",
        "validUntil": (TODAY + D(days=365)).isoformat(),
        "documentReference": "LEGAL/2026/SA-017",
        **changes,
    }
    reply = await gql(ASSESS, {"input": values}, token=who.token)
    assert reply.errors == [], reply.errors
    return reply.data["recordSecurityAssessment"]


async def _consent(gql, guest, purpose, granted=True):
    if granted:
        values = {"purpose": purpose, "noticeVersion": accounts.privacy_notice().version}
        reply = await gql(SET, {"input": values}, token=guest.token)
        assert reply.data["setConsent"]["errors"] == [], reply.body
    else:
        reply = await gql(WITHDRAW, {"input": {"purpose": purpose}}, token=guest.token)
        assert reply.data["withdrawConsent"]["errors"] == [], reply.body


async def _booking_of(gql, secret, number):
    reply = await gql(BY_NUMBER, {"n": number}, token=secret)
    assert reply.errors == [], reply.errors
    return reply.data["booking"]


async def _guest_of(gql, secret, number):
    return (await _booking_of(gql, secret, number))["guest"]


@pytest.fixture
async def scene(gql, person, partner):
    """A partner abroad whose token booked a stay for a member guest."""
    hotel = await make_hotel(nights=30)
    legal = await person("legal")
    row, secret = await partner(["bookings:read", "bookings:write"])
    member_id = await new_member(name="Wang Fang")
    guest = await person(kind="GUEST", member_id=member_id)
    booking = await book(
        gql, secret, hotel.std, channel="PARTNER", guest=None, memberId=member_gid(member_id),
        specialRequests="Wheelchair access",
    )
    registered = await _register(gql, legal, [row.id])
    assert registered["errors"] == []
    return legal, row, secret, guest, booking, registered["partner"]


@pytest.mark.policy("P6.1.3")
async def test_a_partner_abroad_gets_a_guest_s_data_only_with_an_assessment_and_consent(
    gql, scene
):
    legal, row, secret, guest, booking, partner = scene
    assert partner["country"] == "SG"
    assert (partner["abroad"], partner["transferAllowed"]) == (True, False)
    assert partner["apiTokenIds"] == [token_gid(row.id)]
    withheld = {
        "fullName": "***",
        "phone": None,
        "email": None,
        "idDocumentNumber": None,
    }
    # No assessment: nothing of the guest leaves, and the refusal is audited.
    read = await _booking_of(gql, secret, booking["number"])
    assert read["guest"] == {**withheld, "transferBlocked": "CROSS_BORDER_ASSESSMENT_REQUIRED"}
    assert read["specialRequests"] is None
    entry = await AuditEntry.get(action="partnerTransferBlocked")
    assert (entry.outcome, entry.subject_type) == ("REJECTED", "ApiToken")
    assert entry.subject_id == str(row.id)
    assert "CROSS_BORDER_ASSESSMENT_REQUIRED" in entry.detail

    # An assessment, but the guest has not consented.
    assessed = await _assess(gql, legal, partner["id"])
    assert assessed["errors"] == []
    assert assessed["assessment"]["validToday"] is True
    assert assessed["partner"]["transferAllowed"] is True
    shown = await _guest_of(gql, secret, booking["number"])
    assert shown == {**withheld, "transferBlocked": "CROSS_BORDER_CONSENT_REQUIRED"}

    # Partner sharing alone is not enough for a transfer abroad.
    await _consent(gql, guest, "PARTNER_SHARING")
    shown = await _guest_of(gql, secret, booking["number"])
    assert shown["transferBlocked"] == "CROSS_BORDER_CONSENT_REQUIRED"

    await _consent(gql, guest, "CROSS_BORDER")
    read = await _booking_of(gql, secret, booking["number"])
    assert read["specialRequests"] == "Wheelchair access"
    shown = read["guest"]
    assert shown["transferBlocked"] is None
    assert shown["fullName"] == "Wang Fang"
    assert shown["phone"] == "+86*******9000"  # masked for partners, as always
    assert shown["idDocumentNumber"] is None  # sensitive: never to partners

    # A withdrawal counts from the next request.
    await _consent(gql, guest, "CROSS_BORDER", granted=False)
    shown = await _guest_of(gql, secret, booking["number"])
    assert shown == {**withheld, "transferBlocked": "CROSS_BORDER_CONSENT_REQUIRED"}
    assert await AuditEntry.filter(action="partnerTransferBlocked").count() == 4


@pytest.mark.policy("P6.1.3")
async def test_an_expired_or_failed_assessment_blocks_the_transfer_again(gql, scene):
    legal, _row, secret, guest, booking, partner = scene
    await _consent(gql, guest, "PARTNER_SHARING")
    await _consent(gql, guest, "CROSS_BORDER")
    failed = await _assess(gql, legal, partner["id"], result="FAILED")
    assert failed["partner"]["transferAllowed"] is False
    shown = await _guest_of(gql, secret, booking["number"])
    assert shown["transferBlocked"] == "CROSS_BORDER_ASSESSMENT_REQUIRED"

    await _assess(gql, legal, partner["id"], validUntil=(TODAY + D(days=5)).isoformat())
    assert (await _guest_of(gql, secret, booking["number"]))["transferBlocked"] is None
    clock.freeze(clock.now() + D(days=6))
    shown = await _guest_of(gql, secret, booking["number"])
    assert shown["transferBlocked"] == "CROSS_BORDER_ASSESSMENT_REQUIRED"
    assert shown["fullName"] == "***"


@pytest.mark.policy("P6.1.3")
async def test_a_partner_s_list_withholds_each_guest_and_audits_the_page_once(
    gql, person, partner, scene
):
    legal, _row, secret, guest, booking, partner_node = scene
    await _assess(gql, legal, partner_node["id"])
    await _consent(gql, guest, "PARTNER_SHARING")
    await _consent(gql, guest, "CROSS_BORDER")
    # A second guest, booked by the same partner with details only (no membership, no consent).
    std = await RoomType.get(code="STD")
    other = await book(
        gql, secret, str(relay.GlobalID("RoomType", str(std.id))), channel="PARTNER", guest=GUEST
    )
    before = await AuditEntry.filter(action="partnerTransferBlocked").count()
    reply = await gql(LIST, token=secret)
    assert reply.errors == [], reply.errors
    shown = {e["node"]["number"]: e["node"]["guest"] for e in reply.data["bookings"]["edges"]}
    assert shown[booking["number"]]["transferBlocked"] is None
    assert shown[booking["number"]]["fullName"] == "Wang Fang"
    assert shown[other["number"]] == {
        "fullName": "***",
        "phone": None,
        "transferBlocked": "CROSS_BORDER_CONSENT_REQUIRED",
    }
    assert await AuditEntry.filter(action="partnerTransferBlocked").count() == before + 1


async def test_a_domestic_partner_and_staff_are_not_affected(gql, person, partner):
    hotel = await make_hotel(nights=30)
    legal = await person("legal")
    row, secret = await partner(["bookings:read", "bookings:write"])
    booking = await book(gql, secret, hotel.std, channel="PARTNER", guest=GUEST)
    registered = await _register(gql, legal, [row.id], country="cn", name="Beijing OTA")
    assert registered["partner"]["country"] == "CN"
    assert registered["partner"]["abroad"] is False
    assert registered["partner"]["transferAllowed"] is True
    shown = await _guest_of(gql, secret, booking["number"])
    assert shown["transferBlocked"] is None and shown["fullName"] == "Li Wei"
    agent = await person("booking_agent")
    assert (await _guest_of(gql, agent.token, booking["number"]))["transferBlocked"] is None
    assert not await AuditEntry.filter(action="partnerTransferBlocked").exists()


async def test_partners_are_listed_with_their_assessments(gql, scene, person):
    legal, _row, _secret, _guest, _booking, partner = scene
    await _assess(gql, legal, partner["id"])
    for role in ("legal", "admin", "auditor", "director"):
        reply = await gql(PARTNERS, token=(await person(role)).token)
        assert reply.errors == [], reply.errors
        assert reply.data["partners"]["totalCount"] == 1
        node = reply.data["partners"]["edges"][0]["node"]
        assert node["transferAllowed"] is True
        assert node["assessments"][0]["result"] == "PASSED"
    node_query = """query($id: ID!) { node(id: $id) { ... on Partner { name country } } }"""
    reply = await gql(node_query, {"id": partner["id"]}, token=legal.token)
    assert reply.data["node"] == {"name": "Lion City Travel", "country": "SG"}


async def test_bad_partner_input_is_refused_with_its_field_and_nothing_written(
    gql, person, partner
):
    legal = await person("legal")
    row, _ = await partner(["bookings:read"])
    cases = [
        ({"name": "X", "country": "Singapore", "apiTokenIds": []}, "country", "INVALID"),
        ({"name": "  ", "country": "SG", "apiTokenIds": []}, "name", "REQUIRED"),
        ({"name": "X", "country": "SG", "apiTokenIds": [token_gid(9999)]}, "apiTokenIds",
         "NOT_FOUND"),
        ({"name": "X", "country": "SG", "apiTokenIds": ["nonsense"]}, "apiTokenIds", "INVALID"),
    ]
    for values, field, code in cases:
        reply = await gql(REGISTER, {"input": values}, token=legal.token)
        assert reply.errors == [], reply.errors
        errors = reply.data["registerPartner"]["errors"]
        assert [(e["field"], e["code"]) for e in errors] == [(field, code)], values
    assert await Partner.all().count() == 0 and await PartnerToken.all().count() == 0
    # A token belongs to one partner.
    first = await _register(gql, legal, [row.id])
    assert first["errors"] == []
    again = await _register(gql, legal, [row.id], name="Another")
    assert again["errors"] == [{"field": "apiTokenIds", "code": "DUPLICATE"}]
    assert await Partner.all().count() == 1
    partner_id = first["partner"]["id"]
    for changes, field in (
        ({"validUntil": (TODAY - D(days=20)).isoformat()}, "validUntil"),
        ({"assessedOn": (TODAY + D(days=1)).isoformat()}, "assessedOn"),
        ({"documentReference": ""}, "documentReference"),
    ):
        reply = await _assess(gql, legal, partner_id, **changes)
        assert [e["field"] for e in reply["errors"]] == [field], changes
    bad_id = await _assess(gql, legal, str(relay.GlobalID("Partner", "999")))
    assert bad_id["errors"] == [{"field": "partnerId", "code": "NOT_FOUND"}]
    assert await SecurityAssessment.all().count() == 0
    # Tokens attached later.
    row2, _ = await partner(["bookings:read"], name="Second token")
    attached = await gql(
        ATTACH, {"input": {"partnerId": partner_id, "apiTokenIds": [token_gid(row2.id)]}},
        token=legal.token,
    )
    assert attached.data["attachPartnerTokens"]["errors"] == []
    assert len(attached.data["attachPartnerTokens"]["partner"]["apiTokenIds"]) == 2


@pytest.mark.parametrize("role", ["booking_agent", "auditor", "hr", "director"])
async def test_roles_without_the_grant_may_not_register_partners(gql, person, role):
    values = {"name": "X", "country": "SG", "apiTokenIds": []}
    reply = await gql(REGISTER, {"input": values}, token=(await person(role)).token)
    assert reply.error_codes == ["FORBIDDEN"]
    assert await Partner.all().count() == 0


@pytest.mark.parametrize("role", ["admin", "auditor", "director", "booking_agent"])
async def test_only_legal_records_security_assessments(gql, person, role):
    legal = await person("legal")
    registered = await _register(gql, legal, [])
    values = {
        "partnerId": registered["partner"]["id"],
        "assessedOn": TODAY.isoformat(),
        "assessor": "someone",
        "result": "PASSED",
        "validUntil": (TODAY + D(days=30)).isoformat(),
        "documentReference": "ref",
    }
    reply = await gql(ASSESS, {"input": values}, token=(await person(role)).token)
    assert reply.error_codes == ["FORBIDDEN"]
    assert await SecurityAssessment.all().count() == 0


async def test_partners_guests_and_unrelated_roles_do_not_list_partners(gql, person, partner):
    for role in ("booking_agent", "hr", "cs_rep"):
        assert (await gql(PARTNERS, token=(await person(role)).token)).error_codes == [
            "FORBIDDEN"
        ]
    assert (await gql(PARTNERS, token=(await person(kind="GUEST")).token)).error_codes == [
        "FORBIDDEN"
    ]
    _, secret = await partner(["bookings:read"])
    assert (await gql(PARTNERS, token=secret)).error_codes == ["FORBIDDEN"]
