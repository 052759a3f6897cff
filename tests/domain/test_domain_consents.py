"""The consent ledger: grants and withdrawals are appended, the current answer follows the latest
one at once, and set-based sweeps see only members with a current grant (P6.1.3)."""

from __future__ import annotations

import datetime as dt

import pytest
from domain_support import guest_account, run, staff

from domain import consents
from domain.clock import clock
from domain.errors import DomainError, ErrorCode
from domain.models import ConsentPurpose, ConsentRecord, ConsentState, Member

MARKETING = ConsentPurpose.MARKETING


@pytest.mark.policy("P6.1.3")
async def test_a_withdrawal_takes_effect_on_the_next_check_and_the_ledger_keeps_both():
    guest = await guest_account()
    account_id = guest.account_id

    async def grant(granted: bool, version: str):
        await run(
            guest,
            "recordConsent",
            lambda: consents.record(
                guest,
                MARKETING,
                granted=granted,
                notice_version=version,
                channel="APP",
                account_id=account_id,
            ),
        )

    await grant(True, "2026-01")
    assert await consents.has(MARKETING, account_id=account_id)
    clock.advance(dt.timedelta(days=3))
    await grant(False, "2026-01")
    assert not await consents.has(MARKETING, account_id=account_id)
    with pytest.raises(DomainError) as refused:
        await consents.require(MARKETING, account_id=account_id)
    assert refused.value.code == ErrorCode.CONSENT_REQUIRED

    ledger = await consents.history(account_id=account_id)
    assert [(row.granted, row.recorded_by_account_id) for row in ledger] == [
        (True, account_id),
        (False, account_id),
    ]
    assert await ConsentState.filter(account_id=account_id).count() == 1
    assert not await consents.has(ConsentPurpose.CROSS_BORDER, account_id=account_id)


async def test_consenting_members_selects_only_current_grants():
    agent = await staff("cs_rep")
    members = []
    for n in range(3):
        profile_member = await Member.create(
            member_number=f"M00000000{n}",
            guest_profile=await _profile(n),
        )
        members.append(profile_member.id)

    async def mark(member_id: int, granted: bool):
        await run(
            agent,
            "recordConsent",
            lambda: consents.record(
                agent,
                MARKETING,
                granted=granted,
                notice_version="v1",
                channel="PHONE",
                member_id=member_id,
            ),
        )

    await mark(members[0], True)
    await mark(members[1], True)
    await mark(members[1], False)
    chosen = await Member.filter(id__in=consents.consenting_members(MARKETING)).values_list(
        "id", flat=True
    )
    assert chosen == [members[0]]


async def test_bad_consent_input_writes_nothing():
    guest = await guest_account()
    for version, channel, code in (
        ("", "APP", ErrorCode.REQUIRED),
        ("v" * 41, "APP", ErrorCode.TOO_LONG),
        ("v1", "CARRIER_PIGEON", ErrorCode.INVALID),
    ):
        with pytest.raises(DomainError) as refused:
            await consents.record(
                guest,
                MARKETING,
                granted=True,
                notice_version=version,
                channel=channel,
                account_id=guest.account_id,
            )
        assert refused.value.code == code
    assert await ConsentRecord.all().count() == 0


async def _profile(n: int):
    from domain.models import GuestProfile

    return await GuestProfile.create(
        full_name=f"Member {n}",
        phone=f"+86138000000{n:02d}",
        email=f"m{n}@test.hotel",
        is_temporary=False,
    )
