"""All Tortoise models of the platform, one module per area. Tortoise discovers them here."""

from domain.models.accounts import AccountToken, AccountTokenPurpose
from domain.models.analysis import AnalysisRun, AnalysisStay, MemberBehaviour, Recommendation
from domain.models.approvals import ApprovalDecision, ApprovalRequest
from domain.models.audit import AuditEntry, AuditSeal
from domain.models.bookings import (
    Booking,
    BookingChangeRequest,
    BookingNight,
    BookingTally,
    GuestProfile,
    InventoryNight,
    Member,
    NightlyRate,
    PointsEntry,
    Refund,
    Room,
    RoomType,
)
from domain.models.care import CareCampaign, CareDelivery
from domain.models.complaints import Complaint, ComplaintDeadline, ComplaintEvent
from domain.models.consents import ConsentPurpose, ConsentRecord, ConsentState
from domain.models.crisis import CrisisAction, CrisisGroup, CrisisMember
from domain.models.disputes import Dispute, DisputeEvent
from domain.models.documents import (
    Document,
    DocumentSequence,
    DownloadGrant,
    ReplicaCheck,
    WorkRecordSeal,
)
from domain.models.dual_review import PendingOperation
from domain.models.finance import Budget, BudgetCommitment, LedgerEntry
from domain.models.followups import FollowUp, SatisfactionSurvey
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
    PolicyChange,
    PolicyReview,
    Proposal,
    SurveyBallot,
    SurveyProblemMention,
    SurveyResponse,
    SurveyResponsePool,
    TrainingRecord,
    Workshop,
)
from domain.models.incentives import IncentiveEntry, StaffBlacklistEntry, ViolationCase
from domain.models.inquiries import Inquiry
from domain.models.knowledge import (
    LearningSession,
    Notice,
    NoticeRecipient,
    OnboardingPlan,
    PhoneCall,
    Procedure,
    ProcedureRead,
    ProcedureVersion,
)
from domain.models.meetings import (
    ActionItem,
    Meeting,
    MeetingParticipant,
    MeetingSeries,
    MinutesVersion,
    Resolution,
)
from domain.models.members import PointsAdjustment, PointsLot, PointsUse, TierChange
from domain.models.messaging import IdempotencyRecord, Notification, OutboxEvent
from domain.models.observability import JobRun
from domain.models.organisation import (
    Department,
    EmployeeAssessment,
    Employment,
    OrgGroup,
    Position,
    Project,
    ProjectInterface,
    Promotion,
    RotationPlan,
)
from domain.models.performance import (
    EvaluationCycle,
    EvaluationResult,
    FacilityTicket,
    KpiSnapshotRun,
    PeerRatingTally,
    PeerRatingTask,
    PerformanceTraining,
)
from domain.models.policy import PolicyParameterVersion
from domain.models.privacy import DataSubjectRequest
from domain.models.reports import Report
from domain.models.signatures import Signature, SigningKey

__all__ = [
    "Account",
    "AccountToken",
    "AccountTokenPurpose",
    "ActionItem",
    "AnalysisRun",
    "AnalysisStay",
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
    "BookingTally",
    "Budget",
    "BudgetCommitment",
    "CareCampaign",
    "CareDelivery",
    "Complaint",
    "ComplaintDeadline",
    "ComplaintEvent",
    "ConsentPurpose",
    "ConsentRecord",
    "ConsentState",
    "CrisisAction",
    "CrisisGroup",
    "CrisisMember",
    "DataSubjectRequest",
    "Department",
    "Dispute",
    "DisputeEvent",
    "Document",
    "DocumentSequence",
    "DownloadGrant",
    "EmployeeAssessment",
    "EmployeeSurvey",
    "Employment",
    "EvaluationCycle",
    "EvaluationResult",
    "FacilityTicket",
    "FollowUp",
    "GuestProfile",
    "IdempotencyRecord",
    "ImprovementFigures",
    "IncentiveEntry",
    "InnovationFund",
    "InnovationFundEntry",
    "Inquiry",
    "InventoryNight",
    "JobRun",
    "KpiSnapshotRun",
    "LearningSession",
    "LedgerEntry",
    "Meeting",
    "MeetingParticipant",
    "MeetingSeries",
    "Member",
    "MemberBehaviour",
    "MinutesVersion",
    "NightlyRate",
    "Notice",
    "NoticeRecipient",
    "Notification",
    "OnboardingPlan",
    "OrgGroup",
    "OutboxEvent",
    "PeerRatingTally",
    "PeerRatingTask",
    "PendingOperation",
    "PerformanceTraining",
    "PhoneCall",
    "PointsAdjustment",
    "PointsEntry",
    "PointsLot",
    "PointsUse",
    "PolicyChange",
    "PolicyParameterVersion",
    "PolicyReview",
    "Position",
    "Procedure",
    "ProcedureRead",
    "ProcedureVersion",
    "Project",
    "ProjectInterface",
    "Promotion",
    "Proposal",
    "Recommendation",
    "RefreshToken",
    "Refund",
    "ReplicaCheck",
    "Report",
    "Resolution",
    "RoleGrant",
    "Room",
    "RoomType",
    "RotationPlan",
    "SatisfactionSurvey",
    "Signature",
    "SigningKey",
    "StaffBlacklistEntry",
    "SurveyBallot",
    "SurveyProblemMention",
    "SurveyResponse",
    "SurveyResponsePool",
    "TierChange",
    "TrainingRecord",
    "ViolationCase",
    "WorkRecordSeal",
    "Workshop",
]

# Compliance (P6.1.2-P6.1.4).
from domain.models.compliance import (
    AssessmentResult,
    ComplianceTraining,
    ComplianceTrainingReminder,
    Partner,
    PartnerToken,
    SecurityAssessment,
)
from domain.models.risk import (
    AuditSample,
    Incident,
    IncidentEvent,
    IncidentMember,
    IncidentNotice,
    InternalAudit,
)

__all__ += [
    "AssessmentResult",
    "ComplianceTraining",
    "ComplianceTrainingReminder",
    "Partner",
    "PartnerToken",
    "SecurityAssessment",
]

__all__ += [
    "AuditSample",
    "Incident",
    "IncidentEvent",
    "IncidentMember",
    "IncidentNotice",
    "InternalAudit",
]
