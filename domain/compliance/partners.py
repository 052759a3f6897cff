"""Partners that receive guest data and the security assessments of transfers abroad (P6.1.3
cross-border transfer requires a security assessment; PIPL Arts. 38-40).

Legal registers a partner with the country where it processes data and the API tokens it reads
through, and records each security assessment (day, assessor, result, valid until, where the
report is kept). `transfer_refusals` is the one check every path by which guest data leaves to
a partner runs: a partner outside the hotel's country (`HOME_COUNTRY`) receives a guest's data
only while a PASSED assessment of it is valid AND the guest currently consents to both
PARTNER_SHARING and CROSS_BORDER. Tokens linked to no partner record are the hotel's own
integrations, treated as domestic.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

from tortoise.exceptions import IntegrityError

from domain import audit
from domain.actor import Actor
from domain.clock import clock
from domain.errors import DomainError, ErrorCode
from domain.models import (
    ApiToken,
    AssessmentResult,
    Booking,
    ConsentPurpose,
    ConsentState,
    Member,
    Partner,
    PartnerToken,
    SecurityAssessment,
)

# The country whose law (PIPL) the hotel processes under; data leaving it is a transfer abroad.
HOME_COUNTRY = "CN"

_COUNTRY = re.compile(r"^[A-Z]{2}$")


class TransferBlock:
    """Why a guest's data may not go to a partner abroad (the codes a caller sees)."""

    NO_ASSESSMENT = ErrorCode.CROSS_BORDER_ASSESSMENT_REQUIRED.value
    NO_CONSENT = ErrorCode.CROSS_BORDER_CONSENT_REQUIRED.value


def _text(value: str | None, field: str, limit: int) -> str:
    clean = (value or "").strip()
    if not clean:
        raise DomainError(ErrorCode.REQUIRED, "This field is required.", field)
    if len(clean) > limit:
        raise DomainError(ErrorCode.TOO_LONG, f"At most {limit} characters.", field)
    return clean


def _country(value: str | None) -> str:
    code = (value or "").strip().upper()
    if not _COUNTRY.match(code):
        raise DomainError(
            ErrorCode.INVALID, "The country is a two-letter ISO 3166 code (CN, SG, US).", "country"
        )
    return code


async def _link_tokens(partner: Partner, token_ids: list[int]) -> None:
    wanted = sorted(set(token_ids))
    found = await ApiToken.filter(id__in=wanted).values_list("id", flat=True)
    if len(found) != len(wanted):
        raise DomainError(ErrorCode.NOT_FOUND, "No API token has that id.", "apiTokenIds")
    if await PartnerToken.exists(api_token_id__in=wanted):
        raise DomainError(
            ErrorCode.DUPLICATE, "That API token belongs to a partner already.", "apiTokenIds"
        )
    try:
        await PartnerToken.bulk_create(
            [PartnerToken(partner_id=partner.id, api_token_id=i) for i in wanted]
        )
    except IntegrityError:
        raise DomainError(
            ErrorCode.DUPLICATE, "That API token belongs to a partner already.", "apiTokenIds"
        ) from None


async def register_partner(
    actor: Actor, name: str, country: str, api_token_ids: list[int]
) -> Partner:
    """Record a partner, its country and the tokens it reads through (in a unit of work)."""
    clean = _text(name, "name", 120)
    code = _country(country)
    partner = await Partner.create(
        name=clean, country=code, registered_by_account_id=actor.account_id
    )
    await _link_tokens(partner, api_token_ids)
    return partner


async def attach_tokens(actor: Actor, partner_id: int, api_token_ids: list[int]) -> Partner:
    partner = await Partner.get_or_none(id=partner_id)
    if partner is None:
        raise DomainError(ErrorCode.NOT_FOUND, "No partner has that id.", "partnerId")
    if not api_token_ids:
        raise DomainError(ErrorCode.REQUIRED, "Name at least one API token.", "apiTokenIds")
    await _link_tokens(partner, api_token_ids)
    return partner


@dataclass(frozen=True)
class AssessmentRequest:
    partner_id: int
    assessed_on: dt.date
    assessor: str
    result: AssessmentResult
    valid_until: dt.date
    document_reference: str


async def record_assessment(actor: Actor, request: AssessmentRequest) -> SecurityAssessment:
    partner = await Partner.get_or_none(id=request.partner_id)
    if partner is None:
        raise DomainError(ErrorCode.NOT_FOUND, "No partner has that id.", "partnerId")
    today = clock.today()
    if request.assessed_on > today:
        raise DomainError(
            ErrorCode.INVALID, "An assessment cannot be dated in the future.", "assessedOn"
        )
    if request.valid_until < request.assessed_on:
        raise DomainError(
            ErrorCode.INVALID, "An assessment holds until a day after it was made.", "validUntil"
        )
    return await SecurityAssessment.create(
        partner_id=partner.id,
        assessed_on=request.assessed_on,
        assessor=_text(request.assessor, "assessor", 200),
        result=AssessmentResult(request.result).value,
        valid_until=request.valid_until,
        document_reference=_text(request.document_reference, "documentReference", 200),
        recorded_by_account_id=actor.account_id,
    )


async def list_partners(*, first: int, after_id: int | None):
    query = Partner.all()
    page = query.filter(id__lt=after_id) if after_id else query
    rows = await page.order_by("-id").limit(first + 1)
    return rows[:first], len(rows) > first, query.count


async def assessments_of(partner_ids: list[int]) -> dict[int, list[SecurityAssessment]]:
    found: dict[int, list[SecurityAssessment]] = {i: [] for i in partner_ids}
    rows = SecurityAssessment.filter(partner_id__in=list(set(partner_ids)))
    for row in await rows.order_by("-assessed_on", "-id"):
        found[row.partner_id].append(row)
    return found


async def tokens_of(partner_ids: list[int]) -> dict[int, list[int]]:
    found: dict[int, list[int]] = {i: [] for i in partner_ids}
    rows = PartnerToken.filter(partner_id__in=list(set(partner_ids)))
    for partner_id, token_id in await rows.order_by("id").values_list(
        "partner_id", "api_token_id"
    ):
        found[partner_id].append(token_id)
    return found


def is_abroad(partner: Partner) -> bool:
    return partner.country != HOME_COUNTRY


async def assessment_valid(partner_id: int, on: dt.date | None = None) -> bool:
    day = on or clock.today()
    return await SecurityAssessment.exists(
        partner_id=partner_id,
        result=AssessmentResult.PASSED.value,
        assessed_on__lte=day,
        valid_until__gte=day,
    )


async def partner_of_token(api_token_id: int) -> Partner | None:
    link = await PartnerToken.get_or_none(api_token_id=api_token_id).prefetch_related("partner")
    return link.partner if link else None


async def _consenting_profiles(profile_ids: list[int]) -> set[int]:
    """Guest profiles whose member currently consents to both PARTNER_SHARING and CROSS_BORDER
    (read from the current ledger rows, so a withdrawal counts on the next request)."""
    # A member's own profile, and the profiles of bookings made for a member.
    pairs = set(
        await Member.filter(guest_profile_id__in=profile_ids).values_list(
            "guest_profile_id", "id"
        )
    )
    pairs |= set(
        await Booking.filter(guest_id__in=profile_ids, member_id__isnull=False).values_list(
            "guest_id", "member_id"
        )
    )
    if not pairs:
        return set()
    members = {member_id for _, member_id in pairs}
    needed = {ConsentPurpose.PARTNER_SHARING.value, ConsentPurpose.CROSS_BORDER.value}
    granted: dict[int, set[str]] = {}
    rows = ConsentState.filter(
        member_id__in=list(members), purpose__in=list(needed), granted=True
    ).values_list("member_id", "purpose")
    for member_id, purpose in await rows:
        granted.setdefault(member_id, set()).add(purpose)
    agreed = {m for m, purposes in granted.items() if purposes >= needed}
    return {profile_id for profile_id, member_id in pairs if member_id in agreed}


async def transfer_refusals(api_token_id: int, profile_ids: list[int]) -> dict[int, str]:
    """The one guard on guest data leaving to a partner (P6.1.3): for the guest profiles a
    partner token is about to receive, the ones it may not, each with its TransferBlock code.
    A domestic partner (or a token of no partner) is refused none. Six queries at most,
    whatever the number of guests."""
    partner = await partner_of_token(api_token_id)
    ids = sorted(set(profile_ids))
    if partner is None or not is_abroad(partner) or not ids:
        return {}
    if not await assessment_valid(partner.id):
        return {i: TransferBlock.NO_ASSESSMENT for i in ids}
    allowed = await _consenting_profiles(ids)
    return {i: TransferBlock.NO_CONSENT for i in ids if i not in allowed}


async def guard_transfer(actor: Actor, profile_ids: list[int]) -> dict[int, str]:
    """`transfer_refusals` for the caller, if it is a partner token, with one audit entry per
    refused batch (outcome REJECTED, the codes and guest profiles in its detail). Callers send
    nothing of a refused guest."""
    if actor.token_id is None:
        return {}
    refused = await transfer_refusals(actor.token_id, profile_ids)
    if refused:
        by_code: dict[str, list[int]] = {}
        for profile_id, code in sorted(refused.items()):
            by_code.setdefault(code, []).append(profile_id)
        detail = "; ".join(
            f"{code}: guest profiles {', '.join(map(str, ids))}" for code, ids in by_code.items()
        )
        await audit.append_alone(
            actor,
            "partnerTransferBlocked",
            subject_type="ApiToken",
            subject_id=actor.token_id,
            outcome=audit.Outcome.REJECTED,
            detail=detail,
        )
    return refused
