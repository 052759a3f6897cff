"""Telling participants about a meeting: an in-app notification and an e-mail through the outbox
to each, written in the same transaction as the meeting (P7.1.1 important notices by e-mail,
P4.2.6 notice to all concerned). Each e-mail is in the participant's saved language."""

from __future__ import annotations

from domain import notifications, outbox
from domain.clock import clock
from domain.i18n import N_, default_language, t
from domain.models import Account, Meeting

ANNOUNCED = N_("Meeting: {title}, {start} to {end} ({place})")
CANCELLED = N_("Cancelled: {title} on {start}. {reason}")
NO_PLACE = N_("place to be announced")


def _when(meeting: Meeting) -> tuple[str, str]:
    start = clock.local(meeting.starts_at)
    end = clock.local(meeting.ends_at)
    return start.strftime("%Y-%m-%d %H:%M"), end.strftime("%H:%M")


async def announce(meeting: Meeting, account_ids: list[int]) -> None:
    await _tell(meeting, account_ids, "MEETING_SCHEDULED", "meeting.scheduled", ANNOUNCED)


async def announce_cancellation(meeting: Meeting, account_ids: list[int]) -> None:
    await _tell(meeting, account_ids, "MEETING_CANCELLED", "meeting.cancelled", CANCELLED)


async def _tell(meeting: Meeting, account_ids: list[int], kind: str, topic: str, template: str):
    start, end = _when(meeting)
    values = {
        "title": meeting.title,
        "start": start,
        "end": end,
        "reason": meeting.cancel_reason,
    }
    accounts = await Account.filter(id__in=account_ids, is_active=True).only(
        "id", "email", "language"
    )
    place = meeting.location
    title = t(default_language(), template, place=place or t(None, NO_PLACE), **values)
    await notifications.notify_many(
        [a.id for a in accounts],
        kind,
        title[:200],
        meeting.agenda[:2000],
        subject_type="Meeting",
        subject_id=meeting.id,
    )
    await outbox.enqueue_many(
        topic,
        outbox.EMAIL,
        [
            {
                "to": account.email,
                "subject": t(
                    account.language,
                    template,
                    place=place or t(account.language, NO_PLACE),
                    **values,
                )[:200],
                "body": meeting.agenda,
                "ref": f"meeting:{meeting.id}",
            }
            for account in accounts
        ],
    )
