"""The telephone follow-up of a guest's first stay (P3.1.7: "after a first stay, a satisfaction
follow-up is triggered automatically; the telephone follow-up must be completed within 24
hours").

Whose first stay: a guest is identified by their membership when the booking names one, else
by the guest account that made the booking, else by the blind index of the e-mail address (or
phone number) on the booking's guest profile; a profile with neither is a guest of its own. A
check-out is the guest's first stay when no other booking of that guest has been checked out
before. `FollowUp.guest_key` is unique, so even two check-outs at once give one follow-up.

Who calls: the least-loaded customer-service representative on duty. "On duty" means an active
staff account holding the cs_rep role (the platform keeps no shift rota); the load is the
number of OPEN follow-ups assigned, counted in one grouped query; ties go to the lowest account
id. With no representative on duty the task stays unassigned, and supervisors (who see every
follow-up) are told.

Deadline: due `followup_call_deadline_hours` after check-out. `escalate_overdue` is an
idempotent sweep: each overdue task is claimed with a conditional UPDATE of `escalated_at`
and its notices (supervisors' notifications, an outbox event) are written in the same
transaction, so a sweep killed between tasks and run again tells nobody twice and skips none.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from enum import StrEnum
from functools import partial

from tortoise.functions import Count
from tortoise.queryset import QuerySet

from authz.identity import Kind
from domain import i18n, notifications, outbox
from domain.actor import SYSTEM, Actor
from domain.bookings.states import BookingStatus
from domain.clock import clock
from domain.errors import DomainError, ErrorCode
from domain.models import Account, Booking, FollowUp, GuestProfile
from domain.policy_params import params
from domain.unit_of_work import audited

CS_ROLE = "cs_rep"
SUPERVISOR_ROLES = ("supervisor", "director")
MAX_NOTES = 4000


class FollowUpStatus(StrEnum):
    OPEN = "OPEN"
    DONE = "DONE"


class FollowUpOutcome(StrEnum):
    """How the call went."""

    REACHED = "REACHED"
    NO_ANSWER = "NO_ANSWER"
    DECLINED = "DECLINED"
    WRONG_NUMBER = "WRONG_NUMBER"


@dataclass(frozen=True)
class GuestIdentity:
    key: str
    member_id: int | None
    guest_account_id: int | None
    stays: QuerySet[Booking] | None  # every booking of the guest; None: a guest of their own


async def guest_identity(booking: Booking) -> GuestIdentity:
    """Who the booking's guest is, for telling a first stay from a return (see the module)."""
    if booking.member_id is not None:
        accounts = await Account.filter(member_id=booking.member_id, kind="GUEST").values_list(
            "id", flat=True
        )
        return GuestIdentity(
            f"member:{booking.member_id}",
            booking.member_id,
            min(accounts) if accounts else None,
            Booking.filter(member_id=booking.member_id),
        )
    if booking.created_by_account_id is not None:
        account = await Account.get_or_none(id=booking.created_by_account_id, kind="GUEST")
        if account is not None:
            return GuestIdentity(
                f"account:{account.id}",
                account.member_id,
                account.id,
                Booking.filter(created_by_account_id=account.id),
            )
    profile = await GuestProfile.get(id=booking.guest_id)
    if profile.email_index:
        return GuestIdentity(
            f"email:{profile.email_index}",
            None,
            None,
            Booking.filter(guest__email_index=profile.email_index),
        )
    if profile.phone_index:
        return GuestIdentity(
            f"phone:{profile.phone_index}",
            None,
            None,
            Booking.filter(guest__phone_index=profile.phone_index),
        )
    return GuestIdentity(f"profile:{profile.id}", None, None, None)


async def is_first_stay(booking: Booking, guest: GuestIdentity) -> bool:
    if await FollowUp.filter(guest_key=guest.key).exists():
        return False
    if guest.stays is None:
        return True
    earlier = guest.stays.filter(status=BookingStatus.CHECKED_OUT.value).exclude(id=booking.id)
    return not await earlier.exists()


async def least_loaded_representative() -> int | None:
    """The cs_rep on duty with the fewest open follow-ups (ties: lowest id), or None."""
    on_duty = sorted(await notifications.staff_with_roles(CS_ROLE))
    if not on_duty:
        return None
    rows = (
        await FollowUp.filter(status=FollowUpStatus.OPEN.value, assignee_account_id__in=on_duty)
        .annotate(load=Count("id"))
        .group_by("assignee_account_id")
        .values("assignee_account_id", "load")
    )
    load = {row["assignee_account_id"]: row["load"] for row in rows}
    return min(on_duty, key=lambda account_id: (load.get(account_id, 0), account_id))


async def create_for_first_stay(booking: Booking, guest: GuestIdentity) -> FollowUp:
    """The call task of a first stay (inside the check-out's unit of work)."""
    hours = await params.followup_call_deadline_hours
    checked_out = booking.checked_out_at or clock.now()
    assignee = await least_loaded_representative()
    follow_up = await FollowUp.create(
        booking_id=booking.id,
        guest_key=guest.key,
        member_id=guest.member_id,
        guest_account_id=guest.guest_account_id,
        assignee_account_id=assignee,
        status=FollowUpStatus.OPEN.value,
        due_at=checked_out + dt.timedelta(hours=hours),
    )
    title = f"Call the guest of booking {booking.number} about their first stay"
    if assignee is not None:
        await notifications.notify(
            assignee, "TASK_ASSIGNED", title, subject_type="FollowUp", subject_id=follow_up.id
        )
    else:
        for supervisor in await notifications.staff_with_roles(*SUPERVISOR_ROLES):
            await notifications.notify(
                supervisor,
                "TASK_UNASSIGNED",
                title,
                "No customer-service representative is on duty.",
                subject_type="FollowUp",
                subject_id=follow_up.id,
            )
    return follow_up


# ---- reading ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class FollowUpCriteria:
    overdue: bool | None = None
    status: list[str] | None = None
    assigned_to_me: bool = False
    unassigned: bool | None = None


def _is_supervisor(actor: Actor) -> bool:
    return actor.identity.kind == Kind.SYSTEM or bool(
        set(actor.identity.roles) & set(SUPERVISOR_ROLES)
    )


def visible(actor: Actor, criteria: FollowUpCriteria, *, own_only: bool) -> QuerySet[FollowUp]:
    """The follow-ups a caller lists: every one for supervisors and representatives granted
    all, their own assignments for a grant on their own only. `overdue`: still open past the
    due time."""
    query = FollowUp.all()
    if own_only or criteria.assigned_to_me:
        query = query.filter(assignee_account_id=actor.account_id)
    if criteria.status:
        query = query.filter(status__in=criteria.status)
    if criteria.unassigned is not None:
        query = query.filter(assignee_account_id__isnull=criteria.unassigned)
    now = clock.now()
    if criteria.overdue is True:
        query = query.filter(status=FollowUpStatus.OPEN.value, due_at__lt=now)
    elif criteria.overdue is False:
        query = query.exclude(status=FollowUpStatus.OPEN.value, due_at__lt=now)
    return query


def is_overdue(row: FollowUp) -> bool:
    return row.status == FollowUpStatus.OPEN.value and row.due_at < clock.now()


async def get_follow_up(follow_up_id: int, field: str = "followUpId") -> FollowUp:
    row = await FollowUp.get_or_none(id=follow_up_id)
    if row is None:
        raise DomainError(ErrorCode.NOT_FOUND, "There is no such follow-up.", field)
    return row


# ---- completing ------------------------------------------------------------------------------


async def complete(
    actor: Actor, follow_up_id: int, outcome: FollowUpOutcome | str, notes: str | None
) -> FollowUp:
    """Record the call: by the assignee, or by a supervisor (who may take over any task)."""
    row = await get_follow_up(follow_up_id)
    if row.assignee_account_id != actor.account_id and not _is_supervisor(actor):
        raise DomainError(
            ErrorCode.FORBIDDEN,
            "Only the assigned representative or a supervisor completes this follow-up.",
            "followUpId",
        )
    try:
        result = FollowUpOutcome(outcome)
    except ValueError:
        raise DomainError(ErrorCode.INVALID, "Not a known call outcome.", "outcome") from None
    text = (notes or "").strip()
    if len(text) > MAX_NOTES:
        raise DomainError(
            ErrorCode.TOO_LONG, f"Notes have at most {MAX_NOTES} characters.", "notes"
        )
    if result != FollowUpOutcome.REACHED and not text:
        raise DomainError(ErrorCode.REQUIRED, "Say what happened on the call.", "notes")
    now = clock.now()
    done = await FollowUp.filter(id=row.id, status=FollowUpStatus.OPEN.value).update(
        status=FollowUpStatus.DONE.value,
        outcome=result.value,
        notes=text,
        completed_at=now,
        completed_by_account_id=actor.account_id,
    )
    if done != 1:
        raise DomainError(
            ErrorCode.INVALID_TRANSITION, "The follow-up is already completed.", "followUpId"
        )
    return await FollowUp.get(id=row.id)


# ---- the escalation sweep --------------------------------------------------------------------


async def _escalate(row: FollowUp, supervisors: list[Account], now: dt.datetime) -> FollowUp:
    """Claim one overdue task and tell the supervisors (one unit of work)."""
    claimed = await FollowUp.filter(id=row.id, escalated_at__isnull=True).update(escalated_at=now)
    if claimed != 1:
        raise DomainError(ErrorCode.ALREADY_DECIDED, "The follow-up was escalated already.")
    booking = await Booking.get(id=row.booking_id)
    for supervisor in supervisors:
        await notifications.notify(
            supervisor.id,
            "FOLLOW_UP_OVERDUE",
            f"The follow-up call for booking {booking.number} is overdue",
            subject_type="FollowUp",
            subject_id=row.id,
        )
        lang = supervisor.language or None
        await outbox.enqueue_message(
            outbox.EMAIL,
            to=supervisor.email,
            subject=i18n.t(
                lang, "The follow-up call for booking {number} is overdue", number=booking.number
            ),
            body=i18n.t(
                lang,
                "It was due at {due} and is still open.",
                due=clock.local(row.due_at).strftime("%Y-%m-%d %H:%M"),
            ),
            topic="follow_up.overdue",
            ref=f"follow-up:{row.id}",
        )
    return row


async def escalate_overdue(
    *,
    batch_size: int = 100,
    after_each: Callable[[FollowUp], Awaitable[None]] | None = None,
) -> int:
    """Tell the supervisors once about each open follow-up past its due time. Each task is
    claimed and told in one audited unit of work; `after_each` runs after each commit (tests
    stop the sweep there, as a killed worker would)."""
    escalated = 0
    while True:
        now = clock.now()
        due = (
            await FollowUp.filter(
                status=FollowUpStatus.OPEN.value, due_at__lt=now, escalated_at__isnull=True
            )
            .order_by("id")
            .limit(batch_size)
        )
        if not due:
            return escalated
        supervisor_ids = await notifications.staff_with_roles(*SUPERVISOR_ROLES)
        supervisors = await Account.filter(id__in=supervisor_ids).order_by("id")
        for row in due:
            try:
                await audited(
                    SYSTEM,
                    "escalateFollowUp",
                    "FollowUp",
                    partial(_escalate, row, supervisors, now),
                    subject_id=row.id,
                )
            except DomainError:
                continue  # another sweep claimed it
            escalated += 1
            if after_each is not None:
                await after_each(row)
