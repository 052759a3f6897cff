"""Every "X" of POLICY.md as a named, typed, versioned parameter with a default, unit,
description and clause. Read through `get()`; changed only through `set_parameter()`, which is
audited and keeps every earlier version (P0.3 traceability, P8.3 policy review)."""

from __future__ import annotations

import datetime as dt
import time
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

from tortoise.functions import Max

from domain.actor import Actor
from domain.errors import DomainError, ErrorCode
from domain.models import PolicyParameterVersion


@dataclass(frozen=True)
class Parameter:
    key: str
    value_type: str  # INT | DECIMAL | MONEY | PERCENT | TIME | TEXT | BOOL
    default: Any
    unit: str
    description: str
    clause: str
    minimum: Decimal | int | None = None
    maximum: Decimal | int | None = None


def _p(key, value_type, default, unit, clause, description, minimum=0, maximum=None):
    return Parameter(key, value_type, default, unit, description, clause, minimum, maximum)


D = Decimal
PARAMETERS: dict[str, Parameter] = {
    p.key: p
    for p in [
        _p(
            "repeat_rate_baseline_percent",
            "PERCENT",
            D("20"),
            "%",
            "P1.2",
            "Repeat-purchase rate at the start of the loyalty programme.",
            0,
            100,
        ),
        _p(
            "repeat_rate_target_percent",
            "PERCENT",
            D("35"),
            "%",
            "P1.2",
            "Repeat-purchase rate the loyalty programme aims for within three years.",
            0,
            100,
        ),
        _p(
            "conversion_uplift_target_percent",
            "PERCENT",
            D("10"),
            "%",
            "P1.2",
            "Short-term goal: raise of the booking conversion rate within three months.",
            0,
            100,
        ),
        _p(
            "supervisor_count",
            "INT",
            2,
            "people",
            "P2.1",
            "Number of supervisors heading the department's groups.",
            1,
            50,
        ),
        _p(
            "headcount_cap",
            "INT",
            30,
            "people",
            "P2.3",
            "Maximum headcount of the department; changes need HR review.",
            1,
            10000,
        ),
        _p(
            "hiring_min_experience_years",
            "INT",
            2,
            "years",
            "P2.4",
            "Years of hotel experience required when hiring.",
            0,
            40,
        ),
        _p(
            "onboarding_learning_months",
            "INT",
            3,
            "months",
            "P2.6",
            "Months of basic-position learning for every new employee.",
            0,
            24,
        ),
        _p(
            "booking_process_steps",
            "INT",
            5,
            "steps",
            "P3.1",
            "Standard steps of the booking process (P3.1.1 to P3.1.5).",
            1,
            20,
        ),
        _p(
            "crm_modules",
            "INT",
            5,
            "modules",
            "P3.1",
            "Modules of customer-relationship maintenance (P3.1.7 to P3.1.11).",
            1,
            20,
        ),
        _p(
            "cancellation_grace_hours",
            "INT",
            24,
            "hours",
            "P3.1.5",
            "Free cancellation until this many hours before the local check-in time.",
            0,
            720,
        ),
        _p(
            "late_cancellation_charge_nights",
            "INT",
            1,
            "nights",
            "P3.1.5",
            "Nights charged when a booking is cancelled after the grace period.",
            0,
            30,
        ),
        _p(
            "no_show_refund_percent",
            "PERCENT",
            D("0"),
            "%",
            "P3.1.5",
            "Share of the prepaid amount refunded for a no-show.",
            0,
            100,
        ),
        _p(
            "checkin_local_time",
            "TIME",
            "14:00",
            "HH:MM",
            "P3.1.5",
            "Hotel's local check-in time, the reference point of the cancellation grace period.",
        ),
        _p(
            "checkout_local_time",
            "TIME",
            "12:00",
            "HH:MM",
            "P3.1.1",
            "Hotel's local check-out time.",
        ),
        _p(
            "booking_review_amount",
            "MONEY",
            D("20000"),
            "CNY",
            "P3.1.2",
            "A stay costing more than this goes to staff review before confirmation.",
            0,
        ),
        _p(
            "nightly_rate_max",
            "MONEY",
            D("100000"),
            "CNY",
            "P3.1.1",
            "Highest nightly rate staff may set for a room type: a typing slip of a few digits "
            "is refused instead of selling a night at that price.",
            1,
            10_000_000,
        ),
        _p(
            "max_stay_nights",
            "INT",
            30,
            "nights",
            "P3.1.1",
            "Longest stay one booking may cover.",
            1,
            365,
        ),
        _p(
            "urgent_change_window_hours",
            "INT",
            48,
            "hours",
            "P3.1.4",
            "A change to a booking whose check-in is within this window is urgent and needs "
            "three-level approval.",
            0,
            720,
        ),
        _p(
            "points_per_cny",
            "INT",
            100,
            "points",
            "P3.1.2",
            "Loyalty points that pay for one CNY of a stay when redeemed.",
            1,
            100000,
        ),
        _p(
            "idempotency_retention_hours",
            "INT",
            24,
            "hours",
            "P3.1.1",
            "How long idempotency keys of booking requests are remembered.",
            24,
            720,
        ),
        _p(
            "followup_call_deadline_hours",
            "INT",
            24,
            "hours",
            "P3.1.7",
            "The telephone satisfaction follow-up after a first stay is due within this time.",
            1,
            168,
        ),
        _p(
            "complaint_respond_days",
            "INT",
            5,
            "days",
            "P3.1.9",
            "A complaint is answered within this many days (the '5' of '5+X').",
            1,
            60,
        ),
        _p(
            "complaint_resolve_days",
            "INT",
            10,
            "days",
            "P3.1.9",
            "A complaint is resolved within this many days (the 'X' of '5+X').",
            1,
            120,
        ),
        _p(
            "care_plan_lead_weeks",
            "INT",
            4,
            "weeks",
            "P3.1.11",
            "The annual customer-care plan is drawn up this many weeks in advance.",
            1,
            52,
        ),
        _p(
            "archive_legal_retention_years",
            "INT",
            10,
            "years",
            "P3.2.1",
            "Tier 1 legal documents (contracts, agreements) are write-once and kept at least "
            "this many years; no role may delete one earlier.",
            1,
            100,
        ),
        _p(
            "archive_work_record_retention_years",
            "INT",
            3,
            "years",
            "P3.2.3",
            "Work records are kept this many years, then purged.",
            1,
            30,
        ),
        _p(
            "minutes_draft_hours",
            "INT",
            24,
            "hours",
            "P3.2.6",
            "First draft of meeting minutes is due this many hours after the meeting.",
            1,
            168,
        ),
        _p(
            "report_template_count",
            "INT",
            3,
            "formats",
            "P3.2.7",
            "Standard report formats (daily, weekly, monthly).",
            1,
            20,
        ),
        _p(
            "report_daily_deadline_hours",
            "INT",
            24,
            "hours",
            "P3.2.7",
            "Submission deadline of the daily report.",
            1,
            168,
        ),
        _p(
            "report_weekly_deadline_hours",
            "INT",
            48,
            "hours",
            "P3.2.7",
            "Submission deadline of the weekly report.",
            1,
            336,
        ),
        _p(
            "report_monthly_deadline_hours",
            "INT",
            72,
            "hours",
            "P3.2.7",
            "Submission deadline of the monthly report.",
            1,
            720,
        ),
        _p(
            "report_reminder_lead_hours",
            "INT",
            6,
            "hours",
            "P3.2.7",
            "A reminder goes out this many hours before a report submission deadline.",
            1,
            72,
        ),
        _p(
            "approval_supervisor_limit",
            "MONEY",
            D("10000"),
            "CNY",
            "P4.1.1",
            "Amounts below this are approved by a supervisor.",
            0,
        ),
        _p(
            "approval_director_limit",
            "MONEY",
            D("100000"),
            "CNY",
            "P4.1.1",
            "Amounts up to this are signed by the director; above it the operations committee "
            "decides.",
            0,
        ),
        _p(
            "approval_amount_max",
            "MONEY",
            D("100000000"),
            "CNY",
            "P4.1.1",
            "Largest amount one approval request may ask for; larger sums are split or decided "
            "outside the system.",
            1,
            1_000_000_000,
        ),
        _p(
            "emergency_paperwork_days",
            "INT",
            3,
            "days",
            "P4.1.2",
            "Formal paperwork of an emergency authorisation is completed within this time.",
            1,
            30,
        ),
        _p(
            "weekly_meeting_hours",
            "DECIMAL",
            D("1"),
            "hours",
            "P4.2.1",
            "Length of the weekly business meeting.",
            0,
            24,
        ),
        _p(
            "monthly_meeting_hours",
            "DECIMAL",
            D("2"),
            "hours",
            "P4.2.2",
            "Length of the monthly operations-analysis meeting.",
            0,
            24,
        ),
        _p(
            "quarterly_seminar_hours",
            "DECIMAL",
            D("4"),
            "hours",
            "P4.2.3",
            "Length of the quarterly strategy seminar.",
            0,
            48,
        ),
        _p(
            "resolution_deadline_hours",
            "INT",
            72,
            "hours",
            "P4.2.4",
            "Execution deadline of an important meeting resolution.",
            1,
            2160,
        ),
        _p(
            "special_meeting_notice_hours",
            "INT",
            2,
            "hours",
            "P4.2.6",
            "Notice given to everyone concerned before a special meeting.",
            0,
            168,
        ),
        _p(
            "sales_bonus_top_percent",
            "PERCENT",
            D("10"),
            "%",
            "P5.1.1",
            "Top share of the sales team that gets the monthly extra bonus.",
            0,
            100,
        ),
        _p(
            "cs_failed_training_sessions",
            "INT",
            2,
            "sessions",
            "P5.1.2",
            "Special training sessions for customer-service staff failing the quarterly "
            "assessment.",
            0,
            50,
        ),
        _p("reward_kinds", "INT", 3, "kinds", "P5.2.1", "Kinds of reward.", 1, 20),
        _p(
            "complaint_penalty_min_percent",
            "PERCENT",
            D("5"),
            "%",
            "P5.2.3",
            "Performance pay deducted for the least severe improper complaint handling.",
            0,
            100,
        ),
        _p(
            "complaint_penalty_max_percent",
            "PERCENT",
            D("20"),
            "%",
            "P5.2.3",
            "Performance pay deducted for the most severe improper complaint handling.",
            0,
            100,
        ),
        _p(
            "violation_handling_start_hours",
            "INT",
            24,
            "hours",
            "P5.2.5",
            "Handling of a violation starts within this time.",
            1,
            720,
        ),
        _p(
            "emergency_plan_levels",
            "INT",
            3,
            "levels",
            "P6.2.1",
            "Levels of emergency plans.",
            1,
            10,
        ),
        _p(
            "system_failure_restore_hours",
            "INT",
            4,
            "hours",
            "P6.2.1",
            "A level-1 system failure is restored within this time.",
            1,
            168,
        ),
        _p(
            "audit_sample_percent",
            "PERCENT",
            D("5"),
            "%",
            "P6.2.2",
            "Share of cases internal audit samples each quarter.",
            0,
            100,
        ),
        _p(
            "joint_project_meeting_hours",
            "DECIMAL",
            D("1"),
            "hours",
            "P7.1.3",
            "Length of the weekly progress meeting of a joint project.",
            0,
            24,
        ),
        _p(
            "onboarding_online_learning_hours",
            "INT",
            20,
            "hours",
            "P7.1.4",
            "Hours of online learning new staff complete in the knowledge base.",
            0,
            500,
        ),
        _p(
            "communication_retention_days",
            "INT",
            365,
            "days",
            "P7.1.5",
            "Communication records are kept this many days for tracing.",
            1,
            3650,
        ),
        _p("dispute_steps", "INT", 3, "steps", "P7.2.1", "Steps of dispute resolution.", 1, 10),
        _p(
            "arbitration_decision_days",
            "INT",
            7,
            "days",
            "P7.2.2",
            "The arbitration panel decides within this many days of the application.",
            1,
            90,
        ),
        _p(
            "arbitration_extension_days",
            "INT",
            7,
            "days",
            "P7.2.2",
            "Extension of the arbitration deadline in special cases.",
            0,
            90,
        ),
        _p(
            "workshop_top_problems",
            "INT",
            3,
            "problems",
            "P8.2",
            "The top problems of the staff questionnaire that get a workshop.",
            1,
            20,
        ),
    ]
}


# Pairs that must stay ordered (lower, upper): a change that would invert one is refused.
ORDERED_PAIRS = [
    ("approval_supervisor_limit", "approval_director_limit"),
    ("approval_director_limit", "approval_amount_max"),
    ("complaint_respond_days", "complaint_resolve_days"),
    ("complaint_penalty_min_percent", "complaint_penalty_max_percent"),
    ("repeat_rate_baseline_percent", "repeat_rate_target_percent"),
]


def parse_value(param: Parameter, raw: str) -> Any:
    """Parse and range-check a textual value; raise DomainError(field='value') when it is bad."""
    text = raw.strip()
    try:
        if param.value_type == "INT":
            value: Any = int(text)
        elif param.value_type in ("DECIMAL", "MONEY", "PERCENT"):
            value = Decimal(text)
            if not value.is_finite():
                raise InvalidOperation
            if param.value_type == "MONEY" and value != value.quantize(Decimal("0.01")):
                raise DomainError(
                    ErrorCode.INVALID, "Money has at most two decimal places.", "value"
                )
        elif param.value_type == "TIME":
            value = dt.time.fromisoformat(text).strftime("%H:%M")
        elif param.value_type == "BOOL":
            if text.lower() not in ("true", "false"):
                raise ValueError
            value = text.lower() == "true"
        else:
            value = text
    except (ValueError, InvalidOperation):
        raise DomainError(
            ErrorCode.INVALID,
            f"'{raw}' is not a valid {param.value_type.lower()} for {param.key}.",
            "value",
        ) from None
    if isinstance(value, int | Decimal) and not isinstance(value, bool):
        if param.minimum is not None and value < param.minimum:
            raise DomainError(
                ErrorCode.OUT_OF_RANGE, f"{param.key} must be at least {param.minimum}.", "value"
            )
        if param.maximum is not None and value > param.maximum:
            raise DomainError(
                ErrorCode.OUT_OF_RANGE, f"{param.key} must be at most {param.maximum}.", "value"
            )
    return value


def render(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


@dataclass(frozen=True)
class CurrentValue:
    parameter: Parameter
    value: Any
    version: int
    updated_at: dt.datetime | None


# Cache of the newest versions. Cleared on every local change; other processes pick a change
# up after at most _TTL seconds.
_TTL = 2.0
_cache: dict[str, tuple[str, int, dt.datetime | None]] | None = None
_cache_loaded_at = 0.0


def invalidate_cache() -> None:
    global _cache
    _cache = None


async def _snapshot() -> dict[str, tuple[str, int, dt.datetime | None]]:
    global _cache, _cache_loaded_at
    if _cache is not None and time.monotonic() - _cache_loaded_at < _TTL:
        return _cache
    newest = (
        await PolicyParameterVersion.annotate(latest=Max("version"))
        .group_by("key")
        .values("key", "latest")
    )
    wanted = {(row["key"], row["latest"]) for row in newest}
    rows = await PolicyParameterVersion.filter(key__in=[k for k, _ in wanted])
    snapshot = {
        row.key: (row.value, row.version, row.created_at)
        for row in rows
        if (row.key, row.version) in wanted
    }
    _cache, _cache_loaded_at = snapshot, time.monotonic()
    return snapshot


async def get(key: str) -> Any:
    """The current typed value of a parameter (the one accessor every rule reads through)."""
    param = PARAMETERS[key]
    stored = (await _snapshot()).get(key)
    if stored is None:
        return param.default
    return parse_value(param, stored[0])


async def current_values() -> list[CurrentValue]:
    snapshot = await _snapshot()
    result = []
    for key, param in PARAMETERS.items():
        stored = snapshot.get(key)
        if stored is None:
            result.append(CurrentValue(param, param.default, 0, None))
        else:
            result.append(CurrentValue(param, parse_value(param, stored[0]), stored[1], stored[2]))
    return result


async def set_parameter(actor: Actor, key: str, raw_value: str, reason: str) -> CurrentValue:
    """Store a new version (call inside an audited unit of work)."""
    param = PARAMETERS.get(key)
    if param is None:
        raise DomainError(ErrorCode.NOT_FOUND, f"There is no policy parameter '{key}'.", "key")
    if not reason or not reason.strip():
        raise DomainError(ErrorCode.REQUIRED, "Say why the parameter changes.", "reason")
    value = parse_value(param, raw_value)
    for lower, upper in ORDERED_PAIRS:
        if key == lower and value > await get(upper):
            raise DomainError(ErrorCode.OUT_OF_RANGE,
                              f"{key} may not exceed {upper} ({await get(upper)}).", "value")
        if key == upper and value < await get(lower):
            raise DomainError(ErrorCode.OUT_OF_RANGE,
                              f"{key} may not be below {lower} ({await get(lower)}).", "value")
    latest = await PolicyParameterVersion.filter(key=key).order_by("-version").first()
    version = (latest.version if latest else 0) + 1
    row = await PolicyParameterVersion.create(
        key=key,
        value=render(value),
        version=version,
        reason=reason.strip(),
        changed_by_id=actor.account_id,
    )
    invalidate_cache()
    return CurrentValue(param, value, version, row.created_at)
