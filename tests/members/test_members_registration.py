"""registerMember through the API (P3.1.2 members, P6.1.3 consent to the membership terms):
by the guest themself or by staff, consent recorded with its version, optional marketing
consent and birthday; registering twice, stale terms, bad birthdays and unknown accounts are
payload errors with nothing written; wrong callers are refused."""

from __future__ import annotations

import pytest

from domain.models import Account, ConsentRecord, ConsentState, GuestProfile, Member
from tests.members.member_support import REGISTER, TERMS


async def _counts() -> tuple[int, ...]:
    return (
        await Member.all().count(),
        await GuestProfile.all().count(),
        await ConsentRecord.all().count(),
        await ConsentState.all().count(),
    )


async def test_a_guest_registers_themself_with_consents_and_birthday(gql, guest):
    me = await guest()
    reply = await gql(
        REGISTER,
        {
            "input": {
                "acceptedTermsVersion": TERMS,
                "marketingConsent": True,
                "birthMonth": 2,
                "birthDay": 29,
                "phone": "+86 139 0013 9000",
            }
        },
        token=me.token,
    )
    payload = reply.data["registerMember"]
    assert payload["errors"] == []
    member = payload["member"]
    assert member["tier"] == "STANDARD" and member["pointsBalance"] == 0
    assert (member["birthMonth"], member["birthDay"]) == (2, 29)
    account = await Account.get(id=me.account_id)
    row = await Member.get(id=account.member_id)
    assert (row.birth_month, row.birth_day, row.points_balance) == (2, 29, 0)
    profile = await GuestProfile.get(id=row.guest_profile_id)
    assert profile.email == account.email and profile.phone == "+8613900139000"
    assert not profile.is_temporary
    consents = {c.purpose: c for c in await ConsentRecord.filter(member_id=row.id)}
    assert set(consents) == {"MEMBERSHIP", "MARKETING"}
    assert consents["MEMBERSHIP"].notice_version == TERMS
    assert consents["MEMBERSHIP"].granted and consents["MEMBERSHIP"].channel == "ONLINE"
    assert consents["MEMBERSHIP"].recorded_by_account_id == me.account_id


async def test_without_marketing_consent_only_the_membership_terms_are_recorded(gql, guest):
    me = await guest()
    reply = await gql(REGISTER, {"input": {"acceptedTermsVersion": TERMS}}, token=me.token)
    assert reply.data["registerMember"]["errors"] == []
    assert await ConsentRecord.filter(purpose="MARKETING").count() == 0
    assert await ConsentRecord.filter(purpose="MEMBERSHIP", granted=True).count() == 1


async def test_staff_register_a_guest_account_by_its_email(gql, guest, staff):
    someone = await guest()
    email = (await Account.get(id=someone.account_id)).email
    rep = await staff("cs_rep")
    reply = await gql(
        REGISTER,
        {"input": {"acceptedTermsVersion": TERMS, "guestEmail": email}},
        token=rep.token,
    )
    assert reply.data["registerMember"]["errors"] == []
    account = await Account.get(id=someone.account_id)
    assert account.member_id is not None
    consent = await ConsentRecord.get(member_id=account.member_id, purpose="MEMBERSHIP")
    assert consent.channel == "STAFF" and consent.recorded_by_account_id == rep.account_id


async def test_registering_twice_is_duplicate_and_writes_nothing(gql, guest, staff):
    me = await guest()
    first = await gql(REGISTER, {"input": {"acceptedTermsVersion": TERMS}}, token=me.token)
    assert first.data["registerMember"]["errors"] == []
    before = await _counts()
    again = await gql(REGISTER, {"input": {"acceptedTermsVersion": TERMS}}, token=me.token)
    assert [e["code"] for e in again.data["registerMember"]["errors"]] == ["DUPLICATE"]
    assert again.data["registerMember"]["member"] is None
    rep = await staff("booking_agent")
    email = (await Account.get(id=me.account_id)).email
    by_staff = await gql(
        REGISTER,
        {"input": {"acceptedTermsVersion": TERMS, "guestEmail": email}},
        token=rep.token,
    )
    assert [e["code"] for e in by_staff.data["registerMember"]["errors"]] == ["DUPLICATE"]
    assert await _counts() == before


@pytest.mark.parametrize(
    ("given", "code", "field"),
    [
        ({"acceptedTermsVersion": "2020-01"}, "STALE_TERMS", "acceptedTermsVersion"),
        ({"acceptedTermsVersion": "  "}, "REQUIRED", "acceptedTermsVersion"),
        (
            {"acceptedTermsVersion": TERMS, "birthMonth": 13, "birthDay": 1},
            "OUT_OF_RANGE",
            "birthMonth",
        ),
        (
            {"acceptedTermsVersion": TERMS, "birthMonth": 2, "birthDay": 30},
            "OUT_OF_RANGE",
            "birthDay",
        ),
        ({"acceptedTermsVersion": TERMS, "birthMonth": 5}, "REQUIRED", "birthDay"),
        ({"acceptedTermsVersion": TERMS, "phone": "12"}, "INVALID", "guest.phone"),
        (
            {"acceptedTermsVersion": TERMS, "guestEmail": "nobody@example.com"},
            "NOT_FOUND",
            "guestEmail",
        ),
    ],
)
async def test_bad_registrations_are_payload_errors_and_write_nothing(
    gql, guest, given, code, field
):
    me = await guest()
    before = await _counts()
    reply = await gql(REGISTER, {"input": given}, token=me.token)
    assert reply.errors == []
    errors = reply.data["registerMember"]["errors"]
    assert [(e["code"], e["field"]) for e in errors] == [(code, field)]
    assert await _counts() == before
    assert (await Account.get(id=me.account_id)).member_id is None


async def test_staff_must_name_the_account(gql, staff):
    rep = await staff("cs_rep")
    reply = await gql(REGISTER, {"input": {"acceptedTermsVersion": TERMS}}, token=rep.token)
    assert [e["code"] for e in reply.data["registerMember"]["errors"]] == ["REQUIRED"]
    assert await Member.all().count() == 0


async def test_a_guest_cannot_register_someone_else(gql, guest):
    me, other = await guest(), await guest()
    email = (await Account.get(id=other.account_id)).email
    reply = await gql(
        REGISTER,
        {"input": {"acceptedTermsVersion": TERMS, "guestEmail": email}},
        token=me.token,
    )
    assert [e["code"] for e in reply.data["registerMember"]["errors"]] == ["NOT_FOUND"]
    assert await Member.all().count() == 0


@pytest.mark.parametrize("role", ["finance", "data_analyst", "auditor", "hr"])
async def test_other_roles_may_not_register_members(gql, guest, staff, role):
    someone = await guest()
    email = (await Account.get(id=someone.account_id)).email
    caller = await staff(role)
    reply = await gql(
        REGISTER,
        {"input": {"acceptedTermsVersion": TERMS, "guestEmail": email}},
        token=caller.token,
    )
    assert reply.error_codes == ["FORBIDDEN"]
    assert await Member.all().count() == 0


async def test_partners_and_anonymous_callers_may_not_register(gql, partner_token):
    token = await partner_token("bookings:write")
    reply = await gql(REGISTER, {"input": {"acceptedTermsVersion": TERMS}}, token=token.token)
    assert reply.error_codes == ["FORBIDDEN"]
    anonymous = await gql(REGISTER, {"input": {"acceptedTermsVersion": TERMS}})
    assert anonymous.error_codes == ["UNAUTHENTICATED"]
    assert await Member.all().count() == 0


async def test_a_new_member_sees_their_membership_on_the_next_request(gql, guest):
    from tests.members.member_support import NODE, PROGRESS

    me = await guest()
    reply = await gql(REGISTER, {"input": {"acceptedTermsVersion": TERMS}}, token=me.token)
    member_id = reply.data["registerMember"]["member"]["id"]
    progress = await gql(PROGRESS, {}, token=me.token)
    assert progress.errors == [] and progress.data["tierProgress"]["tier"] == "STANDARD"
    own = await gql(NODE, {"id": member_id}, token=me.token)
    assert (
        own.data["node"]["memberNumber"] == reply.data["registerMember"]["member"]["memberNumber"]
    )
    assert own.data["node"]["profile"]["email"] == (await Account.get(id=me.account_id)).email
