"""All Tortoise models of the platform, one module per area. Tortoise discovers them here."""

from domain.models.approvals import ApprovalDecision, ApprovalRequest
from domain.models.audit import AuditEntry, AuditSeal
from domain.models.bookings import (
    Booking,
    BookingChangeRequest,
    BookingNight,
    GuestProfile,
    InventoryNight,
    Member,
    NightlyRate,
    PointsEntry,
    Refund,
    Room,
    RoomType,
)
from domain.models.consents import ConsentPurpose, ConsentRecord, ConsentState
from domain.models.disputes import Dispute, DisputeEvent
from domain.models.documents import (
    Document,
    DocumentSequence,
    DownloadGrant,
    ReplicaCheck,
    WorkRecordSeal,
)
from domain.models.identity import (
    Account,
    ApiToken,
    AuthorizationChange,
    AuthzVersion,
    RefreshToken,
    RoleGrant,
)
from domain.models.improvement import (
    EmployeeSurvey,
    ImprovementFigures,
    InnovationFund,
    InnovationFundEntry,
    Proposal,
    SurveyBallot,
    SurveyProblemMention,
    SurveyResponse,
    SurveyResponsePool,
    Workshop,
)
from domain.models.meetings import (
    ActionItem,
    Meeting,
    MeetingParticipant,
    MeetingSeries,
    MinutesVersion,
    Resolution,
)
from domain.models.messaging import IdempotencyRecord, Notification, OutboxEvent
from domain.models.policy import PolicyParameterVersion
from domain.models.reports import Report
from domain.models.signatures import Signature, SigningKey

__all__ = [
    "Account",
    "ActionItem",
    "ApiToken",
    "ApprovalDecision",
    "ApprovalRequest",
    "AuditEntry",
    "AuditSeal",
    "AuthorizationChange",
    "AuthzVersion",
    "Booking",
    "BookingChangeRequest",
    "BookingNight",
    "ConsentPurpose",
    "ConsentRecord",
    "ConsentState",
    "Dispute",
    "DisputeEvent",
    "Document",
    "DocumentSequence",
    "DownloadGrant",
    "EmployeeSurvey",
    "GuestProfile",
    "IdempotencyRecord",
    "ImprovementFigures",
    "InnovationFund",
    "InnovationFundEntry",
    "InventoryNight",
    "Meeting",
    "MeetingParticipant",
    "MeetingSeries",
    "Member",
    "MinutesVersion",
    "NightlyRate",
    "Notification",
    "OutboxEvent",
    "PointsEntry",
    "PolicyParameterVersion",
    "Proposal",
    "RefreshToken",
    "Refund",
    "ReplicaCheck",
    "Report",
    "Resolution",
    "RoleGrant",
    "Room",
    "RoomType",
    "Signature",
    "SigningKey",
    "SurveyBallot",
    "SurveyProblemMention",
    "SurveyResponse",
    "SurveyResponsePool",
    "WorkRecordSeal",
    "Workshop",
]
