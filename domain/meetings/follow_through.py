"""What happens after a meeting (P4.2.4, P4.2.5, P3.2.6): the responsible people sign their
resolutions off electronically (Ed25519, `domain.signatures`), owners complete their action
items, and two idempotent sweeps keep the deadlines: minutes not submitted in time are flagged
to the meeting's chair and escalated to the supervisors and the director, and an action item
not done by its deadline is put on the agenda of its owner's next meeting (once).

Each sweep claims a row with a conditional update before it tells anyone, so a sweep run twice
at once, or killed and run again, tells everyone exactly once.
"""

from __future__ import annotations

from dataclasses import dataclass

from tortoise.expressions import Subquery

from domain import notifications, signatures
from domain.actor import SYSTEM, Actor
from domain.clock import clock
from domain.errors import DomainError, ErrorCode
from domain.meetings.kinds import MeetingStatus
from domain.meetings.minutes import resolution_digest
from domain.models import (
    ActionItem,
    Meeting,
    MeetingParticipant,
    MinutesVersion,
    Resolution,
    Signature,
)
from domain.unit_of_work import audited, refusals_audited

RECORD_TYPE = "Resolution"
MEANING = "RESPONSIBLE"
ESCALATION_ROLES = ("supervisor", "director")
BATCH = 200


async def sign_off(actor: Actor, resolution_id: int, passphrase: str) -> Signature:
    """A responsible person (an owner of one of its action items) signs the resolution."""
    async with refusals_audited(actor, "signOffResolution", RECORD_TYPE, subject_id=resolution_id):
        resolution = await Resolution.get_or_none(id=resolution_id)
        items = await ActionItem.filter(resolution_id=resolution_id).order_by("id")
        if resolution is None or actor.account_id not in {i.owner_account_id for i in items}:
            raise DomainError(
                ErrorCode.NOT_FOUND,
                "No such resolution among those you are responsible for.",
                "resolutionId",
            )
        digest = resolution_digest(resolution.text, items)
        if digest != resolution.content_sha256:
            raise DomainError(
                ErrorCode.TAMPERED,
                "The resolution differs from what the minutes recorded; it is not signed.",
                "resolutionId",
            )
        prepared = await signatures.prepare(
            actor,
            passphrase,
            record_type=RECORD_TYPE,
            record_id=resolution.id,
            content_sha256=digest,
            meaning=MEANING,
        )

    async def work() -> Signature:
        return await signatures.record(prepared)

    return await audited(
        actor,
        "signOffResolution",
        RECORD_TYPE,
        work,
        subject_id=resolution.id,
        detail=f"sha256 {digest}",
    )


async def complete_item(actor: Actor, item_id: int, note: str) -> ActionItem:
    item = await ActionItem.get_or_none(id=item_id)
    if item is None or item.owner_account_id != actor.account_id:
        raise DomainError(ErrorCode.NOT_FOUND, "No such action item among yours.", "actionItemId")
    clean = (note or "").strip()
    if len(clean) > 2_000:
        raise DomainError(ErrorCode.TOO_LONG, "The note is at most 2000 characters.", "note")
    done = await ActionItem.filter(id=item.id, status="OPEN").update(
        status="DONE", completed_at=clock.now(), completion_note=clean
    )
    if not done:
        raise DomainError(
            ErrorCode.INVALID_TRANSITION, "The action item is done already.", "actionItemId"
        )
    return await ActionItem.get(id=item.id)


@dataclass
class SweepResult:
    draft_overdue: int = 0
    final_overdue: int = 0
    items_carried: int = 0


async def _flag_minutes(stage: str) -> int:
    written, due, flag = (
        f"minutes_{stage}_at",
        f"minutes_{stage}_due_at",
        f"{stage}_overdue_flagged_at",
    )
    flagged = 0
    late = (
        await Meeting.filter(
            status=MeetingStatus.SCHEDULED,
            minutes_final_at=None,
            **{f"{written}__isnull": True, f"{due}__lt": clock.now(), f"{flag}__isnull": True},
        )
        .order_by("id")
        .limit(BATCH)
    )
    escalate_to = await notifications.staff_with_roles(*ESCALATION_ROLES)
    for meeting in late:

        async def work(meeting: Meeting = meeting) -> int:
            claimed = await Meeting.filter(id=meeting.id, **{f"{flag}__isnull": True}).update(
                **{flag: clock.now()}
            )
            if not claimed:
                return 0
            told = set(escalate_to)
            if meeting.called_by_account_id is not None:
                told.add(meeting.called_by_account_id)
            await notifications.notify_many(
                sorted(told),
                "MINUTES_OVERDUE",
                f"Minutes ({stage}) overdue: {meeting.title}"[:200],
                subject_type="Meeting",
                subject_id=meeting.id,
            )
            return 1

        flagged += await audited(
            SYSTEM, "flagMinutesOverdue", "Meeting", work, subject_id=meeting.id, detail=stage
        )
    return flagged


async def _carry_overdue_items() -> int:
    now = clock.now()
    carried = 0
    overdue = (
        await ActionItem.filter(status="OPEN", due_at__lt=now, carried_to_meeting_id=None)
        .order_by("due_at", "id")
        .limit(BATCH)
    )
    for item in overdue:
        invited = Subquery(
            MeetingParticipant.filter(account_id=item.owner_account_id).values("meeting_id")
        )
        upcoming = (
            await Meeting.filter(status=MeetingStatus.SCHEDULED, starts_at__gt=now)
            .filter(id__in=invited)
            .order_by("starts_at", "id")
            .first()
        )
        if upcoming is None:
            continue  # nothing scheduled yet: the next run looks again

        async def work(item: ActionItem = item, upcoming: Meeting = upcoming) -> int:
            claimed = await ActionItem.filter(id=item.id, carried_to_meeting_id=None).update(
                carried_to_meeting_id=upcoming.id
            )
            if not claimed:
                return 0
            told = {item.owner_account_id}
            if upcoming.called_by_account_id is not None:
                told.add(upcoming.called_by_account_id)
            await notifications.notify_many(
                sorted(told),
                "ACTION_ITEM_OVERDUE",
                f"Overdue action item on the agenda of {upcoming.title}"[:200],
                item.description[:2000],
                subject_type="Meeting",
                subject_id=upcoming.id,
            )
            return 1

        carried += await audited(
            SYSTEM,
            "carryOverdueActionItem",
            "Meeting",
            work,
            subject_id=upcoming.id,
            detail=f"action item {item.id}",
        )
    return carried


async def sweep() -> SweepResult:
    return SweepResult(
        draft_overdue=await _flag_minutes("draft"),
        final_overdue=await _flag_minutes("final"),
        items_carried=await _carry_overdue_items(),
    )


async def carried_items(meeting_ids: list[int]) -> dict[int, list[ActionItem]]:
    found: dict[int, list[ActionItem]] = {i: [] for i in meeting_ids}
    for row in await ActionItem.filter(carried_to_meeting_id__in=list(set(meeting_ids))).order_by(
        "due_at", "id"
    ):
        found[row.carried_to_meeting_id].append(row)
    return found


async def resolutions_of(meeting_ids: list[int]) -> dict[int, list[Resolution]]:
    found: dict[int, list[Resolution]] = {i: [] for i in meeting_ids}
    for row in await Resolution.filter(meeting_id__in=list(set(meeting_ids))).order_by(
        "meeting_id", "number"
    ):
        found[row.meeting_id].append(row)
    return found


async def items_of(resolution_ids: list[int]) -> dict[int, list[ActionItem]]:
    found: dict[int, list[ActionItem]] = {i: [] for i in resolution_ids}
    for row in await ActionItem.filter(resolution_id__in=list(set(resolution_ids))).order_by("id"):
        found[row.resolution_id].append(row)
    return found


async def minutes_of(meeting_ids: list[int]) -> dict[int, list]:
    found: dict[int, list] = {i: [] for i in meeting_ids}
    for row in await MinutesVersion.filter(meeting_id__in=list(set(meeting_ids))).order_by(
        "meeting_id", "version"
    ):
        found[row.meeting_id].append(row)
    return found


@dataclass
class ActionItemFilter:
    owner_account_id: int | None = None
    status: str | None = None
    overdue: bool = False


async def list_action_items(f: ActionItemFilter, *, first: int, after_id: int | None):
    """Newest first, keyset-paged by id; overdue means open past its deadline."""
    query = ActionItem.all()
    if f.owner_account_id is not None:
        query = query.filter(owner_account_id=f.owner_account_id)
    if f.status:
        query = query.filter(status=f.status)
    if f.overdue:
        query = query.filter(status="OPEN", due_at__lt=clock.now())
    page = query.filter(id__lt=after_id) if after_id else query
    rows = await page.order_by("-id").limit(first + 1)
    return rows[:first], len(rows) > first, query.count
