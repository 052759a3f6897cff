"""Reading bookings with ownership applied (P6.1.2 clear boundaries of use): staff see all
bookings (the permission matrix decides which staff may read at all), a guest sees the
bookings of their member account, the ones their account made and the ones it claimed (by
proving the guest's e-mail or phone, domain/accounts.py), a partner token sees only
what it created, anyone else sees nothing. Lists are keyset-paged by id, so paging stays cheap
and stable while bookings are added."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

from tortoise.expressions import Q, Subquery
from tortoise.queryset import QuerySet

from authz.identity import Identity, Kind
from domain import inventory, personal_data
from domain.actor import Actor
from domain.bookings import tally
from domain.errors import DomainError, ErrorCode
from domain.models import (
    Booking,
    BookingChangeRequest,
    BookingNight,
    GuestProfile,
    Member,
    Refund,
    RoomType,
)


@dataclass(frozen=True)
class BookingFilter:
    status: Sequence[str] | None = None
    channel: Sequence[str] | None = None
    check_in_from: dt.date | None = None  # check-in on or after
    check_in_to: dt.date | None = None  # check-in on or before
    staying_on: dt.date | None = None  # the stay includes this night
    guest: str | None = None  # words, or starts of words, of the guest's name, phone, e-mail
    room_type_id: int | None = None
    member_id: int | None = None
    number: str | None = None


@dataclass(frozen=True)
class BookingPage:
    items: list[Booking]
    has_next_page: bool
    matching: QuerySet[Booking]  # every booking the filter matches, counted only on demand
    everything: bool = False  # the matches are all the bookings there are

    async def total_count(self) -> int:
        if self.everything:
            return await tally.count_bookings()
        return await self.matching.count()


def visible_bookings(identity: Identity, *, own_only: bool = False) -> QuerySet[Booking]:
    """The bookings an identity may reach. Guests reach their own, partner tokens what they
    created; staff reach all, or with `own_only` (a matrix grant of `*_own` to a staff role)
    the bookings their account took."""
    if identity.kind in (Kind.STAFF, Kind.SYSTEM):
        return Booking.filter(created_by_account_id=identity.id) if own_only else Booking.all()
    if identity.kind == Kind.GUEST and identity.id is not None:
        own = Q(created_by_account_id=identity.id) | Q(claimed_by_account_id=identity.id)
        if identity.member_id is not None:
            own |= Q(member_id=identity.member_id)
        return Booking.filter(own)
    if identity.kind == Kind.PARTNER and identity.id is not None:
        return Booking.filter(created_by_token_id=identity.id)
    return Booking.filter(id__lt=0)


def can_see(identity: Identity, booking: Booking, *, own_only: bool = False) -> bool:
    if identity.kind in (Kind.STAFF, Kind.SYSTEM):
        return not own_only or booking.created_by_account_id == identity.id
    if identity.kind == Kind.GUEST and identity.id is not None:
        return identity.id in (booking.created_by_account_id, booking.claimed_by_account_id) or (
            identity.member_id is not None and booking.member_id == identity.member_id
        )
    if identity.kind == Kind.PARTNER and identity.id is not None:
        return booking.created_by_token_id == identity.id
    return False


def apply_filter(query: QuerySet[Booking], f: BookingFilter) -> QuerySet[Booking]:
    if f.status:
        query = query.filter(status__in=list(f.status))
    if f.channel:
        query = query.filter(channel__in=list(f.channel))
    if f.check_in_from:
        query = query.filter(check_in__gte=f.check_in_from)
    if f.check_in_to:
        query = query.filter(check_in__lte=f.check_in_to)
    if f.staying_on:
        query = query.filter(check_in__lte=f.staying_on, check_out__gt=f.staying_on)
    if f.room_type_id is not None:
        query = query.filter(room_type_id=f.room_type_id)
    if f.member_id is not None:
        query = query.filter(member_id=f.member_id)
    if f.number:
        query = query.filter(number=f.number.strip().upper())
    if f.guest and f.guest.strip():
        query = query.filter(guest_id__in=Subquery(matching_guests(f.guest).values("id")))
    return query


def matching_guests(text: str) -> QuerySet[GuestProfile]:
    """Guest profiles with every word of `text` as a word, or the start of one (3 characters
    or more), of their name, e-mail or phone, found through the keyed search terms."""
    query = GuestProfile.all()
    for alternatives in personal_data.search_filter_tags(personal_data.query_words(text)):
        any_key = Q()
        for tag in alternatives:
            any_key |= Q(search_terms__contains=tag)
        query = query.filter(any_key)
    return query


async def list_bookings(
    identity: Identity,
    filter: BookingFilter | None = None,
    *,
    first: int = 50,
    after_id: int | None = None,
    newest_first: bool = True,
    own_only: bool = False,
) -> BookingPage:
    """One page of the bookings the identity may see. `after_id` is the id of the last booking
    of the previous page (the cursor). One query whatever the page size, and one more for
    `total_count()` when a caller wants it."""
    matching = apply_filter(
        visible_bookings(identity, own_only=own_only), filter or BookingFilter()
    )
    query = matching
    if after_id is not None:
        query = query.filter(id__lt=after_id) if newest_first else query.filter(id__gt=after_id)
    first = max(1, min(first, 200))
    rows = await query.order_by("-id" if newest_first else "id").limit(first + 1)
    everything = (
        identity.kind in (Kind.STAFF, Kind.SYSTEM)
        and not own_only
        and (filter is None or filter == BookingFilter())
    )
    return BookingPage(rows[:first], len(rows) > first, matching, everything)


async def get_booking_by_number(
    identity: Identity, number: str, *, own_only: bool = False
) -> Booking | None:
    number = (number or "").strip().upper()
    return await visible_bookings(identity, own_only=own_only).get_or_none(number=number)


async def get_booking(
    identity: Identity, booking_id: int, *, own_only: bool = False
) -> Booking | None:
    return await visible_bookings(identity, own_only=own_only).get_or_none(id=booking_id)


async def load_booking(actor: Actor, booking_id: int | str, field: str = "bookingId") -> Booking:
    """The booking a service acts on, locked on PostgreSQL (SQLite serialises writers anyway;
    every write is also guarded by the booking's version). NOT_FOUND when the actor may not see
    it, so other people's bookings are indistinguishable from missing ones."""
    try:
        ident = int(booking_id)
    except (TypeError, ValueError):
        raise DomainError(ErrorCode.NOT_FOUND, "There is no such booking.", field) from None
    booking = await Booking.filter(id=ident).select_for_update().first()
    if booking is None or not can_see(actor.identity, booking):
        raise DomainError(ErrorCode.NOT_FOUND, "There is no such booking.", field)
    return booking


# ---- batch loaders (for dataloaders: one query per batch) -----------------------------------


async def _by_ids(model, ids: Sequence[int]) -> dict[int, object]:
    return {row.id: row for row in await model.filter(id__in=list(set(ids)))}


async def room_types_by_ids(ids: Sequence[int]) -> dict[int, RoomType]:
    return await inventory.room_types_by_ids(ids)


async def guest_profiles_by_ids(ids: Sequence[int]) -> dict[int, GuestProfile]:
    return await _by_ids(GuestProfile, ids)  # type: ignore[return-value]


async def members_by_ids(ids: Sequence[int]) -> dict[int, Member]:
    return await _by_ids(Member, ids)  # type: ignore[return-value]


async def bookings_by_ids(ids: Sequence[int]) -> dict[int, Booking]:
    return await _by_ids(Booking, ids)  # type: ignore[return-value]


async def refunds_by_booking_ids(ids: Sequence[int]) -> dict[int, list[Refund]]:
    found: dict[int, list[Refund]] = {i: [] for i in ids}
    for row in await Refund.filter(booking_id__in=list(set(ids))).order_by("id"):
        found[row.booking_id].append(row)
    return found


async def change_requests_by_booking_ids(
    ids: Sequence[int],
) -> dict[int, list[BookingChangeRequest]]:
    found: dict[int, list[BookingChangeRequest]] = {i: [] for i in ids}
    for row in await BookingChangeRequest.filter(booking_id__in=list(set(ids))).order_by("id"):
        found[row.booking_id].append(row)
    return found


async def held_nights(booking_id: int) -> list[BookingNight]:
    return await BookingNight.filter(booking_id=booking_id).order_by("date")
