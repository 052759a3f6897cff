"""Minutes and resolutions (P3.2.6, P4.2.4): a participant submits the minutes of a meeting that
has been held, as drafts and then one final version; each version is archived as a tier 3
MINUTES document named by P3.2.4. The final version records the meeting's resolutions, each
with its action items: an owner and a deadline; an important item's deadline is at most
`resolution_deadline_hours` away (and is that when none is given).

The archive write happens before the transaction (as every archive write does); the version
number is claimed by the unique (meeting, version) key and the final version by a conditional
update, so two submissions at once cannot both become final.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import json
from dataclasses import dataclass, field

from domain import notifications
from domain.actor import Actor
from domain.clock import clock
from domain.documents import uploads
from domain.documents.kinds import Kind
from domain.errors import DomainError, ErrorCode
from domain.meetings.kinds import MeetingStatus
from domain.meetings.participants import named_staff
from domain.meetings.queries import is_invited
from domain.models import ActionItem, Meeting, MinutesVersion, Resolution
from domain.policy_params import params
from domain.unit_of_work import audited, refusals_audited

MAX_TEXT = 100_000
MAX_RESOLUTIONS = 50
MAX_ITEMS = 50
MAX_ITEM_TEXT = 2_000


@dataclass
class NewActionItem:
    description: str
    owner_email: str
    important: bool = False
    due_at: dt.datetime | None = None


@dataclass
class NewResolution:
    text: str
    action_items: list[NewActionItem] = field(default_factory=list)


@dataclass
class _Item:
    description: str
    owner_id: int
    important: bool
    due_at: dt.datetime


@dataclass
class _Resolution:
    text: str
    items: list[_Item]

    def canonical(self) -> str:
        return json.dumps(
            {
                "text": self.text,
                "items": [
                    [i.description, i.owner_id, i.important, i.due_at.isoformat()]
                    for i in self.items
                ],
            },
            sort_keys=True,
            ensure_ascii=False,
            separators=(",", ":"),
        )


def resolution_digest(text: str, items: list[ActionItem] | list[_Item]) -> str:
    """What the responsible people sign: the resolution and every item's owner and deadline."""
    plain = [
        _Item(
            i.description,
            getattr(i, "owner_id", None) or i.owner_account_id,
            i.important,
            i.due_at,
        )
        for i in items
    ]
    return hashlib.sha256(_Resolution(text, plain).canonical().encode("utf-8")).hexdigest()


async def _meeting_held(actor: Actor, meeting_id: int) -> Meeting:
    meeting = await Meeting.get_or_none(id=meeting_id)
    if meeting is None or not await is_invited(meeting_id, actor.account_id):
        raise DomainError(ErrorCode.NOT_FOUND, "No such meeting.", "meetingId")
    if meeting.status != MeetingStatus.SCHEDULED or meeting.ends_at > clock.now():
        raise DomainError(
            ErrorCode.INVALID_TRANSITION,
            "Minutes are written for a meeting that has taken place.",
            "meetingId",
        )
    if meeting.minutes_final_at is not None:
        raise DomainError(
            ErrorCode.ALREADY_DECIDED, "The final minutes were submitted already.", "meetingId"
        )
    return meeting


async def _resolutions(given: list[NewResolution], final: bool) -> list[_Resolution]:
    if given and not final:
        raise DomainError(
            ErrorCode.INVALID, "Resolutions are recorded with the final minutes.", "resolutions"
        )
    if len(given) > MAX_RESOLUTIONS:
        raise DomainError(
            ErrorCode.OUT_OF_RANGE, f"At most {MAX_RESOLUTIONS} resolutions.", "resolutions"
        )
    now = clock.now()
    important_by = now + dt.timedelta(hours=await params.resolution_deadline_hours)
    given_emails = {(i.owner_email or "").strip().lower() for r in given for i in r.action_items}
    emails = sorted(given_emails - {""})
    # named_staff answers in the order of the sorted addresses, refusing any unknown one.
    owners = (
        dict(zip(emails, await named_staff(emails, "ownerEmail"), strict=True)) if emails else {}
    )
    clean: list[_Resolution] = []
    for resolution in given:
        text = (resolution.text or "").strip()
        if not text or len(text) > MAX_ITEM_TEXT:
            raise DomainError(
                ErrorCode.REQUIRED if not text else ErrorCode.TOO_LONG,
                f"A resolution has a text of at most {MAX_ITEM_TEXT} characters.",
                "resolutions",
            )
        if not resolution.action_items or len(resolution.action_items) > MAX_ITEMS:
            raise DomainError(
                ErrorCode.REQUIRED,
                f"A resolution assigns 1 to {MAX_ITEMS} action items, each to one person.",
                "actionItems",
            )
        items = []
        for item in resolution.action_items:
            what = (item.description or "").strip()
            if not what or len(what) > MAX_ITEM_TEXT:
                raise DomainError(
                    ErrorCode.REQUIRED if not what else ErrorCode.TOO_LONG,
                    f"An action item says what is to be done in at most {MAX_ITEM_TEXT} "
                    "characters.",
                    "actionItems",
                )
            due = item.due_at or (important_by if item.important else None)
            if due is None:
                raise DomainError(ErrorCode.REQUIRED, "Give the action item a deadline.", "dueAt")
            if due.tzinfo is None or due <= now:
                raise DomainError(
                    ErrorCode.OUT_OF_RANGE, "An action item's deadline is in the future.", "dueAt"
                )
            if item.important and due > important_by:
                hours = await params.resolution_deadline_hours
                raise DomainError(
                    ErrorCode.OUT_OF_RANGE,
                    f"An important item is done within {hours} hours.",
                    "dueAt",
                )
            owner = owners.get((item.owner_email or "").strip().lower())
            if owner is None:
                raise DomainError(
                    ErrorCode.REQUIRED, "Name the person who owns the action item.", "ownerEmail"
                )
            items.append(_Item(what, owner, item.important, due))
        clean.append(_Resolution(text, items))
    return clean


def _document_text(meeting: Meeting, version: int, final: bool, text: str, resolutions) -> bytes:
    start = clock.local(meeting.starts_at).strftime("%Y-%m-%d %H:%M")
    lines = [
        f"# {meeting.title}",
        f"{meeting.kind} {start} - {'final' if final else 'draft'} version {version}",
        "",
        text,
    ]
    for n, resolution in enumerate(resolutions, 1):
        lines += ["", f"## Resolution {n}", resolution.text]
        lines += [
            f"- {i.description} (owner account {i.owner_id}, due "
            f"{clock.local(i.due_at).strftime('%Y-%m-%d %H:%M')}"
            f"{', important' if i.important else ''})"
            for i in resolution.items
        ]
    return "\n".join(lines).encode("utf-8")


async def submit(
    actor: Actor,
    meeting_id: int,
    text: str,
    *,
    final: bool,
    resolutions: list[NewResolution],
) -> MinutesVersion:
    """Archive one version of the minutes and record it (and, when final, the resolutions)."""
    async with refusals_audited(actor, "submitMinutes", "Meeting", subject_id=meeting_id):
        meeting = await _meeting_held(actor, meeting_id)
        body = (text or "").strip()
        if not body:
            raise DomainError(ErrorCode.REQUIRED, "The minutes have no text.", "text")
        if len(body) > MAX_TEXT:
            raise DomainError(
                ErrorCode.TOO_LONG, f"The minutes are at most {MAX_TEXT} characters.", "text"
            )
        clean = await _resolutions(resolutions, final)
        version = await MinutesVersion.filter(meeting_id=meeting.id).count() + 1
        subject = f"minutes {meeting.title} v{version}{' final' if final else ''}"
        new = uploads.NewDocument(
            kind=Kind.MINUTES,
            subject=subject[: uploads.MAX_SUBJECT],
            content_type="text/markdown",
            description=f"Minutes of {meeting.title}"[:500],
            related_subject_type="Meeting",
            related_subject_id=str(meeting.id),
        )
        uploads.check_new(new, uploadable_only=False)
        content = _document_text(meeting, version, final, body, clean)
        stored = await uploads.store_content(new, Kind.MINUTES, io.BytesIO(content), None)

    async def work() -> MinutesVersion:
        document = await uploads.create_document(actor, stored)
        now = clock.now()
        row = await MinutesVersion.create(
            meeting_id=meeting.id,
            version=version,
            is_final=final,
            text=body,
            submitted_by_account_id=actor.account_id,
            document_id=document.id,
        )
        await Meeting.filter(id=meeting.id, minutes_draft_at=None).update(minutes_draft_at=now)
        if final:
            taken = await Meeting.filter(id=meeting.id, minutes_final_at=None).update(
                minutes_final_at=now
            )
            if not taken:
                raise DomainError(
                    ErrorCode.ALREADY_DECIDED,
                    "The final minutes were submitted already.",
                    "meetingId",
                )
            await _record_resolutions(meeting, clean)
        return row

    return await audited(
        actor,
        "submitMinutes",
        "Meeting",
        work,
        subject_id=meeting.id,
        detail=f"version {version}{' final' if final else ''}, {len(clean)} resolutions",
    )


async def _record_resolutions(meeting: Meeting, resolutions: list[_Resolution]) -> None:
    for number, resolution in enumerate(resolutions, 1):
        row = await Resolution.create(
            meeting_id=meeting.id,
            number=number,
            text=resolution.text,
            content_sha256=resolution_digest(resolution.text, resolution.items),
        )
        await ActionItem.bulk_create(
            [
                ActionItem(
                    resolution_id=row.id,
                    meeting_id=meeting.id,
                    description=item.description,
                    owner_account_id=item.owner_id,
                    important=item.important,
                    due_at=item.due_at,
                )
                for item in resolution.items
            ]
        )
        for owner in sorted({item.owner_id for item in resolution.items}):
            await notifications.notify(
                owner,
                "ACTION_ITEM_ASSIGNED",
                f"Action item from {meeting.title}"[:200],
                resolution.text[:2000],
                subject_type="Resolution",
                subject_id=row.id,
            )
