"""Who may do what with documents (P6.1.2): every field of the area declares a permission, the
tiers each role sees, and a refusal for a wrong role on every operation."""

from __future__ import annotations

import logging

import pytest
from strawberry.permission import PermissionExtension

from domain.models import Document
from schema.documents import DocumentMutation, DocumentQuery

CUSTOMER = "R3Vlc3RQcm9maWxlOjQy"
LIST = """
query($f: DocumentFilter) { documents(filter: $f, first: 50) {
  totalCount nodes { name tier kind signatures { signerName } } } }"""
ONE = "query($id: ID!) { document(id: $id) { name } node(id: $id) { id ... on Document { tier } } }"


async def one_per_tier(person, uploaded) -> dict[int, dict]:
    legal = await person("legal")
    cs = await person("cs_rep")
    return {
        1: await uploaded(legal.token, kind="CONTRACT", subject="Supply contract"),
        2: await uploaded(cs.token, kind="CUSTOMER_FILE", subject="ID card", related_to=CUSTOMER),
        3: await uploaded(cs.token, kind="WORK_RECORD", subject="Shift log"),
    }


def test_every_document_field_declares_a_permission():
    for root in (DocumentQuery, DocumentMutation):
        for field in root.__strawberry_definition__.fields:
            assert any(isinstance(e, PermissionExtension) for e in field.extensions), field.name


@pytest.mark.policy("P6.1.2")
@pytest.mark.policy("P3.2.2")
@pytest.mark.parametrize(
    ("role", "tiers"),
    [
        ("director", [1, 2, 3]),
        ("legal", [1, 3]),
        ("cs_rep", [2, 3]),
        ("booking_agent", [2, 3]),
        ("data_analyst", [3]),
        ("finance", [1, 3]),
        ("admin", [1, 3]),
    ],
)
async def test_each_role_sees_only_its_tiers(gql, person, uploaded, role, tiers):
    docs = await one_per_tier(person, uploaded)
    caller = await person(role)
    reply = await gql(LIST, token=caller.token)
    assert sorted(n["tier"] for n in reply.data["documents"]["nodes"]) == tiers
    hidden = [t for t in (1, 2, 3) if t not in tiers]
    for tier in hidden:
        one = await gql(ONE, {"id": docs[tier]["id"]}, token=caller.token)
        assert one.data == {"document": None, "node": None}
    for tier in tiers:
        one = await gql(ONE, {"id": docs[tier]["id"]}, token=caller.token)
        assert one.data["node"]["tier"] == tier


async def test_filters(gql, person, uploaded):
    docs = await one_per_tier(person, uploaded)
    director = await person("director")

    async def names(criteria) -> list[str]:
        reply = await gql(LIST, {"f": criteria}, token=director.token)
        return sorted(n["name"] for n in reply.data["documents"]["nodes"])

    assert await names({"tier": 2}) == [docs[2]["name"]]
    assert await names({"kind": "CONTRACT"}) == [docs[1]["name"]]
    assert await names({"relatedTo": CUSTOMER}) == [docs[2]["name"]]
    assert await names({"relatedTo": "garbage"}) == []
    assert len(await names({"dateFrom": "2026-11-28", "dateTo": "2026-11-28"})) == 3
    assert await names({"dateFrom": "2026-11-29"}) == []
    assert await names({"legalReviewStatus": "PENDING"}) == [docs[1]["name"]]


async def test_listing_costs_the_same_number_of_queries_however_long(gql, person, uploaded):
    legal = await person("legal")

    async def count_queries() -> int:
        records: list[logging.LogRecord] = []
        handler = logging.Handler()
        handler.emit = records.append  # type: ignore[method-assign]
        logger = logging.getLogger("tortoise.db_client")
        previous = logger.level
        logger.addHandler(handler)
        logger.setLevel(logging.DEBUG)
        try:
            reply = await gql(LIST, token=legal.token)
        finally:
            logger.removeHandler(handler)
            logger.setLevel(previous)
        assert reply.errors == []
        return len(records)

    for i in range(2):
        await uploaded(legal.token, kind="WORK_RECORD", subject=f"Log {i}")
    few = await count_queries()
    assert few > 0
    for i in range(6):
        await uploaded(legal.token, kind="WORK_RECORD", subject=f"More {i}")
    assert await count_queries() == few


OPERATIONS = {
    "documents": ("query { documents { totalCount } }", {}),
    "document": ("query($id: ID!) { document(id: $id) { name } }", {"id": "x"}),
    "documentDownloadUrl": (
        'query($id: ID!) { documentDownloadUrl(documentId: $id, purpose: "look") { url } }',
        {"id": "x"},
    ),
    "verifyDocumentSignature": (
        "query($id: ID!) { verifyDocumentSignature(documentId: $id) { valid } }",
        {"id": "x"},
    ),
    "deleteDocument": (
        'mutation($id: ID!) { deleteDocument(input: {documentId: $id, reason: "r"}) '
        "{ errors { code } } }",
        {"id": "x"},
    ),
    "reviewContract": (
        "mutation($id: ID!) { reviewContract(input: {documentId: $id, decision: APPROVE}) "
        "{ errors { code } } }",
        {"id": "x"},
    ),
    "setSigningKey": (
        'mutation { setSigningKey(input: {passphrase: "long enough passphrase"}) '
        "{ errors { code } } }",
        {},
    ),
    "signDocument": (
        'mutation($id: ID!) { signDocument(input: {documentId: $id, passphrase: "p"}) '
        "{ errors { code } } }",
        {"id": "x"},
    ),
    "verifyReplicas": ("mutation { verifyReplicas { errors { code } } }", {}),
    "restoreArchive": ("mutation { restoreArchive { errors { code } } }", {}),
    "reports": ("query { reports { totalCount } }", {}),
    "generateReport": (
        'mutation { generateReport(input: {period: DAILY, date: "2026-11-20"}) '
        "{ errors { code } } }",
        {},
    ),
    "submitReport": (
        'mutation { submitReport(input: {reportId: "x"}) { errors { code } } }',
        {},
    ),
}


@pytest.mark.policy("P6.1.2")
@pytest.mark.parametrize(
    ("operation", "role"),
    [
        ("documents", "guest"),
        ("document", "guest"),
        ("documentDownloadUrl", "guest"),
        ("verifyDocumentSignature", "booking_agent"),
        ("verifyDocumentSignature", "cs_rep"),
        ("deleteDocument", "booking_agent"),
        ("deleteDocument", "finance"),
        ("reviewContract", "supervisor"),
        ("setSigningKey", "auditor"),  # every role that owns action items may sign (P4.2.5)
        ("setSigningKey", "admin"),
        ("signDocument", "cs_rep"),
        ("signDocument", "auditor"),
        ("verifyReplicas", "director"),
        ("restoreArchive", "legal"),
        ("reports", "booking_agent"),
        ("reports", "tech_lead"),
        ("generateReport", "cs_rep"),
        ("generateReport", "finance"),
        ("submitReport", "finance"),
        ("submitReport", "auditor"),
    ],
)
async def test_wrong_role_is_refused(gql, person, operation, role):
    caller = await person(kind="GUEST") if role == "guest" else await person(role)
    query, variables = OPERATIONS[operation]
    reply = await gql(query, variables, token=caller.token)
    assert reply.error_codes == ["FORBIDDEN"], reply.errors
    assert reply.data is None or reply.data.get(operation) is None


@pytest.mark.parametrize("operation", sorted(OPERATIONS))
async def test_anonymous_callers_must_log_in(gql, operation):
    query, variables = OPERATIONS[operation]
    reply = await gql(query, variables)
    assert reply.error_codes == ["UNAUTHENTICATED"]


async def test_partner_tokens_reach_no_document(gql, partner):
    _, secret = await partner(["bookings:write"])
    reply = await gql(OPERATIONS["documents"][0], token=secret)
    assert reply.error_codes == ["FORBIDDEN"]
    assert await Document.all().count() == 0
