"""The catalogue of policy parameters: every "X" of POLICY.md declared once, with its type,
default, unit, clause, description and allowed range (P0.3 traceability, P8.3 policy review).

Each attribute of `PolicyCatalogue` is one parameter; its kind says how its text is parsed and
what it reads as (`Int` -> int, `Money`/`Percent`/`Number` -> Decimal, `TimeOfDay` -> "HH:MM").
Read the current value through `params.<name>` (awaitable, typed) in `domain.policy_params`.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from decimal import Decimal
from typing import Any, ClassVar, Generic, TypeVar, overload

T = TypeVar("T")
Reader = Callable[[str], Awaitable[Any]]


class Parameter(Generic[T]):
    """One declared parameter. Its name is the attribute it is assigned to; on an instance of
    the catalogue the attribute reads as an awaitable of its current value."""

    value_type: ClassVar[str]
    fixed_unit: ClassVar[str | None] = None

    def __init__(
        self,
        default: T,
        *args: str,
        minimum: Decimal | int | None = 0,
        maximum: Decimal | int | None = None,
    ) -> None:
        unit, clause, description = (
            (self.fixed_unit, *args) if self.fixed_unit is not None else args
        )
        self.key = ""
        self.default = default
        self.unit = unit
        self.clause = clause
        self.description = description
        self.minimum = minimum
        self.maximum = maximum

    def __set_name__(self, owner: type, name: str) -> None:
        self.key = name

    @overload
    def __get__(self, instance: None, owner: type) -> Parameter[T]: ...
    @overload
    def __get__(self, instance: PolicyCatalogue, owner: type) -> Awaitable[T]: ...
    def __get__(self, instance, owner):
        if instance is None:
            return self
        return instance.read(self.key)

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.key}={self.default!r})"


class Int(Parameter[int]):
    value_type = "INT"


class Number(Parameter[Decimal]):
    value_type = "DECIMAL"


class Money(Parameter[Decimal]):
    value_type = "MONEY"
    fixed_unit = "CNY"


class Percent(Parameter[Decimal]):
    value_type = "PERCENT"
    fixed_unit = "%"


class TimeOfDay(Parameter[str]):
    value_type = "TIME"
    fixed_unit = "HH:MM"


class PolicyCatalogue:
    """Every parameter of the policy. `PolicyCatalogue(read)` gives typed access to the current
    values through `read(key)`."""

    def __init__(self, read: Reader) -> None:
        self.read = read

    repeat_rate_baseline_percent = Percent(
        Decimal("20"), "P1.2",
        "Repeat-purchase rate at the start of the loyalty programme.",
        maximum=100,
    )
    repeat_rate_target_percent = Percent(
        Decimal("35"), "P1.2",
        "Repeat-purchase rate the loyalty programme aims for within three years.",
        maximum=100,
    )
    conversion_uplift_target_percent = Percent(
        Decimal("10"), "P1.2",
        "Short-term goal: raise of the booking conversion rate within three months.",
        maximum=100,
    )
    supervisor_count = Int(
        2, "people", "P2.1",
        "Number of supervisors heading the department's groups.",
        minimum=1, maximum=50,
    )
    headcount_cap = Int(
        30, "people", "P2.3",
        "Maximum headcount of the department; changes need HR review.",
        minimum=1, maximum=10000,
    )
    hiring_min_experience_years = Int(
        2, "years", "P2.4",
        "Years of hotel experience required when hiring.",
        maximum=40,
    )
    onboarding_learning_months = Int(
        3, "months", "P2.6",
        "Months of basic-position learning for every new employee.",
        maximum=24,
    )
    booking_process_steps = Int(
        5, "steps", "P3.1",
        "Standard steps of the booking process (P3.1.1 to P3.1.5).",
        minimum=1, maximum=20,
    )
    crm_modules = Int(
        5, "modules", "P3.1",
        "Modules of customer-relationship maintenance (P3.1.7 to P3.1.11).",
        minimum=1, maximum=20,
    )
    cancellation_grace_hours = Int(
        24, "hours", "P3.1.5",
        "Free cancellation until this many hours before the local check-in time.",
        maximum=720,
    )
    late_cancellation_charge_nights = Int(
        1, "nights", "P3.1.5",
        "Nights charged when a booking is cancelled after the grace period.",
        maximum=30,
    )
    no_show_refund_percent = Percent(
        Decimal("0"), "P3.1.5",
        "Share of the prepaid amount refunded for a no-show.",
        maximum=100,
    )
    checkin_local_time = TimeOfDay(
        "14:00", "P3.1.5",
        "Hotel's local check-in time, the reference point of the cancellation grace period.",
    )
    checkout_local_time = TimeOfDay(
        "12:00", "P3.1.1",
        "Hotel's local check-out time.",
    )
    booking_review_amount = Money(
        Decimal("20000"), "P3.1.2",
        "A stay costing more than this goes to staff review before confirmation.",
    )
    nightly_rate_max = Money(
        Decimal("100000"), "P3.1.1",
        "Highest nightly rate staff may set for a room type: a typing slip of a few digits "
        "is refused instead of selling a night at that price.",
        minimum=1, maximum=10000000,
    )
    max_stay_nights = Int(
        30, "nights", "P3.1.1",
        "Longest stay one booking may cover.",
        minimum=1, maximum=365,
    )
    urgent_change_window_hours = Int(
        48, "hours", "P3.1.4",
        "A change to a booking whose check-in is within this window is urgent and needs "
        "three-level approval.",
        maximum=720,
    )
    points_per_cny = Int(
        100, "points", "P3.1.2",
        "Loyalty points that pay for one CNY of a stay when redeemed.",
        minimum=1, maximum=100000,
    )
    idempotency_retention_hours = Int(
        24, "hours", "P3.1.1",
        "How long idempotency keys of booking requests are remembered.",
        minimum=24, maximum=720,
    )
    followup_call_deadline_hours = Int(
        24, "hours", "P3.1.7",
        "The telephone satisfaction follow-up after a first stay is due within this time.",
        minimum=1, maximum=168,
    )
    complaint_respond_days = Int(
        5, "days", "P3.1.9",
        "A complaint is answered within this many days (the '5' of '5+X').",
        minimum=1, maximum=60,
    )
    complaint_resolve_days = Int(
        10, "days", "P3.1.9",
        "A complaint is resolved within this many days (the 'X' of '5+X').",
        minimum=1, maximum=120,
    )
    care_plan_lead_weeks = Int(
        4, "weeks", "P3.1.11",
        "The annual customer-care plan is drawn up this many weeks in advance.",
        minimum=1, maximum=52,
    )
    archive_legal_retention_years = Int(
        10, "years", "P3.2.1",
        "Tier 1 legal documents (contracts, agreements) are write-once and kept at least this "
        "many years; no role may delete one earlier.",
        minimum=1, maximum=100,
    )
    archive_work_record_retention_years = Int(
        3, "years", "P3.2.3",
        "Work records are kept this many years, then purged.",
        minimum=1, maximum=30,
    )
    minutes_draft_hours = Int(
        24, "hours", "P3.2.6",
        "First draft of meeting minutes is due this many hours after the meeting.",
        minimum=1, maximum=168,
    )
    report_template_count = Int(
        3, "formats", "P3.2.7",
        "Standard report formats (daily, weekly, monthly).",
        minimum=1, maximum=20,
    )
    report_daily_deadline_hours = Int(
        24, "hours", "P3.2.7",
        "Submission deadline of the daily report.",
        minimum=1, maximum=168,
    )
    report_weekly_deadline_hours = Int(
        48, "hours", "P3.2.7",
        "Submission deadline of the weekly report.",
        minimum=1, maximum=336,
    )
    report_monthly_deadline_hours = Int(
        72, "hours", "P3.2.7",
        "Submission deadline of the monthly report.",
        minimum=1, maximum=720,
    )
    report_reminder_lead_hours = Int(
        6, "hours", "P3.2.7",
        "A reminder goes out this many hours before a report submission deadline.",
        minimum=1, maximum=72,
    )
    approval_supervisor_limit = Money(
        Decimal("10000"), "P4.1.1",
        "Amounts below this are approved by a supervisor.",
    )
    approval_director_limit = Money(
        Decimal("100000"), "P4.1.1",
        "Amounts up to this are signed by the director; above it the operations committee "
        "decides.",
    )
    approval_amount_max = Money(
        Decimal("100000000"), "P4.1.1",
        "Largest amount one approval request may ask for; larger sums are split or decided "
        "outside the system.",
        minimum=1, maximum=1000000000,
    )
    emergency_paperwork_days = Int(
        3, "days", "P4.1.2",
        "Formal paperwork of an emergency authorisation is completed within this time.",
        minimum=1, maximum=30,
    )
    weekly_meeting_hours = Number(
        Decimal("1"), "hours", "P4.2.1",
        "Length of the weekly business meeting.",
        maximum=24,
    )
    monthly_meeting_hours = Number(
        Decimal("2"), "hours", "P4.2.2",
        "Length of the monthly operations-analysis meeting.",
        maximum=24,
    )
    quarterly_seminar_hours = Number(
        Decimal("4"), "hours", "P4.2.3",
        "Length of the quarterly strategy seminar.",
        maximum=48,
    )
    resolution_deadline_hours = Int(
        72, "hours", "P4.2.4",
        "Execution deadline of an important meeting resolution.",
        minimum=1, maximum=2160,
    )
    special_meeting_notice_hours = Int(
        2, "hours", "P4.2.6",
        "Notice given to everyone concerned before a special meeting.",
        maximum=168,
    )
    meeting_schedule_ahead_days = Int(
        28, "days", "P4.2.1",
        "Regular meetings are scheduled, and announced, this far ahead.",
        minimum=1, maximum=366,
    )
    sales_bonus_top_percent = Percent(
        Decimal("10"), "P5.1.1",
        "Top share of the sales team that gets the monthly extra bonus.",
        maximum=100,
    )
    cs_failed_training_sessions = Int(
        2, "sessions", "P5.1.2",
        "Special training sessions for customer-service staff failing the quarterly assessment.",
        maximum=50,
    )
    reward_kinds = Int(
        3, "kinds", "P5.2.1",
        "Kinds of reward.",
        minimum=1, maximum=20,
    )
    complaint_penalty_min_percent = Percent(
        Decimal("5"), "P5.2.3",
        "Performance pay deducted for the least severe improper complaint handling.",
        maximum=100,
    )
    complaint_penalty_max_percent = Percent(
        Decimal("20"), "P5.2.3",
        "Performance pay deducted for the most severe improper complaint handling.",
        maximum=100,
    )
    violation_handling_start_hours = Int(
        24, "hours", "P5.2.5",
        "Handling of a violation starts within this time.",
        minimum=1, maximum=720,
    )
    emergency_plan_levels = Int(
        3, "levels", "P6.2.1",
        "Levels of emergency plans.",
        minimum=1, maximum=10,
    )
    system_failure_restore_hours = Int(
        4, "hours", "P6.2.1",
        "A level-1 system failure is restored within this time.",
        minimum=1, maximum=168,
    )
    audit_sample_percent = Percent(
        Decimal("5"), "P6.2.2",
        "Share of cases internal audit samples each quarter.",
        maximum=100,
    )
    joint_project_meeting_hours = Number(
        Decimal("1"), "hours", "P7.1.3",
        "Length of the weekly progress meeting of a joint project.",
        maximum=24,
    )
    onboarding_online_learning_hours = Int(
        20, "hours", "P7.1.4",
        "Hours of online learning new staff complete in the knowledge base.",
        maximum=500,
    )
    communication_retention_days = Int(
        365, "days", "P7.1.5",
        "Communication records are kept this many days for tracing.",
        minimum=1, maximum=3650,
    )
    audit_seal_lag_seconds = Int(
        10, "seconds", "P0.3",
        "Audit entries are sealed once they are this old, so transactions still running "
        "can commit the ids they took before their range is sealed.",
        maximum=3600,
    )
    audit_seal_interval_minutes = Int(
        5, "minutes", "P0.3",
        "Audit entries are sealed into a signed, archived hash tree at least this often.",
        maximum=1440,
    )
    dispute_steps = Int(
        3, "steps", "P7.2.1",
        "Steps of dispute resolution before the appeals: direct talk, supervisor mediation, "
        "the department arbitration panel (the first this many apply).",
        minimum=1, maximum=3,
    )
    arbitration_decision_days = Int(
        7, "days", "P7.2.2",
        "The arbitration panel decides within this many days of the application.",
        minimum=1, maximum=90,
    )
    arbitration_extension_days = Int(
        7, "days", "P7.2.2",
        "Extension of the arbitration deadline in special cases.",
        maximum=90,
    )
    dispute_appeal_days = Int(
        14, "days", "P7.2.3",
        "A party who disagrees with an outcome may take it to the next step within this time.",
        minimum=1, maximum=90,
    )
    workshop_top_problems = Int(
        3, "problems", "P8.2",
        "The top problems of the staff questionnaire that get a workshop.",
        minimum=1, maximum=20,
    )
    max_open_sockets_per_account = Int(
        5, "sockets", "P6.1.2",
        "Live sockets one account or API token may hold open at once; each is a standing "
        "channel to customer data, so a leaked credential reaches no further.",
        minimum=1, maximum=100,
    )
    # ---- complaints (P3.1.6, P3.1.9); complaint_respond_days and complaint_resolve_days above
    complaint_warning_hours = Int(
        24, "hours", "P3.1.9",
        "The complaint's handler is warned this long before its response or resolution is due.",
        minimum=1, maximum=240,
    )
    complaint_reopen_days = Int(
        14, "days", "P3.1.9",
        "A guest may reopen a resolved complaint within this many days of its resolution.",
        minimum=1, maximum=365,
    )
    # -- follow-ups and care (P3.1.7, P3.1.11) --
    satisfaction_survey_valid_days = Int(
        30, "days", "P3.1.7",
        "The single-use link of a first-stay satisfaction survey works this many days.",
        minimum=1, maximum=365,
    )
    # -- inquiries and conversion (P1.2, P3.1.1) --
    conversion_rate_baseline_percent = Percent(
        Decimal("20"), "P1.2",
        "Booking conversion rate (share of inquiries that became bookings) when the "
        "short-term goal was set: the target is this raised by conversion_uplift_target_percent.",
        maximum=100,
    )

    # ---- authority and dual review (issue 10: P4.1.1, P4.1.2, P6.2.3) ----
    approval_committee_quorum = Int(
        2, "members", "P4.1.1",
        "Distinct operations-committee members whose approval a committee decision needs.",
        minimum=1, maximum=20,
    )
    emergency_paperwork_reminder_hours = Int(
        24, "hours", "P4.1.2",
        "The deciders of an emergency's formal paperwork are reminded this long before it is "
        "due.",
        minimum=1, maximum=720,
    )
    dual_review_expiry_hours = Int(
        24, "hours", "P6.2.3",
        "A high-risk operation not confirmed by a second person within this time expires.",
        minimum=1, maximum=720,
    )
    dual_review_refund_limit = Money(
        Decimal("5000"), "P6.2.3",
        "Refunds above this amount are paid only after a second person confirms them.",
    )
    # ---- members and loyalty (P3.1.2 points, P3.1.10 tiers) ----
    points_expiry_months = Int(
        24, "months", "P3.1.2",
        "Points expire this many months after they were earned, oldest first.",
        minimum=1, maximum=120,
    )
    points_expiry_warning_days = Int(
        30, "days", "P3.1.2",
        "A member is told this many days before points expire.",
        minimum=1, maximum=365,
    )
    points_adjust_approval_limit = Int(
        5000, "points", "P3.1.2",
        "A manual points adjustment larger than this waits for a supervisor's or director's "
        "approval.",
        maximum=10_000_000,
    )
    points_earn_rate_standard = Number(
        Decimal("1"), "points per CNY", "P3.1.2",
        "Points a STANDARD member earns per yuan spent, credited at check-out.",
        maximum=100,
    )
    points_earn_rate_silver = Number(
        Decimal("1.25"), "points per CNY", "P3.1.2",
        "Points a SILVER member earns per yuan spent, credited at check-out.",
        maximum=100,
    )
    points_earn_rate_gold = Number(
        Decimal("1.5"), "points per CNY", "P3.1.2",
        "Points a GOLD member earns per yuan spent, credited at check-out.",
        maximum=100,
    )
    points_earn_rate_platinum = Number(
        Decimal("2"), "points per CNY", "P3.1.2",
        "Points a PLATINUM member earns per yuan spent, credited at check-out.",
        maximum=100,
    )
    tier_silver_spend = Money(
        Decimal("5000"), "P3.1.10",
        "Spend over the trailing 12 months that (with the nights) qualifies for SILVER.",
        maximum=100_000_000,
    )
    tier_silver_nights = Int(
        5, "nights", "P3.1.10",
        "Nights over the trailing 12 months that (with the spend) qualify for SILVER.",
        maximum=366,
    )
    tier_gold_spend = Money(
        Decimal("15000"), "P3.1.10",
        "Spend over the trailing 12 months that (with the nights) qualifies for GOLD.",
        maximum=100_000_000,
    )
    tier_gold_nights = Int(
        15, "nights", "P3.1.10",
        "Nights over the trailing 12 months that (with the spend) qualify for GOLD.",
        maximum=366,
    )
    tier_platinum_spend = Money(
        Decimal("40000"), "P3.1.10",
        "Spend over the trailing 12 months that (with the nights) qualifies for PLATINUM.",
        maximum=100_000_000,
    )
    tier_platinum_nights = Int(
        40, "nights", "P3.1.10",
        "Nights over the trailing 12 months that (with the spend) qualify for PLATINUM.",
        maximum=366,
    )
    # Crisis group (P4.1.4).
    crisis_group_max_hours = Int(
        72, "hours", "P4.1.4",
        "Longest a crisis decision group may hold the highest authority before it dissolves.",
        minimum=1, maximum=720,
    )
    # Improvement (P8).
    survey_release_batch = Int(
        5, "answers", "P8.1",
        "Anonymous survey answers are released in shuffled batches of at least this many, and "
        "a survey's results are shown only once this many are released.",
        minimum=2, maximum=100,
    )
    improvement_followup_days = Int(
        30, "days", "P8.4",
        "An adopted improvement is followed by the figures of this many days before adoption "
        "and as many after it.",
        minimum=1, maximum=365,
    )
    policy_review_reminder_days = Int(
        14, "days", "P8.3",
        "The director, supervisors and committee are reminded this long before the "
        "six-monthly policy review is due.",
        minimum=1, maximum=90,
    )
    # Organisation (P2.5, P2.6).
    promotion_min_rating = Number(
        Decimal("4.0"), "points", "P2.5",
        "A promotion needs a performance review rated at least this (1 to 5); people rated this "
        "high are also the top performers with priority for cross-department training (P2.6).",
        minimum=Decimal("1"), maximum=Decimal("5"),
    )
    rotation_interval_months = Int(
        24, "months", "P2.6",
        "Internal rotation is due this many months after hiring or the last rotation.",
        minimum=1, maximum=120,
    )
    rotation_reminder_days = Int(
        30, "days", "P2.6",
        "HR and the supervisor are reminded this many days before a rotation is due.",
        minimum=0, maximum=365,
    )
    # Compliance (P6.1.4).
    compliance_training_valid_days = Int(
        365, "days", "P6.1.4",
        "A data-protection training holds this long from the day it was completed; staff who "
        "handle personal data must renew it before then.",
        minimum=30, maximum=1095,
    )
    compliance_training_notice_days = Int(
        30, "days", "P6.1.4",
        "Staff are told this long before their data-protection training runs out.",
        minimum=1, maximum=180,
    )
    # Performance evaluation (P5.1).
    evaluation_min_raters = Int(
        3, "raters", "P5.1.4",
        "A 360-degree result shows scores only when at least this many raters answered.",
        minimum=2, maximum=50,
    )
    evaluation_360_raters = Int(
        5, "raters", "P5.1.4",
        "Raters from other departments assigned to each colleague in a 360-degree cycle.",
        minimum=2, maximum=50,
    )
    evaluation_window_days = Int(
        7, "days", "P5.1.4",
        "An evaluation cycle stays open this many days after its period ends.",
        minimum=1, maximum=60,
    )
    cs_min_first_contact_resolution_percent = Percent(
        Decimal("70"), "P5.1.2",
        "A customer-service representative fails the quarterly assessment below this "
        "first-contact resolution rate.",
        maximum=100,
    )
    cs_min_satisfaction_score = Number(
        Decimal("3.5"), "points", "P5.1.2",
        "A customer-service representative fails the quarterly assessment below this average "
        "satisfaction score (1-5).",
        minimum=1, maximum=5,
    )
    cs_max_response_hours = Int(
        24, "hours", "P5.1.2",
        "A customer-service representative fails the quarterly assessment above this average "
        "response time.",
        minimum=1, maximum=720,
    )
    cs_training_spacing_days = Int(
        14, "days", "P5.1.2",
        "The special training sessions after a failed assessment are due this many days apart.",
        minimum=1, maximum=90,
    )
    facility_fix_hours = Int(
        24, "hours", "P5.1.3",
        "A facility fault raised to Engineering is to be fixed within this time.",
        minimum=1, maximum=720,
    )
    # Knowledge: notices, the knowledge base and onboarding learning (P7.1.4, P7.1.5, P8.6).
    onboarding_learning_reminder_days = Int(
        7, "days", "P7.1.4",
        "A new staff member behind their online learning schedule is reminded at most this "
        "often.",
        minimum=1, maximum=90,
    )
    # Privacy: data-subject requests (P6.1.3, PIPL Arts. 44-50).
    data_subject_request_days = Int(
        15, "days", "P6.1.3",
        "A guest's request to export, correct or delete their personal data is answered "
        "within this many days of filing.",
        minimum=1, maximum=60,
    )
    data_subject_request_reminder_days = Int(
        3, "days", "P6.1.3",
        "Privacy staff are reminded of an open data-subject request this many days before it "
        "is due (it is escalated to the supervisors and directors once overdue).",
        minimum=1, maximum=30,
    )


PARAMETERS: dict[str, Parameter] = {
    value.key: value for value in vars(PolicyCatalogue).values() if isinstance(value, Parameter)
}

# Pairs that must stay ordered (lower, upper): a change that would invert one is refused.
ORDERED_PAIRS = [
    ("approval_supervisor_limit", "approval_director_limit"),
    ("approval_director_limit", "approval_amount_max"),
    ("complaint_respond_days", "complaint_resolve_days"),
    ("complaint_penalty_min_percent", "complaint_penalty_max_percent"),
    ("repeat_rate_baseline_percent", "repeat_rate_target_percent"),
    ("tier_silver_spend", "tier_gold_spend"),
    ("tier_gold_spend", "tier_platinum_spend"),
    ("tier_silver_nights", "tier_gold_nights"),
    ("tier_gold_nights", "tier_platinum_nights"),
]
