"""Demo data for the embedded default (CONTRACT.md "Demo data"): one staff account per role,
a member guest, and the demo hotel's rooms and rates. Refused in production."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from authz.identity import Identity
from authz.passwords import hash_new_password
from domain import consents, inquiries
from domain.actor import SYSTEM, Actor
from domain.bookings.profiles import GuestDetails
from domain.clock import clock
from domain.demo_inventory import seed_demo_inventory
from domain.members import MEMBERSHIP_TERMS_VERSION, create_member
from domain.models import Account, ConsentPurpose
from domain.unit_of_work import audited

DEMO_PASSWORD = "demo-pass-2026"

DEMO_STAFF = [
    ("director@demo.hotel", "Dana Director", ["director"]),
    ("supervisor@demo.hotel", "Sam Supervisor", ["supervisor"]),
    ("supervisor2@demo.hotel", "Sue Supervisor", ["supervisor"]),
    ("agent@demo.hotel", "Alex Agent", ["booking_agent"]),
    ("cs@demo.hotel", "Casey Service", ["cs_rep"]),
    ("analyst@demo.hotel", "Ana Analyst", ["data_analyst"]),
    ("finance@demo.hotel", "Fei Finance", ["finance"]),
    ("legal@demo.hotel", "Lee Legal", ["legal"]),
    ("hr@demo.hotel", "Hana HR", ["hr"]),
    ("auditor@demo.hotel", "Aud Auditor", ["auditor"]),
    ("techlead@demo.hotel", "Tao Techlead", ["tech_lead"]),
    ("committee@demo.hotel", "Cora Committee", ["committee"]),
    # A committee decision needs a quorum of distinct members (P4.1.1, default 2), and an
    # admin's high-risk change a second admin's confirmation (P6.2.3 dual review).
    ("committee2@demo.hotel", "Kit Committee", ["committee"]),
    ("admin@demo.hotel", "Adi Admin", ["admin"]),
    ("admin2@demo.hotel", "Ada Admin", ["admin"]),
    # Public relations leads level-2 incidents (P6.2.1).
    ("pr@demo.hotel", "Pat Relations", ["pr"]),
]
DEMO_GUEST = ("guest@demo.hotel", "Gao Guest")


def example_variables(today: dt.date) -> dict:
    """Variables for the README's booking example: two nights for two, two weeks from `today`
    (the hotel's local date), so the example never points at a past date."""
    check_in = today + dt.timedelta(days=14)
    return {
        "checkIn": check_in.isoformat(),
        "checkOut": (check_in + dt.timedelta(days=2)).isoformat(),
        "guests": 2,
    }



async def _seed_hotel(guest: Account) -> None:
    """Rooms, rates and the inventory calendar, and the demo guest's membership."""
    await audited(SYSTEM, "seedDemoInventory", "RoomType", seed_demo_inventory)

    async def membership():
        member = await create_member(
            SYSTEM,
            GuestDetails(full_name=DEMO_GUEST[1], phone="+8613800138000", email=DEMO_GUEST[0]),
            tier="GOLD",
            points=20_000,
            account_id=guest.id,
        )
        # The demo member joined on the current membership terms (P6.1.3), like a real one.
        await consents.record(
            SYSTEM,
            ConsentPurpose.MEMBERSHIP,
            granted=True,
            notice_version=MEMBERSHIP_TERMS_VERSION,
            channel="STAFF",
            member_id=member.id,
        )
        return member

    await audited(SYSTEM, "seedDemoMember", "Member", membership)


async def _seed_complaints(guest: Account) -> None:
    """Two complaints to try the handling on (P3.1.6): one the demo guest filed online that
    waits for customer service to take it, and a MAJOR one cs@demo.hotel recorded by phone
    (it owns it) that needs a supervisor before it can be resolved."""
    from authz.identity import Identity
    from domain.actor import Actor
    from domain.complaints import NewComplaint, service

    guest = await Account.get(id=guest.id)  # with the membership the hotel seeder linked
    rep = await Account.get(email="cs@demo.hotel")
    filed = [
        (guest, NewComplaint("ONLINE", "GENERAL", "NOISE",
                             "Construction noise next door from 7 a.m. every day.")),
        (rep, NewComplaint("PHONE", "MAJOR", "BILLING",
                           "Charged twice for the same stay; guest asks for a refund today.",
                           member_id=guest.member_id, contact_name="Gao Guest",
                           contact_phone="+8613800138000")),
    ]
    for account, new in filed:
        actor = Actor(identity=Identity.of_account(account))
        await audited(actor, "fileComplaint", "Complaint",
                      lambda actor=actor, new=new: service.file(actor, new))


async def _seed_care(guest: Account) -> None:
    """The demo member's birthday and marketing consent, and next year's birthday campaign
    (P3.1.11), so a tester sees the care plan and, on the day, the greeting."""
    from domain import care, consents
    from domain.clock import clock
    from domain.models import ConsentPurpose, Member
    from domain.policy_params import params

    account = await Account.get(id=guest.id)
    if account.member_id is None:
        return
    today = clock.today()
    await Member.filter(id=account.member_id).update(birth_month=today.month, birth_day=1)

    async def plan():
        await consents.record(
            SYSTEM, ConsentPurpose.MARKETING, granted=True, notice_version="demo",
            channel="STAFF", member_id=account.member_id,
        )
        weeks = await params.care_plan_lead_weeks
        start = max(dt.date(today.year + 1, 1, 1), today + dt.timedelta(weeks=weeks))
        return await care.plan(
            SYSTEM, kind=care.CampaignKind.BIRTHDAY, name="Birthday greetings",
            message="Happy birthday from all of us at the hotel!",
            perk="A free late check-out on a stay in your birthday month", run_on=start,
        )

    await audited(SYSTEM, "seedDemoCarePlan", "CareCampaign", plan)


async def _seed_inquiries(guest: Account) -> None:
    """A few inquiries for the conversion statistics (P3.1.1, P1.2): two open phone and
    walk-in inquiries taken by the agent, and one the agent lost on price."""
    agent = Actor(Identity.of_account(await Account.get(email="agent@demo.hotel")))
    today = clock.today()
    needs = [
        ("PHONE", 10, 2, "Quiet room, late arrival", None),
        ("WALK_IN", 21, 3, "Family with a child", None),
        ("PHONE", 30, 2, "Asked for a sea view under budget", "PRICE"),
    ]
    for channel, ahead, guests, notes, lost in needs:
        check_in = today + dt.timedelta(days=ahead)

        async def work(channel=channel, check_in=check_in, guests=guests, notes=notes, lost=lost):
            inquiry = await inquiries.record_inquiry(
                agent,
                channel=channel,
                check_in=check_in,
                check_out=check_in + dt.timedelta(days=2),
                guests=guests,
                budget_amount=Decimal("900.00"),
                notes=notes,
                contact=GuestDetails(full_name="Demo Caller", phone="+8613900000000"),
            )
            if lost:
                await inquiries.mark_lost(agent, inquiry.id, lost)
            return inquiry

        await audited(SYSTEM, "seedDemoInquiry", "Inquiry", work)


async def _seed_finance(guest: Account) -> None:
    """A budget line of this month (P4.1.3), declared by the supervisor and approved by the
    director, so spending against it can be tried at once."""
    from authz.identity import Identity
    from domain import approvals
    from domain.actor import Actor
    from domain.clock import clock
    from domain.finance import budgets

    def actor(account: Account) -> Actor:
        return Actor(identity=Identity.of_account(account))

    supervisor = await Account.get(email="supervisor@demo.hotel")
    director = await Account.get(email="director@demo.hotel")
    budget = await audited(
        actor(supervisor),
        "declareBudget",
        "Budget",
        lambda: budgets.declare_budget(
            actor(supervisor),
            department="BOOKING_CRM",
            category="MARKETING",
            month=clock.today().strftime("%Y-%m"),
            amount="20000.00",
            currency=budgets.BUDGET_CURRENCY,
            reason="Demo: this month's marketing budget",
        ),
    )
    await audited(
        actor(director),
        "decideApproval",
        "ApprovalRequest",
        lambda: approvals.decide_approval(
            actor(director), budget.approval_id, "APPROVE", "demo budget"
        ),
    )


async def _seed_improvement(guest: Account) -> None:
    """An innovation fund to reward proposals from, and the first six-monthly policy review."""
    from domain import improvement

    await audited(
        SYSTEM,
        "seedDemoInnovationFund",
        "InnovationFundEntry",
        lambda: improvement.fund.deposit(SYSTEM, "5000.00", "Demo fund"),
    )
    await improvement.reviews.schedule_next()


# The demo staff as one organisation (P1.1, P2.1): (email, department, position, group,
# supervisor's email). The booking department's director reports to the operations committee.
DEMO_ORGANISATION = [
    ("committee@demo.hotel", "OPERATIONS", "OPERATIONS_COMMITTEE", None, None),
    ("committee2@demo.hotel", "OPERATIONS", "OPERATIONS_COMMITTEE", None, None),
    ("director@demo.hotel", "BOOKING_CRM", "DIRECTOR", None, "committee@demo.hotel"),
    ("supervisor@demo.hotel", "BOOKING_CRM", "SUPERVISOR", "SALES_OPERATIONS",
     "director@demo.hotel"),
    ("supervisor2@demo.hotel", "BOOKING_CRM", "SUPERVISOR", "CUSTOMER_SERVICE",
     "director@demo.hotel"),
    ("agent@demo.hotel", "BOOKING_CRM", "BOOKING_SPECIALIST", "SALES_OPERATIONS",
     "supervisor@demo.hotel"),
    ("analyst@demo.hotel", "BOOKING_CRM", "DATA_ANALYST", "SALES_OPERATIONS",
     "supervisor@demo.hotel"),
    ("cs@demo.hotel", "BOOKING_CRM", "CS_REPRESENTATIVE", "CUSTOMER_SERVICE",
     "supervisor2@demo.hotel"),
    ("finance@demo.hotel", "FINANCE", "FINANCE_MANAGER", None, None),
    ("techlead@demo.hotel", "ENGINEERING", "TECHNICAL_LEAD", None, None),
    ("hr@demo.hotel", "HR", "HR_MANAGER", None, None),
    ("legal@demo.hotel", "OPERATIONS", "LEGAL_COUNSEL", None, "committee@demo.hotel"),
    ("auditor@demo.hotel", "OPERATIONS", "INTERNAL_AUDITOR", None, "committee@demo.hotel"),
    ("admin@demo.hotel", "OPERATIONS", "SYSTEM_ADMINISTRATOR", None, "committee@demo.hotel"),
    ("admin2@demo.hotel", "OPERATIONS", "SYSTEM_ADMINISTRATOR", None, "committee2@demo.hotel"),
    ("pr@demo.hotel", "OPERATIONS", "PR_OFFICER", None, "committee@demo.hotel"),
]


async def _seed_organisation(guest: Account) -> None:
    """The departments, groups and positions, and every demo staff member hired into them
    three years ago (past the learning period), each reporting along the lines above."""
    from domain import organisation
    from domain.organisation.employees import HireRequest, hire

    await organisation.ensure_structure()
    hired: dict[str, int] = {}
    for email, department, position, group, supervisor in DEMO_ORGANISATION:
        account = await Account.get(email=email)
        request = HireRequest(
            account_id=account.id,
            department=department,
            position=position,
            group=group,
            supervisor_id=hired[supervisor] if supervisor else None,
            hired_on=clock.today() - dt.timedelta(days=3 * 365),
            years_experience=5,
            qualifications="Demo: English certificate",
            interview_notes="Demo hire",
        )
        row = await audited(SYSTEM, "hireEmployee", "Employment", lambda r=request: hire(SYSTEM, r))
        hired[email] = row.id


async def _seed_performance(guest: Account) -> None:
    """This period's evaluation cycles (with 360-degree raters drawn among the demo staff) and
    one facility fault raised to Engineering by the booking specialist (P5.1)."""
    from domain import performance

    await performance.cycles.open_current(clock.today())
    agent = await Account.get(email="agent@demo.hotel")
    actor = Actor(Identity.of_account(agent))
    await audited(
        actor,
        "raiseFacilityTicket",
        "FacilityTicket",
        lambda: performance.tickets.raise_ticket(
            actor, "Lift 2 stops between floors", "Reported by a guest.", "East wing"
        ),
    )
async def _seed_incentives(guest: Account) -> None:
    """A target bonus HR granted to the booking specialist and a violation case about the
    customer-service representative, waiting for its handling to start (P5.2)."""
    from domain.incentives import ledger, violations

    hr = Actor(identity=Identity.of_account(await Account.get(email="hr@demo.hotel")))
    agent = await Account.get(email="agent@demo.hotel")
    rep = await Account.get(email="cs@demo.hotel")
    month = clock.today().replace(day=1)
    bonus = ledger.NewEntry(
        staff_account_id=agent.id,
        kind=ledger.RewardKind.TARGET_BONUS,
        reason="Demo: exceeded last month's booking target",
        period_start=month,
        period_end=month,
        amount="800.00",
        currency="CNY",
    )
    await audited(
        hr, "grantReward", "IncentiveEntry", lambda: ledger.record(hr, bonus, may_decide=True)
    )
    await audited(
        hr,
        "openViolationCase",
        "ViolationCase",
        lambda: violations.open_case(
            hr, rep.id, "MINOR", "Demo: left the front desk unattended", may_handle=True
        ),
    )



async def _seed_knowledge(guest: Account) -> None:
    """Two standard operating procedures in the knowledge base, published by the director (the
    second in two versions), for staff to read and learn from (P7.1.4, P8.6)."""
    from domain import knowledge

    director = await Account.get(email="director@demo.hotel")
    actor = Actor(Identity.of_account(director))

    async def publish(procedure_id, title, body, summary, scope=None, base=None):
        return await audited(
            actor,
            "publishProcedure",
            "Procedure",
            lambda: knowledge.procedures.publish(
                actor,
                procedure_id,
                title=title,
                body=body,
                change_summary=summary,
                scope=scope,
                base_version=base,
            ),
        )

    await publish(
        None,
        "Emergency telephone chain",
        "Call the duty supervisor first, then the technical lead; record every call in the "
        "system (recordPhoneCall): whom you called, when, about what and the outcome.",
        "First version.",
    )
    title = "Booking change with written authorisation"
    body = "Check the guest's written authorisation before changing dates or room type."
    change = await publish(
        None,
        title,
        body,
        "First version.",
        knowledge.audience.Audience(departments=("BOOKING_CRM",)),
    )
    await publish(
        change.id,
        title,
        body + " Urgent changes go to a supervisor for approval.",
        "Urgent changes need a supervisor's approval.",
        base=1,
    )

# Areas with demo data of their own register seeders here; each gets the demo guest account.
EXTRA_SEEDERS: list = [
    _seed_hotel,
    _seed_complaints,
    _seed_care,
    _seed_inquiries,
    _seed_finance,
    _seed_improvement,
    _seed_organisation,
    _seed_performance,
    _seed_knowledge,
    _seed_incentives,
]


async def seed_demo() -> bool:
    """Fill an empty database with the demo hotel. Returns False when it was already seeded."""
    if await Account.filter(email=DEMO_STAFF[0][0]).exists():
        return False
    password_hash = await hash_new_password(DEMO_PASSWORD)
    for email, name, roles in DEMO_STAFF:
        await Account.create(
            email=email, display_name=name, kind="STAFF", roles=roles, password_hash=password_hash
        )
    guest = await Account.create(
        email=DEMO_GUEST[0],
        display_name=DEMO_GUEST[1],
        kind="GUEST",
        roles=[],
        password_hash=password_hash,
    )
    for seeder in EXTRA_SEEDERS:
        await seeder(guest)
    return True
