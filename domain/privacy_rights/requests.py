"""Data-subject requests (P6.1.3; PIPL Arts. 44-50): a guest's requests about their own
personal data, and staff filing them for a guest whose identity they verified.

- EXPORT (Art. 45): the guest's own export is built at once, archived encrypted and handed
  over as a short-lived download link bound to their account. An export staff ask for is a
  high-risk operation (`personal_data.export`, P6.2.3): it waits for a second person with the
  right to export, whose confirmation runs `_run_export`; the file then waits in the archive
  for the maker, who reads it through `documentDownloadUrl`. Nobody files for someone else's
  data but privacy staff for a verified guest: a guest naming another address is refused.
- CORRECTION (Art. 46): the guest names fields and new values, checked like the originals at
  once; privacy staff review and apply them (`complete`), or refuse with a reason.
- DELETION (Art. 47): `erasure.erase`, refused while the guest stays (STAY_IN_PROGRESS).

Every request is a row with its due date (`data_subject_request_days` after filing), swept by
`remind_and_escalate` (a job): privacy staff are reminded before it is due, supervisors and
directors told once it is overdue, each once. Requests and outcomes are audited with the kind,
ids and counts only: no personal data goes into the audit detail.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, replace
from enum import StrEnum

from authz.identity import Kind
from domain import dual_review, notifications
from domain.actor import Actor
from domain.bookings.profiles import GuestDetails, validate_details
from domain.clock import clock
from domain.documents import links, retention, uploads
from domain.errors import DomainError, ErrorCode
from domain.models import Account, DataSubjectRequest, GuestProfile, Member, PendingOperation
from domain.policy_params import params
from domain.privacy_rights import erasure, export, scrub
from domain.privacy_rights.footprint import footprint_of
from domain.unit_of_work import after_commit, audited, refusals_audited

# Staff told of requests that wait (reminders), and those told once one is overdue.
PRIVACY_STAFF_ROLES = ("supervisor", "legal")
ESCALATION_ROLES = ("director", "supervisor", "legal")
EXPORT_PERMISSION = ("data_subject_request", "export")
MIN_VERIFICATION = 5
MAX_TEXT = 2000
LINK_PURPOSE = "personal data export of a data-subject request"


class RequestKind(StrEnum):
    EXPORT = "EXPORT"
    CORRECTION = "CORRECTION"
    DELETION = "DELETION"


class RequestStatus(StrEnum):
    OPEN = "OPEN"  # waits for privacy staff (a correction to review)
    AWAITING_REVIEW = "AWAITING_REVIEW"  # a staff export waiting for a second person
    COMPLETED = "COMPLETED"
    REFUSED = "REFUSED"


OPEN_STATES = (RequestStatus.OPEN, RequestStatus.AWAITING_REVIEW)


class CorrectableField(StrEnum):
    FULL_NAME = "FULL_NAME"
    PHONE = "PHONE"
    ID_DOCUMENT_NUMBER = "ID_DOCUMENT_NUMBER"


@dataclass(frozen=True)
class Correction:
    field: str
    value: str


@dataclass
class Filed:
    request: DataSubjectRequest
    link: links.IssuedLink | None = None
    pending_operation: PendingOperation | None = None


def is_overdue(row: DataSubjectRequest) -> bool:
    return row.status in OPEN_STATES and row.due_at <= clock.now()


# ---- filing -------------------------------------------------------------------------------


async def _subject(actor: Actor, guest_email: str | None, verification: str) -> Account:
    """The guest account the request is about: the caller's own, or (staff) a verified guest's."""
    identity = actor.identity
    named = (guest_email or "").strip().lower()
    if identity.kind == Kind.GUEST:
        account = await Account.get_or_none(id=identity.id, kind="GUEST", is_active=True)
        if account is None:
            raise DomainError(ErrorCode.NOT_FOUND, "There is no such guest account.")
        if named and named != account.email.lower():
            raise DomainError(
                ErrorCode.FORBIDDEN,
                "A guest files requests about their own personal data only.",
                "guestEmail",
            )
        return account
    if identity.kind != Kind.STAFF:
        raise DomainError(ErrorCode.FORBIDDEN, "Guests and privacy staff file these requests.")
    if not named:
        raise DomainError(ErrorCode.REQUIRED, "Name the guest's account e-mail.", "guestEmail")
    if len((verification or "").strip()) < MIN_VERIFICATION:
        raise DomainError(
            ErrorCode.REQUIRED,
            "Say how you verified the guest's identity.",
            "verification",
        )
    if len(verification) > MAX_TEXT:
        raise DomainError(ErrorCode.TOO_LONG, "The verification note is too long.", "verification")
    account = await Account.get_or_none(email=named, kind="GUEST", is_active=True)
    if account is None:
        # Addresses are stored as given at sign-up; compare without case as a fallback.
        account = await Account.filter(email__iexact=named, kind="GUEST", is_active=True).first()
    if account is None:
        raise DomainError(ErrorCode.NOT_FOUND, "There is no such guest account.", "guestEmail")
    return account


async def _member_profile(account: Account) -> GuestProfile | None:
    if account.member_id is None:
        return None
    member = await Member.get_or_none(id=account.member_id)
    return member and await GuestProfile.get_or_none(id=member.guest_profile_id)


async def check_corrections(account: Account, given: list[Correction] | None) -> list[dict]:
    """The corrections cleaned and checked like the original fields (`validate_details`)."""
    if not given:
        raise DomainError(
            ErrorCode.REQUIRED, "Name the fields to correct and their new values.", "corrections"
        )
    chosen: dict[str, str] = {}
    for item in given:
        try:
            name = CorrectableField(item.field)
        except ValueError:
            raise DomainError(
                ErrorCode.INVALID,
                f"Fields that can be corrected: {', '.join(CorrectableField)}.",
                "corrections.field",
            ) from None
        if name in chosen:
            raise DomainError(ErrorCode.DUPLICATE, f"{name} is named twice.", "corrections.field")
        chosen[name] = item.value or ""
    profile = await _member_profile(account)
    if CorrectableField.ID_DOCUMENT_NUMBER in chosen and profile is None:
        raise DomainError(
            ErrorCode.INVALID,
            "Only a member's profile holds an identity document number.",
            "corrections.field",
        )
    current_phone = profile.phone if profile and profile.phone else account.phone
    details = validate_details(
        GuestDetails(
            full_name=chosen.get(CorrectableField.FULL_NAME, account.display_name),
            phone=chosen.get(CorrectableField.PHONE, current_phone),
            email=account.email,
            id_document_number=chosen.get(
                CorrectableField.ID_DOCUMENT_NUMBER, profile and profile.id_document_number
            ),
        ),
        prefix="corrections",
    )
    cleaned = {
        CorrectableField.FULL_NAME: details.full_name,
        CorrectableField.PHONE: details.phone,
        CorrectableField.ID_DOCUMENT_NUMBER: details.id_document_number,
    }
    return [{"field": name, "value": cleaned[CorrectableField(name)]} for name in chosen]


def _kind(kind: str) -> RequestKind:
    try:
        return RequestKind(kind)
    except ValueError:
        raise DomainError(
            ErrorCode.INVALID, f"The kind is one of {', '.join(RequestKind)}.", "kind"
        ) from None


async def _new_row(
    actor: Actor, kind: RequestKind, account: Account, **fields
) -> DataSubjectRequest:
    days = await params.data_subject_request_days
    staff = actor.identity.kind == Kind.STAFF
    return await DataSubjectRequest.create(
        kind=kind,
        subject_account_id=account.id,
        filed_by_account_id=actor.account_id,
        channel="STAFF" if staff else "SELF",
        due_at=clock.now() + dt.timedelta(days=days),
        **fields,
    )


async def file_request(
    actor: Actor,
    kind: str,
    *,
    guest_email: str | None = None,
    verification: str = "",
    corrections: list[Correction] | None = None,
) -> Filed:
    """File a request (audits itself: some steps work on the archive, outside a transaction)."""
    async with refusals_audited(actor, "dataSubjectRequest", "DataSubjectRequest"):
        chosen = _kind(kind)
        account = await _subject(actor, guest_email, verification)
        cleaned = (
            await check_corrections(account, corrections)
            if chosen == RequestKind.CORRECTION
            else None
        )
    staff = actor.identity.kind == Kind.STAFF
    note = (verification or "").strip() if staff else ""
    if chosen == RequestKind.EXPORT:
        return await (_staff_export(actor, account, note) if staff else _own_export(actor, account))
    if chosen == RequestKind.CORRECTION:
        return await _correction(actor, account, note, cleaned or [])
    return await _deletion(actor, account, note)


async def _own_export(actor: Actor, account: Account) -> Filed:
    async with refusals_audited(actor, "dataSubjectRequest", "DataSubjectRequest"):
        content = export.encode(await export.build(await footprint_of(account)))
        stored = await export.archive(content)

    async def work() -> DataSubjectRequest:
        row = await _new_row(actor, RequestKind.EXPORT, account)
        document = await uploads.create_document(actor, _related(stored, row.id))
        return await _completed(row, actor, "EXPORTED", "export archived", document_id=document.id)

    row = await audited(
        actor, "dataSubjectRequest", "DataSubjectRequest", work, detail="EXPORT by the guest"
    )
    document = await _document(row.document_id)
    issued = await links.issue_link(actor, document, LINK_PURPOSE)
    return Filed(row, link=issued)


def _related(stored: uploads.Stored, request_id: int) -> uploads.Stored:
    return replace(stored, new=replace(stored.new, related_subject_id=str(request_id)))


async def _document(document_id: int | None):
    from domain.models import Document

    return await Document.get(id=document_id)


async def _completed(
    row: DataSubjectRequest,
    actor: Actor,
    code: str,
    outcome: str,
    *,
    status: RequestStatus = RequestStatus.COMPLETED,
    from_states: tuple[str, ...] = (*OPEN_STATES,),
    **fields,
) -> DataSubjectRequest:
    moved = await DataSubjectRequest.filter(id=row.id, status__in=list(from_states)).update(
        status=status,
        completed_at=clock.now(),
        completed_by_account_id=actor.account_id,
        outcome_code=code,
        outcome=outcome[:MAX_TEXT],
        **fields,
    )
    if moved != 1:
        raise DomainError(
            ErrorCode.ALREADY_DECIDED, "The request was decided meanwhile.", "requestId"
        )
    return await DataSubjectRequest.get(id=row.id)


async def _staff_export(actor: Actor, account: Account, note: str) -> Filed:
    async def work() -> Filed:
        row = await _new_row(
            actor,
            RequestKind.EXPORT,
            account,
            status=RequestStatus.AWAITING_REVIEW,
            verification=note,
        )
        pending = await dual_review.request(
            actor,
            "personal_data.export",
            {"request_id": row.id, "subject_account_id": account.id},
            summary=f"Export the personal data of guest account {account.id} "
            f"(data-subject request {row.id})",
            permissions=[EXPORT_PERMISSION],
            subject_type="DataSubjectRequest",
            subject_id=row.id,
        )
        row.pending_operation_id = pending.id
        await row.save(update_fields=["pending_operation_id"])
        return Filed(row, pending_operation=pending)

    return await audited(
        actor, "dataSubjectRequest", "DataSubjectRequest", work, detail="EXPORT for a guest"
    )


async def _correction(actor: Actor, account: Account, note: str, cleaned: list[dict]) -> Filed:
    async def work() -> Filed:
        row = await _new_row(
            actor, RequestKind.CORRECTION, account, verification=note, corrections=cleaned
        )
        await notifications.notify_many(
            await notifications.staff_with_roles(*PRIVACY_STAFF_ROLES),
            "DATA_REQUEST_FILED",
            f"Data-subject request {row.id} (correction) waits for review",
            subject_type="DataSubjectRequest",
            subject_id=row.id,
        )
        return Filed(row)

    fields = ", ".join(c["field"] for c in cleaned)
    return await audited(
        actor, "dataSubjectRequest", "DataSubjectRequest", work, detail=f"CORRECTION of {fields}"
    )


async def _deletion(actor: Actor, account: Account, note: str) -> Filed:
    async def work() -> Filed:
        found = await footprint_of(account)
        erasure.refuse_if_staying(found)
        row = await _new_row(actor, RequestKind.DELETION, account, verification=note)
        result = await erasure.erase(actor, found, row)
        row = await _completed(row, actor, "ERASED", result.summary(), retained=result.retained)
        needles = result.needles
        after_commit(lambda: _after_erasure(needles, result.purge))
        return Filed(row)

    return await audited(actor, "dataSubjectRequest", "DataSubjectRequest", work, detail="DELETION")


async def _after_erasure(needles: list[str], purge: list) -> None:
    await scrub.scrub_files(needles)
    for document in purge:
        try:
            await retention.remove_content(document)
        except DomainError as failure:
            # The row is a tombstone already; the replica check reports the leftover copy.
            erasure_log(f"export {document.id} could not be purged: {failure.code}")


def erasure_log(message: str) -> None:
    scrub.log.warning(message)


# ---- the dual-reviewed export -------------------------------------------------------------


@dual_review.operation("personal_data.export", in_transaction=False)
async def _run_export(operation: PendingOperation, checker: Actor) -> dict:
    """Dual-review runner: build the confirmed export and archive it for the maker."""
    args = operation.arguments
    request_id = int(args["request_id"])
    async with refusals_audited(
        checker, "exportPersonalData", "DataSubjectRequest", subject_id=request_id
    ):
        row = await DataSubjectRequest.get_or_none(
            id=request_id, status=RequestStatus.AWAITING_REVIEW
        )
        if row is None or row.subject_account_id != int(args["subject_account_id"]):
            raise DomainError(
                ErrorCode.CONFLICT, "The request is no longer waiting for this export."
            )
        account = await Account.get_or_none(id=row.subject_account_id, kind="GUEST")
        if account is None or not account.is_active:
            raise DomainError(ErrorCode.NOT_FOUND, "There is no such guest account.")
        content = export.encode(await export.build(await footprint_of(account)))
        stored = await export.archive(content)

    async def work() -> DataSubjectRequest:
        document = await uploads.create_document(checker, _related(stored, row.id))
        done = await _completed(
            row, checker, "EXPORTED", "export archived", document_id=document.id
        )
        if row.filed_by_account_id is not None:
            await notifications.notify(
                row.filed_by_account_id,
                "DATA_EXPORT_READY",
                f"The export of data-subject request {row.id} is ready",
                "Read it through a download link of its document (documentDownloadUrl).",
                subject_type="DataSubjectRequest",
                subject_id=row.id,
            )
        return done

    done = await audited(
        checker,
        "exportPersonalData",
        "DataSubjectRequest",
        work,
        subject_id=row.id,
        detail=f"request {row.id} exported",
    )
    return {"requestId": done.id, "documentId": done.document_id}


@dual_review.on_closed("personal_data.export")
async def _export_closed(operation: PendingOperation) -> None:
    """A rejected, expired or failed export review refuses its request."""
    request_id = (operation.arguments or {}).get("request_id")
    code = {"REJECTED": "REVIEW_REJECTED", "FAILED": "EXPORT_FAILED"}.get(
        operation.status, "REVIEW_EXPIRED"
    )
    await DataSubjectRequest.filter(id=request_id, status=RequestStatus.AWAITING_REVIEW).update(
        status=RequestStatus.REFUSED,
        completed_at=clock.now(),
        outcome_code=code,
        outcome="the second person did not confirm the export",
    )


# ---- completing a manual step -------------------------------------------------------------


async def complete(
    actor: Actor, request_id: int, approve: bool, note: str = ""
) -> DataSubjectRequest:
    """Privacy staff apply (or refuse) an open correction (inside the caller's unit of work)."""
    row = await DataSubjectRequest.get_or_none(id=request_id)
    if row is None:
        raise DomainError(ErrorCode.NOT_FOUND, "There is no such request.", "requestId")
    if row.status != RequestStatus.OPEN or row.kind != RequestKind.CORRECTION:
        raise DomainError(
            ErrorCode.INVALID_TRANSITION,
            "Only an open correction waits for a person to complete it.",
            "requestId",
        )
    note = (note or "").strip()
    if len(note) > MAX_TEXT:
        raise DomainError(ErrorCode.TOO_LONG, "The note is too long.", "note")
    account = await Account.get_or_none(id=row.subject_account_id, kind="GUEST")
    if not approve:
        if not note:
            raise DomainError(ErrorCode.REQUIRED, "Say why the correction is refused.", "note")
        done = await _completed(
            row, actor, "REFUSED", note, status=RequestStatus.REFUSED, corrections=None
        )
    else:
        if account is None or not account.is_active:
            raise DomainError(ErrorCode.NOT_FOUND, "The guest account no longer exists.")
        given = [Correction(c["field"], c["value"]) for c in row.corrections or []]
        cleaned = await check_corrections(account, given)
        await _apply(account, cleaned)
        fields = ", ".join(c["field"] for c in cleaned)
        done = await _completed(row, actor, "CORRECTED", f"corrected: {fields}", corrections=None)
    if account is not None:
        await notifications.notify(
            account.id,
            "DATA_REQUEST_DONE",
            f"Your data-subject request {row.id} is {done.status.lower()}",
            subject_type="DataSubjectRequest",
            subject_id=row.id,
        )
    return done


async def _apply(account: Account, cleaned: list[dict]) -> None:
    values = {CorrectableField(c["field"]): c["value"] for c in cleaned}
    profile = await _member_profile(account)
    account_fields = []
    if CorrectableField.FULL_NAME in values:
        account.display_name = values[CorrectableField.FULL_NAME]
        account_fields.append("display_name")
    if CorrectableField.PHONE in values:
        account.phone = values[CorrectableField.PHONE]
        account_fields.append("phone")
    if account_fields:
        await account.save(update_fields=account_fields)
    if profile is not None:
        profile.full_name = values.get(CorrectableField.FULL_NAME, profile.full_name)
        profile.phone = values.get(CorrectableField.PHONE, profile.phone)
        profile.id_document_number = values.get(
            CorrectableField.ID_DOCUMENT_NUMBER, profile.id_document_number
        )
        await profile.save(update_fields=["full_name", "phone", "id_document_number"])


# ---- deadlines ----------------------------------------------------------------------------


async def remind_and_escalate(limit: int = 200) -> dict[str, int]:
    """The job: remind privacy staff of requests coming due, escalate overdue ones; each row is
    claimed by a conditional update of its stamp, so a rerun tells nobody twice."""
    now = clock.now()
    ahead = dt.timedelta(days=await params.data_subject_request_reminder_days)
    reminded = await _sweep(
        DataSubjectRequest.filter(
            status__in=list(OPEN_STATES), reminded_at=None, due_at__lte=now + ahead
        ),
        "reminded_at",
        PRIVACY_STAFF_ROLES,
        "DATA_REQUEST_DUE",
        lambda r: (
            f"Data-subject request {r.id} ({r.kind.lower()}) is due "
            f"{clock.local(r.due_at).date().isoformat()}"
        ),
        "remindDataSubjectRequest",
        limit,
    )
    escalated = await _sweep(
        DataSubjectRequest.filter(status__in=list(OPEN_STATES), escalated_at=None, due_at__lte=now),
        "escalated_at",
        ESCALATION_ROLES,
        "DATA_REQUEST_OVERDUE",
        lambda r: f"Data-subject request {r.id} ({r.kind.lower()}) is overdue",
        "escalateDataSubjectRequest",
        limit,
    )
    return {"reminded": reminded, "escalated": escalated}


async def _sweep(
    query,
    stamp: str,
    roles: tuple[str, ...],
    kind: str,
    title: Callable[[DataSubjectRequest], str],
    action: str,
    limit: int,
) -> int:
    from domain.actor import SYSTEM

    done = 0
    for row in await query.order_by("id").limit(limit):

        async def work(row: DataSubjectRequest = row) -> int:
            moved = await DataSubjectRequest.filter(
                id=row.id, status__in=list(OPEN_STATES), **{stamp: None}
            ).update(**{stamp: clock.now()})
            if moved != 1:
                return 0
            await notifications.notify_many(
                await notifications.staff_with_roles(*roles),
                kind,
                title(row),
                subject_type="DataSubjectRequest",
                subject_id=row.id,
            )
            return 1

        done += await audited(SYSTEM, action, "DataSubjectRequest", work, subject_id=row.id)
    return done


# ---- reading ------------------------------------------------------------------------------


@dataclass(frozen=True)
class RequestFilter:
    subject_account_id: int | None = None
    kind: str | None = None
    status: str | None = None
    overdue: bool | None = None


async def list_requests(
    f: RequestFilter, *, first: int = 50, after_id: int | None = None
) -> tuple[list[DataSubjectRequest], bool, Callable[[], Awaitable[int]]]:
    """Newest first, keyset-paged by id; `count()` counts every match."""
    query = DataSubjectRequest.all()
    if f.subject_account_id is not None:
        query = query.filter(subject_account_id=f.subject_account_id)
    if f.kind:
        query = query.filter(kind=f.kind)
    if f.status:
        query = query.filter(status=f.status)
    if f.overdue is True:
        query = query.filter(status__in=list(OPEN_STATES), due_at__lte=clock.now())
    elif f.overdue is False:
        query = query.exclude(status__in=list(OPEN_STATES), due_at__lte=clock.now())
    page = query.filter(id__lt=after_id) if after_id else query
    first = max(1, min(first, 200))
    rows = await page.order_by("-id").limit(first + 1)
    return rows[:first], len(rows) > first, query.count
