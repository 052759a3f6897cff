"""A guest's personal data as one machine-readable JSON document (PIPL Art. 45, P6.1.3).

Every record of the guest's footprint (`footprint`) is written with its own fields, except what
is a secret of the platform rather than data about the person (password and token hashes,
blind indexes and search tags, staff-only complaint notes). The document is archived encrypted
as a tier 2 customer file tied to the request and read only through a short-lived download
link bound to one account (`domain.documents.links`), never left as a plain file."""

from __future__ import annotations

import datetime as dt
import io
import json
from decimal import Decimal
from typing import Any

from tortoise.expressions import Q

from domain.clock import clock
from domain.documents import uploads
from domain.documents.kinds import Kind
from domain.models import (
    BookingChangeRequest,
    BookingNight,
    CareDelivery,
    ComplaintEvent,
    ConsentRecord,
    ConsentState,
    DataSubjectRequest,
    DownloadGrant,
    LedgerEntry,
    MemberBehaviour,
    Notification,
    PointsAdjustment,
    PointsEntry,
    PointsLot,
    PointsUse,
    Recommendation,
    Refund,
    TierChange,
)
from domain.privacy_rights.footprint import Footprint

FORMAT = "hotel.personal-data-export/v1"
# Every model that holds a link to a guest (an account, member, guest profile or booking) is
# either written out or left out here with the reason; a test keeps this complete, so a new
# table with such a link must be classified before it ships.
EXPORTED_MODELS = frozenset(
    {
        "Account", "Member", "GuestProfile", "Booking", "BookingNight", "Refund",
        "BookingChangeRequest", "PointsEntry", "PointsLot", "PointsUse", "PointsAdjustment",
        "TierChange", "ConsentRecord", "ConsentState", "Complaint", "ComplaintEvent", "Inquiry",
        "FollowUp", "SatisfactionSurvey", "Notification", "CareDelivery", "DataSubjectRequest",
        "MemberBehaviour", "Recommendation", "DownloadGrant", "LedgerEntry",
    }
)  # fmt: skip
NOT_EXPORTED_MODELS: dict[str, str] = {
    "RefreshToken": "session secrets of the platform (hashes), not data about the person",
    "AccountToken": "single-use code hashes; what they carry is the account's own data",
    "AnalysisStay": "a transient copy of bookings staged for the monthly analysis",
    "CrisisMember": "staff accounts only",
    "CrisisAction": "staff accounts only",
    "AuthorizationChange": "staff accounts only",
    "SigningKey": "staff accounts only",
    "MeetingParticipant": "staff accounts only",
    "TrainingRecord": "staff accounts only",
    "SurveyBallot": "staff accounts only (and anonymous by design)",
    "ComplaintDeadline": "the hotel's internal deadlines of a complaint, no data about the guest",
    # Staff records of the people and compliance areas: a guest account has none.
    "Employment": "staff accounts only",
    "EvaluationResult": "staff accounts only",
    "PerformanceTraining": "staff accounts only",
    "IncentiveEntry": "staff accounts only",
    "StaffBlacklistEntry": "staff accounts only",
    "ComplianceTraining": "staff accounts only",
    "ComplianceTrainingReminder": "staff accounts only",
    "OnboardingPlan": "staff accounts only",
    "LearningSession": "staff accounts only",
    "ProcedureRead": "staff accounts only",
    "NoticeRecipient": "staff accounts only (notices go to staff)",
    "IncidentMember": "staff accounts only (leads and task forces)",
}
# Columns that are the platform's secrets or derived lookup keys, not the person's data.
SECRET_COLUMNS = frozenset(
    {
        "password_hash",
        "token_hash",
        "phone_index",
        "email_index",
        "id_document_index",
        "search_terms",
        "secret_hash",
        "guest_key",
    }
)


def _plain(value: Any) -> Any:
    if isinstance(value, dt.datetime | dt.date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    return value


def record(row) -> dict[str, Any]:
    """A row as JSON: its own columns (foreign keys as ids), secrets left out."""
    return {
        name: _plain(getattr(row, name))
        for name in row._meta.fields_db_projection
        if name not in SECRET_COLUMNS
    }


async def build(found: Footprint) -> dict[str, Any]:
    account, member = found.account, found.member
    booking_ids = found.booking_ids or [0]
    complaint_ids = [c.id for c in found.complaints] or [0]
    member_id = member.id if member else 0
    mine = Q(account_id=account.id) | Q(member_id=member_id)
    consent_rows = await ConsentRecord.filter(mine).order_by("id")
    states = await ConsentState.filter(mine).order_by("id")
    return {
        "format": FORMAT,
        "exportedAt": clock.now().isoformat(),
        "account": record(account),
        "member": record(member) if member else None,
        "guestProfiles": [record(p) for p in found.profiles],
        "bookings": [record(b) for b in found.bookings],
        "bookingNights": [
            record(n) for n in await BookingNight.filter(booking_id__in=booking_ids).order_by("id")
        ],
        "refunds": [
            record(r) for r in await Refund.filter(booking_id__in=booking_ids).order_by("id")
        ],
        "bookingChanges": [
            record(c)
            for c in await BookingChangeRequest.filter(booking_id__in=booking_ids).order_by("id")
        ],
        "pointsEntries": [
            record(e) for e in await PointsEntry.filter(member_id=member_id).order_by("id")
        ],
        "pointsLots": [
            record(e) for e in await PointsLot.filter(member_id=member_id).order_by("id")
        ],
        "pointsAdjustments": [
            record(e) for e in await PointsAdjustment.filter(member_id=member_id).order_by("id")
        ],
        "tierChanges": [
            record(e) for e in await TierChange.filter(member_id=member_id).order_by("id")
        ],
        "consentLedger": [record(c) for c in consent_rows],
        "consents": [record(c) for c in states],
        "complaints": [record(c) for c in found.complaints],
        "complaintEvents": [
            record(e)
            for e in await ComplaintEvent.filter(
                complaint_id__in=complaint_ids, internal=False
            ).order_by("id")
        ],
        "inquiries": [record(i) for i in found.inquiries],
        "followUps": [record(f) for f in found.follow_ups],
        "surveys": [record(s) for s in found.surveys],
        "notifications": [
            record(n) for n in await Notification.filter(account_id=account.id).order_by("id")
        ],
        "careDeliveries": [
            record(c) for c in await CareDelivery.filter(member_id=member_id).order_by("id")
        ],
        "dataSubjectRequests": [
            record(r)
            for r in await DataSubjectRequest.filter(subject_account_id=account.id).order_by("id")
        ],
        "pointsUses": [
            record(u) for u in await PointsUse.filter(lot__member_id=member_id).order_by("id")
        ],
        "memberAnalyses": [
            record(b) for b in await MemberBehaviour.filter(member_id=member_id).order_by("id")
        ],
        "recommendations": [
            record(r) for r in await Recommendation.filter(member_id=member_id).order_by("id")
        ],
        "payments": [
            record(e) for e in await LedgerEntry.filter(booking_id__in=booking_ids).order_by("id")
        ],
        "downloadGrants": [
            record(g) for g in await DownloadGrant.filter(account_id=account.id).order_by("id")
        ],
    }


def encode(document: dict[str, Any]) -> bytes:
    return json.dumps(document, ensure_ascii=False, indent=1, sort_keys=True).encode("utf-8")


async def archive(content: bytes) -> uploads.Stored:
    """Put the export into the archive (outside any transaction), encrypted. The request it
    belongs to is named when its row is recorded (`uploads.create_document`)."""
    new = uploads.NewDocument(
        kind=Kind.CUSTOMER_FILE,
        subject="personal data export",
        content_type="application/json",
        description="Personal data export of a data-subject request",
        related_subject_type="DataSubjectRequest",
        related_subject_id="",
    )
    return await uploads.store_content(new, Kind.CUSTOMER_FILE, io.BytesIO(content), None)
