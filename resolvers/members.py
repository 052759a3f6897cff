"""Members and loyalty through the API (P3.1.2 members and points, P3.1.10 tiers, P6.1.2 who
sees whom, P6.1.3 consent): the member list with filters and search, `node(id:)` for a member,
a member's booking history, tier progress, and the member mutations.

Resolvers only: the caller comes from the context, the field's permission has been checked,
one domain service does the work (mutations inside `run_audited`'s unit of work) and a
`DomainError` becomes payload errors. Ownership: staff reach every member, a guest only their
own membership (the domain's `visible_members`), partners none.
"""

from __future__ import annotations

import strawberry

from authz.enforcer import Access
from domain.bookings.queries import can_see
from domain.errors import DomainError, ErrorCode
from domain.members import adjustments, directory, registration, tiers
from domain.models import Account
from domain.personal_data import Disclosure, PersonalData
from resolvers.nodes import register
from resolvers.support import access_of, run_audited
from schema.privacy import disclosure_of
from schema.types.approvals import ApprovalRequest
from schema.types.bookings import Booking
from schema.types.errors import ApiError
from schema.types.members import (
    AdjustPointsInput,
    Member,
    MemberFilter,
    MemberPayload,
    MembershipTerms,
    RegisterMemberInput,
    TierProgress,
)
from schema.types.relay import (
    Connection,
    connection,
    decode_cursor,
    page_size,
    parse_global_id,
)

NOT_FOUND = "There is no such member."


def _bad_request(refusal: DomainError) -> ApiError:
    return ApiError("BAD_REQUEST", refusal.message, field=refusal.field, reason=refusal.code)


async def list_members(
    info: strawberry.Info,
    first: int | None = None,
    after: str | None = None,
    filter: MemberFilter | None = None,
) -> Connection[Member]:
    """Members newest first. Searching by name, phone or e-mail needs the right to see them:
    a pseudonymous reader (an analyst) filters by tier and state only."""
    criteria = directory.MemberFilter(
        tier=filter and filter.tier,
        active=filter and filter.active,
        search=filter and filter.search,
    )
    if criteria.search and criteria.search.strip():
        if await disclosure_of(info, PersonalData.EMAIL) != Disclosure.FULL:
            raise ApiError(
                "FORBIDDEN",
                "Searching members by contact details needs access to them.",
                field="filter.search",
                reason=ErrorCode.FORBIDDEN,
            )
    size = page_size(first)
    try:
        page = await directory.list_members(
            info.context.identity,
            criteria,
            first=max(size, 1),
            after_id=decode_cursor(after) if after else None,
        )
    except DomainError as refusal:
        raise _bad_request(refusal) from None
    return connection(
        page.items[:size],
        has_next=page.has_next_page or len(page.items) > size,
        count=page.total_count,
        after=after,
        to_node=Member.of,
    )


async def member_bookings(
    info: strawberry.Info, history: list, first: int | None, after: str | None
) -> Connection[Booking]:
    """A member's booking history (`history`: loaded by the type for the whole page of members
    at once), narrowed to the bookings the caller may see: a partner that reaches a member
    through a booking it made sees only its own bookings of that member, not the whole history."""
    identity = info.context.identity
    own_only = access_of(info, "booking", "read") == Access.OWN
    every = [row for row in history if can_see(identity, row, own_only=own_only)]
    size = page_size(first)
    rows = every
    if after:  # cursors are booking ids, as in `bookings`
        cursor = decode_cursor(after)
        rows = [row for row in every if row.id < cursor]

    async def count() -> int:
        return len(every)

    return connection(
        rows[:size], has_next=len(rows) > size, count=count, after=after, to_node=Booking.of
    )


async def _member_for(info: strawberry.Info, member_id: strawberry.ID | None) -> object:
    identity = info.context.identity
    if member_id is None:
        if identity.member_id is None:
            raise DomainError(ErrorCode.NOT_FOUND, "You are not a member.", "memberId")
        pk = identity.member_id
    else:
        pk = parse_global_id(member_id, "Member", "memberId")
    row = await directory.get_visible_member(identity, pk)
    if row is None:
        raise DomainError(ErrorCode.NOT_FOUND, NOT_FOUND, "memberId")
    return row


async def tier_progress(
    info: strawberry.Info, member_id: strawberry.ID | None = None
) -> TierProgress:
    """What is missing for the next tier; the caller's own membership without `memberId`."""
    try:
        row = await _member_for(info, member_id)
    except DomainError as refusal:
        raise _bad_request(refusal) from None
    return TierProgress.of(await tiers.progress(row))


async def membership_terms(info: strawberry.Info) -> MembershipTerms:
    return MembershipTerms(
        version=registration.MEMBERSHIP_TERMS_VERSION, text=registration.MEMBERSHIP_TERMS
    )


@register("Member", "member")
async def _member_node(info: strawberry.Info, pk: int, access: Access) -> Member | None:
    identity = info.context.identity
    if access == Access.OWN and identity.member_id != pk:
        return None
    row = await directory.get_visible_member(identity, pk)
    return row and Member.of(row)


# ---- mutations ----------------------------------------------------------------------------


async def register_member(info: strawberry.Info, input: RegisterMemberInput) -> MemberPayload:
    async def work():
        account_id = None
        if input.guest_email is not None:
            email = input.guest_email.strip()
            account = await Account.get_or_none(email=email, kind="GUEST")
            if account is None:
                raise DomainError(
                    ErrorCode.NOT_FOUND,
                    "There is no guest account with that e-mail.",
                    "guestEmail",
                )
            account_id = account.id
        return await registration.register_member(
            info.context.actor,
            registration.Registration(
                account_id=account_id,
                accepted_terms_version=input.accepted_terms_version,
                marketing_consent=bool(input.marketing_consent),
                phone=input.phone,
                birth_month=input.birth_month,
                birth_day=input.birth_day,
            ),
        )

    row, errors = await run_audited(info, "registerMember", "Member", work)
    return MemberPayload(member=row and Member.of(row), errors=errors)


async def adjust_points(info: strawberry.Info, input: AdjustPointsInput) -> MemberPayload:
    async def work():
        pk = parse_global_id(input.member_id, "Member", "memberId")
        return await adjustments.adjust_points(info.context.actor, pk, input.delta, input.reason)

    result, errors = await run_audited(info, "adjustPoints", "Member", work)
    if errors:
        return MemberPayload(errors=errors)
    return MemberPayload(
        member=Member.of(result.member),
        approval=result.approval and ApprovalRequest.of(result.approval),
    )
