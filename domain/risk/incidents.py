"""Incidents under the emergency plans (P6.2.1), levels 1 to 3.

The plans in force are levels 1 to `emergency_plan_levels` (of the three below).

- Level 1, system failure: service is restored within `system_failure_restore_hours` of the
  failure's start (a level changed to 1 counts from the change). The deadline is a row
  (`restore_due_at`); the sweep job escalates an incident still open past it, once, to the
  directors and the operations committee. Meanwhile the affected scope is told by SMS through
  the outbox: either the guests staying or arriving in the affected window (bookings CONFIRMED
  or CHECKED_IN whose stay overlaps the window's local days) or the staff of one department
  (those with a phone on their account). The text names the incident reference and the
  restore time only, never a name or a booking. Each recipient is keyed by the phone's blind
  index (guests) or the account (staff) in `IncidentNotice`, so a recipient is told once
  however often the job reruns; the job also tells newcomers to the scope (a new arrival).
- Level 2, group complaints: led by a named member of PR (role `pr`). Only the lead or a
  director resolves it.
- Level 3, media crisis: a task force of named staff (at least two, or the members of an
  active crisis group, P4.1.4) with one spokesperson among them: the single voice. Only a
  member or a director resolves it.

Every state change and note is a timeline entry with its time and actor, a level change
included (from and to).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from enum import StrEnum

from tortoise.functions import Count

from domain import i18n, notifications, outbox
from domain.actor import SYSTEM, Actor
from domain.clock import clock, require_supported_day
from domain.departments import DEPARTMENT_OF_ROLE
from domain.errors import DomainError, ErrorCode
from domain.i18n import N_
from domain.models import (
    Account,
    Booking,
    CrisisGroup,
    CrisisMember,
    GuestProfile,
    Incident,
    IncidentEvent,
    IncidentMember,
    IncidentNotice,
)
from domain.policy_params import params
from domain.unit_of_work import audited

LEVELS = (1, 2, 3)
PR_ROLE = "pr"
MAX_TITLE = 200
MAX_TEXT = 5_000
MAX_SCOPE_DAYS = 31
MAX_TASK_FORCE = 20
AFFECTED_STATUSES = ("CONFIRMED", "CHECKED_IN")
SMS_TOPIC = "incident.notice"


class IncidentStatus(StrEnum):
    OPEN = "OPEN"
    RESOLVED = "RESOLVED"


class ScopeKind(StrEnum):
    GUESTS = "GUESTS"  # guests staying or arriving in the affected window
    DEPARTMENT = "DEPARTMENT"  # the staff of one department


class EventKind(StrEnum):
    REPORTED = "REPORTED"
    NOTE = "NOTE"
    LEVEL_CHANGED = "LEVEL_CHANGED"
    LEAD_ASSIGNED = "LEAD_ASSIGNED"
    TASK_FORCE_SET = "TASK_FORCE_SET"
    SCOPE_SET = "SCOPE_SET"
    SMS_SENT = "SMS_SENT"
    ESCALATED = "ESCALATED"
    RESOLVED = "RESOLVED"


@dataclass
class Scope:
    kind: str
    department: str | None = None
    start: dt.date | None = None
    end: dt.date | None = None  # inclusive


@dataclass
class Plan:
    """What a level needs: the scope (1), the PR lead (2), the task force (3)."""

    scope: Scope | None = None
    lead_email: str | None = None
    task_force_emails: list[str] = field(default_factory=list)
    spokesperson_email: str | None = None
    crisis_group_id: int | None = None


# ---- checks ---------------------------------------------------------------------------------


def _text(value: str | None, fieldname: str, missing: str, limit: int = MAX_TEXT) -> str:
    clean = (value or "").strip()
    if not clean:
        raise DomainError(ErrorCode.REQUIRED, missing, fieldname)
    if len(clean) > limit:
        raise DomainError(ErrorCode.TOO_LONG, f"At most {limit} characters.", fieldname)
    return clean


async def _level(level: int | None) -> int:
    """A level of the emergency plans in force: 1 to `emergency_plan_levels`, of the three
    plans the policy describes."""
    top = min(max(LEVELS), await params.emergency_plan_levels)
    if level is None or not 1 <= level <= top:
        raise DomainError(
            ErrorCode.OUT_OF_RANGE, f"Emergency plans have levels 1 to {top}.", "level"
        )
    return level


def _staff_of(account: Account) -> bool:
    return account.kind == "STAFF" and account.is_active


async def _staff_by_email(email: str | None, fieldname: str) -> Account:
    wanted = (email or "").strip().lower()
    if not wanted:
        raise DomainError(ErrorCode.REQUIRED, "Name a staff member by e-mail address.", fieldname)
    account = await Account.get_or_none(email=wanted, kind="STAFF", is_active=True)
    if account is None:
        raise DomainError(
            ErrorCode.NOT_FOUND, f"No active staff member has the address {wanted}.", fieldname
        )
    return account


def _scope(scope: Scope | None, restore_due: dt.datetime) -> Scope:
    if scope is None or not scope.kind:
        raise DomainError(
            ErrorCode.REQUIRED,
            "A system failure names the affected scope, told by SMS.",
            "scope",
        )
    try:
        kind = ScopeKind(scope.kind)
    except ValueError:
        raise DomainError(ErrorCode.INVALID, "Unknown scope.", "scope") from None
    if kind == ScopeKind.DEPARTMENT:
        departments = sorted(set(DEPARTMENT_OF_ROLE.values()))
        if scope.department not in departments:
            raise DomainError(
                ErrorCode.INVALID,
                f"The department is one of {', '.join(departments)}.",
                "scope.department",
            )
        return Scope(kind=kind, department=scope.department)
    start = require_supported_day(scope.start or clock.today(), "scope.start")
    end = require_supported_day(scope.end or clock.local(restore_due).date(), "scope.end")
    if end < start:
        raise DomainError(ErrorCode.OUT_OF_RANGE, "The window ends after it starts.", "scope.end")
    if (end - start).days >= MAX_SCOPE_DAYS:
        raise DomainError(
            ErrorCode.OUT_OF_RANGE, f"The window spans at most {MAX_SCOPE_DAYS} days.", "scope.end"
        )
    return Scope(kind=kind, start=start, end=end)


async def _event(
    incident_id: int,
    actor: Actor,
    kind: EventKind,
    text: str = "",
    *,
    from_level: int | None = None,
    to_level: int | None = None,
) -> IncidentEvent:
    return await IncidentEvent.create(
        incident_id=incident_id,
        kind=kind,
        at=clock.now(),
        actor_account_id=actor.account_id,
        actor_ref=actor.identity.actor_ref or "system",
        text=text,
        from_level=from_level,
        to_level=to_level,
    )


async def _apply_plan(actor: Actor, incident: Incident, level: int, plan: Plan) -> None:
    """Check and store what `level` needs (inside the caller's transaction)."""
    if level == 1:
        due = incident.restore_due_at
        scope = _scope(plan.scope, due)
        incident.scope_kind = scope.kind
        incident.scope_department = scope.department or ""
        incident.scope_from, incident.scope_to = scope.start, scope.end
        await incident.save()
        where = (
            f"staff of {scope.department}"
            if scope.kind == ScopeKind.DEPARTMENT
            else f"guests staying from {scope.start} to {scope.end}"
        )
        await _event(incident.id, actor, EventKind.SCOPE_SET, f"Affected scope: {where}.")
    elif level == 2:
        lead = await _staff_by_email(plan.lead_email, "leadEmail")
        if PR_ROLE not in (lead.roles or []):
            raise DomainError(
                ErrorCode.INVALID,
                "Group complaints are led by PR: the lead holds the pr role.",
                "leadEmail",
            )
        incident.lead_account_id = lead.id
        await incident.save()
        await _event(
            incident.id, actor, EventKind.LEAD_ASSIGNED, f"Led by {lead.display_name} (PR)."
        )
        await notifications.notify(
            lead.id,
            "INCIDENT_LEAD",
            f"You lead incident INC-{incident.id}: {incident.title}",
            incident.description[:2000],
            subject_type="Incident",
            subject_id=incident.id,
        )
    else:
        members = await _task_force(plan)
        spokesperson = await _staff_by_email(plan.spokesperson_email, "spokespersonEmail")
        if spokesperson.id not in {m.id for m in members}:
            raise DomainError(
                ErrorCode.INVALID,
                "The spokesperson is a member of the task force.",
                "spokespersonEmail",
            )
        await IncidentMember.filter(incident_id=incident.id).delete()
        await IncidentMember.bulk_create(
            [IncidentMember(incident_id=incident.id, account_id=m.id) for m in members]
        )
        incident.spokesperson_account_id = spokesperson.id
        incident.crisis_group_id = plan.crisis_group_id
        await incident.save()
        names = ", ".join(m.display_name for m in members)
        await _event(
            incident.id,
            actor,
            EventKind.TASK_FORCE_SET,
            f"Task force: {names}. Single voice: {spokesperson.display_name}."
            + (f" Crisis group {plan.crisis_group_id}." if plan.crisis_group_id else ""),
        )
        await notifications.notify_many(
            [m.id for m in members],
            "INCIDENT_TASK_FORCE",
            f"You sit in the task force of incident INC-{incident.id}: {incident.title}",
            f"Single voice: {spokesperson.display_name}.",
            subject_type="Incident",
            subject_id=incident.id,
        )


async def _task_force(plan: Plan) -> list[Account]:
    wanted = sorted({(e or "").strip().lower() for e in plan.task_force_emails or []} - {""})
    if len(wanted) > MAX_TASK_FORCE:
        raise DomainError(
            ErrorCode.OUT_OF_RANGE, f"At most {MAX_TASK_FORCE} members.", "taskForceEmails"
        )
    found = await Account.filter(email__in=wanted, kind="STAFF", is_active=True) if wanted else []
    missing = sorted(set(wanted) - {a.email for a in found})
    if missing:
        raise DomainError(
            ErrorCode.NOT_FOUND,
            f"No active staff member has the address {missing[0]}.",
            "taskForceEmails",
        )
    members = {a.id: a for a in found}
    if plan.crisis_group_id is not None:
        group = await CrisisGroup.get_or_none(id=plan.crisis_group_id)
        if group is None or group.status != "ACTIVE" or group.expires_at <= clock.now():
            raise DomainError(
                ErrorCode.INVALID, "The crisis group is not active.", "crisisGroupId"
            )
        ids = await CrisisMember.filter(group_id=group.id).values_list("account_id", flat=True)
        for account in await Account.filter(id__in=list(ids), is_active=True):
            members.setdefault(account.id, account)
    if len(members) < 2:
        raise DomainError(
            ErrorCode.REQUIRED,
            "A media crisis is handled by a task force of at least two named staff.",
            "taskForceEmails",
        )
    return sorted(members.values(), key=lambda a: a.id)


# ---- operations -----------------------------------------------------------------------------


async def report(
    actor: Actor,
    level: int,
    title: str,
    description: str,
    started_at: dt.datetime | None,
    plan: Plan,
) -> Incident:
    """Record an incident at its level (inside the caller's unit of work); a level-1 incident
    tells its scope by SMS in the same transaction."""
    level = await _level(level)
    name = _text(title, "title", N_("Give the incident a title."), MAX_TITLE)
    told = (description or "").strip()
    if len(told) > MAX_TEXT:
        raise DomainError(ErrorCode.TOO_LONG, f"At most {MAX_TEXT} characters.", "description")
    now = clock.now()
    start = started_at or now
    if start.tzinfo is None or start > now:
        raise DomainError(ErrorCode.OUT_OF_RANGE, "The incident started in the past.", "startedAt")
    require_supported_day(clock.local(start).date(), "startedAt")
    hours = await params.system_failure_restore_hours
    incident = await Incident.create(
        level=level,
        title=name,
        description=told,
        status=IncidentStatus.OPEN,
        started_at=start,
        reported_by_account_id=actor.account_id or 0,
        restore_due_at=start + dt.timedelta(hours=hours) if level == 1 else None,
    )
    await _event(incident.id, actor, EventKind.REPORTED, f"Level {level}: {name}", to_level=level)
    await _apply_plan(actor, incident, level, plan)
    if level == 1:
        await _announce(incident)
    return await Incident.get(id=incident.id)


async def _open(incident_id: int) -> Incident:
    incident = await Incident.get_or_none(id=incident_id)
    if incident is None:
        raise DomainError(ErrorCode.NOT_FOUND, "No such incident.", "incidentId")
    if incident.status != IncidentStatus.OPEN:
        raise DomainError(ErrorCode.ALREADY_DECIDED, "The incident is resolved.", "incidentId")
    return incident


async def update(
    actor: Actor, incident_id: int, level: int | None, note: str | None, plan: Plan
) -> Incident:
    """Change an open incident's level (with what the new level needs) or, at its level, its
    scope, lead or task force; with an optional note. Everything lands on the timeline."""
    incident = await _open(incident_id)
    said = (note or "").strip()
    if len(said) > MAX_TEXT:
        raise DomainError(ErrorCode.TOO_LONG, f"At most {MAX_TEXT} characters.", "note")
    new_level = incident.level if level is None else await _level(level)
    changes_plan = bool(
        plan.scope or plan.lead_email or plan.task_force_emails or plan.spokesperson_email
        or plan.crisis_group_id
    )
    if new_level == incident.level and not changes_plan and not said:
        raise DomainError(ErrorCode.REQUIRED, "Say what changes.", "level")
    if new_level != incident.level:
        old = incident.level
        claimed = await Incident.filter(
            id=incident.id, status=IncidentStatus.OPEN, level=old
        ).update(level=new_level)
        if not claimed:
            raise DomainError(ErrorCode.CONFLICT, "The incident changed meanwhile.", "incidentId")
        incident.level = new_level
        if new_level == 1:
            hours = await params.system_failure_restore_hours
            incident.restore_due_at = clock.now() + dt.timedelta(hours=hours)
            incident.escalated_at = None
        else:
            incident.restore_due_at = None
        await incident.save()
        await _event(
            incident.id,
            actor,
            EventKind.LEVEL_CHANGED,
            said or f"Level {old} to level {new_level}.",
            from_level=old,
            to_level=new_level,
        )
        await _apply_plan(actor, incident, new_level, plan)
    else:
        if changes_plan:
            await _apply_plan(actor, incident, new_level, plan)
        if said:
            await _event(incident.id, actor, EventKind.NOTE, said)
    if new_level == 1:
        await _announce(await Incident.get(id=incident.id))
    return await Incident.get(id=incident.id)


async def add_note(actor: Actor, incident_id: int, note: str) -> Incident:
    incident = await _open(incident_id)
    said = _text(note, "note", N_("Write the note."))
    await _event(incident.id, actor, EventKind.NOTE, said)
    return incident


async def _may_resolve(actor: Actor, incident: Incident) -> bool:
    if "director" in actor.identity.roles:
        return True
    if incident.level == 2:
        return actor.account_id == incident.lead_account_id
    if incident.level == 3:
        return await IncidentMember.filter(
            incident_id=incident.id, account_id=actor.account_id or 0
        ).exists()
    reporter = actor.account_id == incident.reported_by_account_id
    return reporter or "tech_lead" in actor.identity.roles


async def resolve(actor: Actor, incident_id: int, resolution: str) -> Incident:
    incident = await _open(incident_id)
    if not await _may_resolve(actor, incident):
        message = {
            1: N_("A director, a technical lead or its reporter resolves this incident."),
            2: N_("A director or its PR lead resolves this incident."),
        }.get(incident.level, N_("A director or a member of its task force resolves it."))
        raise DomainError(ErrorCode.FORBIDDEN, message, "incidentId")
    said = _text(resolution, "resolution", N_("Say how the incident was resolved."))
    now = clock.now()
    claimed = await Incident.filter(id=incident.id, status=IncidentStatus.OPEN).update(
        status=IncidentStatus.RESOLVED,
        resolved_at=now,
        resolved_by_account_id=actor.account_id,
        resolution=said,
    )
    if not claimed:
        raise DomainError(ErrorCode.ALREADY_DECIDED, "The incident is resolved.", "incidentId")
    late = ""
    if incident.level == 1 and incident.restore_due_at and now > incident.restore_due_at:
        late = " (after the restore deadline)"
    await _event(incident.id, actor, EventKind.RESOLVED, said + late)
    return await Incident.get(id=incident.id)


# ---- the SMS notice of the affected scope ---------------------------------------------------


@dataclass(frozen=True)
class Recipient:
    key: str
    kind: str  # GUEST | STAFF
    phone: str
    language: str


async def _recipients(incident: Incident) -> list[Recipient]:
    """Everyone in the incident's scope with a phone, once per phone (guests) or account."""
    if incident.scope_kind == ScopeKind.DEPARTMENT:
        roles = {r for r, d in DEPARTMENT_OF_ROLE.items() if d == incident.scope_department}
        staff = await Account.filter(kind="STAFF", is_active=True)
        return [
            Recipient(f"account:{a.id}", "STAFF", a.phone, a.language or "en")
            for a in staff
            if a.phone and roles.intersection(a.roles or [])
        ]
    if incident.scope_kind != ScopeKind.GUESTS or not incident.scope_from:
        return []
    stays = await Booking.filter(
        status__in=AFFECTED_STATUSES,
        check_in__lte=incident.scope_to,
        check_out__gt=incident.scope_from,
    ).order_by("id").values("guest_id", "language")
    language = {}
    for stay in stays:
        language.setdefault(stay["guest_id"], stay["language"])
    found: dict[str, Recipient] = {}
    for profile in await GuestProfile.filter(id__in=list(language) or [0]).order_by("id"):
        if profile.phone and profile.phone_index:
            key = f"phone:{profile.phone_index}"
            found.setdefault(
                key, Recipient(key, "GUEST", profile.phone, language[profile.id] or "en")
            )
    return list(found.values())


def _sms_text(incident: Incident, lang: str) -> str:
    due = clock.local(incident.restore_due_at or clock.now()).strftime("%Y-%m-%d %H:%M")
    return i18n.t(
        lang,
        "Hotel notice {reference}: a system failure affects some of our services. We expect "
        "to restore them by {due}. We apologise for the inconvenience.",
        reference=f"INC-{incident.id}",
        due=due,
    )


async def _announce(incident: Incident) -> int:
    """Text everyone in scope not yet told (inside the caller's transaction). The round is
    claimed with a conditional update, so two sweeps at once send nothing twice."""
    claimed = await Incident.filter(
        id=incident.id,
        status=IncidentStatus.OPEN,
        level=1,
        announce_round=incident.announce_round,
    ).update(announce_round=incident.announce_round + 1)
    if not claimed:
        return 0
    told = set(
        await IncidentNotice.filter(incident_id=incident.id).values_list(
            "recipient_key", flat=True
        )
    )
    new = [r for r in await _recipients(incident) if r.key not in told]
    if not new:
        return 0
    await IncidentNotice.bulk_create(
        [IncidentNotice(incident_id=incident.id, recipient_key=r.key, recipient_kind=r.kind)
         for r in new]
    )
    await outbox.enqueue_many(
        SMS_TOPIC,
        outbox.SMS,
        [
            {"to": r.phone, "subject": "", "body": _sms_text(incident, r.language),
             "ref": f"INC-{incident.id}"}
            for r in new
        ],
    )
    guests = sum(1 for r in new if r.kind == "GUEST")
    await _event(
        incident.id,
        SYSTEM,
        EventKind.SMS_SENT,
        f"Affected scope told by SMS: {guests} guests, {len(new) - guests} staff.",
    )
    return len(new)


# ---- the sweep (a job) ----------------------------------------------------------------------


async def _pending_announcement(incident: Incident) -> bool:
    told = set(
        await IncidentNotice.filter(incident_id=incident.id).values_list(
            "recipient_key", flat=True
        )
    )
    return any(r.key not in told for r in await _recipients(incident))


async def _escalate(incident: Incident) -> int:
    now = clock.now()
    claimed = await Incident.filter(
        id=incident.id, status=IncidentStatus.OPEN, level=1, escalated_at=None
    ).update(escalated_at=now)
    if not claimed:
        return 0
    hours = round((incident.restore_due_at - incident.started_at).total_seconds() / 3600)
    text = f"Service not restored within {hours} hours: escalated to the directors and the "
    text += "operations committee."
    await _event(incident.id, SYSTEM, EventKind.ESCALATED, text)
    people = await notifications.staff_with_roles("director", "committee")
    await notifications.notify_many(
        people,
        "INCIDENT_ESCALATED",
        f"Incident INC-{incident.id} is not restored in time: {incident.title}",
        text,
        subject_type="Incident",
        subject_id=incident.id,
    )
    return 1


async def sweep(limit: int = 100) -> dict[str, int]:
    """The job: escalate open level-1 incidents past their restore deadline (once each), and
    text recipients who joined their scope since the last run. Rerunning, or two runs at once,
    does nothing twice: both steps claim by conditional updates."""
    done = {"escalated": 0, "texted": 0}
    overdue = (
        await Incident.filter(
            status=IncidentStatus.OPEN, level=1, escalated_at=None,
            restore_due_at__lte=clock.now(),
        ).order_by("id").limit(limit)
    )
    for incident in overdue:

        async def escalate(incident: Incident = incident) -> int:
            return await _escalate(incident)

        done["escalated"] += await audited(
            SYSTEM, "escalateIncident", "Incident", escalate, subject_id=incident.id
        )
    for incident in await Incident.filter(status=IncidentStatus.OPEN, level=1).order_by(
        "id"
    ).limit(limit):
        if not await _pending_announcement(incident):
            continue

        async def announce(incident: Incident = incident) -> int:
            return await _announce(incident)

        done["texted"] += await audited(
            SYSTEM, "announceIncident", "Incident", announce, subject_id=incident.id
        )
    return done


# ---- reading --------------------------------------------------------------------------------


@dataclass
class IncidentFilter:
    level: int | None = None
    status: str | None = None


async def list_incidents(f: IncidentFilter, *, first: int, after_id: int | None):
    query = Incident.all()
    if f.level is not None:
        query = query.filter(level=f.level)
    if f.status:
        query = query.filter(status=f.status)
    page = query.filter(id__lt=after_id) if after_id else query
    rows = await page.order_by("-id").limit(first + 1)
    return rows[:first], len(rows) > first, query.count


async def details_of(ids: list[int]) -> tuple[dict, dict, dict]:
    """Timelines, task forces and notice counts of many incidents, in three queries."""
    events: dict[int, list[IncidentEvent]] = {i: [] for i in ids}
    members: dict[int, list[int]] = {i: [] for i in ids}
    notices: dict[int, int] = dict.fromkeys(ids, 0)
    wanted = sorted(set(ids)) or [0]
    for row in await IncidentEvent.filter(incident_id__in=wanted).order_by("id"):
        events[row.incident_id].append(row)
    for row in await IncidentMember.filter(incident_id__in=wanted).order_by("id"):
        members[row.incident_id].append(row.account_id)
    for row in (
        await IncidentNotice.filter(incident_id__in=wanted)
        .annotate(n=Count("id"))
        .group_by("incident_id")
        .values("incident_id", "n")
    ):
        notices[row["incident_id"]] = row["n"]
    return events, members, notices
