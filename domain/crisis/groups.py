"""Convening, dissolving and expiring crisis decision groups, and their archived record
(P4.1.4, P3.2.3).

A director convenes a group with a reason, the matters it decides (approval kinds) and an
expiry at most `crisis_group_max_hours` away; its members must include a director, a supervisor
and a technical lead, each a different person. It ends once: by decision (a director, or the
convener for the group) or on expiry, by a job. Either end is a conditional update from ACTIVE,
so two ends at once cannot both happen, and the members are told in the same transaction, so
they are told once. Its record (members, matters, reason, period and every act done under its
authority) is written to the archive before the transaction, as every archive write is, and
recorded as a tier 3 work record inside it.
"""

from __future__ import annotations

import datetime as dt
import io
import itertools
from dataclasses import dataclass
from enum import StrEnum

from domain import notifications
from domain.actor import SYSTEM, Actor
from domain.clock import clock
from domain.documents import uploads
from domain.documents.kinds import Kind
from domain.errors import DomainError, ErrorCode
from domain.i18n import N_
from domain.models import (
    Account,
    ApprovalDecision,
    ApprovalRequest,
    CrisisAction,
    CrisisGroup,
    CrisisMember,
)
from domain.policy_params import params
from domain.unit_of_work import audited, refusals_audited

# P4.1.4 names the group: a director, a supervisor and a technical lead.
COMPOSITION = ("director", "supervisor", "tech_lead")
ROLE_NAMES = {
    "director": "a director",
    "supervisor": "a supervisor",
    "tech_lead": "a technical lead",
}
# Approval kinds the system itself opens; any kind some request was ever opened with is known too.
KNOWN_MATTERS = ("BOOKING_CHANGE", "BOOKING_CHANGE_PAPERWORK")
MAX_REASON = 2_000
MAX_MATTERS = 20
MAX_MATTER = 64
MAX_MEMBERS = 20


class CrisisStatus(StrEnum):
    ACTIVE = "ACTIVE"
    DISSOLVED = "DISSOLVED"
    EXPIRED = "EXPIRED"


def is_active(group: CrisisGroup) -> bool:
    return group.status == CrisisStatus.ACTIVE and group.expires_at > clock.now()


def _text(value: str | None, field: str, missing: str) -> str:
    clean = (value or "").strip()
    if not clean:
        raise DomainError(ErrorCode.REQUIRED, missing, field)
    if len(clean) > MAX_REASON:
        raise DomainError(ErrorCode.TOO_LONG, f"At most {MAX_REASON} characters.", field)
    return clean


async def _matters(given: list[str]) -> list[str]:
    clean = list(dict.fromkeys((m or "").strip().upper() for m in given or []))
    if not clean or "" in clean:
        raise DomainError(
            ErrorCode.REQUIRED, "Name the matters the group decides (approval kinds).", "matters"
        )
    if len(clean) > MAX_MATTERS or any(len(m) > MAX_MATTER for m in clean):
        raise DomainError(
            ErrorCode.OUT_OF_RANGE,
            f"At most {MAX_MATTERS} matters of at most {MAX_MATTER} characters.",
            "matters",
        )
    seen = set(
        await ApprovalRequest.filter(kind__in=clean).distinct().values_list("kind", flat=True)
    )
    unknown = [m for m in clean if m not in seen and m not in KNOWN_MATTERS]
    if unknown:
        raise DomainError(ErrorCode.INVALID, f"Unknown matter: {', '.join(unknown)}.", "matters")
    return clean


def _seats(accounts: list[Account]) -> bool:
    """Whether different members sit for each role of the composition."""
    for trio in itertools.permutations(accounts, len(COMPOSITION)):
        if all(role in (a.roles or []) for role, a in zip(COMPOSITION, trio, strict=True)):
            return True
    return False


async def _members(convener: Account, emails: list[str]) -> list[Account]:
    wanted = sorted({(e or "").strip().lower() for e in emails or []} - {""})
    if len(wanted) > MAX_MEMBERS:
        raise DomainError(ErrorCode.OUT_OF_RANGE, f"At most {MAX_MEMBERS} members.", "memberEmails")
    found = await Account.filter(email__in=wanted, kind="STAFF", is_active=True)
    missing = sorted(set(wanted) - {a.email for a in found})
    if missing:
        raise DomainError(
            ErrorCode.NOT_FOUND,
            f"No active staff member has the address {missing[0]}.",
            "memberEmails",
        )
    members = [convener, *(a for a in found if a.id != convener.id)]
    outsiders = [a.email for a in members if not set(COMPOSITION) & set(a.roles or [])]
    if outsiders:
        raise DomainError(
            ErrorCode.INVALID,
            f"A crisis group is made of directors, supervisors and technical leads: "
            f"{outsiders[0]} is none.",
            "memberEmails",
        )
    if not _seats(members):
        raise DomainError(
            ErrorCode.REQUIRED,
            "A crisis group has a director, a supervisor and a technical lead, "
            "each a different person.",
            "memberEmails",
        )
    return members


async def convene(
    actor: Actor,
    reason: str,
    matters: list[str],
    member_emails: list[str],
    expires_at: dt.datetime,
) -> CrisisGroup:
    """Convene a group (inside the caller's unit of work) and tell its members."""
    if "director" not in actor.identity.roles or actor.account_id is None:
        raise DomainError(ErrorCode.FORBIDDEN, "A director convenes a crisis group.", "reason")
    why = _text(reason, "reason", N_("Say what the crisis is."))
    now = clock.now()
    hours = await params.crisis_group_max_hours
    if expires_at.tzinfo is None or expires_at <= now:
        raise DomainError(ErrorCode.OUT_OF_RANGE, "The expiry is in the future.", "expiresAt")
    if expires_at > now + dt.timedelta(hours=hours):
        raise DomainError(
            ErrorCode.OUT_OF_RANGE,
            f"A crisis group lasts at most {hours} hours.",
            "expiresAt",
        )
    kinds = await _matters(matters)
    convener = await Account.get(id=actor.account_id)
    members = await _members(convener, member_emails)
    group = await CrisisGroup.create(
        reason=why,
        matters=kinds,
        convened_by_account_id=convener.id,
        status=CrisisStatus.ACTIVE,
        expires_at=expires_at,
    )
    await CrisisMember.bulk_create(
        [
            CrisisMember(
                group_id=group.id,
                account_id=a.id,
                role=",".join(r for r in COMPOSITION if r in (a.roles or [])),
            )
            for a in members
        ]
    )
    await notifications.notify_many(
        [a.id for a in members if a.id != convener.id],
        "CRISIS_GROUP_CONVENED",
        f"You sit in crisis group {group.id} until "
        f"{clock.local(expires_at).strftime('%Y-%m-%d %H:%M')}",
        f"Matters: {', '.join(kinds)}. {why}"[:2000],
        subject_type="CrisisGroup",
        subject_id=group.id,
    )
    return group


# ---- the end and the record -----------------------------------------------------------------


async def _record_text(group: CrisisGroup, status: str, ended_at: dt.datetime, why: str) -> bytes:
    members = await CrisisMember.filter(group_id=group.id).order_by("id")
    accounts = {
        a.id: a
        for a in await Account.filter(id__in=[m.account_id for m in members]).only(
            "id", "display_name", "email"
        )
    }
    actions = await CrisisAction.filter(group_id=group.id).order_by("id")
    approval_ids = [int(a.subject_id) for a in actions if a.subject_type == "ApprovalRequest"]
    decided = {
        (d.request_id, d.decided_by_account_id): d
        for d in await ApprovalDecision.filter(request_id__in=approval_ids or [0])
    }

    def when(moment: dt.datetime) -> str:
        return clock.local(moment).strftime("%Y-%m-%d %H:%M")

    lines = [
        f"# Crisis group {group.id}",
        f"Period: {when(group.created_at)} to {when(ended_at)} ({status.lower()}; "
        f"expiry set for {when(group.expires_at)})",
        f"Matters: {', '.join(group.matters or [])}",
        "",
        "## Reason",
        group.reason,
        "",
        "## Members",
    ]
    for m in members:
        account = accounts.get(m.account_id)
        name = account.display_name if account else f"account {m.account_id}"
        convener = " - convener" if m.account_id == group.convened_by_account_id else ""
        lines.append(f"- {name} ({m.role}){convener}")
    lines += ["", "## Acts under the group's authority"]
    if not actions:
        lines.append("- none")
    for a in actions:
        decision = (
            decided.get((int(a.subject_id), a.account_id)) if a.subject_id.isdigit() else None
        )
        outcome = f" {decision.decision}: {decision.comment}" if decision else ""
        lines.append(
            f"- {when(a.created_at)} {a.actor_name} (account {a.account_id}) {a.action} "
            f"{a.subject_type} {a.subject_id} as {a.role} ({a.note}){outcome}"
        )
    lines += ["", "## End", why]
    return "\n".join(lines).encode("utf-8")


async def _store_record(group: CrisisGroup, status: str, why: str) -> tuple[uploads.Stored, int]:
    """Write the record to the archive (outside any transaction); with the count of acts it
    lists, checked again when the end is recorded."""
    acts = await CrisisAction.filter(group_id=group.id).count()
    new = uploads.NewDocument(
        kind=Kind.WORK_RECORD,
        subject=f"crisis group {group.id} record",
        content_type="text/markdown",
        description=group.reason[:500],
        related_subject_type="CrisisGroup",
        related_subject_id=str(group.id),
    )
    uploads.check_new(new, uploadable_only=False)
    text = await _record_text(group, status, clock.now(), why)
    return await uploads.store_content(new, Kind.WORK_RECORD, io.BytesIO(text), None), acts


async def _end(
    actor: Actor,
    group: CrisisGroup,
    status: CrisisStatus,
    why: str,
    stored: uploads.Stored,
    acts: int,
) -> CrisisGroup | None:
    """Claim the end (inside the caller's transaction); None when it has ended meanwhile."""
    now = clock.now()
    claimed = await CrisisGroup.filter(id=group.id, status=CrisisStatus.ACTIVE).update(
        status=status,
        ended_at=now,
        ended_by_account_id=actor.account_id,
        end_reason=why,
    )
    if not claimed:
        return None
    if await CrisisAction.filter(group_id=group.id).count() != acts:
        raise DomainError(
            ErrorCode.CONFLICT,
            "An act under the group's authority was recorded meanwhile; try again.",
            "groupId",
        )
    document = await uploads.create_document(actor, stored)
    await CrisisGroup.filter(id=group.id).update(document_id=document.id)
    members = await CrisisMember.filter(group_id=group.id).values_list("account_id", flat=True)
    await notifications.notify_many(
        [m for m in members if m != actor.account_id],
        "CRISIS_GROUP_ENDED",
        f"Crisis group {group.id} {status.lower()}: its authority has ended",
        why[:2000],
        subject_type="CrisisGroup",
        subject_id=group.id,
    )
    return await CrisisGroup.get(id=group.id)


async def dissolve(actor: Actor, group_id: int, reason: str) -> CrisisGroup:
    """End a group by decision: a director, or its convener for the group."""
    async with refusals_audited(actor, "dissolveCrisisGroup", "CrisisGroup", subject_id=group_id):
        group = await CrisisGroup.get_or_none(id=group_id)
        if group is None:
            raise DomainError(ErrorCode.NOT_FOUND, "No such crisis group.", "groupId")
        if "director" not in actor.identity.roles and (
            actor.account_id != group.convened_by_account_id
        ):
            raise DomainError(
                ErrorCode.FORBIDDEN, "A director or the group's convener dissolves it.", "groupId"
            )
        why = _text(reason, "reason", N_("Say why the group is dissolved."))
        if group.status != CrisisStatus.ACTIVE:
            raise DomainError(
                ErrorCode.ALREADY_DECIDED,
                f"The crisis group is {group.status.lower()} already.",
                "groupId",
            )
        if group.expires_at <= clock.now():
            raise DomainError(
                ErrorCode.ALREADY_DECIDED, "The crisis group has expired already.", "groupId"
            )
        stored, acts = await _store_record(group, CrisisStatus.DISSOLVED, why)

    async def work() -> CrisisGroup:
        ended = await _end(actor, group, CrisisStatus.DISSOLVED, why, stored, acts)
        if ended is None:
            raise DomainError(
                ErrorCode.ALREADY_DECIDED, "The crisis group has ended already.", "groupId"
            )
        return ended

    return await audited(
        actor, "dissolveCrisisGroup", "CrisisGroup", work, subject_id=group.id, detail=why[:500]
    )


async def expire_due(limit: int = 100) -> int:
    """The job: end every active group past its expiry, archive its record and tell its members,
    once. A run killed midway leaves the rest ACTIVE for the next run; a group another run ended
    meanwhile is skipped."""
    due = (
        await CrisisGroup.filter(status=CrisisStatus.ACTIVE, expires_at__lte=clock.now())
        .order_by("id")
        .limit(limit)
    )
    ended = 0
    why = "The crisis group reached its expiry."
    for group in due:
        if not await CrisisGroup.filter(id=group.id, status=CrisisStatus.ACTIVE).exists():
            continue
        stored, acts = await _store_record(group, CrisisStatus.EXPIRED, why)

        async def work(group: CrisisGroup = group, stored=stored, acts=acts) -> int:
            done = await _end(SYSTEM, group, CrisisStatus.EXPIRED, why, stored, acts)
            return 0 if done is None else 1

        ended += await audited(
            SYSTEM, "expireCrisisGroup", "CrisisGroup", work, subject_id=group.id
        )
    return ended


# ---- reading --------------------------------------------------------------------------------


@dataclass
class CrisisGroupFilter:
    member_account_id: int | None = None  # only the groups this account sits in
    status: str | None = None


async def list_groups(f: CrisisGroupFilter, *, first: int, after_id: int | None):
    query = CrisisGroup.all()
    if f.status:
        query = query.filter(status=f.status)
    if f.member_account_id is not None:
        mine = await CrisisMember.filter(account_id=f.member_account_id).values_list(
            "group_id", flat=True
        )
        query = query.filter(id__in=list(mine) or [0])
    page = query.filter(id__lt=after_id) if after_id else query
    rows = await page.order_by("-id").limit(first + 1)
    return rows[:first], len(rows) > first, query.count


async def members_of(group_ids: list[int]) -> dict[int, list[CrisisMember]]:
    found: dict[int, list[CrisisMember]] = {i: [] for i in group_ids}
    for row in await CrisisMember.filter(group_id__in=list(set(group_ids))).order_by("id"):
        found[row.group_id].append(row)
    return found


async def actions_of(group_ids: list[int]) -> dict[int, list[CrisisAction]]:
    found: dict[int, list[CrisisAction]] = {i: [] for i in group_ids}
    for row in await CrisisAction.filter(group_id__in=list(set(group_ids))).order_by("id"):
        found[row.group_id].append(row)
    return found


MAX_PENDING = 50


async def pending_for(matter_sets: list[tuple[str, ...]]) -> dict[tuple[str, ...], list]:
    """Pending approvals of each set of matters (oldest first, at most MAX_PENDING per set), in
    one query: what a group's members may decide under its authority."""
    kinds = sorted({k for matters in matter_sets for k in matters})
    rows = (
        await ApprovalRequest.filter(status="PENDING", kind__in=kinds or [""])
        .order_by("id")
        .limit(MAX_PENDING * max(len(kinds), 1))
    )
    return {
        matters: [r for r in rows if r.kind in matters][:MAX_PENDING] for matters in matter_sets
    }


async def visible_to(group: CrisisGroup, account_id: int | None) -> bool:
    return (
        account_id is not None
        and await CrisisMember.filter(group_id=group.id, account_id=account_id).exists()
    )
