"""Guest profiles: validation of contact details, the temporary profile of a non-member, and the
blacklist that sends a guest's bookings to staff review (P3.1.2 eligibility review).
Profiles hold personal information (P6.1.2): only the booking and CRM services read them; the
columns are encrypted, so equality lookups go through blind indexes (`same_contact`)."""

from __future__ import annotations

import re
from dataclasses import dataclass

from tortoise.expressions import Q

from domain import personal_data
from domain.actor import Actor
from domain.errors import DomainError, ErrorCode
from domain.models import GuestProfile
from domain.models.bookings import GUEST_INDEXES

_PHONE_SEPARATORS = re.compile(r"[\s\-().]")
_PHONE = re.compile(r"^\+?[1-9]\d{6,14}$")
_EMAIL = re.compile(r"^[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]+@[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)+$")
_ID_DOCUMENT = re.compile(r"^[A-Za-z0-9-]{4,40}$")


@dataclass(frozen=True)
class GuestDetails:
    """Who stays, as given at intake."""

    full_name: str
    phone: str | None = None
    email: str | None = None
    id_document_number: str | None = None


def normalize_phone(raw: str, field: str = "guest.phone") -> str:
    """E.164-ish: optional '+', 7 to 15 digits, no leading zero; separators are dropped."""
    phone = _PHONE_SEPARATORS.sub("", raw or "")
    if not _PHONE.match(phone):
        raise DomainError(
            ErrorCode.INVALID,
            "Give the phone number with country code, e.g. +8613800138000.",
            field,
        )
    return phone


def normalize_email(raw: str, field: str = "guest.email") -> str:
    email = (raw or "").strip()
    if len(email) > 254 or not _EMAIL.match(email):
        raise DomainError(ErrorCode.INVALID, "Give a valid e-mail address.", field)
    local, _, domain = email.rpartition("@")
    return f"{local}@{domain.lower()}"


def validate_details(details: GuestDetails, prefix: str = "guest") -> GuestDetails:
    """Clean and check the details; a guest is reachable by phone or e-mail."""
    name = " ".join((details.full_name or "").split())
    if not name:
        raise DomainError(ErrorCode.REQUIRED, "Give the guest's full name.", f"{prefix}.fullName")
    if len(name) > 120:
        raise DomainError(ErrorCode.INVALID, "The name is too long.", f"{prefix}.fullName")
    phone = normalize_phone(details.phone, f"{prefix}.phone") if details.phone else None
    email = normalize_email(details.email, f"{prefix}.email") if details.email else None
    if phone is None and email is None:
        raise DomainError(
            ErrorCode.REQUIRED, "Give a phone number or an e-mail address.", f"{prefix}.phone"
        )
    document = (details.id_document_number or "").strip().upper() or None
    if document is not None and not _ID_DOCUMENT.match(document):
        raise DomainError(
            ErrorCode.INVALID,
            "The identity document number is not valid.",
            f"{prefix}.idDocumentNumber",
        )
    return GuestDetails(name, phone, email, document)


async def create_temporary_profile(details: GuestDetails) -> GuestProfile:
    """A non-member's temporary profile (P3.1.2). `details` must be validated already."""
    return await GuestProfile.create(
        full_name=details.full_name,
        phone=details.phone,
        email=details.email,
        id_document_number=details.id_document_number,
        is_temporary=True,
    )


def same_contact(kind: str, value: str) -> Q:
    """Profiles whose phone, e-mail or identity document (`kind`) equals `value`: a match of
    its blind index under any key of the ring (the columns themselves are encrypted)."""
    for indexed_kind, column in GUEST_INDEXES.values():
        if indexed_kind == kind:
            return Q(**{f"{column}__in": personal_data.blind_indexes(kind, value)})
    raise ValueError(f"guest profiles have no blind index of {kind}")


async def is_blacklisted(profile: GuestProfile) -> bool:
    """The profile, or any blacklisted profile sharing its phone, e-mail or document number."""
    if profile.blacklisted:
        return True
    same_person = Q(id=profile.id)
    for name, (kind, _) in GUEST_INDEXES.items():
        value = getattr(profile, name)
        if value:
            same_person |= same_contact(kind, value)
    return await GuestProfile.filter(same_person, blacklisted=True).exists()


async def set_blacklisted(
    actor: Actor, profile_id: int, blacklisted: bool, reason: str = ""
) -> GuestProfile:
    """Put a guest on the blacklist or take them off (inside an audited unit of work)."""
    profile = await GuestProfile.get_or_none(id=profile_id)
    if profile is None:
        raise DomainError(ErrorCode.NOT_FOUND, "There is no such guest profile.", "guestId")
    if blacklisted and not reason.strip():
        raise DomainError(ErrorCode.REQUIRED, "Say why the guest is blacklisted.", "reason")
    profile.blacklisted = blacklisted
    profile.blacklist_reason = reason.strip() if blacklisted else ""
    await profile.save(update_fields=["blacklisted", "blacklist_reason"])
    return profile
