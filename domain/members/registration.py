"""Becoming a member (P3.1.2 members, P6.1.3 consent): a guest account turns into a loyalty
member, by the guest themself or by staff for them, with consent to the membership terms of
the current version recorded in the consent ledger (and marketing consent if given), and an
optional birthday (month and day, for birthday care P3.1.11).

Also the plain creation of a member with a permanent guest profile that staff tools, the demo
and tests use (`create_member`)."""

from __future__ import annotations

import datetime as dt
import secrets
from dataclasses import dataclass

from authz.identity import Kind
from domain import consents
from domain.actor import Actor
from domain.bookings.profiles import GuestDetails, validate_details
from domain.broker import announce_access_change
from domain.clock import clock
from domain.errors import DomainError, ErrorCode
from domain.members import ledger
from domain.models import Account, ConsentPurpose, GuestProfile, Member
from domain.unit_of_work import when_committed

TIERS = ("STANDARD", "SILVER", "GOLD", "PLATINUM")

# The membership terms a guest accepts when joining; a new text gets a new version, and a
# registration that names an older one is refused (STALE_TERMS) so nobody joins on terms they
# did not see.
MEMBERSHIP_TERMS_VERSION = "2026-01"
MEMBERSHIP_TERMS = (
    "Members earn points on the money paid for their stays, at the rate of their tier, "
    "credited at check-out. Points pay part of later stays and expire, oldest first, after "
    "the period the hotel publishes; you are told before they expire. Tiers are decided on "
    "both the money spent and the nights stayed over the last 12 months."
)


async def get_member(member_id: int | str | None, field: str = "memberId") -> Member:
    try:
        ident = int(member_id)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        raise DomainError(ErrorCode.NOT_FOUND, "There is no such member.", field) from None
    member = await Member.get_or_none(id=ident)
    if member is None or not member.is_active:
        raise DomainError(ErrorCode.NOT_FOUND, "There is no such member.", field)
    return member


async def _new_member_number() -> str:
    while True:
        number = "M" + "".join(secrets.choice("0123456789") for _ in range(9))
        if not await Member.filter(member_number=number).exists():
            return number


async def create_member(
    actor: Actor,
    details: GuestDetails,
    *,
    tier: str = "STANDARD",
    points: int = 0,
    account_id: int | None = None,
    birthday: tuple[int, int] | None = None,
) -> Member:
    """A member with a permanent guest profile, optionally linked to a guest account. Opening
    points become the first lot of the ledger."""
    clean = validate_details(details, prefix="guest")
    if tier not in TIERS:
        raise DomainError(ErrorCode.INVALID, f"Tier is one of {', '.join(TIERS)}.", "tier")
    if points < 0:
        raise DomainError(ErrorCode.OUT_OF_RANGE, "Points cannot be negative.", "points")
    profile = await GuestProfile.create(
        full_name=clean.full_name,
        phone=clean.phone,
        email=clean.email,
        id_document_number=clean.id_document_number,
        is_temporary=False,
    )
    member = await Member.create(
        member_number=await _new_member_number(),
        tier=tier,
        points_balance=0,
        guest_profile=profile,
        birth_month=birthday[0] if birthday else None,
        birth_day=birthday[1] if birthday else None,
        # A tier given at creation is reviewed a year later like any other (P3.1.10).
        tier_review_on=None if tier == "STANDARD" else ledger.add_months(clock.now(), 12).date(),
    )
    if points:
        await ledger.credit(member.id, points, kind="ADJUST", source="OPENING", note="opening")
    if account_id is not None:
        await Account.filter(id=account_id).update(member_id=member.id)
        await _membership_changed(account_id)
    return await Member.get(id=member.id)


async def _membership_changed(account_id: int) -> None:
    """Identities carry the member id: every process forgets the account's cached one."""
    await when_committed(lambda: announce_access_change(f"account:{account_id}"))


def check_birthday(month: int | None, day: int | None) -> tuple[int, int] | None:
    """Month and day of a birthday (29 February allowed), or None when neither is given."""
    if month is None and day is None:
        return None
    if month is None or day is None:
        raise DomainError(
            ErrorCode.REQUIRED,
            "Give both the month and the day of the birthday.",
            "birthMonth" if month is None else "birthDay",
        )
    if not 1 <= month <= 12:
        raise DomainError(ErrorCode.OUT_OF_RANGE, "The month is 1 to 12.", "birthMonth")
    try:
        dt.date(2024, month, day)  # a leap year: 29 February is a birthday
    except ValueError:
        raise DomainError(
            ErrorCode.OUT_OF_RANGE, "That day does not exist in that month.", "birthDay"
        ) from None
    return month, day


@dataclass(frozen=True)
class Registration:
    account_id: int | None  # None: the caller's own account (a guest registering themself)
    accepted_terms_version: str
    marketing_consent: bool = False
    phone: str | None = None
    birth_month: int | None = None
    birth_day: int | None = None
    channel: str | None = None


async def register_member(actor: Actor, request: Registration) -> Member:
    """Turn a guest account into a member (inside the caller's unit of work). A guest registers
    their own account; staff name the account. An account that is a member already is
    refused with DUPLICATE."""
    identity = actor.identity
    if identity.kind == Kind.GUEST:
        if request.account_id is not None and request.account_id != identity.id:
            raise DomainError(ErrorCode.NOT_FOUND, "There is no such guest account.", "accountId")
        account_id = identity.id
        channel = request.channel or "ONLINE"
    elif identity.kind in (Kind.STAFF, Kind.SYSTEM):
        if request.account_id is None:
            raise DomainError(
                ErrorCode.REQUIRED, "Say which guest account becomes a member.", "accountId"
            )
        account_id = request.account_id
        channel = request.channel or "STAFF"
    else:
        raise DomainError(ErrorCode.FORBIDDEN, "Guests and hotel staff register members.")
    account = await Account.get_or_none(id=account_id, kind="GUEST", is_active=True)
    if account is None:
        raise DomainError(ErrorCode.NOT_FOUND, "There is no such guest account.", "accountId")
    if account.member_id is not None:
        raise DomainError(ErrorCode.DUPLICATE, "This guest is a member already.", "accountId")
    version = (request.accepted_terms_version or "").strip()
    if not version:
        raise DomainError(
            ErrorCode.REQUIRED, "Accept the membership terms.", "acceptedTermsVersion"
        )
    if version != MEMBERSHIP_TERMS_VERSION:
        raise DomainError(
            ErrorCode.STALE_TERMS,
            "The membership terms have changed: read and accept the current version.",
            "acceptedTermsVersion",
        )
    birthday = check_birthday(request.birth_month, request.birth_day)
    # Claim the account first: of two registrations at once only one links a membership.
    details = GuestDetails(
        full_name=account.display_name, phone=request.phone or None, email=account.email
    )
    member = await create_member(actor, details, birthday=birthday)
    claimed = await Account.filter(id=account.id, member_id=None).update(member_id=member.id)
    if claimed != 1:
        raise DomainError(ErrorCode.DUPLICATE, "This guest is a member already.", "accountId")
    await _membership_changed(account.id)
    await consents.record(
        actor,
        ConsentPurpose.MEMBERSHIP,
        granted=True,
        notice_version=version,
        channel=channel,
        member_id=member.id,
        field="acceptedTermsVersion",
    )
    if request.marketing_consent:
        await consents.record(
            actor,
            ConsentPurpose.MARKETING,
            granted=True,
            notice_version=version,
            channel=channel,
            member_id=member.id,
            field="marketingConsent",
        )
    return member
