"""A guest's own consent choices (PIPL Arts. 14-15; P6.1.2 boundaries of use): grant or
withdraw consent for a purpose, see the current answer per purpose and the whole ledger.

A guest chooses MARKETING (care greetings, offers and the personalised recommendations of the
monthly analysis), PARTNER_SHARING and CROSS_BORDER here. The privacy notice, booking and
membership consents are given with the operation they belong to (sign-up, a booking, becoming
a member). A withdrawal is one ledger row and an update of the current answer, which every
processing check reads on its next request (`domain.consents`).
"""

from __future__ import annotations

from domain import accounts, consents
from domain.actor import Actor
from domain.errors import DomainError, ErrorCode
from domain.models import Account, ConsentPurpose, ConsentRecord, ConsentState

CHOOSABLE = (
    ConsentPurpose.MARKETING,
    ConsentPurpose.PARTNER_SHARING,
    ConsentPurpose.CROSS_BORDER,
)


async def _subject(actor: Actor) -> tuple[int, int | None]:
    """(account id, member id) of the calling guest."""
    account = await Account.get_or_none(id=actor.account_id, kind="GUEST")
    if account is None:
        raise DomainError(ErrorCode.FORBIDDEN, "Only a guest chooses their own consents.")
    return account.id, account.member_id


def _choosable(purpose: ConsentPurpose) -> ConsentPurpose:
    if purpose not in CHOOSABLE:
        raise DomainError(
            ErrorCode.INVALID,
            "This consent is given with its operation (sign-up, booking, membership).",
            "purpose",
        )
    return purpose


async def choose(
    actor: Actor, purpose: ConsentPurpose, *, granted: bool, notice_version: str | None
) -> ConsentRecord:
    """Record the calling guest's grant (of the current privacy notice) or withdrawal."""
    _choosable(purpose)
    account_id, member_id = await _subject(actor)
    current = accounts.privacy_notice().version
    version = (
        accounts.check_notice_version(notice_version, "noticeVersion") if granted else current
    )
    return await consents.record(
        actor,
        purpose,
        granted=granted,
        notice_version=version,
        channel="ONLINE",
        account_id=account_id,
        member_id=member_id,
    )


def _keys(account_id: int, member_id: int | None) -> list[str]:
    keys = [consents.subject_key(account_id=account_id)]
    if member_id is not None:
        keys.append(consents.subject_key(member_id=member_id))
    return keys


async def current(actor: Actor) -> list[ConsentState]:
    """The guest's current answer per purpose (a membership's answer over the account's)."""
    account_id, member_id = await _subject(actor)
    rows = await ConsentState.filter(subject_key__in=_keys(account_id, member_id)).order_by(
        "purpose", "id"
    )
    found: dict[str, ConsentState] = {}
    for row in rows:
        if row.purpose not in found or row.member_id is not None:
            found[row.purpose] = row
    return [found[p] for p in sorted(found)]


async def history(actor: Actor, *, first: int, after_id: int | None):
    """The guest's ledger, newest first (keyset pages)."""
    account_id, member_id = await _subject(actor)
    query = ConsentRecord.filter(subject_key__in=_keys(account_id, member_id))
    page = query.filter(id__lt=after_id) if after_id else query
    rows = await page.order_by("-id").limit(first + 1)
    return rows[:first], len(rows) > first, query.count


async def owns(actor: Actor, row: ConsentRecord) -> bool:
    account_id, member_id = await _subject(actor)
    return row.subject_key in _keys(account_id, member_id)
