"""Handling a complaint (P3.1.6 first-contact responsibility and tiered handling, P3.1.9 5+X).

- First contact: the staff member who records a complaint owns it to the end. A complaint a
  guest files themselves (or a booking agent records for customer service) has no owner until a
  handler takes it: `take`, or the first answer, hand-over or resolution by a handler, makes
  that person the owner. Ownership never moves.
- A hand-over changes who handles the complaint now; the owner stays accountable, the
  hand-over is on the timeline, and the owner can no longer count it as resolved at first
  contact.
- Who may act on a complaint: its handler, its owner, and supervisors or directors.
- A GENERAL complaint is resolved by a handler; a MAJOR one only once a supervisor has taken
  part (joined, answered, owned, or is the one resolving it): else SUPERVISOR_REQUIRED.
- Resolving needs a resolution note. The guest may reopen within `complaint_reopen_days` of
  the resolution (a new resolution deadline starts) and rates the resolution once (1-5).

Every write is a conditional UPDATE on the complaint's version, so two people acting at once
cannot both succeed. Call these inside an audited unit of work.
"""

from __future__ import annotations

import datetime as dt
import secrets
from dataclasses import dataclass

from tortoise.expressions import F, Q

from authz.identity import Identity, Kind
from domain import i18n, notifications
from domain.actor import Actor
from domain.bookings import profiles
from domain.bookings.queries import get_booking
from domain.clock import clock
from domain.complaints import deadlines
from domain.complaints.states import (
    HANDLER_ROLES,
    SUPERVISOR_ROLES,
    ComplaintCategory,
    ComplaintChannel,
    ComplaintEventKind,
    ComplaintSeverity,
    ComplaintStatus,
    DeadlineKind,
)
from domain.errors import DomainError, ErrorCode
from domain.i18n import N_
from domain.models import Account, Booking, Complaint, ComplaintEvent, Member
from domain.policy_params import params

NOT_FOUND = N_("There is no such complaint.")
DESCRIPTION_MAX = 5000
NOTE_MAX = 5000


@dataclass(frozen=True)
class NewComplaint:
    channel: str
    severity: str
    category: str
    description: str
    booking_id: int | None = None
    member_id: int | None = None
    contact_name: str | None = None
    contact_phone: str | None = None


def _text(value: str | None, field: str, message: str, limit: int = NOTE_MAX) -> str:
    text = (value or "").strip()
    if not text:
        raise DomainError(ErrorCode.REQUIRED, message, field)
    _at_most(text, field, limit)
    return text


def _at_most(text: str | None, field: str, limit: int) -> None:
    if text and len(text) > limit:
        raise DomainError(ErrorCode.TOO_LONG, f"{field} has at most {limit} characters.", field)


def _choice(enum, value: str, field: str):
    try:
        return enum((value or "").strip().upper())
    except ValueError:
        raise DomainError(
            ErrorCode.INVALID, f"{field} is not one of the known values.", field
        ) from None


def is_handler(identity: Identity) -> bool:
    return identity.kind == Kind.STAFF and bool(HANDLER_ROLES.intersection(identity.roles))


def is_supervisor(identity: Identity) -> bool:
    return identity.kind == Kind.STAFF and bool(SUPERVISOR_ROLES.intersection(identity.roles))


def _role_of(identity: Identity) -> str:
    """The role an actor acts in on a complaint: the highest handling role they hold."""
    for role in ("director", "supervisor", "cs_rep"):
        if role in identity.roles:
            return role
    return identity.roles[0] if identity.roles else identity.kind.lower()


async def _number() -> str:
    day = clock.today().strftime("%Y%m%d")
    while True:
        number = f"C{day}-" + "".join(
            secrets.choice("23456789ABCDEFGHJKMNPQRSTVWXYZ") for _ in range(5)
        )
        if not await Complaint.filter(number=number).exists():
            return number


async def _event(
    complaint: Complaint,
    actor: Actor | None,
    kind: ComplaintEventKind,
    note: str | None = None,
    *,
    internal: bool = False,
    to_account_id: int | None = None,
) -> None:
    await ComplaintEvent.create(
        complaint_id=complaint.id,
        kind=kind,
        actor_account_id=actor.account_id if actor else None,
        actor_role=_role_of(actor.identity) if actor else "system",
        to_account_id=to_account_id,
        note=note,
        internal=internal,
    )


async def _tell_guest(complaint: Complaint, kind: str, template: str) -> None:
    """Tell the guest who filed it, in their saved language."""
    if complaint.guest_account_id is None:
        return
    account = await Account.get_or_none(id=complaint.guest_account_id).only("id", "language")
    title = i18n.t(account.language if account else None, template, number=complaint.number)
    await notifications.notify(
        complaint.guest_account_id, kind, title, subject_type="Complaint", subject_id=complaint.id
    )


async def _save(complaint: Complaint, **changes) -> Complaint:
    """Apply `changes` if nobody changed the complaint since it was read (CONFLICT otherwise)."""
    moved = await Complaint.filter(id=complaint.id, version=complaint.version).update(
        version=F("version") + 1, **changes
    )
    if moved != 1:
        raise DomainError(
            ErrorCode.CONFLICT,
            "Someone changed the complaint meanwhile; try again.",
            "complaintId",
        )
    return await Complaint.get(id=complaint.id)


# ---- reading with ownership ---------------------------------------------------------------


def visible_to(identity: Identity, *, own_only: bool = False):
    """The complaints an identity may reach: handlers all of them; staff granted only their
    own (booking agents) the ones they recorded; a guest the ones they filed or that concern
    their membership; nobody else any."""
    if identity.kind in (Kind.STAFF, Kind.SYSTEM):
        if own_only:
            return Complaint.filter(recorded_by_account_id=identity.id)
        return Complaint.all()
    if identity.kind == Kind.GUEST and identity.id is not None:
        own = Q(guest_account_id=identity.id)
        if identity.member_id is not None:
            own |= Q(member_id=identity.member_id)
        return Complaint.filter(own)
    return Complaint.filter(id__lt=0)


async def load(identity: Identity, complaint_id: int, *, own_only: bool = False) -> Complaint:
    complaint = await visible_to(identity, own_only=own_only).get_or_none(id=complaint_id)
    if complaint is None:
        raise DomainError(ErrorCode.NOT_FOUND, NOT_FOUND, "complaintId")
    return complaint


# ---- filing -------------------------------------------------------------------------------


async def file(actor: Actor, new: NewComplaint) -> Complaint:
    """Record a complaint. A guest files their own (linked only to their own bookings and
    membership). A handler who records it owns it from the first contact."""
    identity = actor.identity
    channel = _choice(ComplaintChannel, new.channel, "channel")
    severity = _choice(ComplaintSeverity, new.severity, "severity")
    category = _choice(ComplaintCategory, new.category, "category")
    description = _text(
        new.description, "description", N_("Describe the complaint."), DESCRIPTION_MAX
    )
    contact_name = " ".join((new.contact_name or "").split()) or None
    _at_most(contact_name, "contactName", 120)
    contact_phone = (
        profiles.normalize_phone(new.contact_phone, "contactPhone")
        if (new.contact_phone or "").strip()
        else None
    )
    member_id = new.member_id
    booking: Booking | None = None
    if new.booking_id is not None:
        booking = await get_booking(identity, new.booking_id)
        if booking is None:
            raise DomainError(ErrorCode.NOT_FOUND, "There is no such booking.", "bookingId")
    guest_account_id = None
    if identity.kind == Kind.GUEST:
        guest_account_id = identity.id
        if member_id is not None and member_id != identity.member_id:
            raise DomainError(ErrorCode.NOT_FOUND, "There is no such member.", "memberId")
        member_id = member_id or identity.member_id
    if member_id is not None and not await Member.filter(id=member_id, is_active=True).exists():
        raise DomainError(ErrorCode.NOT_FOUND, "There is no such member.", "memberId")
    if booking is not None and member_id is None:
        member_id = booking.member_id
    now = clock.now()
    owner = actor.account_id if is_handler(identity) else None
    complaint = await Complaint.create(
        number=await _number(),
        status=ComplaintStatus.OPEN,
        severity=severity,
        channel=channel,
        category=category,
        description=description,
        contact_name=contact_name,
        contact_phone=contact_phone,
        booking_id=booking.id if booking else None,
        member_id=member_id,
        guest_account_id=guest_account_id,
        recorded_by_account_id=actor.account_id,
        owner_account_id=owner,
        handler_account_id=owner,
        supervisor_account_id=owner if owner and is_supervisor(identity) else None,
        supervisor_joined_at=now if owner and is_supervisor(identity) else None,
        filed_at=now,
        respond_due_at=deadlines.due_after(now, await params.complaint_respond_days),
        resolve_due_at=deadlines.due_after(now, await params.complaint_resolve_days),
    )
    await deadlines.open_deadline(complaint, DeadlineKind.RESPOND, complaint.respond_due_at)
    await deadlines.open_deadline(complaint, DeadlineKind.RESOLVE, complaint.resolve_due_at)
    await _event(complaint, actor, ComplaintEventKind.FILED)
    if owner is None:
        for account_id in await notifications.staff_with_roles("cs_rep"):
            await notifications.notify(
                account_id,
                "COMPLAINT_FILED",
                f"New {severity.lower()} complaint {complaint.number} waits to be taken",
                subject_type="Complaint",
                subject_id=complaint.id,
            )
    return complaint


# ---- handling -----------------------------------------------------------------------------


def _may_act(identity: Identity, complaint: Complaint) -> None:
    """Handlers act on a complaint nobody owns yet, or one they own or handle; supervisors
    and directors on any."""
    if not is_handler(identity):
        raise DomainError(
            ErrorCode.FORBIDDEN, "Only customer service handles complaints.", "complaintId"
        )
    if is_supervisor(identity) or complaint.owner_account_id is None:
        return
    if identity.id not in (complaint.owner_account_id, complaint.handler_account_id):
        raise DomainError(
            ErrorCode.NOT_HANDLER,
            "The complaint is handled by someone else: ask them or a supervisor to hand it over.",
            "complaintId",
        )


def _first_contact(actor: Actor, complaint: Complaint) -> dict:
    """The changes that make the actor the owner of a complaint nobody owns yet."""
    if complaint.owner_account_id is not None:
        return {}
    return {"owner_account_id": actor.account_id, "handler_account_id": actor.account_id}


def _supervisor_part(actor: Actor, complaint: Complaint) -> dict:
    if not is_supervisor(actor.identity) or complaint.supervisor_joined_at is not None:
        return {}
    return {"supervisor_account_id": actor.account_id, "supervisor_joined_at": clock.now()}


def _not_resolved(complaint: Complaint) -> None:
    if complaint.status == ComplaintStatus.RESOLVED:
        raise DomainError(
            ErrorCode.INVALID_TRANSITION, "The complaint is resolved already.", "complaintId"
        )


async def take(actor: Actor, complaint_id: int) -> Complaint:
    """A handler takes a complaint nobody owns yet: they own it from now on (first contact)."""
    complaint = await load(actor.identity, complaint_id)
    _not_resolved(complaint)
    if not is_handler(actor.identity):
        raise DomainError(
            ErrorCode.FORBIDDEN, "Only customer service handles complaints.", "complaintId"
        )
    if complaint.owner_account_id is not None:
        raise DomainError(
            ErrorCode.CONFLICT, "Someone has taken the complaint already.", "complaintId"
        )
    complaint = await _save(
        complaint, **_first_contact(actor, complaint), **_supervisor_part(actor, complaint)
    )
    await _event(complaint, actor, ComplaintEventKind.TAKEN, internal=True)
    return complaint


async def respond(actor: Actor, complaint_id: int, message: str) -> Complaint:
    """Answer the guest. The first answer meets the response deadline (the "5")."""
    complaint = await load(actor.identity, complaint_id)
    text = _text(message, "message", N_("Write the answer to the guest."))
    _not_resolved(complaint)
    _may_act(actor.identity, complaint)
    now = clock.now()
    changes: dict = {**_first_contact(actor, complaint), **_supervisor_part(actor, complaint)}
    if complaint.first_response_at is None:
        changes.update(
            first_response_at=now,
            first_response_seconds=int((now - complaint.filed_at).total_seconds()),
            status=ComplaintStatus.IN_PROGRESS,
        )
        await deadlines.close_deadlines(complaint, DeadlineKind.RESPOND)
    complaint = await _save(complaint, **changes)
    await _event(complaint, actor, ComplaintEventKind.RESPONDED, text)
    await _tell_guest(complaint, "COMPLAINT_ANSWERED", N_("Your complaint {number} has an answer"))
    return complaint


async def hand_over(actor: Actor, complaint_id: int, to_account_id: int, note: str) -> Complaint:
    """Pass the handling on to another handler; the owner stays accountable."""
    complaint = await load(actor.identity, complaint_id)
    _not_resolved(complaint)
    _may_act(actor.identity, complaint)
    text = _text(note, "note", N_("Say what the next handler needs to know."))
    target = await Account.get_or_none(id=to_account_id, kind="STAFF", is_active=True)
    if target is None or not HANDLER_ROLES.intersection(target.roles or []):
        raise DomainError(
            ErrorCode.INVALID, "Hand complaints over to customer service staff.", "toStaffId"
        )
    changes = _first_contact(actor, complaint)
    current = changes.get("handler_account_id", complaint.handler_account_id)
    if target.id == current:
        raise DomainError(
            ErrorCode.INVALID, "The complaint is handled by them already.", "toStaffId"
        )
    complaint = await _save(
        complaint,
        **changes,
        handler_account_id=target.id,
        handed_over=True,
        **_supervisor_part(actor, complaint),
    )
    await _event(
        complaint,
        actor,
        ComplaintEventKind.HANDED_OVER,
        text,
        internal=True,
        to_account_id=target.id,
    )
    await notifications.notify(
        target.id,
        "COMPLAINT_HANDED_OVER",
        f"Complaint {complaint.number} was handed over to you",
        text[:500],
        subject_type="Complaint",
        subject_id=complaint.id,
    )
    return complaint


async def join(actor: Actor, complaint_id: int, note: str | None = None) -> Complaint:
    """A supervisor takes part in a complaint (what a MAJOR one needs before it is resolved)."""
    complaint = await load(actor.identity, complaint_id)
    _not_resolved(complaint)
    if not is_supervisor(actor.identity):
        raise DomainError(
            ErrorCode.FORBIDDEN, "Only supervisors and directors join complaints.", "complaintId"
        )
    complaint = await _save(complaint, **_supervisor_part(actor, complaint))
    await _event(
        complaint,
        actor,
        ComplaintEventKind.SUPERVISOR_JOINED,
        (note or "").strip() or None,
        internal=True,
    )
    for account_id in {complaint.owner_account_id, complaint.handler_account_id} - {None}:
        await notifications.notify(
            account_id,
            "COMPLAINT_SUPERVISOR_JOINED",
            f"A supervisor joined complaint {complaint.number}",
            subject_type="Complaint",
            subject_id=complaint.id,
        )
    return complaint


async def resolve(actor: Actor, complaint_id: int, resolution: str) -> Complaint:
    """Resolve with a note. A MAJOR complaint needs a supervisor's part first."""
    complaint = await load(actor.identity, complaint_id)
    text = _text(resolution, "resolution", N_("Say how the complaint was resolved."))
    _not_resolved(complaint)
    _may_act(actor.identity, complaint)
    if (
        complaint.severity == ComplaintSeverity.MAJOR
        and complaint.supervisor_joined_at is None
        and not is_supervisor(actor.identity)
    ):
        raise DomainError(
            ErrorCode.SUPERVISOR_REQUIRED,
            "A major complaint is resolved only once a supervisor has taken part.",
            "complaintId",
        )
    now = clock.now()
    changes: dict = {**_first_contact(actor, complaint), **_supervisor_part(actor, complaint)}
    owner = changes.get("owner_account_id", complaint.owner_account_id)
    if complaint.first_response_at is None:  # the resolution is the first answer the guest gets
        changes.update(
            first_response_at=now,
            first_response_seconds=int((now - complaint.filed_at).total_seconds()),
        )
    await deadlines.close_deadlines(complaint, DeadlineKind.RESPOND, DeadlineKind.RESOLVE)
    complaint = await _save(
        complaint,
        **changes,
        status=ComplaintStatus.RESOLVED,
        resolved_at=now,
        resolved_by_account_id=actor.account_id,
        resolution=text,
        first_contact_resolved=(
            actor.account_id == owner and not complaint.handed_over and complaint.reopen_count == 0
        ),
    )
    await _event(complaint, actor, ComplaintEventKind.RESOLVED, text)
    await _tell_guest(complaint, "COMPLAINT_RESOLVED", N_("Your complaint {number} is resolved"))
    return complaint


async def reopen(actor: Actor, complaint_id: int, reason: str) -> Complaint:
    """The guest (or a handler on the guest's word) reopens a resolved complaint within the
    window; the resolution deadline starts again from the reopening day."""
    complaint = await load(actor.identity, complaint_id)
    text = _text(reason, "reason", N_("Say why the complaint is not resolved."))
    if complaint.status != ComplaintStatus.RESOLVED or complaint.resolved_at is None:
        raise DomainError(
            ErrorCode.INVALID_TRANSITION, "Only a resolved complaint is reopened.", "complaintId"
        )
    if actor.identity.kind == Kind.STAFF and not is_handler(actor.identity):
        raise DomainError(
            ErrorCode.FORBIDDEN, "Only customer service handles complaints.", "complaintId"
        )
    window = dt.timedelta(days=await params.complaint_reopen_days)
    if clock.now() > complaint.resolved_at + window:
        raise DomainError(
            ErrorCode.REOPEN_WINDOW_CLOSED,
            "The time to reopen this complaint has passed: file a new one.",
            "complaintId",
        )
    now = clock.now()
    due = deadlines.due_after(now, await params.complaint_resolve_days)
    complaint = await _save(
        complaint,
        status=ComplaintStatus.IN_PROGRESS,
        reopen_count=complaint.reopen_count + 1,
        resolved_at=None,
        resolved_by_account_id=None,
        first_contact_resolved=False,
        resolve_due_at=due,
    )
    await deadlines.open_deadline(complaint, DeadlineKind.RESOLVE, due)
    await _event(complaint, actor, ComplaintEventKind.REOPENED, text)
    for account_id in {complaint.owner_account_id, complaint.handler_account_id} - {None}:
        await notifications.notify(
            account_id,
            "COMPLAINT_REOPENED",
            f"Complaint {complaint.number} was reopened",
            text[:500],
            subject_type="Complaint",
            subject_id=complaint.id,
        )
    return complaint


async def rate(actor: Actor, complaint_id: int, score: int, comment: str | None) -> Complaint:
    """The guest rates the resolution once, 1 to 5."""
    complaint = await load(actor.identity, complaint_id)
    if not isinstance(score, int) or not 1 <= score <= 5:
        raise DomainError(ErrorCode.OUT_OF_RANGE, "The score is from 1 to 5.", "score")
    text = (comment or "").strip() or None
    _at_most(text, "comment", NOTE_MAX)
    if complaint.status != ComplaintStatus.RESOLVED:
        raise DomainError(
            ErrorCode.INVALID_TRANSITION, "A complaint is rated once it is resolved.", "complaintId"
        )
    if complaint.rated_at is not None:
        raise DomainError(ErrorCode.DUPLICATE, "The resolution was rated already.", "complaintId")
    rated = await Complaint.filter(id=complaint.id, rated_at=None).update(
        rated_at=clock.now(),
        satisfaction_score=score,
        satisfaction_comment=text,
        version=F("version") + 1,
    )
    if rated != 1:
        raise DomainError(ErrorCode.DUPLICATE, "The resolution was rated already.", "complaintId")
    complaint = await Complaint.get(id=complaint.id)
    await _event(complaint, actor, ComplaintEventKind.RATED, f"{score}/5")
    return complaint
