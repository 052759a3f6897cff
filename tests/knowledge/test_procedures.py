"""The knowledge base of standard operating procedures through the API (P7.1.4, P8.6): versions
with a required "what changed" summary, old versions kept and readable, a new version told to
the staff it concerns and to be read again, read receipts per version, and supervisors listing
who in scope has not read the current version."""

from __future__ import annotations

import asyncio

import pytest

from domain.models import AuditEntry, Notification, Procedure, ProcedureRead, ProcedureVersion
from tests.knowledge.support import (
    ACK,
    NON_READERS,
    PROCEDURE,
    PROCEDURES,
    PUBLISH,
    ok,
    publish,
)


async def _non_readers(gql, token: str, procedure_id: str) -> set[str]:
    reply = await gql(NON_READERS, {"id": procedure_id}, token=token)
    assert reply.errors == [], reply.body
    return {n["email"] for n in reply.data["procedureNonReaders"]["nodes"]}


@pytest.mark.policy("P7.1.4")
@pytest.mark.policy("P8.6")
async def test_a_new_version_must_be_read_again_and_old_versions_stay_readable(gql, person):
    supervisor = await person("supervisor")
    first, second = await person("cs_rep"), await person("cs_rep")
    outsider = await person("booking_agent")
    procedure = await publish(gql, supervisor.token, scope={"roles": ["cs_rep"]})
    assert procedure["version"] == 1 and procedure["scope"]["roles"] == ["cs_rep"]
    assert procedure["current"]["changeSummary"] == "First version."
    pid = procedure["id"]
    told = await Notification.filter(kind="PROCEDURE_PUBLISHED").values_list(
        "account_id", flat=True
    )
    assert sorted(told) == sorted([first.account.id, second.account.id])
    both = {first.account.email, second.account.email}
    assert await _non_readers(gql, supervisor.token, pid) == both  # not the outsider

    read = await ok(gql, ACK, {"id": pid, "v": 1}, first.token, "acknowledgeProcedure")
    assert read["procedure"]["readState"] == {
        "inScope": 2,
        "read": 1,
        "unread": 1,
        "readByMe": True,
        "concernsMe": True,
    }
    assert await _non_readers(gql, supervisor.token, pid) == {second.account.email}
    # Acknowledging again changes nothing.
    await ok(gql, ACK, {"id": pid, "v": 1}, first.token, "acknowledgeProcedure")
    assert await ProcedureRead.all().count() == 1

    values = {
        "procedureId": pid,
        "title": "Late check-out",
        "body": "Offer late check-out until 13:00; members until 14:00.",
        "changeSummary": "Earlier time for non-members.",
        "baseVersion": 1,
    }
    updated = (await ok(gql, PUBLISH, {"input": values}, supervisor.token, "publishProcedure"))[
        "procedure"
    ]
    assert updated["version"] == 2
    assert [(v["version"], v["current"]) for v in updated["versions"]] == [(2, True), (1, False)]
    assert updated["current"]["changeSummary"] == "Earlier time for non-members."
    assert updated["scope"]["roles"] == ["cs_rep"]  # unchanged when omitted
    assert await Notification.filter(kind="PROCEDURE_PUBLISHED").count() == 4
    # Everyone in scope must read the new version, including who read the old one.
    assert await _non_readers(gql, supervisor.token, pid) == both
    stale = await gql(ACK, {"id": pid, "v": 1}, token=first.token)
    error = stale.data["acknowledgeProcedure"]["errors"][0]
    assert (error["field"], error["code"]) == ("version", "CONFLICT")
    await ok(gql, ACK, {"id": pid, "v": 2}, first.token, "acknowledgeProcedure")
    assert await _non_readers(gql, supervisor.token, pid) == {second.account.email}

    # Version 1 is kept as it was, and anyone on staff reads it.
    shown = await gql(PROCEDURE, {"id": pid, "n": 1}, token=outsider.token)
    old = shown.data["procedure"]["old"]
    assert old == {
        "version": 1,
        "title": "Late check-out",
        "body": "Offer late check-out until 14:00 when the room is not sold.",
        "changeSummary": "First version.",
        "current": False,
    }
    assert shown.data["procedure"]["readState"]["concernsMe"] is False
    rows = await ProcedureVersion.all().order_by("version").values_list("version", "body")
    assert [v for v, _ in rows] == [1, 2]
    assert (await Procedure.get()).current_version == 2


@pytest.mark.policy("P8.6")
async def test_staff_find_the_procedures_they_still_have_to_read(gql, person):
    supervisor, cs_rep = await person("supervisor"), await person("cs_rep")
    mine = await publish(gql, supervisor.token, title="Complaint intake")
    await publish(gql, supervisor.token, title="Cash desk", scope={"departments": ["FINANCE"]})
    to_read = await gql(PROCEDURES, {"f": {"toRead": True}}, token=cs_rep.token)
    assert [n["title"] for n in to_read.data["procedures"]["nodes"]] == ["Complaint intake"]
    everything = await gql(PROCEDURES, token=cs_rep.token)
    assert everything.data["procedures"]["totalCount"] == 2
    await ok(gql, ACK, {"id": mine["id"], "v": 1}, cs_rep.token, "acknowledgeProcedure")
    to_read = await gql(PROCEDURES, {"f": {"toRead": True}}, token=cs_rep.token)
    assert to_read.data["procedures"]["totalCount"] == 0
    found = await gql(PROCEDURES, {"f": {"search": "cash"}}, token=cs_rep.token)
    assert [n["title"] for n in found.data["procedures"]["nodes"]] == ["Cash desk"]


@pytest.mark.parametrize(
    ("case", "field", "code"),
    [
        ("no_summary", "changeSummary", "REQUIRED"),
        ("no_body", "body", "REQUIRED"),
        ("stale_base", "baseVersion", "CONFLICT"),
        ("unknown_role", "scope", "INVALID"),
        ("unknown_procedure", "procedureId", "NOT_FOUND"),
        ("malformed_id", "procedureId", "INVALID"),
    ],
)
async def test_bad_versions_are_refused_and_change_nothing(gql, person, case, field, code):
    supervisor = await person("supervisor")
    procedure = await publish(gql, supervisor.token)
    await Notification.all().delete()
    values: dict = {
        "procedureId": procedure["id"],
        "title": "Late check-out",
        "body": "New text.",
        "changeSummary": "Shorter.",
    }
    if case == "no_summary":
        values["changeSummary"] = "   "
    elif case == "no_body":
        values["body"] = ""
    elif case == "stale_base":
        values["baseVersion"] = 0
    elif case == "unknown_role":
        values["scope"] = {"roles": ["pilot"]}
    elif case == "unknown_procedure":
        values["procedureId"] = "UHJvY2VkdXJlOjk5"  # Procedure:99
    elif case == "malformed_id":
        values["procedureId"] = "Qm9va2luZzox"  # Booking:1
    answer = (await gql(PUBLISH, {"input": values}, token=supervisor.token)).data[
        "publishProcedure"
    ]
    assert answer["procedure"] is None
    assert (answer["errors"][0]["field"], answer["errors"][0]["code"]) == (field, code)
    assert await ProcedureVersion.all().count() == 1
    assert (await Procedure.get()).current_version == 1
    assert await Notification.all().count() == 0
    outcomes = await AuditEntry.filter(action="publishProcedure").values_list("outcome", flat=True)
    assert sorted(outcomes) == ["REJECTED", "SUCCESS"]


async def test_two_publishers_of_the_same_version_make_one_new_version(gql, person):
    supervisor, director = await person("supervisor"), await person("director")
    procedure = await publish(gql, supervisor.token)

    async def edit(who, text):
        values = {
            "procedureId": procedure["id"],
            "title": "Late check-out",
            "body": text,
            "changeSummary": f"{text} edit",
            "baseVersion": 1,
        }
        reply = await gql(PUBLISH, {"input": values}, token=who.token)
        return reply.data["publishProcedure"]

    answers = await asyncio.gather(edit(supervisor, "A"), edit(director, "B"))
    assert sorted(bool(a["errors"]) for a in answers) == [False, True]
    assert [a["errors"][0]["code"] for a in answers if a["errors"]] == ["CONFLICT"]
    assert await ProcedureVersion.all().count() == 2
    assert (await Procedure.get()).current_version == 2


@pytest.mark.policy("P6.1.2")
async def test_who_may_publish_acknowledge_and_track(gql, person, partner):
    supervisor, cs_rep, hr = await person("supervisor"), await person("cs_rep"), await person("hr")
    guest = await person(kind="GUEST")
    _, secret = await partner(["bookings:write"])
    values = {"title": "T", "body": "B", "changeSummary": "First version."}
    for token in (cs_rep.token, guest.token, secret, None):
        refused = await gql(PUBLISH, {"input": values}, token=token)
        assert refused.error_codes[0] in ("FORBIDDEN", "UNAUTHENTICATED")
    assert await Procedure.all().count() == 0
    procedure = await publish(gql, hr.token)
    for token in (cs_rep.token, guest.token, secret):
        refused = await gql(NON_READERS, {"id": procedure["id"]}, token=token)
        assert refused.error_codes[0] == "FORBIDDEN"
    for token in (guest.token, secret, None):
        refused = await gql(ACK, {"id": procedure["id"], "v": 1}, token=token)
        assert refused.error_codes[0] in ("FORBIDDEN", "UNAUTHENTICATED")
        refused = await gql(PROCEDURES, token=token)
        assert refused.error_codes[0] in ("FORBIDDEN", "UNAUTHENTICATED")
    assert await ProcedureRead.all().count() == 0
    assert cs_rep.account.email in await _non_readers(gql, supervisor.token, procedure["id"])
    # An id that names no procedure lists nobody and finds nothing.
    assert await _non_readers(gql, supervisor.token, "UHJvY2VkdXJlOjk5") == set()  # Procedure:99
    missing = await gql(PROCEDURE, {"id": "Qm9va2luZzox", "n": 1}, token=cs_rep.token)
    assert missing.errors == [] and missing.data["procedure"] is None
