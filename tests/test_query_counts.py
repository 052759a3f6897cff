"""No list grows its query count with its length (ARCHITECTURE.md, No N+1): every list field of
the API is asked for with every nested field it has (the selection is generated from the
schema, so a field added later is covered without editing this file), once over a few rows and
once over more, and both answers must cost the same number of SQL statements. Counting the
matches is a statement of its own, run only when `totalCount` is selected."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from decimal import Decimal

import pytest
from graphql import (
    GraphQLInterfaceType,
    GraphQLList,
    GraphQLNonNull,
    GraphQLObjectType,
    GraphQLUnionType,
    get_named_type,
    is_required_argument,
)
from strawberry import relay

from authz import matrix
from authz.enforcer import enforcer
from domain import notifications
from domain.actor import SYSTEM
from domain.clock import clock
from domain.models import Document, EmployeeSurvey, PolicyChange, PolicyReview, Workshop
from domain.unit_of_work import audited
from schema import build_schema
from tests.bookings.booking_support import (
    CANCEL,
    CHANGE,
    CHECK_IN,
    CHECK_OUT,
    TODAY,
    Hotel,
    book,
    make_hotel,
    member_gid,
    new_member,
)
from tests.conftest import counting_queries, make_account

D = dt.timedelta
FEW, MORE = 5, 5  # rows added before the first and before the second measure
SCHEMA = build_schema()._schema


def selection(type_: GraphQLObjectType, depth: int = 4, seen: tuple[str, ...] = ()) -> str:
    """Every field of `type_` that needs no argument, objects followed `depth` levels deep
    (a type already on the path is not entered again)."""
    parts = []
    for name, field in type_.fields.items():
        if any(is_required_argument(arg) for arg in field.args.values()):
            continue
        named = get_named_type(field.type)
        if isinstance(named, GraphQLInterfaceType | GraphQLUnionType):
            continue
        if isinstance(named, GraphQLObjectType):
            if depth and named.name not in seen:
                inner = selection(named, depth - 1, (*seen, type_.name))
                parts.append(f"{name} {{ {inner} }}")
            continue
        parts.append(name)
    return " ".join(parts)


def list_fields() -> dict[str, GraphQLObjectType]:
    """The root fields that answer many rows: connections and lists."""
    found = {}
    for name, field in SCHEMA.query_type.fields.items():
        outer = field.type.of_type if isinstance(field.type, GraphQLNonNull) else field.type
        named = get_named_type(field.type)
        if isinstance(outer, GraphQLList) or named.name.endswith("Connection"):
            found[name] = named
    return found


@dataclass
class World:
    gql: object
    person: Callable
    hotel: Hotel | None = None
    tokens: dict | None = None
    reader: object = None  # the one whose own notifications are listed

    async def token(self, role: str) -> str:
        self.tokens = self.tokens or {}
        if role not in self.tokens:
            self.tokens[role] = (await self.person(role)).token
        return self.tokens[role]


async def _ok(world: World, document: str, variables: dict, role: str) -> dict:
    reply = await world.gql(document, variables, token=await world.token(role))
    assert reply.errors == [], reply.errors
    return reply.data


# -- how each list gets more rows ---------------------------------------------------------

_serial = iter(range(1, 100_000))


async def more_bookings(world: World, count: int) -> None:
    """Bookings of every shape a page shows: a member's, one arriving today (its cancellation
    would be charged, so its quote reads its nights), one checked in (a room), one cancelled
    (a refund) and one with a change request waiting for approval (urgent)."""
    world.hotel = world.hotel or await make_hotel()
    agent = await world.token("booking_agent")
    for shape in (i % 5 for i in range(count)):  # every shape in each batch of five
        n = next(_serial) % 40  # the hotel sells 90 nights ahead
        if shape == 0:
            member = await new_member(points=0, name=f"Member {n}")
            await book(
                world.gql,
                agent,
                world.hotel.std,
                TODAY + D(days=20 + n),
                guest=None,
                memberId=member_gid(member),
            )
        elif shape == 1:
            await book(world.gql, agent, world.hotel.dlx, TODAY, 1)
        elif shape == 2:
            booking = await book(world.gql, agent, world.hotel.std, TODAY, 1)
            await _ok(world, CHECK_IN, {"id": booking["id"]}, "booking_agent")
        elif shape == 3:
            booking = await book(world.gql, agent, world.hotel.std, TODAY + D(days=3 + n))
            await _ok(
                world, CANCEL, {"id": booking["id"], "reason": "plans changed"}, "booking_agent"
            )
        else:
            booking = await book(world.gql, agent, world.hotel.std, TODAY + D(days=2))
            change = {
                "bookingId": booking["id"],
                "checkOut": (TODAY + D(days=5)).isoformat(),
                "urgent": True,
                "authorization": {"kind": "WRITTEN_DOCUMENT", "documentId": await _authorisation()},
            }
            reply = await world.gql(CHANGE, {"input": change}, token=agent)
            assert reply.errors == [], reply.errors


async def _authorisation() -> str:
    from tests.conftest import archived_authorisation

    return await archived_authorisation()


SUBMIT = """mutation($amount: Decimal) { submitApproval(input: {kind: "PURCHASE",
  reason: "new linen", amount: $amount, currency: "CNY"}) { approval { id } errors { code } } }"""
DECIDE = """mutation($id: ID!) { decideApproval(input: {approvalId: $id, decision: APPROVE,
  comment: "fine"}) { approval { id } errors { code } } }"""


async def more_approvals(world: World, count: int) -> None:
    """Requests by several people, half of them decided (a decision and its decider)."""
    for i in range(count):
        submitter = (await world.person("booking_agent")).token
        reply = await world.gql(SUBMIT, {"amount": "500"}, token=submitter)
        assert reply.data["submitApproval"]["errors"] == [], reply.body
        if i % 2 == 0:
            request = reply.data["submitApproval"]["approval"]["id"]
            decided = await _ok(world, DECIDE, {"id": request}, "supervisor")
            assert decided["decideApproval"]["errors"] == []


async def more_documents(world: World, count: int) -> None:
    for _ in range(count):
        n = next(_serial)
        name = f"20261128-{n:04d}-work-log-{n}"
        await Document.create(
            archive_id=f"count{n}",
            name=name,
            subject=f"work log {n}",
            number=n,
            document_date=TODAY,
            tier=3,
            kind="WORK_RECORD",
            content_type="text/plain",
            size=1,
            sha256="0" * 64,
            ciphertext_size=1,
            ciphertext_sha256="0" * 64,
            storage_key=f"tier-3/2026/11/{name}.enc",
            kek_id="k1",
        )


GENERATE = """mutation($d: Date!) { generateReport(input: {period: DAILY, date: $d}) {
  report { id } errors { code } } }"""


async def more_reports(world: World, count: int) -> None:
    """Daily reports of past days, each archived as a document."""
    for _ in range(count):
        day = TODAY - D(days=next(_serial))
        data = await _ok(world, GENERATE, {"d": day.isoformat()}, "director")
        assert data["generateReport"]["errors"] == []


async def more_outbox_events(world: World, count: int) -> None:
    world.hotel = world.hotel or await make_hotel()
    agent = await world.token("booking_agent")
    for _ in range(count):  # a booking sends a voucher and tells the PMS
        await book(world.gql, agent, world.hotel.std, TODAY + D(days=30 + next(_serial) % 50))


async def more_audit_entries(world: World, count: int) -> None:
    for _ in range(count):
        n = next(_serial)
        await audited(SYSTEM, "test.count", "Thing", lambda: _nothing(), subject_id=n)


async def _nothing() -> None:
    return None


async def more_notifications(world: World, count: int) -> None:
    world.reader = world.reader or await world.person("cs_rep")
    me = world.reader
    world.tokens = {**(world.tokens or {}), "cs_rep": me.token}
    for _ in range(count):
        n = next(_serial)

        async def work(n=n):
            return await notifications.notify(
                me.account.id, "TASK_ASSIGNED", f"Task {n}", subject_id=n
            )

        await audited(SYSTEM, "test.notify", "Notification", work)


async def more_staff(world: World, count: int) -> None:
    for _ in range(count):
        await make_account(f"clerk{next(_serial)}@test.hotel", ["cs_rep"])


async def more_authorization_changes(world: World, count: int) -> None:
    admin = await world.person("admin")
    for _ in range(count):
        n = next(_serial)
        rule = matrix.Rule("finance", "audit_log", "read")
        await matrix.apply_grant(admin.account.id, rule, bool(n % 2), f"change {n}")


async def more_room_types(world: World, count: int) -> None:
    from domain import inventory

    for _ in range(count):
        n = next(_serial)

        async def work(n=n):
            room_type = await inventory.create_room_type(
                SYSTEM, code=f"T{n}", name=f"Type {n}", capacity=2, base_rate=Decimal("400.00")
            )
            await inventory.add_rooms(SYSTEM, room_type.id, [f"T{n}-1", f"T{n}-2"])
            await inventory.set_nightly_rates(
                SYSTEM, room_type.id, TODAY, TODAY + D(days=10), Decimal("400.00")
            )
            return room_type

        await audited(SYSTEM, "setUpRoomType", "RoomType", work)


SET_PARAM = """mutation($k: String!, $v: String!) { setPolicyParameter(input: {key: $k,
  value: $v, reason: "tuning"}) { pendingOperation { id argumentsDigest } errors { code } } }"""
CONFIRM = """mutation($id: ID!, $d: String!) { confirmOperation(input: {operationId: $id,
  argumentsDigest: $d}) { errors { code } } }"""
_PARAMETERS = iter(
    [("cancellation_grace_hours", str(h)) for h in range(25, 60)]
    + [("late_cancellation_charge_nights", "2")]
)


async def more_parameter_versions(world: World, count: int) -> None:
    """The catalogue is fixed: what grows is the history behind each current value."""
    for _ in range(count):
        key, value = next(_PARAMETERS)
        data = await _ok(world, SET_PARAM, {"k": key, "v": value}, "director")
        assert data["setPolicyParameter"]["errors"] == []
        pending = data["setPolicyParameter"]["pendingOperation"]
        confirmed = await _ok(
            world, CONFIRM, {"id": pending["id"], "d": pending["argumentsDigest"]}, "admin"
        )
        assert confirmed["confirmOperation"]["errors"] == []


async def more_pending_operations(world: World, count: int) -> None:
    """High-risk operations asked by several people, some of them decided."""
    for i in range(count):
        data = await _ok(world, SET_PARAM, {"k": "no_show_refund_percent", "v": str(i)}, "director")
        pending = data["setPolicyParameter"]["pendingOperation"]
        if i % 2 == 0:
            confirmed = await _ok(
                world, CONFIRM, {"id": pending["id"], "d": pending["argumentsDigest"]}, "admin"
            )
            assert confirmed["confirmOperation"]["errors"] == []


async def more_grants(world: World, count: int) -> None:
    """Grant finance cells of the shipped vocabulary it does not hold yet (a cell the service
    does not know is refused)."""
    admin = await world.person("admin")
    shipped = matrix.default_rules()
    held = {(r.resource, r.action) for r in shipped if r.role == "finance"}
    spare = sorted({(r.resource, r.action) for r in shipped} - held)
    for _ in range(count):
        resource, action = spare[next(_serial) % len(spare)]
        await matrix.apply_grant(admin.account.id, matrix.Rule("finance", resource, action),
                                 True, "a wider duty")


FILE_COMPLAINT = """mutation($input: FileComplaintInput!) { fileComplaint(input: $input) {
  complaint { id } errors { code } } }"""
HAND_OVER_COMPLAINT = """mutation($id: ID!, $to: ID!) { handOverComplaint(input: {complaintId: $id,
  toStaffId: $to, note: "night shift"}) { errors { code } } }"""
RESOLVE_COMPLAINT = """mutation($id: ID!) { resolveComplaint(input: {complaintId: $id,
  resolution: "refunded a night"}) { errors { code } } }"""


async def more_complaints(world: World, count: int) -> None:
    """Complaints of every shape a page shows: one a guest filed (nobody owns it), one linked
    to a booking with contact details, one handed over, one resolved."""
    world.hotel = world.hotel or await make_hotel()
    rep = await world.person("cs_rep")
    other = await world.person("cs_rep")
    guest = await world.person(kind="GUEST")
    for shape in (i % 4 for i in range(count)):
        given = {"channel": "PHONE", "severity": "GENERAL", "category": "NOISE",
                 "description": "noisy neighbours"}
        token = guest.token if shape == 0 else rep.token
        if shape == 1:
            booking = await book(world.gql, await world.token("booking_agent"), world.hotel.std,
                                 TODAY + D(days=30 + next(_serial) % 50))
            given.update(bookingId=booking["id"], contactName="Li Wei",
                         contactPhone="+8613800138000")
        reply = await world.gql(FILE_COMPLAINT, {"input": given}, token=token)
        assert reply.data["fileComplaint"]["errors"] == [], reply.body
        complaint = reply.data["fileComplaint"]["complaint"]["id"]
        if shape == 2:
            to = str(relay.GlobalID("StaffAccount", str(other.account.id)))
            reply = await world.gql(HAND_OVER_COMPLAINT, {"id": complaint, "to": to},
                                    token=rep.token)
            assert reply.data["handOverComplaint"]["errors"] == [], reply.body
        if shape == 3:
            reply = await world.gql(RESOLVE_COMPLAINT, {"id": complaint}, token=rep.token)
            assert reply.data["resolveComplaint"]["errors"] == [], reply.body


_FIRST_STAYS = iter(range(1, 100_000))


async def more_first_stays(world: World, count: int) -> None:
    """First stays of new guests checked out: each brings a follow-up call (assigned to a
    representative) and a survey; every other follow-up is completed (P3.1.7)."""
    from tests.bookings.booking_support import CHECK_OUT

    world.hotel = world.hotel or await make_hotel()
    agent = await world.token("booking_agent")
    rep = await world.token("cs_rep")
    for _ in range(count):
        n = next(_FIRST_STAYS)
        guest = {"fullName": f"Guest {n}", "email": f"first{n}@example.com"}
        booking = await book(world.gql, agent, world.hotel.std, TODAY, 1, guest=guest)
        await _ok(world, CHECK_IN, {"id": booking["id"]}, "booking_agent")
        await _ok(world, CHECK_OUT, {"id": booking["id"]}, "booking_agent")
        if n % 2:
            from domain.models import FollowUp

            task = await FollowUp.all().order_by("-id").first()
            done = await world.gql(
                """mutation($id: ID!) { completeFollowUp(input: {followUpId: $id,
                outcome: REACHED}) { errors { code } } }""",
                {"id": str(relay_id("FollowUp", task.id))},
                token=rep if task.assignee_account_id else await world.token("supervisor"),
            )
            assert done.errors == [], done.errors


def relay_id(type_name: str, pk: int):
    from strawberry import relay

    return relay.GlobalID(type_name, str(pk))


async def more_care_campaigns(world: World, count: int) -> None:
    """Campaigns of 2027, each with deliveries to two members (P3.1.11)."""
    from domain.models import CareDelivery

    for _ in range(count):
        n = next(_serial)
        data = await _ok(
            world,
            """mutation($d: Date!, $name: String!) { planCareCampaign(input: {kind: HOLIDAY,
            name: $name, message: "Greetings", runOn: $d}) { campaign { id } errors { code } } }""",
            {"d": (dt.date(2027, 1, 1) + D(days=n % 300)).isoformat(), "name": f"Care {n}"},
            "director",
        )
        assert data["planCareCampaign"]["errors"] == []
        campaign = int(relay_id_of(data["planCareCampaign"]["campaign"]["id"]))
        for status in ("SENT", "PENDING"):
            member = await new_member(name=f"Cared {n}")
            await CareDelivery.create(campaign_id=campaign, member_id=member, status=status,
                                      send_on=dt.date(2027, 1, 1))


def relay_id_of(global_id: str) -> str:
    from strawberry import relay

    return relay.GlobalID.from_id(global_id).node_id


async def _analysis_room_types(world: World) -> dict:
    from tests.analysis.analysis_support import room_types

    if getattr(world, "analysis_room_types", None) is None:
        world.analysis_room_types = await room_types()
    return world.analysis_room_types


async def more_recommendations(world: World, count: int) -> None:
    """Member 1's history grows, so more kinds of recommendation apply: two stays in October
    (room type, timing), then partner stays in March (an upgrade, booking direct)."""
    from tests.analysis.analysis_support import grow_history, member, reanalyse

    types = await _analysis_room_types(world)
    if world.reader is None:
        world.reader = await member()
        assert world.reader.id == 1, "the case reads member 1"
        await grow_history(world.reader, 2, room_type=types["STD"], channel="ONLINE",
                           first=dt.date(2026, 10, 3))
    else:
        await grow_history(world.reader, count, room_type=types["STD"], channel="PARTNER",
                           first=dt.date(2025, 3, 1))
    await reanalyse()


async def more_analysed_members(world: World, count: int) -> None:
    """Members with a stay or two each, analysed again for October."""
    from tests.analysis.analysis_support import grow_history, member, reanalyse

    types = await _analysis_room_types(world)
    for i in range(count):
        await grow_history(await member(), 1 + i % 2, room_type=types["DLX" if i % 2 else "STD"],
                           channel="ONLINE", first=dt.date(2026, 9, 1))
    await reanalyse()


INQUIRY = """mutation($input: RecordInquiryInput!) { recordInquiry(input: $input) {
  inquiry { id } errors { code } } }"""
INQUIRY_LOST = """mutation($id: ID!) { markInquiryLost(input: {inquiryId: $id, reason: PRICE}) {
  errors { code } } }"""


async def more_inquiries(world: World, count: int) -> None:
    """Inquiries of every shape a page shows: with contact details, a room type and a budget;
    a member's; one converted into a booking; one lost; a guest's own online search."""
    world.hotel = world.hotel or await make_hotel()
    agent = await world.token("booking_agent")
    for shape in (i % 5 for i in range(count)):
        n = next(_serial)
        start = TODAY + D(days=5 + n % 40)
        needs = {"channel": "PHONE", "checkIn": start.isoformat(),
                 "checkOut": (start + D(days=1)).isoformat(), "guests": 1}
        if shape == 4:
            guest = await world.person(kind="GUEST")
            reply = await world.gql(
                "query($a: Date!, $b: Date!) { availability(checkIn: $a, checkOut: $b) "
                "{ available } }", {"a": needs["checkIn"], "b": needs["checkOut"]},
                token=guest.token,
            )
            assert reply.errors == [], reply.errors
            continue
        if shape == 1:
            needs["memberId"] = member_gid(await new_member(name=f"Member {n}"))
        else:
            needs.update(roomTypeId=world.hotel.std, budget={"amount": "900.00"},
                         contact={"fullName": f"Caller {n}", "phone": "+8613800138000"})
        data = await _ok(world, INQUIRY, {"input": needs}, "booking_agent")
        inquiry = data["recordInquiry"]["inquiry"]["id"]
        if shape == 2:
            await book(world.gql, agent, world.hotel.std, start, 1, inquiryId=inquiry)
        elif shape == 3:
            assert (await _ok(world, INQUIRY_LOST, {"id": inquiry}, "booking_agent"))[
                "markInquiryLost"]["errors"] == []


async def more_budgets(world: World, count: int) -> None:
    """Budget lines of several months, some holding spending (P4.1.3)."""
    from domain.models import Budget

    for _ in range(count):
        n = next(_serial)
        await Budget.create(
            department="MARKETING", category=f"CATEGORY {n}", month=dt.date(2027, 1 + n % 12, 1),
            declared=Decimal("1000.00"), committed=Decimal(n % 3), spent=Decimal("1.50"),
            currency="CNY", status="ACTIVE", reason="counted",
        )


async def more_ledger_entries(world: World, count: int) -> None:
    """Payments and refunds of bookings (P1.1)."""
    from domain.models import LedgerEntry

    world.hotel = world.hotel or await make_hotel()
    agent = await world.token("booking_agent")
    booking = await book(world.gql, agent, world.hotel.std, TODAY + D(days=30))
    for _ in range(count):
        n = next(_serial)
        await LedgerEntry.create(
            booking_id=_pk(booking["id"]), kind="PAYMENT",
            amount=Decimal("1.00"), currency="CNY", method="CASH", reference=f"P-{n}",
            business_date=TODAY,
        )


def _pk(global_id: str) -> int:
    from strawberry import relay

    return int(relay.GlobalID.from_id(global_id).node_id)


async def more_members(world: World, count: int) -> None:
    """Members with a booking history (one checked out) and a tier change each."""
    from domain.models import TierChange

    world.hotel = world.hotel or await make_hotel()
    agent = await world.token("booking_agent")
    for _ in range(count):
        n = next(_serial) % 40
        member = await new_member(points=100, name=f"Member {n}")
        booking = await book(world.gql, agent, world.hotel.std, TODAY, 1,
                             guest=None, memberId=member_gid(member))
        await _ok(world, CHECK_IN, {"id": booking["id"]}, "booking_agent")
        await _ok(world, CHECK_OUT, {"id": booking["id"]}, "booking_agent")
        await book(world.gql, agent, world.hotel.std, TODAY + D(days=20 + n),
                   guest=None, memberId=member_gid(member))
        await TierChange.create(member_id=member, from_tier="STANDARD", to_tier="SILVER",
                                reason="UPGRADE", spend=Decimal("500.00"), nights=1,
                                period_start=TODAY - D(days=365), period_end=TODAY)


@dataclass(frozen=True)
class Case:
    role: str  # who reads the list
    grow: Callable[[World, int], Awaitable[None]]
    arguments: str = "(first: 50)"
    fixed_length: bool = False  # the list is a catalogue: what grows is behind each row


MEETING = """mutation($input: ScheduleMeetingInput!) { scheduleMeeting(input: $input) {
  meeting { id } errors { code } } }"""


async def more_meetings(world: World, count: int) -> None:
    """Special meetings called by different supervisors, each with its own attendee."""
    for i in range(count):
        caller = await world.person("supervisor")
        attendee = await world.person("cs_rep")
        starts = dt.datetime(2026, 12, 10, 2, 0, tzinfo=dt.UTC) + D(hours=i)
        meeting = {
            "kind": "SPECIAL",
            "title": f"Review {i}",
            "startsAt": starts.isoformat(),
            "participantEmails": [attendee.account.email],
        }
        reply = await world.gql(MEETING, {"input": meeting}, token=caller.token)
        assert reply.data["scheduleMeeting"]["errors"] == [], reply.body


async def more_action_items(world: World, count: int) -> None:
    """Action items of resolutions of several meetings, each owned by someone else, some carried
    to a later meeting (what each row shows: owner, meeting, carried-to meeting)."""
    from domain.meetings.minutes import resolution_digest
    from domain.models import ActionItem, Meeting, Resolution

    starts = dt.datetime(2026, 11, 20, 2, 0, tzinfo=dt.UTC)
    for i in range(count):
        owner = await world.person("booking_agent")
        meeting = await Meeting.create(
            kind="SPECIAL", title=f"Review {i}", starts_at=starts, ends_at=starts + D(hours=1)
        )
        later = await Meeting.create(
            kind="SPECIAL",
            title=f"Later {i}",
            starts_at=starts + D(days=20),
            ends_at=starts + D(days=20, hours=1),
        )
        resolution = await Resolution.create(
            meeting=meeting, number=1, text=f"Resolution {i}", content_sha256="0" * 64
        )
        item = await ActionItem.create(
            resolution=resolution,
            meeting_id=meeting.id,
            description=f"Item {i}",
            owner_account_id=owner.account.id,
            due_at=starts + D(days=1),
            carried_to_meeting_id=later.id if i % 2 else None,
        )
        resolution.content_sha256 = resolution_digest(resolution.text, [item])
        await resolution.save()


DISPUTE = """mutation($input: OpenDisputeInput!) { openDispute(input: $input) {
  dispute { id } errors { code } } }"""


async def more_disputes(world: World, count: int) -> None:
    """Disputes between different colleagues, each with its opening step recorded."""
    for i in range(count):
        opener = await world.person("booking_agent")
        other = await world.person("cs_rep")
        dispute = {
            "subject": f"Dispute {i}",
            "description": "Who covers the shift.",
            "otherPartyEmail": other.account.email,
        }
        reply = await world.gql(DISPUTE, {"input": dispute}, token=opener.token)
        assert reply.data["openDispute"]["errors"] == [], reply.body


CONVENE = """mutation($input: ConveneCrisisGroupInput!) { conveneCrisisGroup(input: $input) {
  crisisGroup { id } errors { code } } }"""


async def more_crisis_groups(world: World, count: int) -> None:
    """Crisis groups of different members, each with one act under its authority."""
    from domain.clock import clock
    from domain.models import CrisisAction, CrisisGroup

    for _ in range(count):
        supervisor, tech = await world.person("supervisor"), await world.person("tech_lead")
        values = {
            "reason": "Power outage",
            "matters": ["BOOKING_CHANGE"],
            "memberEmails": [supervisor.account.email, tech.account.email],
            "expiresAt": (clock.now() + D(hours=5)).isoformat(),
        }
        data = await _ok(world, CONVENE, {"input": values}, "director")
        assert data["conveneCrisisGroup"]["errors"] == [], data
        group = await CrisisGroup.all().order_by("-id").first()
        await CrisisAction.create(
            group_id=group.id,
            account_id=tech.account.id,
            action="decideApproval",
            subject_type="ApprovalRequest",
            subject_id="1",
            role="director",
        )


PROPOSAL = """mutation($input: SubmitProposalInput!) { submitProposal(input: $input) {
  proposal { id } errors { code } } }"""


async def more_proposals(world: World, count: int) -> None:
    """Proposals by different colleagues (each author loaded with the page)."""
    for i in range(count):
        author = await world.person("cs_rep")
        proposal = {"title": f"Idea {i}", "description": "Less waiting at the desk."}
        reply = await world.gql(PROPOSAL, {"input": proposal}, token=author.token)
        assert reply.data["submitProposal"]["errors"] == [], reply.body


async def more_workshops(world: World, count: int) -> None:
    """Workshops of different months' surveys, each with its own owner."""
    for _ in range(count):
        n = next(_serial)
        owner = await world.person("cs_rep")
        survey = await EmployeeSurvey.create(
            month=f"{2000 + n // 12:04d}-{n % 12 + 1:02d}",
            opens_at=clock.now(),
            closes_at=clock.now(),
            closed=True,
        )
        await Workshop.create(
            survey_id=survey.id,
            problem_type="WORKLOAD",
            rank=1,
            mentions=3,
            owner_account_id=owner.account.id,
            status="ASSIGNED",
            due_on=TODAY,
        )


async def more_policy_reviews(world: World, count: int) -> None:
    """Reviews each with the changes it decided (loaded with the page)."""
    for _ in range(count):
        n = next(_serial)
        review = await PolicyReview.create(due_on=TODAY + D(days=n), status="DONE")
        await PolicyChange.create(review_id=review.id, title=f"Change {n}", major=True)


# -- organisation (P2.1-P2.6, P7.1.2) --------------------------------------------------------


async def _booking_team(world: World, count: int) -> list:
    """`count` supervisors of the booking department, each with one specialist reporting to them
    and a refused promotion on record."""
    from domain.models import Department, Employment, OrgGroup, Position, Promotion
    from domain.organisation import ensure_structure

    await ensure_structure()
    department = await Department.get(code="BOOKING_CRM")
    positions = {p.code: p for p in await Position.all()}
    group = await OrgGroup.get(code="SALES_OPERATIONS")
    made = []
    for _ in range(count):
        boss, staff = await world.person("supervisor"), await world.person("booking_agent")
        common = {"department": department, "group": group, "hired_on": TODAY,
                  "learning_ends_on": TODAY}
        head = await Employment.create(
            account_id=boss.account.id, position=positions["SUPERVISOR"], **common
        )
        report = await Employment.create(
            account_id=staff.account.id, position=positions["BOOKING_SPECIALIST"],
            supervisor=head, **common,
        )
        await Promotion.create(
            employment_id=report.id, from_position_id=positions["BOOKING_SPECIALIST"].id,
            to_position_id=positions["SUPERVISOR"].id, capability_id=0, performance_id=0,
            proposed_by_account_id=boss.account.id, status="REJECTED",
        )
        made += [head, report]
    return made


async def more_employees(world: World, count: int) -> None:
    await _booking_team(world, count)


async def more_rotation_plans(world: World, count: int) -> None:
    from domain.models import RotationPlan

    for row in await _booking_team(world, count):
        await RotationPlan.create(employment_id=row.id, due_on=TODAY + D(days=30))


async def more_projects(world: World, count: int) -> None:
    from domain.models import Department, Project, ProjectInterface

    rows = await _booking_team(world, count)
    finance = await Department.get(code="FINANCE")
    for head in rows[::2]:
        project = await Project.create(
            name=f"Project {next(_serial)}", lead_department_id=head.department_id,
            created_by_account_id=head.account_id,
        )
        await ProjectInterface.create(
            project_id=project.id, department_id=head.department_id, employment_id=head.id
        )
        await ProjectInterface.create(
            project_id=project.id, department_id=finance.id, employment_id=head.id
        )


# Compliance (P6.1.2-P6.1.4).
async def _consenting_guest(world: World):
    """The guest whose own consents are listed (a member), made once per test."""
    world.tokens = world.tokens or {}
    if world.reader is None:
        from tests.bookings.booking_support import new_member

        world.reader = await world.person(kind="GUEST", member_id=await new_member())
        world.tokens["guest"] = world.reader.token
    return world.reader


async def more_consents(world: World, count: int) -> None:
    """Grants and withdrawals of the guest's choosable purposes (the current answers stay three,
    the ledger grows)."""
    from domain import consents
    from domain.models import ConsentPurpose

    guest = await _consenting_guest(world)
    purposes = [ConsentPurpose.MARKETING, ConsentPurpose.PARTNER_SHARING,
                ConsentPurpose.CROSS_BORDER]
    for i in range(count):
        await audited(SYSTEM, "consent", "ConsentRecord", lambda i=i: consents.record(
            SYSTEM, purposes[i % 3], granted=bool(i % 2), notice_version="v1", channel="ONLINE",
            account_id=guest.account.id, member_id=guest.account.member_id,
        ))


PARTNER = """mutation($input: RegisterPartnerInput!) { registerPartner(input: $input) {
  partner { id } errors { code } } }"""
ASSESSMENT = """mutation($input: RecordSecurityAssessmentInput!) {
  recordSecurityAssessment(input: $input) { errors { code } } }"""


async def more_partners(world: World, count: int) -> None:
    """Partners abroad, each with a token and two assessments."""
    from authz import tokens

    admin = await make_account(f"partner-admin{next(_serial)}@test.hotel", ["admin"])
    for i in range(count):
        row, _ = await tokens.issue_api_token(
            f"Partner {i}", ["bookings:read"], clock.now() + D(days=30), admin.id
        )
        values = {"name": f"Partner {i}", "country": "SG",
                  "apiTokenIds": [str(relay.GlobalID("ApiToken", str(row.id)))]}
        data = await _ok(world, PARTNER, {"input": values}, "legal")
        partner_id = data["registerPartner"]["partner"]["id"]
        for result in ("FAILED", "PASSED"):
            assessment = {"partnerId": partner_id, "assessedOn": TODAY.isoformat(),
                          "assessor": "Assessor", "result": result,
                          "validUntil": (TODAY + D(days=90)).isoformat(),
                          "documentReference": f"SA-{i}"}
            data = await _ok(world, ASSESSMENT, {"input": assessment}, "legal")
            assert data["recordSecurityAssessment"]["errors"] == [], data


async def more_trained_staff(world: World, count: int) -> None:
    """Staff who read guest data, each with a data-protection training."""
    from domain.models import ComplianceTraining

    for _ in range(count):
        someone = await world.person("booking_agent")
        await ComplianceTraining.create(
            account_id=someone.account.id, topic="PIPL", completed_on=TODAY,
            valid_until=TODAY + D(days=365),
        )
REPORT_INCIDENT = """mutation($input: ReportIncidentInput!) { reportIncident(input: $input) {
  incident { id } errors { code } } }"""
NOTE_INCIDENT = """mutation($id: ID!) { addIncidentTimelineEntry(input: {incidentId: $id,
  note: "Statement drafted"}) { incident { id } errors { code } } }"""


async def more_incidents(world: World, count: int) -> None:
    """Level-2 incidents led by different PR members and level-3 ones with their own task
    forces, each with a note by someone else (the people of every list loaded with the page)."""
    for n in range(count):
        pr, legal = await world.person("pr"), await world.person("legal")
        if n % 2:
            values = {"level": 2, "title": f"Complaints {n}", "leadEmail": pr.account.email}
        else:
            values = {
                "level": 3,
                "title": f"Press {n}",
                "taskForceEmails": [pr.account.email, legal.account.email],
                "spokespersonEmail": legal.account.email,
            }
        data = await _ok(world, REPORT_INCIDENT, {"input": values}, "tech_lead")
        assert data["reportIncident"]["errors"] == [], data
        incident = data["reportIncident"]["incident"]["id"]
        reply = await world.gql(NOTE_INCIDENT, {"id": incident}, token=pr.token)
        assert reply.data["addIncidentTimelineEntry"]["errors"] == [], reply.body


async def more_internal_audits(world: World, count: int) -> None:
    """Audits of different quarters, each with sampled cases recorded by different auditors."""
    from domain.models import AuditSample, InternalAudit

    for _ in range(count):
        n = next(_serial)
        audit = await InternalAudit.create(
            quarter=f"{2000 + n // 4:04d}-Q{n % 4 + 1}",
            seed=f"seed{n}",
            sample_percent=5,
            population={"BOOKING": 20, "COMPLAINT": 1},
        )
        auditor = await world.person("auditor")
        for kind, case in (("BOOKING", n), ("COMPLAINT", n + 1)):
            await AuditSample.create(
                audit_id=audit.id,
                case_kind=kind,
                case_id=case,
                severity="LOW",
                finding="late",
                recorded_by_account_id=auditor.account.id,
                recorded_at=clock.now(),
            )
# Performance evaluation (P5.1).
_PERIODS = iter(range(1, 100_000))


async def more_evaluation_results(world: World, count: int) -> None:
    """Results of every kind, each about another colleague: self, supervisor (with its
    author), 360-degree and a team's KPI snapshot."""
    from domain.models import EvaluationResult

    author = await world.person("supervisor")
    for i in range(count):
        subject = await world.person("booking_agent")
        kind = ("SELF", "SUPERVISOR", "PEER_360", "KPI")[i % 4]
        await EvaluationResult.create(
            kind=kind, team="SALES" if kind == "KPI" else None, period_kind="MONTH",
            period_start=TODAY, period_end=TODAY, label="2026-11", cycle_id=next(_PERIODS),
            subject_account_id=None if kind == "KPI" else subject.account.id,
            author_account_id=author.account.id if kind == "SUPERVISOR" else None,
            score=Decimal("4"), metrics={"inquiries": "3"} if kind == "KPI" else {},
        )


async def more_evaluation_cycles(world: World, count: int) -> None:
    from domain.models import EvaluationCycle

    for _ in range(count):
        start = dt.date(2000, 1, 1) + D(days=next(_PERIODS))
        await EvaluationCycle.create(
            kind="SELF", period_kind="MONTH", period_start=start, period_end=start,
            label="x", closes_at=clock.now() + D(days=1),
        )


async def more_peer_rating_tasks(world: World, count: int) -> None:
    """Tasks of the reader in open 360-degree cycles, each about another colleague."""
    from domain.models import EvaluationCycle, PeerRatingTask

    world.reader = world.reader or await world.person("legal")
    world.tokens = {**(world.tokens or {}), "legal": world.reader.token}
    for _ in range(count):
        start = dt.date(2000, 1, 1) + D(days=next(_PERIODS))
        cycle = await EvaluationCycle.create(
            kind="PEER_360", period_kind="HALF", period_start=start, period_end=start,
            label="x", closes_at=clock.now() + D(days=1),
        )
        reviewee = await world.person("booking_agent")
        await PeerRatingTask.create(cycle_id=cycle.id, reviewee_account_id=reviewee.account.id,
                                    rater_account_id=world.reader.account.id)


async def more_training_sessions(world: World, count: int) -> None:
    from domain.models import EvaluationResult, PerformanceTraining

    for _ in range(count):
        rep = await world.person("cs_rep")
        result = await EvaluationResult.create(
            kind="KPI", team="CUSTOMER_SERVICE", period_kind="QUARTER", period_start=TODAY,
            period_end=TODAY, label="2026-Q4", subject_account_id=rep.account.id,
            flag="TRAINING",
        )
        await PerformanceTraining.create(account_id=rep.account.id, result_id=result.id,
                                         session_number=1, due_on=TODAY)


RAISE_TICKET = """mutation($t: String!) { raiseFacilityTicket(input: {title: $t}) {
  ticket { id } errors { code } } }"""
RESOLVE_TICKET = """mutation($id: ID!) { resolveFacilityTicket(input: {ticketId: $id,
  resolution: "fixed"}) { errors { code } } }"""


async def more_facility_tickets(world: World, count: int) -> None:
    """Tickets raised by different colleagues to two engineers, every other one resolved."""
    await world.token("tech_lead")
    for i in range(count):
        raiser = await world.person("cs_rep")
        reply = await world.gql(RAISE_TICKET, {"t": f"Fault {i}"}, token=raiser.token)
        data = reply.data["raiseFacilityTicket"]
        assert data["errors"] == [], reply.body
        if i % 2:
            done = await _ok(world, RESOLVE_TICKET, {"id": data["ticket"]["id"]}, "tech_lead")
            assert done["resolveFacilityTicket"]["errors"] == []



# -- knowledge (P7.1.1, P7.1.4, P8.6) --

KB_SEND = """mutation($input: SendNoticeInput!) { sendNotice(input: $input) {
  notice { id } errors { code } } }"""
KB_CALL = """mutation($input: RecordPhoneCallInput!) { recordPhoneCall(input: $input) {
  phoneCall { id } errors { code } } }"""
KB_PUBLISH = """mutation($input: PublishProcedureInput!) { publishProcedure(input: $input) {
  procedure { id } errors { code } } }"""
KB_ACK = """mutation($input: AcknowledgeProcedureInput!) { acknowledgeProcedure(input: $input) {
  errors { code } } }"""
KB_LOG = """mutation($input: LogLearningInput!) { logLearning(input: $input) {
  errors { code } } }"""


async def _kb_procedure(world: World) -> str:
    """The first procedure (Procedure:1), published once per test, in two versions."""
    from domain.models import Procedure

    first = await Procedure.filter(id=1).first()
    if first is None:
        for version, base in ((1, None), (2, 1)):
            values = {
                "title": "Late check-out",
                "body": f"Version {version}.",
                "changeSummary": f"Change {version}.",
                "scope": {"roles": ["cs_rep"], "departments": ["FINANCE"]},
            }
            if base:
                values.update(procedureId="UHJvY2VkdXJlOjE=", baseVersion=base)
            data = await _ok(world, KB_PUBLISH, {"input": values}, "supervisor")
            assert data["publishProcedure"]["errors"] == [], data
    return "UHJvY2VkdXJlOjE="


async def more_notices(world: World, count: int) -> None:
    """Notices each to a new colleague by name and by role, by e-mail (a recipient each with
    their delivery state)."""
    for i in range(count):
        named = await world.person("cs_rep")
        values = {
            "title": f"Notice {i}",
            "body": "Read me.",
            "audience": {"roles": ["finance"], "staffEmails": [named.account.email]},
        }
        data = await _ok(world, KB_SEND, {"input": values}, "supervisor")
        assert data["sendNotice"]["errors"] == [], data


async def more_phone_calls(world: World, count: int) -> None:
    """Calls between different colleagues and with outside people."""
    for i in range(count):
        caller, callee = await world.person("cs_rep"), await world.person("tech_lead")
        values = {
            "caller": {"staffEmail": caller.account.email} if i % 2 else None,
            "callee": {"staffEmail": callee.account.email} if i % 2 else {"name": "Brigade"},
            "calledAt": (clock.now() - D(minutes=i + 1)).isoformat(),
            "subject": f"Call {i}",
            "outcome": "Handled",
        }
        data = await _ok(world, KB_CALL, {"input": values}, "supervisor")
        assert data["recordPhoneCall"]["errors"] == [], data


async def more_procedures(world: World, count: int) -> None:
    """Procedures in two versions, each read by a different colleague."""
    await _kb_procedure(world)
    for i in range(count):
        reader = await world.person("cs_rep")
        values = {"title": f"SOP {i}", "body": "Steps.", "changeSummary": "First version."}
        data = await _ok(world, KB_PUBLISH, {"input": values}, "supervisor")
        pid = data["publishProcedure"]["procedure"]["id"]
        values.update(procedureId=pid, changeSummary="Second.", baseVersion=1)
        await _ok(world, KB_PUBLISH, {"input": values}, "supervisor")
        ack = {"procedureId": pid, "version": 2}
        reply = await world.gql(KB_ACK, {"input": ack}, token=reader.token)
        assert reply.data["acknowledgeProcedure"]["errors"] == [], reply.body


async def more_non_readers(world: World, count: int) -> None:
    """New colleagues in the scope of procedure 1 who have not read it."""
    await _kb_procedure(world)
    for _ in range(count):
        await world.person("cs_rep")


async def more_learners(world: World, count: int) -> None:
    """New staff each logging learning against a procedure."""
    pid = await _kb_procedure(world)
    for i in range(count):
        learner = await world.person("cs_rep")
        values = {"procedureId": pid, "minutes": 30 + i}
        reply = await world.gql(KB_LOG, {"input": values}, token=learner.token)
        assert reply.data["logLearning"]["errors"] == [], reply.body

async def more_data_subject_requests(world: World, count: int) -> None:
    """Requests of different guests, filed by different staff (both loaded with the page)."""
    from domain.models import DataSubjectRequest

    for _ in range(count):
        n = next(_serial)
        guest = await make_account(f"dsr-guest{n}@example.com", kind="GUEST")
        filer = await world.person("cs_rep")
        await DataSubjectRequest.create(
            kind="CORRECTION",
            subject_account_id=guest.id,
            filed_by_account_id=filer.account.id,
            channel="STAFF",
            corrections=[{"field": "FULL_NAME", "value": f"Guest {n}"}],
            retained=[{"documentId": n, "name": f"doc-{n}", "reason": "kept"}],
            due_at=clock.now() + D(days=15),
        )
# Rewards and penalties (P5.2).
async def more_incentive_entries(world: World, count: int) -> None:
    """Rewards and penalties of different people, each decided, proposed or confirmed by
    another (their people loaded with the page)."""
    from domain.models import IncentiveEntry

    for i in range(count):
        staff, decider = await world.person("cs_rep"), await world.person("hr")
        await IncentiveEntry.create(
            staff_account_id=staff.account.id,
            department="BOOKING_CRM",
            category="REWARD" if i % 2 else "PENALTY",
            kind="TARGET_BONUS" if i % 2 else "COMPLAINT_HANDLING_DEDUCTION",
            status="IN_EFFECT",
            reason=f"Entry {i}",
            period_start=TODAY,
            period_end=TODAY,
            amount=Decimal("100.00"),
            currency="CNY",
            complaint_id=None if i % 2 else i + 1,
            proposed_by_account_id=decider.account.id,
            decided_by_account_id=decider.account.id,
            confirmed_by_account_id=decider.account.id,
        )


async def more_violation_cases(world: World, count: int) -> None:
    """Violation cases of different people, opened and handled by others."""
    from domain.models import ViolationCase

    for i in range(count):
        staff, hr = await world.person("cs_rep"), await world.person("hr")
        await ViolationCase.create(
            staff_account_id=staff.account.id,
            department="BOOKING_CRM",
            severity="MINOR",
            description=f"Case {i}",
            status="IN_HANDLING",
            opened_by_account_id=hr.account.id,
            handler_account_id=hr.account.id,
            handling_due_at=clock.now(),
            penalty_entry_id=i + 1,
        )


async def more_blacklist_entries(world: World, count: int) -> None:
    """Blacklist entries of different people, each decided by another."""
    from domain.models import StaffBlacklistEntry

    for _ in range(count):
        n = next(_serial)
        staff, hr = await world.person("cs_rep"), await world.person("hr")
        await StaffBlacklistEntry.create(
            account_id=staff.account.id,
            display_name=staff.account.display_name,
            id_document_number=f"E{n:08d}",
            id_document_index=f"{n:032d}",
            reason="Forged figures",
            decided_by_account_id=hr.account.id,
        )


CASES: dict[str, Case] = {
    "bookings": Case("director", more_bookings),
    "members": Case("director", more_members),
    "approvals": Case("director", more_approvals),
    "documents": Case("director", more_documents),
    "reports": Case("director", more_reports),
    "outboxEvents": Case("admin", more_outbox_events),
    "auditLog": Case("auditor", more_audit_entries),
    "notifications": Case("cs_rep", more_notifications),
    "staffAccounts": Case("admin", more_staff),
    "authorizationChanges": Case("hr", more_authorization_changes),
    "roomTypes": Case("booking_agent", more_room_types, ""),
    "rooms": Case("director", more_room_types, ""),
    "availability": Case(
        "booking_agent",
        more_room_types,
        f'(checkIn: "{TODAY + D(days=1)}", checkOut: "{TODAY + D(days=4)}")',
    ),
    "policyParameters": Case("director", more_parameter_versions, "", fixed_length=True),
    "permissionMatrix": Case("admin", more_grants, ""),
    "meetings": Case("director", more_meetings),
    "actionItems": Case("director", more_action_items),
    "disputes": Case("hr", more_disputes),
    "complaints": Case("director", more_complaints),
    "followUps": Case("supervisor", more_first_stays),
    "satisfactionSurveys": Case("cs_rep", more_first_stays),
    "carePlan": Case("director", more_care_campaigns, "(year: 2027)"),
    # Analysis area (P3.1.8).
    "recommendations": Case(
        "cs_rep", more_recommendations, '(memberId: "TWVtYmVyOjE=")'  # Member:1
    ),
    "memberAnalysis": Case("data_analyst", more_analysed_members),
    "inquiries": Case("director", more_inquiries),
    "pendingOperations": Case("admin", more_pending_operations),
    "budgets": Case("finance", more_budgets),
    "ledgerEntries": Case("finance", more_ledger_entries),
    "crisisGroups": Case("director", more_crisis_groups),
    "proposals": Case("director", more_proposals),
    "workshops": Case("director", more_workshops),
    "policyReviews": Case("director", more_policy_reviews),
    "departments": Case("booking_agent", more_employees, "", fixed_length=True),
    "employees": Case("director", more_employees),
    "rotationPlans": Case("director", more_rotation_plans),
    "projects": Case("booking_agent", more_projects),
    "myConsents": Case("guest", more_consents, "", fixed_length=True),
    "myConsentHistory": Case("guest", more_consents),
    "partners": Case("director", more_partners),
    "complianceTrainingStatus": Case("hr", more_trained_staff, ""),
    # Risk response (P6.2.1, P6.2.2).
    "incidents": Case("director", more_incidents),
    "internalAudits": Case("committee", more_internal_audits),
    "evaluations": Case("director", more_evaluation_results),
    "evaluationCycles": Case("director", more_evaluation_cycles),
    "peerRatingTasks": Case("legal", more_peer_rating_tasks, ""),
    "trainingSessions": Case("hr", more_training_sessions),
    "facilityTickets": Case("director", more_facility_tickets),
    # Knowledge (P7.1.1, P7.1.4, P8.6).
    "notices": Case("director", more_notices),
    "phoneCalls": Case("director", more_phone_calls),
    "procedures": Case("supervisor", more_procedures),
    "procedureNonReaders": Case(
        "supervisor", more_non_readers, '(procedureId: "UHJvY2VkdXJlOjE=", first: 50)'
    ),
    "learningProgress": Case("supervisor", more_learners),
    "dataSubjectRequests": Case("supervisor", more_data_subject_requests),
    "rewardsAndPenalties": Case("hr", more_incentive_entries),
    "violationCases": Case("hr", more_violation_cases),
    "blacklist": Case("hr", more_blacklist_entries),
}


@pytest.fixture(autouse=True)
def caches_kept_through_the_measure(monkeypatch):
    """The policy parameters and the permission matrix's version are re-read every two
    seconds; on a loaded machine the warm-up and the measured request can straddle that,
    counting a reload that has nothing to do with the list's length. Writes still invalidate
    the parameters at once, and each measure refreshes the matrix by force."""
    from authz import enforcer as enforcer_module
    from domain.policy_params import store

    monkeypatch.setattr(store, "_TTL", 3600.0)
    monkeypatch.setattr(enforcer_module, "_RECHECK_SECONDS", 3600.0)


def test_every_list_field_has_a_query_count_case():
    assert set(list_fields()) == set(CASES), "add a Case for the new list field"


def _document(field: str, case: Case, *, with_total: bool = True) -> str:
    wanted = selection(list_fields()[field])
    if not with_total:
        wanted = wanted.replace("totalCount", "")
        # A nested connection that asked only for its total is left out, not left empty.
        while (emptied := re.sub(r"\b\w+ \{\s*\}", "", wanted)) != wanted:
            wanted = emptied
    return f"{{ {field}{case.arguments} {{ {wanted} }} }}"


def _rows(answer) -> int:
    return len(answer["nodes"]) if isinstance(answer, dict) else len(answer)


async def _measure(world: World, field: str, case: Case, document: str) -> tuple[int, int]:
    """(statements, rows) of one request, asked twice and counted the second time: what is
    loaded once per process (the permission matrix, the policy parameters) stays out."""
    token = await world.token(case.role)
    await enforcer.refresh(force=True)
    await world.gql(document, token=token)
    with counting_queries() as counter:
        reply = await world.gql(document, token=token)
    assert reply.errors == [], reply.errors
    # The parameters' cache reloads on a wall-clock timer (2 s), which a slow run can cross
    # between the two requests: its statements are per process, not per row (except for the
    # list of the parameters itself).
    per_request = [
        sql
        for sql in counter.statements
        if field == "policyParameters" or "policy_parameter_version" not in sql
    ]
    return len(per_request), _rows(reply.data[field])


@pytest.mark.parametrize("field", sorted(CASES))
async def test_a_list_costs_the_same_queries_for_few_and_more_rows(gql, person, field):
    case = CASES[field]
    world = World(gql, person)
    document = _document(field, case)
    await case.grow(world, FEW)
    few, few_rows = await _measure(world, field, case, document)
    await case.grow(world, MORE)
    more, more_rows = await _measure(world, field, case, document)
    if case.fixed_length:
        assert more_rows == few_rows > 0
    else:
        assert more_rows > few_rows > 0, (few_rows, more_rows)
    assert few == more, f"{field}: {few} statements for {few_rows} rows, {more} for {more_rows}"


CONNECTIONS = sorted(f for f, t in list_fields().items() if t.name.endswith("Connection"))


@pytest.mark.parametrize("field", CONNECTIONS)
async def test_the_matches_are_counted_only_when_total_count_is_asked(gql, person, field):
    case = CASES[field]
    world = World(gql, person)
    await case.grow(world, FEW)
    with_total, _ = await _measure(world, field, case, _document(field, case))
    without, rows = await _measure(world, field, case, _document(field, case, with_total=False))
    assert rows > 0
    assert without == with_total - 1
