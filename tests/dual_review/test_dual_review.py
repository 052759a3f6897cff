"""Dual review of high-risk operations (P6.2.3) through the API: an operation is stored with
its exact arguments and runs only when a second, different person who may perform it confirms
the arguments they reviewed; refused, expired and altered operations never run."""

from __future__ import annotations

import asyncio
import datetime as dt
import json
from decimal import Decimal

import pytest

from domain import dual_review, policy_params
from domain.clock import clock
from domain.dual_review.registry import HIGH_RISK, registered
from domain.errors import DomainError, ErrorCode
from domain.models import (
    AuditEntry,
    Notification,
    PendingOperation,
    PolicyParameterVersion,
    Refund,
)
from tests.bookings.booking_support import CANCEL, TODAY, book, make_hotel, new_member
from tests.dual_review_support import (
    CONFIRM,
    checker,
    confirm_as_checker,
    confirm_through_api,
    set_parameter_reviewed,
)
from workers.jobs import expire_pending_operations

pytestmark = pytest.mark.policy("P6.2.3")

SET = """mutation($k: String!, $v: String!) {
  setPolicyParameter(input: {key: $k, value: $v, reason: "faster service"}) {
    parameter { value } pendingOperation { id operation arguments argumentsDigest status
      requiredPermissions requestedBy requestedByMe expiresAt }
    errors { field code } } }"""
PENDING = """query($f: PendingOperationFilter) { pendingOperations(first: 20, filter: $f) {
  totalCount edges { node { id operation summary arguments argumentsDigest status
    requestedByMe decidedBy } } } }"""
REJECT = """mutation($id: ID!, $r: String!) {
  rejectOperation(input: {operationId: $id, reason: $r}) {
    operation { status decidedBy decisionComment } errors { field code } } }"""


async def _ask(gql, token, key="complaint_resolve_days", value="7") -> dict:
    reply = await gql(SET, {"k": key, "v": value}, token=token)
    payload = reply.data["setPolicyParameter"]
    assert payload["errors"] == [] and payload["parameter"] is None
    return payload["pendingOperation"]


def _codes(payload: dict) -> list[tuple[str | None, str]]:
    return [(e["field"], e["code"]) for e in payload["errors"]]


async def test_a_parameter_change_waits_for_a_second_person_and_runs_as_stored(gql, person):
    director, admin = await person("director"), await person("admin")
    pending = await _ask(gql, director.token)
    assert pending["status"] == "PENDING" and pending["requestedByMe"] is True
    assert pending["requiredPermissions"] == ["policy_parameter:update"]
    assert json.loads(pending["arguments"])["value"] == "7"
    assert await PolicyParameterVersion.all().count() == 0
    assert await policy_params.get("complaint_resolve_days") == 10

    # The checker sees it among what waits for them; the maker does not.
    mine = await gql(PENDING, {"f": {"waitingForMe": True}}, token=director.token)
    assert mine.data["pendingOperations"]["totalCount"] == 0
    theirs = await gql(PENDING, {"f": {"waitingForMe": True}}, token=admin.token)
    [node] = [e["node"] for e in theirs.data["pendingOperations"]["edges"]]
    assert node["argumentsDigest"] == pending["argumentsDigest"]
    assert node["summary"].startswith("Set complaint_resolve_days to 7")

    done = await confirm_through_api(gql, node, admin.token)
    assert done["errors"] == [] and done["operation"]["status"] == "EXECUTED"
    [version] = await PolicyParameterVersion.all()
    row = await PendingOperation.get()
    # What ran is what was stored: the value, the reason and the maker it names.
    assert (version.key, version.value, version.reason) == (
        row.arguments["key"],
        row.arguments["value"],
        row.arguments["reason"],
    )
    assert version.changed_by_id == director.account.id
    assert row.checker_account_id == admin.account.id
    assert json.loads(done["operation"]["result"]) == {
        "key": "complaint_resolve_days",
        "version": 1,
    }
    again = await confirm_through_api(gql, node, admin.token)
    assert _codes(again) == [("operationId", "ALREADY_DECIDED")]
    assert await PolicyParameterVersion.all().count() == 1


async def test_nobody_confirms_their_own_operation(gql, person):
    admin = await person("admin")
    pending = await _ask(gql, admin.token)
    own = await confirm_through_api(gql, pending, admin.token)
    assert _codes(own) == [("operationId", "FORBIDDEN")]
    assert (await PendingOperation.get()).status == "PENDING"
    assert await PolicyParameterVersion.all().count() == 0
    assert await AuditEntry.filter(action="confirmOperation", outcome="REJECTED").count() == 1


@pytest.mark.parametrize("role", ["supervisor", "finance", "legal", "tech_lead"])
async def test_a_checker_without_the_right_to_perform_it_is_refused(gql, person, role):
    """They may review some operations (the door), but not change policy parameters."""
    director, someone = await person("director"), await person(role)
    pending = await _ask(gql, director.token)
    refused = await confirm_through_api(gql, pending, someone.token)
    assert _codes(refused) == [("operationId", "FORBIDDEN")]
    rejected = await gql(REJECT, {"id": pending["id"], "r": "no"}, token=someone.token)
    assert _codes(rejected.data["rejectOperation"]) == [("operationId", "FORBIDDEN")]
    assert (await PendingOperation.get()).status == "PENDING"
    assert await PolicyParameterVersion.all().count() == 0


@pytest.mark.parametrize("role", ["booking_agent", "cs_rep", "data_analyst", "committee"])
async def test_roles_that_review_nothing_are_refused_at_the_door(gql, person, role):
    director, someone = await person("director"), await person(role)
    pending = await _ask(gql, director.token)
    confirm = await gql(
        CONFIRM, {"id": pending["id"], "d": pending["argumentsDigest"]}, token=someone.token
    )
    assert confirm.error_codes == ["FORBIDDEN"]
    reject = await gql(REJECT, {"id": pending["id"], "r": "no"}, token=someone.token)
    assert reject.error_codes == ["FORBIDDEN"]
    listed = await gql(PENDING, token=someone.token)
    if role in ("booking_agent", "cs_rep"):  # makers of refunds: they see only their own
        assert listed.data["pendingOperations"]["totalCount"] == 0
        node = await gql(
            "query($id: ID!) { node(id: $id) { id } }", {"id": pending["id"]}, token=someone.token
        )
        assert node.data["node"] is None
    else:
        assert listed.error_codes == ["FORBIDDEN"]
    assert (await PendingOperation.get()).status == "PENDING"


async def test_guests_partners_and_anonymous_callers_are_refused(gql, person, partner):
    director = await person("director")
    pending = await _ask(gql, director.token)
    guest = await person(kind="GUEST")
    _, secret = await partner(["bookings:write"])
    variables = {"id": pending["id"], "d": pending["argumentsDigest"]}
    for token in (guest.token, secret):
        assert (await gql(CONFIRM, variables, token=token)).error_codes == ["FORBIDDEN"]
        assert (await gql(PENDING, token=token)).error_codes == ["FORBIDDEN"]
    assert (await gql(CONFIRM, variables)).error_codes == ["UNAUTHENTICATED"]
    assert (await PendingOperation.get()).status == "PENDING"


async def test_an_operation_expires_and_is_then_refused(gql, person):
    director = await person("director")
    pending = await _ask(gql, director.token)
    row = await PendingOperation.get()
    assert row.expires_at == clock.now() + dt.timedelta(hours=24)
    clock.advance(dt.timedelta(hours=24, seconds=1))
    admin = await person("admin")  # signed in afresh: yesterday's access token has expired
    late = await confirm_through_api(gql, pending, admin.token)
    assert _codes(late) == [("operationId", "ALREADY_DECIDED")]
    assert await expire_pending_operations({}) == 1
    assert await expire_pending_operations({}) == 0  # a rerun finds nothing to do
    assert (await PendingOperation.get()).status == "EXPIRED"
    assert await PolicyParameterVersion.all().count() == 0
    listed = await gql(PENDING, {"f": {"waitingForMe": True}}, token=admin.token)
    assert listed.data["pendingOperations"]["totalCount"] == 0


async def test_an_altered_operation_never_runs(gql, person):
    director, admin = await person("director"), await person("admin")
    pending = await _ask(gql, director.token, value="7")
    # Someone with database access changes the stored value after the request.
    row = await PendingOperation.get()
    await PendingOperation.filter(id=row.id).update(arguments={**row.arguments, "value": "30"})
    tampered = await confirm_through_api(gql, pending, admin.token)
    assert _codes(tampered) == [("operationId", "TAMPERED")]
    # Re-digesting the altered arguments does not help: the stored digest no longer matches.
    forged = {
        **pending,
        "argumentsDigest": dual_review.digest(
            "policy_parameter.set", {**row.arguments, "value": "30"}
        ),
    }
    assert _codes(await confirm_through_api(gql, forged, admin.token)) == [
        ("operationId", "TAMPERED")
    ]
    assert await PolicyParameterVersion.all().count() == 0
    assert (await PendingOperation.get()).status == "PENDING"


async def test_the_checker_confirms_only_what_they_reviewed(gql, person):
    director, admin = await person("director"), await person("admin")
    pending = await _ask(gql, director.token)
    other = {**pending, "argumentsDigest": "0" * 64}
    assert _codes(await confirm_through_api(gql, other, admin.token)) == [
        ("argumentsDigest", "CONFLICT")
    ]
    assert await PolicyParameterVersion.all().count() == 0


async def test_a_rejected_operation_never_runs_and_a_maker_may_withdraw(gql, person):
    director, admin = await person("director"), await person("admin")
    first = await _ask(gql, director.token)
    no_reason = await gql(REJECT, {"id": first["id"], "r": " "}, token=admin.token)
    assert _codes(no_reason.data["rejectOperation"]) == [("reason", "REQUIRED")]
    rejected = await gql(REJECT, {"id": first["id"], "r": "not this quarter"}, token=admin.token)
    assert rejected.data["rejectOperation"]["operation"]["status"] == "REJECTED"
    assert _codes(await confirm_through_api(gql, first, admin.token)) == [
        ("operationId", "ALREADY_DECIDED")
    ]
    second = await _ask(gql, director.token, value="8")
    withdrawn = await gql(REJECT, {"id": second["id"], "r": "typo"}, token=director.token)
    assert withdrawn.data["rejectOperation"]["operation"]["status"] == "REJECTED"
    assert await PolicyParameterVersion.all().count() == 0


async def test_bad_input_to_a_high_risk_operation_stores_nothing(gql, person):
    director = await person("director")
    reply = await gql(SET, {"k": "cancellation_grace_hours", "v": "soon"}, token=director.token)
    assert _codes(reply.data["setPolicyParameter"]) == [("value", "INVALID")]
    unknown = await confirm_through_api(
        gql, {"id": "UGVuZGluZ09wZXJhdGlvbjo5OTk=", "argumentsDigest": "x"}, director.token
    )
    assert _codes(unknown) == [("operationId", "NOT_FOUND")]
    assert await PendingOperation.all().count() == 0


async def test_two_checkers_at_once_run_it_once(gql, person):
    director = await person("director")
    await _ask(gql, director.token)
    row = await PendingOperation.get()
    checkers = [await checker("admin") for _ in range(4)]
    results = await asyncio.gather(
        *(confirm_as_checker(row, by) for by in checkers), return_exceptions=True
    )
    assert sum(not isinstance(r, Exception) for r in results) == 1
    assert {r.code for r in results if isinstance(r, DomainError)} == {ErrorCode.ALREADY_DECIDED}
    assert await PolicyParameterVersion.all().count() == 1


async def test_a_refund_over_the_limit_is_released_only_by_a_second_person(gql, person):
    hotel = await make_hotel()
    await set_parameter_reviewed("dual_review_refund_limit", "100")
    agent, finance = await person("booking_agent"), await person("finance")
    booking = await book(gql, agent.token, hotel.std)
    reply = await gql(CANCEL, {"id": booking["id"], "reason": "guest called"}, token=agent.token)
    refund = reply.data["cancelBooking"]["refund"]
    assert reply.data["cancelBooking"]["errors"] == [] and refund["status"] == "IN_REVIEW"
    assert Decimal(refund["amount"]) > 100
    listed = await gql(PENDING, {"f": {"waitingForMe": True}}, token=finance.token)
    [node] = [e["node"] for e in listed.data["pendingOperations"]["edges"]]
    assert node["operation"] == "refund.release"
    assert json.loads(node["arguments"])["amount"] == refund["amount"]
    # A supervisor may review other operations but does not release money.
    supervisor = await person("supervisor")
    refused = await confirm_through_api(gql, node, supervisor.token)
    assert _codes(refused) == [("operationId", "FORBIDDEN")]
    released = await confirm_through_api(gql, node, finance.token)
    assert released["errors"] == []
    assert (await Refund.get()).status == "PENDING"  # now Finance pays it


async def test_a_refund_altered_after_review_is_not_released(gql, person):
    hotel = await make_hotel()
    await set_parameter_reviewed("dual_review_refund_limit", "100")
    agent, finance = await person("booking_agent"), await person("finance")
    booking = await book(gql, agent.token, hotel.std)
    await gql(CANCEL, {"id": booking["id"], "reason": "guest called"}, token=agent.token)
    node = (await gql(PENDING, token=finance.token)).data["pendingOperations"]["edges"][0]["node"]
    await Refund.all().update(amount=Decimal("99999.00"))
    refused = await confirm_through_api(gql, node, finance.token)
    assert _codes(refused) == [("operationId", "TAMPERED")]
    # Confirmed, but what was confirmed cannot run: it ends FAILED with the code, not queued
    # again, and the refund is marked so for Finance instead of waiting in review for ever.
    assert refused["operation"]["status"] == "FAILED"
    assert refused["operation"]["failureReason"].startswith("TAMPERED: ")
    row = await PendingOperation.get(operation="refund.release")
    assert row.status == "FAILED" and row.checker_account_id == finance.account.id
    assert (await Refund.get()).status == "FAILED"
    told = await Notification.filter(kind="OPERATION_FAILED").values_list("account_id", flat=True)
    assert sorted(told) == sorted([agent.account.id, finance.account.id])
    again = await confirm_through_api(gql, node, finance.token)
    assert _codes(again) == [("operationId", "ALREADY_DECIDED")]
    seen = await gql(
        """query($f: PendingOperationFilter) { pendingOperations(first: 5, filter: $f) {
        edges { node { status failureReason requestedByMe decidedBy } } } }""",
        {"f": {"status": ["FAILED"]}},
        token=agent.token,
    )
    [mine] = [e["node"] for e in seen.data["pendingOperations"]["edges"]]
    assert mine["requestedByMe"] and mine["failureReason"].startswith("TAMPERED: ")


async def test_a_refused_refund_review_is_marked_for_finance(gql, person):
    hotel = await make_hotel()
    await set_parameter_reviewed("dual_review_refund_limit", "100")
    agent, finance = await person("booking_agent"), await person("finance")
    booking = await book(gql, agent.token, hotel.std)
    await gql(CANCEL, {"id": booking["id"], "reason": "guest called"}, token=agent.token)
    node = (await gql(PENDING, token=finance.token)).data["pendingOperations"]["edges"][0]["node"]
    rejected = await gql(REJECT, {"id": node["id"], "r": "paid in cash"}, token=finance.token)
    assert rejected.data["rejectOperation"]["errors"] == []
    assert (await Refund.get()).status == "REJECTED"


CANCEL_REVIEWED = """mutation($id: ID!, $key: String) {
  cancelBooking(input: {bookingId: $id, reason: "guest called", idempotencyKey: $key}) {
    refund { amount status } pendingOperation { id operation arguments argumentsDigest status
      requestedByMe } errors { code } } }"""


async def test_a_cancellation_says_which_review_its_refund_waits_for(gql, person):
    hotel = await make_hotel()
    await set_parameter_reviewed("dual_review_refund_limit", "100")
    agent, finance = await person("booking_agent"), await person("finance")
    booking = await book(gql, agent.token, hotel.std)
    reply = await gql(CANCEL_REVIEWED, {"id": booking["id"], "key": "c-1"}, token=agent.token)
    payload = reply.data["cancelBooking"]
    pending = payload["pendingOperation"]
    assert payload["errors"] == [] and payload["refund"]["status"] == "IN_REVIEW"
    assert pending["operation"] == "refund.release" and pending["status"] == "PENDING"
    assert pending["requestedByMe"]
    assert json.loads(pending["arguments"])["amount"] == payload["refund"]["amount"]
    # A replay of the same cancellation answers with the same review.
    replay = await gql(CANCEL_REVIEWED, {"id": booking["id"], "key": "c-1"}, token=agent.token)
    assert replay.data["cancelBooking"]["pendingOperation"]["id"] == pending["id"]
    # The maker follows it among their own operations; the checker confirms what was shown.
    mine = await gql(PENDING, token=agent.token)
    assert [e["node"]["id"] for e in mine.data["pendingOperations"]["edges"]] == [pending["id"]]
    assert (await confirm_through_api(gql, pending, finance.token))["errors"] == []
    assert (await Refund.get()).status == "PENDING"


async def test_a_guest_cancelling_sees_the_refund_in_review_but_not_the_staff_review(gql, person):
    hotel = await make_hotel()
    await set_parameter_reviewed("dual_review_refund_limit", "100")
    me = await person(kind="GUEST", member_id=await new_member(0))
    booking = await book(gql, me.token, hotel.std, channel="ONLINE", guest=None)
    reply = await gql(CANCEL_REVIEWED, {"id": booking["id"]}, token=me.token)
    payload = reply.data["cancelBooking"]
    assert payload["errors"] == [] and payload["refund"]["status"] == "IN_REVIEW"
    assert payload["pendingOperation"] is None
    assert await PendingOperation.filter(operation="refund.release", status="PENDING").exists()


NO_SHOW_REVIEWED = """mutation($id: ID!) { markNoShow(input: {bookingId: $id}) {
  booking { status refunds { amount status } }
  pendingOperation { id operation arguments argumentsDigest status requestedByMe }
  errors { code } } }"""


async def test_a_no_show_says_which_review_its_refund_waits_for(gql, person):
    hotel = await make_hotel()
    await set_parameter_reviewed("no_show_refund_percent", "100")
    await set_parameter_reviewed("dual_review_refund_limit", "100")
    agent, finance = await person("booking_agent"), await person("finance")
    booking = await book(gql, agent.token, hotel.std, TODAY, 2)
    reply = await gql(NO_SHOW_REVIEWED, {"id": booking["id"]}, token=agent.token)
    payload = reply.data["markNoShow"]
    pending = payload["pendingOperation"]
    [refund] = payload["booking"]["refunds"]
    assert payload["errors"] == [] and payload["booking"]["status"] == "NO_SHOW"
    assert refund["status"] == "IN_REVIEW" and Decimal(refund["amount"]) > 100
    assert pending["operation"] == "refund.release" and pending["status"] == "PENDING"
    assert pending["requestedByMe"]
    arguments = json.loads(pending["arguments"])
    row = await Refund.get(kind="NO_SHOW")
    assert arguments["refund_id"] == row.id and arguments["amount"] == refund["amount"]
    stored = await PendingOperation.get(operation="refund.release")
    assert (stored.subject_type, stored.subject_id) == ("Refund", str(row.id))
    # The checker confirms what was shown; the refund is released for Finance to pay.
    assert (await confirm_through_api(gql, pending, finance.token))["errors"] == []
    assert (await Refund.get(id=row.id)).status == "PENDING"


async def test_a_no_show_refund_under_the_limit_shows_no_review(gql, person):
    hotel = await make_hotel()
    await set_parameter_reviewed("no_show_refund_percent", "50")
    agent = await person("booking_agent")
    booking = await book(gql, agent.token, hotel.std, TODAY, 1)
    payload = (await gql(NO_SHOW_REVIEWED, {"id": booking["id"]}, token=agent.token)).data[
        "markNoShow"
    ]
    assert payload["errors"] == [] and payload["pendingOperation"] is None
    assert payload["booking"]["refunds"][0]["status"] == "PENDING"
    assert await PendingOperation.filter(operation="refund.release").count() == 0


async def test_a_guest_never_sees_a_no_show_review(gql, person):
    hotel = await make_hotel()
    await set_parameter_reviewed("no_show_refund_percent", "100")
    await set_parameter_reviewed("dual_review_refund_limit", "100")
    me = await person(kind="GUEST", member_id=await new_member(0))
    booking = await book(gql, me.token, hotel.std, TODAY, 2, channel="ONLINE", guest=None)
    refused = await gql(NO_SHOW_REVIEWED, {"id": booking["id"]}, token=me.token)
    assert refused.error_codes == ["FORBIDDEN"] and refused.data is None
    assert await Refund.all().count() == 0
    assert await PendingOperation.filter(operation="refund.release").count() == 0


async def test_a_refund_under_the_limit_needs_no_review(gql, person):
    hotel = await make_hotel()
    agent = await person("booking_agent")
    booking = await book(gql, agent.token, hotel.std)
    reply = await gql(CANCEL_REVIEWED, {"id": booking["id"]}, token=agent.token)
    assert reply.data["cancelBooking"]["refund"]["status"] == "PENDING"
    assert reply.data["cancelBooking"]["pendingOperation"] is None
    assert await PendingOperation.all().count() == 0


async def test_a_read_only_partner_token_needs_no_review(gql, person):
    admin = await person("admin")
    reply = await gql(
        """mutation { createApiToken(input: {name: "Reader", scopes: ["bookings:read"],
        expiresAt: "2027-01-01T00:00:00+00:00"}) { apiToken { id } pendingOperation { id }
        secret errors { code } } }""",
        token=admin.token,
    )
    payload = reply.data["createApiToken"]
    assert payload["apiToken"] is not None and payload["pendingOperation"] is None
    assert (await gql("{ me { kind } }", token=payload["secret"])).data["me"]["kind"] == "PARTNER"


async def test_every_declared_operation_has_a_runner():
    """The declared list is the policy's; personal-data exports are run by the data-subject
    requests (`domain.privacy_rights`), which route staff exports here."""
    assert set(registered()) == set(HIGH_RISK)
    with pytest.raises(ValueError, match="not a declared"):
        dual_review.operation("drop_database")


async def test_the_people_who_may_confirm_are_told_that_an_operation_waits(gql, person):
    director, admin, other_director = (
        await person("director"),
        await person("admin"),
        await person("director"),
    )
    supervisor = await person("supervisor")  # reads parameters, may not change them
    pending = await _ask(gql, director.token)
    told = await Notification.filter(kind="OPERATION_WAITING").values_list(
        "account_id", "subject_id"
    )
    row = await PendingOperation.get()
    assert pending["status"] == "PENDING"
    assert sorted(told) == sorted(
        [(admin.account.id, str(row.id)), (other_director.account.id, str(row.id))]
    )
    assert supervisor.account.id not in {account for account, _ in told}
    assert director.account.id not in {account for account, _ in told}


async def test_an_operation_that_breaks_while_running_outside_a_transaction_ends_failed(
    gql, person, monkeypatch
):
    """An archive operation runs after its confirmation commits; an unexpected error there
    (the store fails) ends it FAILED with a code, answered as a payload error, not a 500."""
    from domain.dual_review import registry

    async def breaks(operation, checker_actor):
        raise OSError("disk gone")

    spec = registry.operation_named("policy_parameter.set")
    monkeypatch.setitem(
        registry._registry,
        "policy_parameter.set",
        registry.Operation(spec.name, breaks, in_transaction=False),
    )
    director, admin = await person("director"), await person("admin")
    pending = await _ask(gql, director.token)
    reply = await confirm_through_api(gql, pending, admin.token)
    assert _codes(reply) == [("operationId", "OPERATION_FAILED")]
    assert reply["operation"]["status"] == "FAILED"
    row = await PendingOperation.get()
    assert row.status == "FAILED" and row.failure_reason == "OPERATION_FAILED: OSError"
    assert await PolicyParameterVersion.all().count() == 0
    told = await Notification.filter(kind="OPERATION_FAILED").values_list("account_id", flat=True)
    assert sorted(told) == sorted([director.account.id, admin.account.id])
    assert await AuditEntry.filter(action="operationFailed", subject_id=str(row.id)).exists()


async def test_a_run_left_confirmed_by_a_dead_process_is_marked_failed_once(gql, person):
    director, admin = await person("director"), await person("admin")
    await _ask(gql, director.token)
    row = await PendingOperation.get()
    # The claim committed, then the process running the archive work died.
    await PendingOperation.filter(id=row.id).update(
        status="CONFIRMED", checker_account_id=admin.account.id, decided_at=clock.now()
    )
    clock.advance(dt.timedelta(hours=23))
    assert await expire_pending_operations({}) == 0
    assert (await PendingOperation.get()).status == "CONFIRMED"
    clock.advance(dt.timedelta(hours=1, seconds=1))
    assert await expire_pending_operations({}) == 1
    assert await expire_pending_operations({}) == 0
    row = await PendingOperation.get()
    assert row.status == "FAILED" and row.failure_reason.startswith("INTERRUPTED: ")
    told = await Notification.filter(kind="OPERATION_FAILED").values_list("account_id", flat=True)
    assert sorted(told) == sorted([director.account.id, admin.account.id])
    assert await PolicyParameterVersion.all().count() == 0
