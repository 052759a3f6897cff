"""Emergency phone calls recorded through the API (P7.1.1): who called whom, when, about what
and the outcome; names and contents encrypted at rest; bad records write nothing; staff see
the calls they recorded or took part in, management and audit see all."""

from __future__ import annotations

import pytest
from tortoise import Tortoise

from domain.models import AuditEntry, PhoneCall
from tests.knowledge.support import CALL, CALLS, ago, ok


def _call(**changes) -> dict:
    values = {
        "callee": {"name": "City fire brigade"},
        "calledAt": ago(minutes=10),
        "subject": "Smoke in the laundry room",
        "outcome": "Brigade on its way, east wing evacuated",
    }
    values.update(changes)
    return values


@pytest.mark.policy("P7.1.1")
async def test_an_emergency_call_is_recorded_with_both_parties(gql, person):
    cs_rep, tech = await person("cs_rep"), await person("tech_lead")
    recorded = (await ok(gql, CALL, {"input": _call()}, cs_rep.token, "recordPhoneCall"))[
        "phoneCall"
    ]
    assert recorded["caller"] == {"name": None, "staff": {"email": cs_rep.account.email}}
    assert recorded["callee"] == {"name": "City fire brigade", "staff": None}
    assert recorded["emergency"] is True and recorded["recordedBy"]["email"] == cs_rep.account.email
    assert recorded["subject"] == "Smoke in the laundry room"

    between_staff = _call(
        caller={"staffEmail": tech.account.email},
        callee={"staffEmail": cs_rep.account.email},
        outcome="Generator restarted",
    )
    second = (await ok(gql, CALL, {"input": between_staff}, cs_rep.token, "recordPhoneCall"))[
        "phoneCall"
    ]
    assert second["caller"]["staff"]["email"] == tech.account.email
    assert second["callee"]["staff"]["email"] == cs_rep.account.email

    rows = await PhoneCall.all().order_by("id")
    assert [r.callee_name for r in rows] == ["City fire brigade", None]
    assert rows[1].caller_account_id == tech.account.id
    # Names and contents may concern guests: ciphertext in the database (P6.1.2).
    raw = await Tortoise.get_connection("default").execute_query_dict(
        'SELECT callee_name, subject, outcome FROM "phone_call" ORDER BY id'
    )
    assert "fire brigade" not in str(raw) and "laundry" not in str(raw)
    assert await AuditEntry.filter(action="recordPhoneCall", outcome="SUCCESS").count() == 2


@pytest.mark.parametrize(
    ("case", "field", "code"),
    [
        ("future", "calledAt", "OUT_OF_RANGE"),
        ("older_than_retention", "calledAt", "OUT_OF_RANGE"),
        ("name_and_email", "callee", "INVALID"),
        ("nobody", "callee", "REQUIRED"),
        ("unknown_staff", "callee", "NOT_FOUND"),
        ("calls_themselves", "callee", "INVALID"),
        ("no_subject", "subject", "REQUIRED"),
        ("no_outcome", "outcome", "REQUIRED"),
    ],
)
async def test_bad_call_records_are_refused_and_write_nothing(gql, person, case, field, code):
    cs_rep = await person("cs_rep")
    changes: dict = {}
    if case == "future":
        changes["calledAt"] = ago(minutes=-30)
    elif case == "older_than_retention":
        changes["calledAt"] = ago(days=366)
    elif case == "name_and_email":
        changes["callee"] = {"name": "Fire brigade", "staffEmail": cs_rep.account.email}
    elif case == "nobody":
        changes["callee"] = {"name": "  "}
    elif case == "unknown_staff":
        changes["callee"] = {"staffEmail": "ghost@test.hotel"}
    elif case == "calls_themselves":
        changes["callee"] = {"staffEmail": cs_rep.account.email}
    elif case == "no_subject":
        changes["subject"] = ""
    elif case == "no_outcome":
        changes["outcome"] = " "
    answer = (await gql(CALL, {"input": _call(**changes)}, token=cs_rep.token)).data[
        "recordPhoneCall"
    ]
    assert answer["phoneCall"] is None
    assert (answer["errors"][0]["field"], answer["errors"][0]["code"]) == (field, code)
    assert await PhoneCall.all().count() == 0
    outcomes = await AuditEntry.filter(action="recordPhoneCall").values_list("outcome", flat=True)
    assert outcomes == ["REJECTED"]


@pytest.mark.policy("P6.1.2")
async def test_who_may_record_and_see_calls(gql, person, partner):
    cs_rep, agent, tech = (
        await person("cs_rep"),
        await person("booking_agent"),
        await person("tech_lead"),
    )
    director, auditor = await person("director"), await person("auditor")
    guest = await person(kind="GUEST")
    _, secret = await partner(["bookings:write"])
    for token in (guest.token, secret, None):
        refused = await gql(CALL, {"input": _call()}, token=token)
        assert refused.error_codes[0] in ("FORBIDDEN", "UNAUTHENTICATED")
        refused = await gql(CALLS, token=token)
        assert refused.error_codes[0] in ("FORBIDDEN", "UNAUTHENTICATED")
    assert await PhoneCall.all().count() == 0

    values = _call(callee={"staffEmail": tech.account.email})
    recorded = (await ok(gql, CALL, {"input": values}, cs_rep.token, "recordPhoneCall"))[
        "phoneCall"
    ]
    await ok(gql, CALL, {"input": _call(emergency=False)}, agent.token, "recordPhoneCall")
    counts = {}
    for who in (cs_rep, agent, tech, director, auditor):
        counts[who.account.email] = (await gql(CALLS, token=who.token)).data["phoneCalls"][
            "totalCount"
        ]
    assert counts == {
        cs_rep.account.email: 1,
        agent.account.email: 1,
        tech.account.email: 1,  # the callee
        director.account.email: 2,
        auditor.account.email: 2,
    }
    emergencies = await gql(CALLS, {"f": {"emergencyOnly": True}}, token=director.token)
    assert emergencies.data["phoneCalls"]["totalCount"] == 1
    node = """query($id: ID!) { node(id: $id) { ... on PhoneCall { subject } } }"""
    assert (await gql(node, {"id": recorded["id"]}, token=agent.token)).data["node"] is None
    assert (await gql(node, {"id": recorded["id"]}, token=tech.token)).data["node"]["subject"]
