"""Facility-fault tickets raised to Engineering (P5.1.3): any staff member raises one; it goes
to the engineer (technical lead) with the fewest open tickets (ties: the lowest id), to be
fixed within `facility_fix_hours`; an engineer resolves it, and whether that was by the fix
deadline is recorded. Engineering's heads are told of each new ticket. The technical-support
KPIs (resolution rate, fix timeliness) are computed from these rows (`kpis`)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from enum import StrEnum

from tortoise.functions import Count

from domain import departments, notifications
from domain.actor import Actor
from domain.clock import clock
from domain.errors import DomainError, ErrorCode
from domain.i18n import N_
from domain.models import FacilityTicket
from domain.performance.people import Team, team_members
from domain.policy_params import params

MAX_TITLE = 200
MAX_TEXT = 4_000
ENGINEERING = "ENGINEERING"


class TicketStatus(StrEnum):
    OPEN = "OPEN"
    RESOLVED = "RESOLVED"


def _text(value: str | None, field: str, limit: int, missing: str | None = None) -> str:
    clean = (value or "").strip()
    if missing and not clean:
        raise DomainError(ErrorCode.REQUIRED, missing, field)
    if len(clean) > limit:
        raise DomainError(ErrorCode.TOO_LONG, f"At most {limit} characters.", field)
    return clean


async def _least_loaded_engineer() -> int | None:
    engineers = await team_members(Team.TECHNICAL_SUPPORT)
    if not engineers:
        return None
    load = dict(
        await FacilityTicket.filter(status=TicketStatus.OPEN, assignee_account_id__in=engineers)
        .annotate(n=Count("id"))
        .group_by("assignee_account_id")
        .values_list("assignee_account_id", "n")
    )
    return min(engineers, key=lambda who: (load.get(who, 0), who))


async def raise_ticket(
    actor: Actor, title: str, description: str | None, location: str | None
) -> FacilityTicket:
    """Raise a fault (inside the caller's unit of work) and tell Engineering."""
    if actor.account_id is None:
        raise DomainError(ErrorCode.FORBIDDEN, "Staff raise facility tickets.", "title")
    name = _text(title, "title", MAX_TITLE, N_("Say what is broken."))
    hours = await params.facility_fix_hours
    ticket = await FacilityTicket.create(
        title=name,
        description=_text(description, "description", MAX_TEXT),
        location=_text(location, "location", MAX_TITLE),
        raised_by_account_id=actor.account_id,
        assignee_account_id=await _least_loaded_engineer(),
        fix_due_at=clock.now() + dt.timedelta(hours=hours),
    )
    told = set(await departments.heads_of(ENGINEERING))
    if ticket.assignee_account_id:
        told.add(ticket.assignee_account_id)
    await notifications.notify_many(
        sorted(told - {actor.account_id}),
        "FACILITY_TICKET",
        f"Facility fault: {name}"[:200],
        f"To be fixed within {hours} hours. {ticket.location}".strip(),
        subject_type="FacilityTicket",
        subject_id=ticket.id,
    )
    return ticket


async def resolve_ticket(actor: Actor, ticket_id: int, resolution: str) -> FacilityTicket:
    """An engineer resolves a ticket (inside the caller's unit of work): once, by a conditional
    update, recording who and whether by the fix deadline."""
    if actor.account_id is None:
        raise DomainError(ErrorCode.FORBIDDEN, "An engineer resolves tickets.", "ticketId")
    ticket = await FacilityTicket.get_or_none(id=ticket_id)
    if ticket is None:
        raise DomainError(ErrorCode.NOT_FOUND, "No such facility ticket.", "ticketId")
    said = _text(resolution, "resolution", MAX_TEXT, N_("Say how the fault was fixed."))
    now = clock.now()
    claimed = await FacilityTicket.filter(id=ticket.id, status=TicketStatus.OPEN).update(
        status=TicketStatus.RESOLVED,
        resolved_at=now,
        resolved_by_account_id=actor.account_id,
        assignee_account_id=actor.account_id,
        resolution=said,
        on_time=now <= ticket.fix_due_at,
    )
    if not claimed:
        raise DomainError(
            ErrorCode.ALREADY_DECIDED, "The ticket is resolved already.", "ticketId"
        )
    if ticket.raised_by_account_id != actor.account_id:
        await notifications.notify(
            ticket.raised_by_account_id,
            "FACILITY_TICKET_RESOLVED",
            f"Facility fault fixed: {ticket.title}"[:200],
            said[:2000],
            subject_type="FacilityTicket",
            subject_id=ticket.id,
        )
    return await FacilityTicket.get(id=ticket.id)


@dataclass
class TicketFilter:
    status: str | None = None
    raised_by_account_id: int | None = None  # OWN access: the tickets one raised


async def list_tickets(f: TicketFilter, *, first: int, after_id: int | None):
    query = FacilityTicket.all()
    if f.status:
        query = query.filter(status=f.status)
    if f.raised_by_account_id is not None:
        query = query.filter(raised_by_account_id=f.raised_by_account_id)
    page = query.filter(id__lt=after_id) if after_id else query
    rows = await page.order_by("-id").limit(first + 1)
    return rows[:first], len(rows) > first, query.count


def overdue(ticket: FacilityTicket) -> bool:
    return ticket.status == TicketStatus.OPEN and ticket.fix_due_at < clock.now()
