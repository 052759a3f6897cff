"""Everything the platform holds that belongs to one guest account (P6.1.3, PIPL Arts. 45-47):
the account, its membership with the permanent profile, the bookings that are theirs (made or
claimed by the account, booked for the member, or made for a profile with the same phone,
e-mail or identity document), and the complaints, inquiries, follow-ups, surveys,
notifications, consents, points and care records tied to any of them. The export writes it
out, the deletion anonymises it."""

from __future__ import annotations

from dataclasses import dataclass, field

from tortoise.expressions import Q

from domain.bookings.profiles import same_contact
from domain.models import (
    Account,
    Booking,
    Complaint,
    FollowUp,
    GuestProfile,
    Inquiry,
    Member,
    SatisfactionSurvey,
)
from domain.models.bookings import GUEST_INDEXES


@dataclass
class Footprint:
    account: Account
    member: Member | None
    profiles: list[GuestProfile] = field(default_factory=list)
    bookings: list[Booking] = field(default_factory=list)
    complaints: list[Complaint] = field(default_factory=list)
    inquiries: list[Inquiry] = field(default_factory=list)
    follow_ups: list[FollowUp] = field(default_factory=list)
    surveys: list[SatisfactionSurvey] = field(default_factory=list)

    @property
    def booking_ids(self) -> list[int]:
        return [b.id for b in self.bookings]

    @property
    def profile_ids(self) -> list[int]:
        return [p.id for p in self.profiles]

    def identifiers(self) -> dict[str, set[str]]:
        """The person's names, phones, e-mail addresses and identity document numbers."""
        found: dict[str, set[str]] = {"name": set(), "phone": set(), "email": set(), "id": set()}
        found["name"].add(self.account.display_name)
        found["email"].add(self.account.email)
        if self.account.phone:
            found["phone"].add(self.account.phone)
        for profile in self.profiles:
            found["name"].add(profile.full_name)
            for key, value in (
                ("phone", profile.phone),
                ("email", profile.email),
                ("id", profile.id_document_number),
            ):
                if value:
                    found[key].add(value)
        for complaint in self.complaints:
            if complaint.contact_name:
                found["name"].add(complaint.contact_name)
            if complaint.contact_phone:
                found["phone"].add(complaint.contact_phone)
        return {k: {v for v in values if v} for k, values in found.items()}


async def footprint_of(account: Account) -> Footprint:
    member = await Member.get_or_none(id=account.member_id) if account.member_id else None
    found = Footprint(account=account, member=member)
    own_profile = await GuestProfile.get_or_none(id=member.guest_profile_id) if member else None
    # Bookings by account or member first; their profiles name the contacts that find more.
    by_owner = Q(created_by_account_id=account.id) | Q(claimed_by_account_id=account.id)
    if member is not None:
        by_owner |= Q(member_id=member.id)
    bookings = {b.id: b for b in await Booking.filter(by_owner)}
    profile_ids = {b.guest_id for b in bookings.values()}
    if own_profile is not None:
        profile_ids.add(own_profile.id)
    profiles = {p.id: p for p in await GuestProfile.filter(id__in=list(profile_ids))}
    same_person = []
    contacts = {("email", account.email)} | ({("phone", account.phone)} if account.phone else set())
    for profile in profiles.values():
        for name, (kind, _) in GUEST_INDEXES.items():
            value = getattr(profile, name)
            if value:
                contacts.add((kind, value))
    for kind, value in contacts:
        same_person.append(same_contact(kind, value))
    if same_person:
        more = await GuestProfile.filter(
            Q(*same_person, join_type="OR"), id__not_in=list(profiles) or [0]
        )
        profiles.update({p.id: p for p in more})
        if more:
            for booking in await Booking.filter(guest_id__in=[p.id for p in more]):
                bookings[booking.id] = booking
    found.profiles = sorted(profiles.values(), key=lambda p: p.id)
    found.bookings = sorted(bookings.values(), key=lambda b: b.id)
    booking_ids = found.booking_ids or [0]
    member_id = member.id if member else 0
    found.complaints = await Complaint.filter(
        Q(guest_account_id=account.id) | Q(member_id=member_id) | Q(booking_id__in=booking_ids)
    ).order_by("id")
    found.inquiries = await Inquiry.filter(
        Q(guest_account_id=account.id)
        | Q(member_id=member_id)
        | Q(guest_id__in=found.profile_ids or [0])
        | Q(booking_id__in=booking_ids)
    ).order_by("id")
    found.follow_ups = await FollowUp.filter(
        Q(guest_account_id=account.id) | Q(member_id=member_id) | Q(booking_id__in=booking_ids)
    ).order_by("id")
    found.surveys = await SatisfactionSurvey.filter(
        Q(guest_account_id=account.id) | Q(member_id=member_id) | Q(booking_id__in=booking_ids)
    ).order_by("id")
    return found
