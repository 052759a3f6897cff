"""Disputes between staff or departments (P7.2): opened by a staff member against a colleague or
another department, taken up the ladder one step at a time by the parties, decided at each step
by whoever that step names, with the arbitration panel's deadline and its one extension
(P7.2.2), a joint meeting of both departments' heads for a cross-department dispute when it
reaches mediation (P7.2.4), and every outcome archived with the whole history as a tier 3 work
record, the input to process improvement (P7.2.5).

Each move is a conditional update on the step and status the caller saw, so two moves at once
cannot both happen; refusals are payload errors and write nothing.
"""

from __future__ import annotations

import datetime as dt
import io
from dataclasses import dataclass

from tortoise.expressions import Q

from domain import notifications
from domain.actor import SYSTEM, Actor
from domain.clock import clock
from domain.departments import DEPARTMENT_OF_ROLE, HEAD_ROLES, department_of, heads_of
from domain.disputes.ladder import DECIDERS, DisputeStatus, Step, ladder, next_step
from domain.documents import uploads
from domain.documents.kinds import Kind
from domain.errors import DomainError, ErrorCode
from domain.i18n import N_
from domain.meetings.creation import create as create_meeting
from domain.meetings.deadlines import next_working_day
from domain.meetings.kinds import MeetingKind
from domain.models import Account, Dispute, DisputeEvent
from domain.policy_params import params
from domain.unit_of_work import audited, refusals_audited

MAX_SUBJECT = 200
MAX_TEXT = 10_000
DEPARTMENTS = tuple(sorted(set(DEPARTMENT_OF_ROLE.values())))


def _text(value: str | None, field: str, limit: int, missing: str) -> str:
    clean = (value or "").strip()
    if not clean:
        raise DomainError(ErrorCode.REQUIRED, missing, field)
    if len(clean) > limit:
        raise DomainError(ErrorCode.TOO_LONG, f"At most {limit} characters.", field)
    return clean


async def _event(dispute: Dispute, kind: str, actor: Actor | None, note: str = "", **extra):
    await DisputeEvent.create(
        dispute_id=dispute.id,
        kind=kind,
        step=dispute.step,
        actor_account_id=actor.account_id if actor else None,
        note=note,
        **extra,
    )


async def parties(dispute: Dispute) -> set[int]:
    """The opener, the colleague named, or the heads of the department named."""
    found = {dispute.opened_by_account_id}
    if dispute.other_party_account_id is not None:
        found.add(dispute.other_party_account_id)
    else:
        found |= set(await heads_of(dispute.other_department))
    return found


async def open_dispute(
    actor: Actor,
    subject: str,
    description: str,
    *,
    other_party_email: str | None,
    other_department: str | None,
) -> Dispute:
    clean_subject = _text(subject, "subject", MAX_SUBJECT, N_("Say what the dispute is about."))
    clean_text = _text(description, "description", MAX_TEXT, N_("Describe the dispute."))
    if bool((other_party_email or "").strip()) == bool((other_department or "").strip()):
        raise DomainError(
            ErrorCode.INVALID,
            "Name either the colleague or the department the dispute is with.",
            "otherPartyEmail",
        )
    me = await Account.get(id=actor.account_id)
    mine = department_of(me.roles)
    other_id = None
    if other_party_email:
        other = await Account.get_or_none(
            email=other_party_email.strip().lower(), kind="STAFF", is_active=True
        )
        if other is None or other.id == me.id:
            raise DomainError(
                ErrorCode.NOT_FOUND,
                "No other active staff member has that address.",
                "otherPartyEmail",
            )
        other_id, theirs = other.id, department_of(other.roles)
    else:
        theirs = (other_department or "").strip().upper()
        if theirs not in DEPARTMENTS:
            raise DomainError(
                ErrorCode.INVALID,
                f"Departments are {', '.join(DEPARTMENTS)}.",
                "otherDepartment",
            )
    first = (await ladder())[0]
    dispute = await Dispute.create(
        subject=clean_subject,
        description=clean_text,
        opened_by_account_id=me.id,
        other_party_account_id=other_id,
        opener_department=mine,
        other_department=theirs,
        cross_department=bool(mine and theirs and mine != theirs),
        step=first,
        status=DisputeStatus.OPEN,
    )
    await _event(dispute, "OPENED", actor, clean_subject)
    await notifications.notify_many(
        sorted(await parties(dispute) - {me.id}),
        "DISPUTE_OPENED",
        f"A dispute was opened with you: {clean_subject}"[:200],
        subject_type="Dispute",
        subject_id=dispute.id,
    )
    return dispute


async def _dispute(actor: Actor, dispute_id: int) -> Dispute:
    dispute = await Dispute.get_or_none(id=dispute_id)
    if dispute is None:
        raise DomainError(ErrorCode.NOT_FOUND, "No such dispute.", "disputeId")
    return dispute


async def _as_party(actor: Actor, dispute_id: int) -> Dispute:
    dispute = await _dispute(actor, dispute_id)
    if actor.account_id not in await parties(dispute):
        raise DomainError(ErrorCode.NOT_FOUND, "No such dispute among yours.", "disputeId")
    return dispute


async def escalate(actor: Actor, dispute_id: int, to_step: Step, reason: str) -> Dispute:
    """A party takes the dispute to the next step, and only to the next (P7.2.1, P7.2.3)."""
    dispute = await _as_party(actor, dispute_id)
    why = _text(reason, "reason", MAX_TEXT, N_("Say why the dispute goes further."))
    if dispute.status == DisputeStatus.FINAL:
        raise DomainError(
            ErrorCode.INVALID_TRANSITION,
            "The mediation committee's ruling is final.",
            "toStep",
        )
    following = await next_step(Step(dispute.step))
    if following is None:
        raise DomainError(
            ErrorCode.INVALID_TRANSITION, "There is no step after this one.", "toStep"
        )
    if to_step != following:
        raise DomainError(
            ErrorCode.INVALID_TRANSITION,
            f"A dispute moves one step at a time: the next step is {following}.",
            "toStep",
        )
    now = clock.now()
    if dispute.status == DisputeStatus.SETTLED:
        window = dt.timedelta(days=await params.dispute_appeal_days)
        if dispute.outcome_at and now > dispute.outcome_at + window:
            raise DomainError(
                ErrorCode.OUT_OF_RANGE,
                "The time to take this outcome further has passed.",
                "toStep",
            )
    due = None
    if following == Step.ARBITRATION_PANEL:
        due = now + dt.timedelta(days=await params.arbitration_decision_days)
    moved = await Dispute.filter(id=dispute.id, step=dispute.step, status=dispute.status).update(
        step=following,
        status=DisputeStatus.OPEN,
        outcome="",
        outcome_at=None,
        arbitration_due_at=due,
        arbitration_extended=False,
        arbitration_overdue_flagged_at=None,
    )
    if not moved:
        raise DomainError(
            ErrorCode.CONFLICT, "The dispute moved meanwhile; look again.", "disputeId"
        )
    dispute = await Dispute.get(id=dispute.id)
    await _event(dispute, "ESCALATED", actor, why)
    if following == Step.SUPERVISOR_MEDIATION and dispute.cross_department:
        await _joint_meeting(actor, dispute)
        dispute = await Dispute.get(id=dispute.id)
    deciders = await notifications.staff_with_roles(*DECIDERS[following])
    await notifications.notify_many(
        sorted((set(deciders) | await parties(dispute)) - {actor.account_id}),
        "DISPUTE_ESCALATED",
        f"Dispute taken to {following}: {dispute.subject}"[:200],
        subject_type="Dispute",
        subject_id=dispute.id,
    )
    return dispute


async def _joint_meeting(actor: Actor, dispute: Dispute) -> None:
    """P7.2.4: both departments' heads and the parties meet, on the next working day at 10:00
    (or the one after, to give a special meeting its notice)."""
    notice = dt.timedelta(hours=await params.special_meeting_notice_hours)
    day = next_working_day(clock.today())
    while True:
        local = dt.datetime.combine(day, dt.time(10, 0)).replace(tzinfo=clock.hotel_timezone)
        starts = local.astimezone(dt.UTC)
        if starts - clock.now() >= notice:
            break
        day = next_working_day(day)
    heads = set(await heads_of(dispute.opener_department)) | set(
        await heads_of(dispute.other_department)
    )
    attending = sorted((heads | await parties(dispute)) - {actor.account_id})
    meeting = await create_meeting(
        MeetingKind.SPECIAL,
        f"Dispute mediation: {dispute.subject}"[:200],
        dispute.description[:10_000],
        "",
        "",
        starts,
        dt.timedelta(hours=1),
        actor.account_id,
        attending,
        series=None,
        sequence=None,
    )
    await Dispute.filter(id=dispute.id).update(joint_meeting_id=meeting.id)
    await _event(dispute, "JOINT_MEETING", actor, f"meeting {meeting.id}")


def _may_decide(actor: Actor, dispute: Dispute, involved: set[int]) -> None:
    step = Step(dispute.step)
    if step == Step.DIRECT_TALK:
        if actor.account_id not in involved:
            raise DomainError(
                ErrorCode.FORBIDDEN, "The parties record what their talk settled.", "disputeId"
            )
        return
    if actor.account_id in involved or not set(actor.identity.roles) & set(DECIDERS[step]):
        raise DomainError(
            ErrorCode.FORBIDDEN,
            "Only someone who is no party and holds this step's role records its outcome.",
            "disputeId",
        )


async def _history_text(dispute: Dispute, outcome: str) -> bytes:
    events = await DisputeEvent.filter(dispute_id=dispute.id).order_by("id")
    lines = [
        f"# Dispute {dispute.id}: {dispute.subject}",
        f"Departments: {dispute.opener_department} / {dispute.other_department}",
        "",
        dispute.description,
        "",
        "## Steps",
    ]
    lines += [
        f"- {clock.local(e.created_at).strftime('%Y-%m-%d %H:%M')} {e.kind} at {e.step}"
        f" by account {e.actor_account_id}: {e.note}"
        for e in events
    ]
    lines += ["", f"## Outcome at {dispute.step}", outcome]
    return "\n".join(lines).encode("utf-8")


async def decide(actor: Actor, dispute_id: int, outcome: str) -> Dispute:
    """Record the outcome of the current step and archive the dispute's history (P7.2.5)."""
    async with refusals_audited(actor, "decideDispute", "Dispute", subject_id=dispute_id):
        dispute = await _dispute(actor, dispute_id)
        involved = await parties(dispute)
        _may_decide(actor, dispute, involved)
        clean = _text(outcome, "outcome", MAX_TEXT, N_("Record the outcome."))
        if dispute.status != DisputeStatus.OPEN:
            raise DomainError(
                ErrorCode.ALREADY_DECIDED, "This step has its outcome already.", "disputeId"
            )
        steps = await ladder()
        final = dispute.step == steps[-1]
        new = uploads.NewDocument(
            kind=Kind.WORK_RECORD,
            subject=f"dispute {dispute.id} {dispute.step.lower()} outcome",
            content_type="text/markdown",
            description=dispute.subject,
            related_subject_type="Dispute",
            related_subject_id=str(dispute.id),
        )
        stored = await uploads.store_content(
            new, Kind.WORK_RECORD, io.BytesIO(await _history_text(dispute, clean)), None
        )

    async def work() -> Dispute:
        decided = await Dispute.filter(
            id=dispute.id, step=dispute.step, status=DisputeStatus.OPEN
        ).update(
            status=DisputeStatus.FINAL if final else DisputeStatus.SETTLED,
            outcome=clean,
            outcome_at=clock.now(),
        )
        if not decided:
            raise DomainError(
                ErrorCode.ALREADY_DECIDED, "This step has its outcome already.", "disputeId"
            )
        document = await uploads.create_document(actor, stored)
        await _event(dispute, "OUTCOME", actor, clean, document_id=document.id)
        await notifications.notify_many(
            sorted(involved - {actor.account_id}),
            "DISPUTE_OUTCOME",
            f"Outcome at {dispute.step}: {dispute.subject}"[:200],
            clean[:2000],
            subject_type="Dispute",
            subject_id=dispute.id,
        )
        return await Dispute.get(id=dispute.id)

    return await audited(actor, "decideDispute", "Dispute", work, subject_id=dispute.id)


async def extend_arbitration(actor: Actor, dispute_id: int, reason: str) -> Dispute:
    """The panel extends its deadline once, in a special case (P7.2.2)."""
    dispute = await _dispute(actor, dispute_id)
    why = _text(reason, "reason", MAX_TEXT, N_("Say what makes this case special."))
    if actor.account_id in await parties(dispute) or not set(actor.identity.roles) & set(
        DECIDERS[Step.ARBITRATION_PANEL]
    ):
        raise DomainError(ErrorCode.FORBIDDEN, "Only the arbitration panel extends.", "disputeId")
    extra = dt.timedelta(days=await params.arbitration_extension_days)
    if dispute.step != Step.ARBITRATION_PANEL or dispute.status != DisputeStatus.OPEN:
        raise DomainError(
            ErrorCode.INVALID_TRANSITION,
            "Only an arbitration waiting for its decision is extended.",
            "disputeId",
        )
    extended = await Dispute.filter(
        id=dispute.id, step=Step.ARBITRATION_PANEL, arbitration_extended=False
    ).update(
        arbitration_extended=True,
        arbitration_due_at=dispute.arbitration_due_at + extra,
        arbitration_overdue_flagged_at=None,
    )
    if not extended:
        raise DomainError(
            ErrorCode.ALREADY_DECIDED, "The arbitration was extended once already.", "disputeId"
        )
    dispute = await Dispute.get(id=dispute.id)
    await _event(dispute, "EXTENDED", actor, why)
    return dispute


async def flag_overdue_arbitrations(limit: int = 200) -> int:
    """The job: an arbitration past its deadline is flagged once to the panel and the parties."""
    flagged = 0
    late = (
        await Dispute.filter(
            step=Step.ARBITRATION_PANEL,
            status=DisputeStatus.OPEN,
            arbitration_due_at__lt=clock.now(),
            arbitration_overdue_flagged_at=None,
        )
        .order_by("id")
        .limit(limit)
    )
    panel = await notifications.staff_with_roles(*DECIDERS[Step.ARBITRATION_PANEL])
    for dispute in late:

        async def work(dispute: Dispute = dispute) -> int:
            claimed = await Dispute.filter(
                id=dispute.id, arbitration_overdue_flagged_at=None, status=DisputeStatus.OPEN
            ).update(arbitration_overdue_flagged_at=clock.now())
            if not claimed:
                return 0
            await _event(dispute, "OVERDUE", None, "arbitration decision overdue")
            await notifications.notify_many(
                sorted(set(panel) | await parties(dispute)),
                "ARBITRATION_OVERDUE",
                f"Arbitration overdue: {dispute.subject}"[:200],
                subject_type="Dispute",
                subject_id=dispute.id,
            )
            return 1

        flagged += await audited(
            SYSTEM, "flagArbitrationOverdue", "Dispute", work, subject_id=dispute.id
        )
    return flagged


@dataclass
class DisputeFilter:
    involving_account_id: int | None = None  # only disputes this account is party to
    status: str | None = None


async def list_disputes(f: DisputeFilter, *, first: int, after_id: int | None):
    query = Dispute.all()
    if f.status:
        query = query.filter(status=f.status)
    if f.involving_account_id is not None:
        me = await Account.get_or_none(id=f.involving_account_id)
        headed = [d for d, roles in HEAD_ROLES.items() if me and set(roles) & set(me.roles or ())]
        query = query.filter(
            Q(opened_by_account_id=f.involving_account_id)
            | Q(other_party_account_id=f.involving_account_id)
            | Q(other_party_account_id=None, other_department__in=headed or [""])
        )
    page = query.filter(id__lt=after_id) if after_id else query
    rows = await page.order_by("-id").limit(first + 1)
    return rows[:first], len(rows) > first, query.count


async def events_of(dispute_ids: list[int]) -> dict[int, list[DisputeEvent]]:
    found: dict[int, list[DisputeEvent]] = {i: [] for i in dispute_ids}
    for row in await DisputeEvent.filter(dispute_id__in=list(set(dispute_ids))).order_by("id"):
        found[row.dispute_id].append(row)
    return found


async def visible_to(dispute: Dispute, account_id: int | None) -> bool:
    return account_id is not None and account_id in await parties(dispute)
