"""The permanent blacklist for data falsification through the API (P5.2.4): HR or the director
blacklist a staff member by account and identity-document number (stored encrypted, found by
its blind index), a re-hire under a new account is found by `is_blacklisted`, nothing removes
an entry, and only HR and the director see or add to the list."""

from __future__ import annotations

import pytest
from tortoise import connections

from authz import matrix
from domain.incentives import is_blacklisted
from domain.models import AuditEntry, StaffBlacklistEntry
from schema import MUTATION_PARTS
from tests.incentives.support import (
    BLACKLIST,
    BLACKLISTED,
    OPEN,
    call,
    codes,
    refused,
    staff_gid,
    viewer_id,
)

DOCUMENT = "E12345678"


def _entry(who, number=DOCUMENT, **given) -> dict:
    values = {
        "staffId": staff_gid(who),
        "idDocumentNumber": number,
        "reason": "Forged the night-audit figures",
        **given,
    }
    return {"input": values}


@pytest.mark.policy("P5.2.4")
async def test_a_falsifier_is_blacklisted_and_found_again_on_re_hire(gql, person):
    hr, cheat = await person("hr"), await person("data_analyst")
    opened = await call(
        gql,
        OPEN,
        {"input": {"staffId": staff_gid(cheat), "severity": "MAJOR", "description": "Forgery"}},
        hr.token,
        "openViolationCase",
    )
    case_id = opened["violationCase"]["id"]
    payload = await call(
        gql,
        BLACKLIST,
        _entry(cheat, violationCaseId=case_id),
        hr.token,
        "blacklistForFalsification",
    )
    assert payload["errors"] == []
    entry = payload["entry"]
    assert entry["idDocumentNumber"].endswith("5678")
    assert DOCUMENT not in entry["idDocumentNumber"]
    assert entry["staff"]["id"] == viewer_id(cheat) and entry["decidedBy"]["id"] == viewer_id(hr)
    assert entry["violationCaseId"] == case_id

    # The number is stored encrypted, with its blind index beside it.
    conn = connections.get("default")
    _, [raw] = await conn.execute_query(
        "SELECT id_document_number, id_document_index FROM staff_blacklist_entry"
    )
    assert DOCUMENT not in str(raw["id_document_number"]) and raw["id_document_index"]

    # Hiring asks by account, or by the document under a new account (any spacing or case).
    assert await is_blacklisted(account_id=cheat.account.id)
    assert await is_blacklisted(id_document_number="  e12345678 ")
    assert await is_blacklisted(account_id=10_000, id_document_number="e12345678")
    assert not await is_blacklisted(id_document_number="E87654321")
    assert not await is_blacklisted(account_id=hr.account.id)
    assert not await is_blacklisted()

    # The same person again, by another account with the same document: refused.
    rehired = await person("cs_rep")
    again = await call(gql, BLACKLIST, _entry(rehired), hr.token, "blacklistForFalsification")
    assert codes(again) == [("staffId", "DUPLICATE")]
    assert await StaffBlacklistEntry.all().count() == 1


@pytest.mark.policy("P5.2.4")
async def test_nothing_removes_a_blacklist_entry(gql, person):
    director, cheat = await person("director"), await person("booking_agent")
    payload = await call(gql, BLACKLIST, _entry(cheat), director.token, "blacklistForFalsification")
    assert payload["errors"] == []

    # No mutation but the one that adds touches the blacklist, and the matrix grants no other
    # action on it.
    touching = []
    for part in MUTATION_PARTS:
        for field in part.__strawberry_definition__.fields:
            for extension in field.extensions or []:
                for permission in getattr(extension, "permissions", []):
                    if getattr(permission, "resource", None) == "staff_blacklist":
                        touching.append((field.python_name, permission.action))
    assert touching == [("blacklist_for_falsification", "add")]
    actions = {r.action for r in await matrix.live_rules() if r.resource == "staff_blacklist"}
    assert actions == {"read", "add"}

    # The model refuses to delete an entry.
    row = await StaffBlacklistEntry.get()
    with pytest.raises(PermissionError):
        await row.delete()
    assert await StaffBlacklistEntry.all().count() == 1
    assert await is_blacklisted(account_id=cheat.account.id)


async def test_bad_entries_are_refused_and_write_nothing(gql, person):
    hr, cheat = await person("hr"), await person("cs_rep")
    for values, expected in (
        (_entry(cheat, number="  "), ("idDocumentNumber", "REQUIRED")),
        (_entry(cheat, number="9" * 65), ("idDocumentNumber", "TOO_LONG")),
        (_entry(cheat, reason=""), ("reason", "REQUIRED")),
        (_entry(hr), ("staffId", "FORBIDDEN")),
        (_entry(cheat, violationCaseId="VmlvbGF0aW9uQ2FzZTo5"), ("violationCaseId", "NOT_FOUND")),
    ):
        payload = await call(gql, BLACKLIST, values, hr.token, "blacklistForFalsification")
        assert codes(payload) == [expected] and payload["entry"] is None
    assert await StaffBlacklistEntry.all().count() == 0
    outcomes = set(
        await AuditEntry.filter(action="blacklistForFalsification").values_list(
            "outcome", flat=True
        )
    )
    assert outcomes == {"REJECTED"}


@pytest.mark.policy("P5.2.4")
async def test_only_hr_and_the_director_see_or_add_to_the_blacklist(gql, person, partner):
    hr, director, cheat = await person("hr"), await person("director"), await person("cs_rep")
    assert (await call(gql, BLACKLIST, _entry(cheat), hr.token, "blacklistForFalsification"))[
        "errors"
    ] == []
    for who in (hr, director):
        listed = await gql(BLACKLISTED, token=who.token)
        assert listed.data["blacklist"]["totalCount"] == 1
    guest = await person(kind="GUEST")
    _, secret = await partner(["bookings:write"])
    others = [(await person(role)).token for role in ("supervisor", "cs_rep", "auditor", "admin")]
    node = """query($id: ID!) { node(id: $id) { ... on BlacklistEntry { id reason } } }"""
    entry_id = (await gql(BLACKLISTED, token=hr.token)).data["blacklist"]["edges"][0]["node"]["id"]
    assert (await gql(node, {"id": entry_id}, token=director.token)).data["node"]["reason"]
    for token in (*others, cheat.token):
        assert (await gql(node, {"id": entry_id}, token=token)).data["node"] is None
    for token in (*others, cheat.token, guest.token, secret, None):
        assert await refused(gql, BLACKLISTED, {}, token) in ("FORBIDDEN", "UNAUTHENTICATED")
        code = await refused(gql, BLACKLIST, _entry(cheat, number="X1"), token)
        assert code in ("FORBIDDEN", "UNAUTHENTICATED")
    assert await StaffBlacklistEntry.all().count() == 1


@pytest.mark.policy("P5.2.4")
async def test_a_re_hire_is_still_found_after_the_field_key_is_rotated(gql, person):
    import os

    from domain import personal_data
    from domain.personal_data import FieldKeyring
    from domain.personal_data.rotation import reencrypt

    hr, cheat = await person("hr"), await person("cs_rep")
    payload = await call(gql, BLACKLIST, _entry(cheat), hr.token, "blacklistForFalsification")
    assert payload["errors"] == []
    original = personal_data.keyring()
    rotated = FieldKeyring.from_masters([("rotated-3", os.urandom(32))]).plus(original)
    personal_data.configure(rotated)
    try:
        assert await is_blacklisted(id_document_number=DOCUMENT)  # under the old key
        summary = await reencrypt()
        assert summary.rewritten.get("staff_blacklist_entry") == 1
        personal_data.configure(FieldKeyring(rotated.keys[:1]))  # the old key leaves the ring
        _, [raw] = await connections.get("default").execute_query(
            "SELECT id_document_number FROM staff_blacklist_entry"
        )
        assert personal_data.key_id_of(raw["id_document_number"]) == "rotated-3"
        row = await StaffBlacklistEntry.get()
        assert row.id_document_number == DOCUMENT
        assert await is_blacklisted(id_document_number=DOCUMENT)
        assert await StaffBlacklistEntry.all().count() == 1
    finally:
        personal_data.configure(original)
