"""Booking changes need the customer's written authorisation; urgent ones take the emergency
path (P4.1.2: a supervisor authorises at once) with three approvals by three different people of
rising rank following as paperwork (P3.1.4). Changes re-check availability and re-price."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from domain_support import (
    TODAY,
    assert_inventory_consistent,
    book,
    guest_account,
    new_member,
    run,
    sold,
    staff,
)

from domain import approvals
from domain.actor import SYSTEM
from domain.bookings import (
    ChangeAuthorization,
    change_confirmation_token,
    request_booking_change,
)
from domain.clock import clock
from domain.errors import DomainError, ErrorCode
from domain.models import (
    ApprovalDecision,
    ApprovalRequest,
    Booking,
    BookingChangeRequest,
    Notification,
    OutboxEvent,
)
from tests.conftest import archived_authorisation

pytestmark = pytest.mark.policy("P3.1.4")
D = dt.timedelta
AUTHORISATION = "20261128-0042-guest-change-authorisation"
DOC = ChangeAuthorization(kind="WRITTEN_DOCUMENT", document_id=AUTHORISATION)


@pytest.fixture(autouse=True)
async def signed_authorisation_on_file(hotel):
    """The guest's written authorisation that WRITTEN_DOCUMENT changes point at (P3.2 archive)."""
    assert await archived_authorisation(42) == AUTHORISATION


async def change(actor, booking_id, **kwargs):
    return await run(
        actor, "requestBookingChange", lambda: request_booking_change(actor, booking_id, **kwargs)
    )


async def test_change_without_written_authorisation_is_refused(hotel):
    agent = await staff("booking_agent")
    booking = await book(agent, hotel.std, TODAY + D(days=10), 2)
    for authorization, field in [
        (None, "authorization"),
        (ChangeAuthorization(kind="WRITTEN_DOCUMENT"), "authorization.documentId"),
        (ChangeAuthorization(kind="GUEST_CONFIRMED"), "authorization"),  # staff is not the guest
        (ChangeAuthorization(kind="PHONE_CALL"), "authorization.kind"),
        (ChangeAuthorization(kind="GUEST_CONFIRMED", confirmation_token="x.y"), "authorization"),
    ]:
        with pytest.raises(DomainError) as refused:
            await change(
                agent, booking.id, authorization=authorization, check_out=TODAY + D(days=13)
            )
        assert (refused.value.code, refused.value.field) == (
            ErrorCode.AUTHORIZATION_REQUIRED,
            field,
        )
    assert await BookingChangeRequest.all().count() == 0
    assert (await Booking.get(id=booking.id)).check_out == TODAY + D(days=12)


async def test_written_document_change_applies_reprices_and_moves_nights(hotel):
    agent = await staff("booking_agent")
    booking = await book(agent, hotel.std, TODAY + D(days=10), 2)
    result = await change(
        agent,
        booking.id,
        authorization=DOC,
        check_in=TODAY + D(days=11),
        check_out=TODAY + D(days=14),
        room_type_id=hotel.dlx,
        guests=3,
    )
    assert result.change_request.status == "APPLIED" and result.approval is None
    assert result.change_request.authorization_document_id == AUTHORISATION
    assert (result.change_request.old_total, result.change_request.new_total) == (
        Decimal("1000.00"),
        Decimal("2400.00"),
    )
    stored = await Booking.get(id=booking.id)
    assert (stored.check_in, stored.check_out, stored.room_type_id, stored.guests) == (
        TODAY + D(days=11),
        TODAY + D(days=14),
        hotel.dlx,
        3,
    )
    assert (stored.nights, stored.total_amount) == (3, Decimal("2400.00"))
    assert await sold(hotel.std, TODAY + D(days=10)) == 0
    assert await sold(hotel.dlx, TODAY + D(days=13)) == 1
    assert await OutboxEvent.filter(topic="booking.changed", destination="PMS_WEBHOOK").count() == 1
    await assert_inventory_consistent()


async def test_the_guest_confirms_their_own_change_or_by_signed_link(hotel):
    member_id = await new_member()
    me = await guest_account(member_id=member_id)
    mine = await book(me, hotel.std, TODAY + D(days=10), 2, guest=None, channel="ONLINE")
    own = await change(
        me,
        mine.id,
        authorization=ChangeAuthorization("GUEST_CONFIRMED"),
        check_out=TODAY + D(days=13),
    )
    assert own.change_request.status == "APPLIED"

    agent = await staff("booking_agent")
    booking = await book(agent, hotel.std, TODAY + D(days=20), 2)
    token = change_confirmation_token(booking, check_out=TODAY + D(days=23))
    # The link confirms exactly that change: not another one, not after it expires.
    with pytest.raises(DomainError):
        await change(
            agent,
            booking.id,
            check_out=TODAY + D(days=24),
            authorization=ChangeAuthorization("GUEST_CONFIRMED", confirmation_token=token),
        )
    clock.advance(D(hours=73))
    with pytest.raises(DomainError):
        await change(
            agent,
            booking.id,
            check_out=TODAY + D(days=23),
            authorization=ChangeAuthorization("GUEST_CONFIRMED", confirmation_token=token),
        )
    clock.advance(D(hours=-73))
    done = await change(
        agent,
        booking.id,
        check_out=TODAY + D(days=23),
        authorization=ChangeAuthorization("GUEST_CONFIRMED", confirmation_token=token),
    )
    assert done.booking.check_out == TODAY + D(days=23)
    # Somebody else's guest cannot change the booking at all.
    stranger = await guest_account()
    with pytest.raises(DomainError) as refused:
        await change(
            stranger,
            booking.id,
            check_out=TODAY + D(days=22),
            authorization=ChangeAuthorization("GUEST_CONFIRMED"),
        )
    assert refused.value.code == ErrorCode.NOT_FOUND


async def test_change_to_sold_out_nights_is_refused_and_nothing_moves(hotel):
    agent = await staff("booking_agent")
    mine = await book(agent, hotel.single, TODAY + D(days=10), 2)
    await book(agent, hotel.single, TODAY + D(days=12), 2)
    with pytest.raises(DomainError) as refused:
        await change(agent, mine.id, authorization=DOC, check_out=TODAY + D(days=13))
    assert refused.value.code == ErrorCode.ROOM_UNAVAILABLE
    stored = await Booking.get(id=mine.id)
    assert stored.check_out == TODAY + D(days=12) and stored.version == mine.version
    assert await BookingChangeRequest.all().count() == 0
    # Shortening keeps the overlap and frees the rest.
    await change(agent, mine.id, authorization=DOC, check_out=TODAY + D(days=11))
    assert await sold(hotel.single, TODAY + D(days=11)) == 0
    await assert_inventory_consistent()


async def test_bad_change_input_is_refused(hotel):
    agent = await staff("booking_agent")
    booking = await book(agent, hotel.std, TODAY + D(days=10), 2)
    cases = [
        ({"check_out": TODAY + D(days=10)}, ErrorCode.INVALID, "checkOut"),
        ({"check_in": TODAY - D(days=1)}, ErrorCode.OUT_OF_RANGE, "checkIn"),
        ({"guests": 5}, ErrorCode.OUT_OF_RANGE, "guests"),
        ({"room_type_id": 999}, ErrorCode.NOT_FOUND, "roomTypeId"),
        ({"check_out": TODAY + D(days=12)}, ErrorCode.INVALID, "bookingId"),  # no change
    ]
    for kwargs, code, field in cases:
        with pytest.raises(DomainError) as refused:
            await change(agent, booking.id, authorization=DOC, **kwargs)
        assert (refused.value.code, refused.value.field) == (code, field), kwargs


async def _urgent(hotel):
    agent = await staff("booking_agent")
    booking = await book(agent, hotel.std, TODAY + D(days=1), 2)  # arrives tomorrow
    result = await change(agent, booking.id, authorization=DOC, check_out=TODAY + D(days=4))
    return agent, booking, result


async def decide(actor, approval_id, decision="APPROVE", comment=""):
    return await run(
        actor,
        "decideApproval",
        lambda: approvals.decide_approval(actor, approval_id, decision, comment),
    )


async def _paperwork(emergency_id: int):
    return await ApprovalRequest.get(subject_type="ApprovalRequest", subject_id=str(emergency_id))


@pytest.mark.policy("P4.1.2")
async def test_urgent_change_is_authorised_at_once_and_three_rising_approvals_follow(hotel):
    sup1, sup2 = await staff("supervisor"), await staff("supervisor")
    director, director2 = await staff("director"), await staff("director")
    agent, booking, result = await _urgent(hotel)
    assert result.change_request.status == "PENDING_APPROVAL" and result.change_request.urgent
    approval = result.approval
    assert (approval.kind, approval.status, approval.required_role, approval.emergency) == (
        "BOOKING_CHANGE",
        "PENDING",
        "supervisor,director",
        True,
    )
    assert approval.amount == Decimal("1500.00")
    assert (await Booking.get(id=booking.id)).check_out == TODAY + D(days=3)  # not yet
    waiting = await Notification.filter(kind="APPROVAL_WAITING").values_list(
        "account_id", flat=True
    )
    assert set(waiting) == {
        sup1.account_id,
        sup2.account_id,
        director.account_id,
        director2.account_id,
    }

    async def refused(actor, request_id, code=ErrorCode.FORBIDDEN):
        with pytest.raises(DomainError) as error:
            await decide(actor, request_id)
        assert error.value.code == code

    await refused(agent, approval.id)
    # P4.1.2: one supervisor authorises the emergency, and the change applies at once.
    assert (await decide(sup1, approval.id)).status == "APPROVED"
    await refused(sup2, approval.id, ErrorCode.ALREADY_DECIDED)
    stored = await Booking.get(id=booking.id)
    assert stored.check_out == TODAY + D(days=4) and stored.total_amount == Decimal("1500.00")
    assert (await BookingChangeRequest.get(id=result.change_request.id)).status == "APPLIED"
    await assert_inventory_consistent()

    # P3.1.4: the formal approval follows as paperwork, three rising levels, due in 3 days.
    paperwork = await _paperwork(approval.id)
    assert (paperwork.kind, paperwork.required_role, len(paperwork.levels)) == (
        "BOOKING_CHANGE_PAPERWORK",
        "supervisor",
        3,
    )
    assert paperwork.due_at == clock.now() + D(days=3)
    assert (await ApprovalRequest.get(id=approval.id)).paperwork_due_at == paperwork.due_at
    await refused(director, paperwork.id)  # level 1 is a supervisor's
    await decide(sup1, paperwork.id)
    await refused(sup1, paperwork.id)  # a different person at every level
    await decide(sup2, paperwork.id)  # level 2: supervisor or director
    await refused(sup2, paperwork.id)
    done = await decide(director, paperwork.id)  # level 3: director
    assert done.status == "APPROVED"
    await refused(director2, paperwork.id, ErrorCode.ALREADY_DECIDED)
    decisions = await ApprovalDecision.filter(request_id=paperwork.id).order_by("level")
    assert [(d.level, d.role, d.decided_by_account_id) for d in decisions] == [
        (1, "supervisor", sup1.account_id),
        (2, "supervisor", sup2.account_id),
        (3, "director", director.account_id),
    ]
    assert not await Notification.filter(kind="EMERGENCY_PAPERWORK_MISSING").exists()


@pytest.mark.policy("P4.1.2")
async def test_rank_never_falls_and_refused_paperwork_goes_to_the_director(hotel):
    sup1, sup2, director = (
        await staff("supervisor"),
        await staff("supervisor"),
        await staff("director"),
    )
    _, _, result = await _urgent(hotel)
    await decide(director, result.approval.id)  # the director may authorise an emergency too
    paperwork = await _paperwork(result.approval.id)
    await decide(sup1, paperwork.id)
    await decide(director, paperwork.id)  # level 2 decided by a director
    with pytest.raises(DomainError) as refused:
        await decide(sup2, paperwork.id)  # level 3 needs a director anyway
    assert refused.value.code == ErrorCode.FORBIDDEN
    director2 = await staff("director")
    with pytest.raises(DomainError) as refused:
        await decide(director2, paperwork.id, "REJECT")
    assert refused.value.field == "comment"
    rejected = await decide(director2, paperwork.id, "REJECT", "no rooms to spare")
    assert rejected.status == "REJECTED"
    # The change happened under the emergency authorisation; the refusal is reported.
    assert (await BookingChangeRequest.get(id=result.change_request.id)).status == "APPLIED"
    reported = await Notification.filter(kind="EMERGENCY_PAPERWORK_MISSING").values_list(
        "account_id", flat=True
    )
    assert set(reported) == {director.account_id, director2.account_id}


async def test_a_refused_emergency_changes_nothing_and_frees_the_booking(hotel):
    sup1 = await staff("supervisor")
    _, booking, result = await _urgent(hotel)
    rejected = await decide(sup1, result.approval.id, "REJECT", "no rooms to spare")
    assert rejected.status == "REJECTED"
    assert (await BookingChangeRequest.get(id=result.change_request.id)).status == "REJECTED"
    assert (await Booking.get(id=booking.id)).check_out == TODAY + D(days=3)
    assert await ApprovalRequest.filter(kind="BOOKING_CHANGE_PAPERWORK").count() == 0
    # The rejected request no longer blocks a new one.
    again = await change(sup1, booking.id, authorization=DOC, check_out=TODAY + D(days=5))
    assert again.change_request.status == "PENDING_APPROVAL"


async def test_approved_change_that_no_longer_fits_is_recorded_as_failed(hotel):
    sup1 = await staff("supervisor")
    agent = await staff("booking_agent")
    booking = await book(agent, hotel.single, TODAY + D(days=1), 1)
    result = await change(agent, booking.id, authorization=DOC, check_out=TODAY + D(days=3))
    await book(agent, hotel.single, TODAY + D(days=2), 1)  # the night is sold meanwhile
    done = await decide(sup1, result.approval.id)
    assert done.status == "APPROVED"
    failed = await BookingChangeRequest.get(id=result.change_request.id)
    assert failed.status == "FAILED" and "ROOM_UNAVAILABLE" in failed.failure_reason
    assert (await Booking.get(id=booking.id)).check_out == TODAY + D(days=2)
    assert await ApprovalRequest.filter(kind="BOOKING_CHANGE_PAPERWORK").count() == 0
    await assert_inventory_consistent()


async def test_one_pending_change_at_a_time_and_expiry_at_check_in(hotel):
    _, booking, result = await _urgent(hotel)
    with pytest.raises(DomainError) as refused:
        await change(await staff("booking_agent"), booking.id, authorization=DOC, guests=1)
    assert refused.value.code == ErrorCode.CONFLICT
    clock.advance(D(days=2))
    expired = await run(SYSTEM, "expireApprovals", lambda: approvals.expire_overdue())
    assert expired == 1
    assert (await BookingChangeRequest.get(id=result.change_request.id)).status == "EXPIRED"
    with pytest.raises(DomainError) as refused:
        await decide(await staff("supervisor"), result.approval.id)
    assert refused.value.code == ErrorCode.ALREADY_DECIDED


async def test_client_may_mark_a_far_change_urgent(hotel):
    agent = await staff("booking_agent")
    booking = await book(agent, hotel.std, TODAY + D(days=30), 2)
    result = await change(
        agent, booking.id, authorization=DOC, check_out=TODAY + D(days=33), urgent=True
    )
    assert result.change_request.status == "PENDING_APPROVAL"
    far = await change(
        agent,
        (await book(agent, hotel.std, TODAY + D(days=30), 1)).id,
        authorization=DOC,
        check_out=TODAY + D(days=32),
    )
    assert far.change_request.status == "APPLIED"
