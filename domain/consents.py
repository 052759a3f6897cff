"""A person's consents, purpose by purpose (P6.1.3; PIPL Arts. 13-15): the ledger of every grant
and withdrawal with the notice version, time, channel and recorder, and the current answer that
processing checks. A withdrawal takes effect on the next request, because every check reads the
current row rather than a cached copy.

The subject of a consent is a membership when the person has one (campaigns and analysis work on
members), otherwise their guest account. Writes happen inside the caller's unit of work, so a
consent is recorded together with the operation it belongs to (a sign-up, a registration).
"""

from __future__ import annotations

from tortoise.expressions import Subquery

from domain.actor import Actor
from domain.clock import clock
from domain.errors import DomainError, ErrorCode
from domain.models import ConsentPurpose, ConsentRecord, ConsentState

CHANNELS = ("ONLINE", "APP", "PHONE", "WALK_IN", "PARTNER", "STAFF")
_MAX_VERSION = 40


def subject_key(*, account_id: int | None = None, member_id: int | None = None) -> str:
    if member_id is not None:
        return f"member:{member_id}"
    if account_id is not None:
        return f"account:{account_id}"
    raise ValueError("a consent belongs to an account or a member")


def _clean_version(version: str | None, field: str) -> str:
    clean = (version or "").strip()
    if not clean:
        raise DomainError(
            ErrorCode.REQUIRED, "Say which version of the notice was accepted.", field
        )
    if len(clean) > _MAX_VERSION:
        raise DomainError(ErrorCode.TOO_LONG, "The notice version is too long.", field)
    return clean


async def record(
    actor: Actor,
    purpose: ConsentPurpose,
    *,
    granted: bool,
    notice_version: str,
    channel: str,
    account_id: int | None = None,
    member_id: int | None = None,
    field: str = "noticeVersion",
) -> ConsentRecord:
    """Append a grant or withdrawal to the ledger and make it the current answer."""
    if channel not in CHANNELS:
        raise DomainError(ErrorCode.INVALID, f"Channel is one of {', '.join(CHANNELS)}.", "channel")
    version = _clean_version(notice_version, field)
    key = subject_key(account_id=account_id, member_id=member_id)
    now = clock.now()
    entry = await ConsentRecord.create(
        subject_key=key,
        account_id=account_id,
        member_id=member_id,
        purpose=purpose.value,
        granted=granted,
        notice_version=version,
        channel=channel,
        recorded_by_account_id=actor.account_id,
        request_id=actor.request_id,
        created_at=now,
    )
    values = {
        "account_id": account_id,
        "member_id": member_id,
        "granted": granted,
        "notice_version": version,
        "channel": channel,
        "changed_at": now,
    }
    updated = await ConsentState.filter(subject_key=key, purpose=purpose.value).update(**values)
    if not updated:
        await ConsentState.create(subject_key=key, purpose=purpose.value, **values)
    return entry


async def current(
    purpose: ConsentPurpose, *, account_id: int | None = None, member_id: int | None = None
) -> ConsentState | None:
    key = subject_key(account_id=account_id, member_id=member_id)
    return await ConsentState.get_or_none(subject_key=key, purpose=purpose.value)


async def has(
    purpose: ConsentPurpose, *, account_id: int | None = None, member_id: int | None = None
) -> bool:
    state = await current(purpose, account_id=account_id, member_id=member_id)
    return state is not None and state.granted


async def require(
    purpose: ConsentPurpose, *, account_id: int | None = None, member_id: int | None = None
) -> None:
    """Refuse processing for `purpose` without the person's current consent."""
    if not await has(purpose, account_id=account_id, member_id=member_id):
        raise DomainError(
            ErrorCode.CONSENT_REQUIRED, "The person has not consented to this use of their data."
        )


def consenting_members(purpose: ConsentPurpose) -> Subquery:
    """A subquery of member ids with a current grant for `purpose`, to filter a set-based sweep
    in SQL (`Member.filter(id__in=consenting_members(...))`)."""
    granted = ConsentState.filter(purpose=purpose.value, granted=True, member_id__isnull=False)
    return Subquery(granted.values("member_id"))


async def history(
    *, account_id: int | None = None, member_id: int | None = None
) -> list[ConsentRecord]:
    key = subject_key(account_id=account_id, member_id=member_id)
    return await ConsentRecord.filter(subject_key=key).order_by("created_at", "id")
