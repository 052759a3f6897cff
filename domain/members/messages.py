"""Telling a member something (points about to expire, a new tier): an e-mail through the
outbox, written in the transaction that decided it, and an in-app notification when the
member has a guest account. The text is in the account's saved language."""

from __future__ import annotations

from domain import notifications, outbox
from domain.models import Account, GuestProfile, Member


async def recipient_language(member: Member) -> tuple[Account | None, str]:
    account = await Account.get_or_none(member_id=member.id, kind="GUEST")
    return account, (account.language if account and account.language else "en")


async def tell_member(
    member: Member, account: Account | None, topic: str, subject: str, body: str
) -> None:
    profile = await GuestProfile.get(id=member.guest_profile_id)
    await outbox.send_to_guest(
        profile, subject=subject, body=body, topic=topic, ref=member.member_number
    )
    if account is not None:
        await notifications.notify(
            account.id, topic, subject, body, subject_type="Member", subject_id=member.id
        )
