"""Deleting a guest's personal data (PIPL Art. 47, P6.1.3): anonymise them everywhere while the
records the hotel must keep stay, without identity.

- Refused while they stay: a booking CHECKED_IN, or CONFIRMED with tonight inside its stay
  (STAY_IN_PROGRESS): the front desk needs the guest's identity until they leave.
- Bookings, refunds, nights and the points ledger stay for accounting; the guest profiles
  behind them lose name, phone, e-mail and identity document (and so their blind indexes and
  search tags), special requests and voucher codes.
- The member record is deactivated with its birthday cleared; its behaviour analyses and
  recommendations (profiling) are deleted.
- The account is disabled: its log-in e-mail (plaintext, unique) becomes
  `erased-<id>@erased.invalid`, its name, phone and password go, every session and download
  link is revoked, single-use tokens are deleted.
- Consents: the ledger rows stay as evidence of what was agreed when (they hold ids, purposes,
  notice versions and channels, no identity), and every consent still granted is withdrawn by
  a new ledger row (channel of the request), so nothing is processed on it any more.
- Complaints, their events, inquiries, follow-ups and surveys keep their facts (dates, status,
  scores for the statistics) with their free text redacted; the guest's notifications are
  deleted; outbox messages addressed to them that were not sent are stopped (DEAD), and every
  outbox payload, delivered or pending, is scrubbed of their identifiers.
- Archive documents: the guest's own exports are removed (customer files, no retention);
  documents tied to their records that are under retention, or customer files whose removal
  needs a second person (P6.2.3), remain and are listed with the reason on the request.
- Finally every table (but the sealed audit trail, which never holds personal data) is
  searched for the identifiers and they are replaced (`scrub.scrub_tables`), and the log files
  of the process after the commit (`scrub.scrub_files`).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from tortoise.expressions import Q

from authz.identity import Kind
from domain import access, consents, personal_data
from domain.actor import Actor
from domain.bookings.states import BookingStatus
from domain.clock import clock
from domain.documents.kinds import Status as DocumentStatus
from domain.errors import DomainError, ErrorCode
from domain.models import (
    Account,
    AccountToken,
    Booking,
    BookingChangeRequest,
    Complaint,
    ComplaintEvent,
    ConsentPurpose,
    ConsentState,
    DataSubjectRequest,
    Document,
    DownloadGrant,
    FollowUp,
    GuestProfile,
    Inquiry,
    Member,
    MemberBehaviour,
    Notification,
    OutboxEvent,
    Recommendation,
    SatisfactionSurvey,
)
from domain.outbox import EMAIL, SMS
from domain.outbox import Status as OutboxStatus
from domain.privacy_rights import scrub
from domain.privacy_rights.footprint import Footprint

ERASED = scrub.ERASED
ERASED_NAME = "Erased guest"
UNUSABLE_PASSWORD = "!erased"


@dataclass
class ErasureResult:
    counts: dict[str, int] = field(default_factory=dict)
    retained: list[dict] = field(default_factory=list)
    purge: list[Document] = field(default_factory=list)
    needles: list[str] = field(default_factory=list)

    def summary(self) -> str:
        parts = ", ".join(f"{k} {v}" for k, v in sorted(self.counts.items()) if v)
        return f"anonymised: {parts or 'nothing'}; documents kept: {len(self.retained)}"


def refuse_if_staying(found: Footprint) -> None:
    today = clock.today()
    for booking in found.bookings:
        staying = booking.status == BookingStatus.CHECKED_IN or (
            booking.status == BookingStatus.CONFIRMED
            and booking.check_in <= today < booking.check_out
        )
        if staying:
            raise DomainError(
                ErrorCode.STAY_IN_PROGRESS,
                f"Booking {booking.number} is a stay in progress: the guest's data can be "
                "deleted once they have checked out.",
                "kind",
            )


async def _name_is_shared(found: Footprint, names: set[str]) -> bool:
    """Whether someone else (another account or guest profile) has one of these names: then
    a name alone does not identify the person and is not searched for outside their records."""
    others = (
        await Account.filter(id__not=found.account.id)
        .filter(Q(*(Q(display_name__iexact=n) for n in names), join_type="OR"))
        .exists()
        if names
        else False
    )
    if others:
        return True
    mine = found.profile_ids or [0]
    for name in names:
        words = personal_data.words_of("name", name)
        if not words:
            continue
        query = GuestProfile.filter(id__not_in=mine)
        for alternatives in personal_data.search_filter_tags(words):
            query = query.filter(
                Q(*(Q(search_terms__contains=tag) for tag in alternatives), join_type="OR")
            )
        for candidate in await query.limit(50):
            if " ".join(candidate.full_name.split()).lower() == name.lower():
                return True
    return False


async def _documents(found: Footprint, request_ids: list[int], result: ErasureResult) -> None:
    related = [
        Q(
            related_subject_type="DataSubjectRequest",
            related_subject_id__in=[str(i) for i in request_ids],
        ),
        Q(
            related_subject_type="Booking",
            related_subject_id__in=[str(i) for i in found.booking_ids],
        ),
        Q(
            related_subject_type="Complaint",
            related_subject_id__in=[str(c.id) for c in found.complaints],
        ),
        Q(related_subject_type="Account", related_subject_id=str(found.account.id)),
    ]
    if found.member is not None:
        related.append(Q(related_subject_type="Member", related_subject_id=str(found.member.id)))
    names = [
        c.authorization_document_id
        for c in await BookingChangeRequest.filter(booking_id__in=found.booking_ids or [0])
        if c.authorization_document_id
    ]
    if names:
        related.append(Q(name__in=names))
    now = clock.now()
    for document in await Document.filter(
        Q(*related, join_type="OR"), status=DocumentStatus.ACTIVE
    ).order_by("id"):
        if document.related_subject_type == "DataSubjectRequest" and (
            document.retain_until is None or document.retain_until <= now
        ):
            await Document.filter(id=document.id, status=DocumentStatus.ACTIVE).update(
                status=DocumentStatus.DELETED,
                removed_at=now,
                removed_by_ref="data-subject-deletion",
                removal_reason="personal data export of an erased guest",
            )
            result.purge.append(document)
            continue
        if document.retain_until is not None and document.retain_until > now:
            reason = (
                f"under retention until {document.retain_until.date().isoformat()} "
                f"(tier {document.tier}); kept as the law requires"
            )
        else:
            reason = (
                "customer file without retention date: removed only through deleteDocument "
                "with a second person's confirmation (P6.2.3)"
            )
        result.retained.append({"documentId": document.id, "name": document.name, "reason": reason})


async def erase(actor: Actor, found: Footprint, request: DataSubjectRequest) -> ErasureResult:
    """Anonymise everything of `found` (inside the caller's unit of work)."""
    refuse_if_staying(found)
    result = ErasureResult()
    ids = found.identifiers()
    needles = set(ids["phone"]) | set(ids["email"]) | set(ids["id"])
    names = {" ".join(n.split()) for n in ids["name"] if n and n.strip()}
    names.discard(ERASED_NAME)
    if not await _name_is_shared(found, names):
        needles |= names
    result.needles = scrub.clean_needles(needles)
    account, member = found.account, found.member
    now = clock.now()
    booking_ids = found.booking_ids or [0]
    complaint_ids = [c.id for c in found.complaints] or [0]
    contacts = {v.lower() for v in ids["phone"] | ids["email"]}

    # Guest profiles: identity gone, blind indexes and search tags recomputed from nothing.
    for profile in found.profiles:
        profile.full_name = ERASED_NAME
        profile.phone = profile.email = profile.id_document_number = None
        profile.blacklist_reason = ""
        await profile.save()
    result.counts["guestProfiles"] = len(found.profiles)
    result.counts["bookings"] = await Booking.filter(id__in=booking_ids).update(
        special_requests="", voucher_code=None
    )
    if member is not None:
        await Member.filter(id=member.id).update(
            is_active=False, birth_month=None, birth_day=None, tier_review_on=None
        )
        result.counts["memberAnalyses"] = (
            await MemberBehaviour.filter(member_id=member.id).delete()
            + await Recommendation.filter(member_id=member.id).delete()
        )
    # The account: disabled, its log-in address replaced, every way in revoked.
    await Account.filter(id=account.id).update(
        email=f"erased-{account.id}@erased.invalid",
        display_name=ERASED_NAME,
        phone=None,
        password_hash=UNUSABLE_PASSWORD,
        is_active=False,
        roles=[],
        language="",
    )
    # Open sockets of its sessions hear of it once the deletion commits, and close.
    result.counts["sessions"] = await access.end_sessions(account.id)
    await DownloadGrant.filter(account_id=account.id, expires_at__gt=now).update(expires_at=now)
    result.counts["tokens"] = await AccountToken.filter(account_id=account.id).delete()
    # Consents: the ledger stays as evidence; what is still granted is withdrawn.
    member_id = member.id if member else 0
    channel = "STAFF" if actor.identity.kind == Kind.STAFF else "ONLINE"
    for state in await ConsentState.filter(
        Q(account_id=account.id) | Q(member_id=member_id), granted=True
    ):
        await consents.record(
            actor,
            ConsentPurpose(state.purpose),
            granted=False,
            notice_version=state.notice_version,
            channel=channel,
            account_id=state.account_id if state.member_id is None else None,
            member_id=state.member_id,
        )
    # Free text about them.
    result.counts["complaints"] = len(found.complaints)
    for complaint in found.complaints:
        await Complaint.filter(id=complaint.id).update(
            description=ERASED,
            contact_name=None,
            contact_phone=None,
            resolution=ERASED if complaint.resolution is not None else None,
            satisfaction_comment=None,
        )
    await ComplaintEvent.filter(complaint_id__in=complaint_ids, note__not_isnull=True).update(
        note=ERASED
    )
    result.counts["inquiries"] = await Inquiry.filter(
        id__in=[i.id for i in found.inquiries] or [0]
    ).update(notes="", lost_note="")
    for follow_up in found.follow_ups:
        await FollowUp.filter(id=follow_up.id).update(notes="", guest_key=f"erased:{follow_up.id}")
    result.counts["followUps"] = len(found.follow_ups)
    result.counts["surveys"] = await SatisfactionSurvey.filter(
        id__in=[s.id for s in found.surveys] or [0]
    ).update(comments="")
    result.counts["notifications"] = await Notification.filter(account_id=account.id).delete()
    # Messages to them not sent yet are stopped; payloads are scrubbed below with the rest.
    stopped = 0
    for event in await OutboxEvent.filter(
        status=OutboxStatus.PENDING, destination__in=[EMAIL, SMS]
    ):
        to = str((event.payload or {}).get("to") or "").lower()
        if to and to in contacts:
            stopped += await OutboxEvent.filter(id=event.id, status=OutboxStatus.PENDING).update(
                status=OutboxStatus.DEAD, last_error="recipient erased (data-subject deletion)"
            )
    result.counts["messagesStopped"] = stopped
    await DataSubjectRequest.filter(subject_account_id=account.id).update(corrections=None)
    await _documents(
        found,
        await DataSubjectRequest.filter(subject_account_id=account.id).values_list("id", flat=True),
        result,
    )
    # The safety net: the identifiers wherever they still are.
    scrubbed = await scrub.scrub_tables(result.needles)
    result.counts["otherRows"] = sum(scrubbed.values())
    return result
