"""Electronic signatures: keys only the signer unlocks, signatures over the content's SHA-256
and canonical metadata, and verification that detects any change to the document or to the
signature."""

from __future__ import annotations

import base64

import pytest

from authz.identity import Identity, Kind
from domain import signatures, signing_keys
from domain.actor import Actor
from domain.documents import config
from domain.models import AuditEntry, Document, Signature, SigningKey
from domain.unit_of_work import audited
from storage import Archive, LocalBackend, encrypt_bytes
from tests.documents.conftest import PDF

SET_KEY = """
mutation($p: String!, $c: String) {
  setSigningKey(input: {passphrase: $p, currentPassphrase: $c}) {
    signingKey { fingerprint publicKey } errors { field code }
  }
}"""
REVIEW = """
mutation($id: ID!, $d: ReviewDecision!, $c: String!) {
  reviewContract(input: {documentId: $id, decision: $d, comment: $c}) {
    document { legalReviewStatus isEffective legalReviewComment } errors { field code }
  }
}"""
SIGN = """
mutation($id: ID!, $p: String!, $m: String!) {
  signDocument(input: {documentId: $id, passphrase: $p, meaning: $m}) {
    signature { id signerName meaning contentSha256 keyFingerprint }
    document { signatures { signerName meaning } }
    errors { field code }
  }
}"""
VERIFY = """
query($id: ID!) {
  verifyDocumentSignature(documentId: $id) {
    valid contentIntact contentSha256 problem
    signatures { valid signatureValid contentMatches reason signature { signerName } }
    errors { code }
  }
}"""
PASSPHRASE = "blue heron at dawn 42"


async def set_key(gql, person, passphrase: str = PASSPHRASE, current: str | None = None):
    reply = await gql(SET_KEY, {"p": passphrase, "c": current}, token=person.token)
    return reply.data["setSigningKey"]


async def approved_contract(gql, person, uploaded) -> tuple[object, dict]:
    legal = await person("legal")
    doc = await uploaded(legal.token)
    reply = await gql(
        REVIEW, {"id": doc["id"], "d": "APPROVE", "c": "Clauses fine"}, token=legal.token
    )
    assert reply.data["reviewContract"]["errors"] == []
    return legal, doc


async def sign(gql, person, doc, passphrase=PASSPHRASE, meaning="APPROVED") -> dict:
    reply = await gql(SIGN, {"id": doc["id"], "p": passphrase, "m": meaning}, token=person.token)
    return reply.data["signDocument"]


async def verify(gql, person, doc) -> dict:
    reply = await gql(VERIFY, {"id": doc["id"]}, token=person.token)
    return reply.data["verifyDocumentSignature"]


@pytest.mark.policy("P3.2.1")
async def test_signing_key_is_stored_only_encrypted(gql, person):
    director = await person("director")
    result = await set_key(gql, director)
    assert result["errors"] == []
    row = await SigningKey.get(account_id=director.account.id)
    assert row.fingerprint == result["signingKey"]["fingerprint"]
    assert len(base64.b64decode(row.encrypted_private_key)) == 48  # 32-byte key + GCM tag
    with pytest.raises(Exception) as wrong:
        signing_keys.unseal(row, "not the passphrase!")
    assert getattr(wrong.value, "code", None) == "WRONG_PASSPHRASE"
    assert signing_keys.unseal(row, PASSPHRASE) is not None
    # The encrypted key is bound to its account: moved to another person it does not open.
    row.account_id += 1
    with pytest.raises(Exception) as moved:
        signing_keys.unseal(row, PASSPHRASE)
    assert getattr(moved.value, "code", None) == "WRONG_PASSPHRASE"


@pytest.mark.policy("P3.2.1")
async def test_weak_passphrase_and_replacing_a_key(gql, person):
    director = await person("director")
    weak = await set_key(gql, director, "short")
    assert (weak["errors"][0]["code"], weak["errors"][0]["field"]) == ("INVALID", "passphrase")
    first = await set_key(gql, director)
    without = await set_key(gql, director, "another long passphrase")
    assert without["errors"][0] == {"field": "currentPassphrase", "code": "REQUIRED"}
    wrong = await set_key(gql, director, "another long passphrase", "guessing the old one")
    assert wrong["errors"][0] == {"field": "currentPassphrase", "code": "WRONG_PASSPHRASE"}
    second = await set_key(gql, director, "another long passphrase", PASSPHRASE)
    assert second["errors"] == []
    assert second["signingKey"]["fingerprint"] != first["signingKey"]["fingerprint"]
    keys = await SigningKey.filter(account_id=director.account.id).order_by("id")
    assert keys[0].retired_at is not None and keys[1].retired_at is None


@pytest.mark.policy("P3.2.1")
@pytest.mark.policy("P4.2.5")
async def test_sign_and_verify_a_document(gql, person, uploaded):
    legal, doc = await approved_contract(gql, person, uploaded)
    director = await person("director")
    await set_key(gql, director)
    result = await sign(gql, director, doc)
    assert result["errors"] == []
    signature = result["signature"]
    assert signature["contentSha256"] == doc["sha256"]
    assert signature["meaning"] == "APPROVED"
    assert result["document"]["signatures"] == [
        {"signerName": director.account.display_name, "meaning": "APPROVED"}
    ]
    row = await Signature.get()
    assert f'"email":"{director.account.email}"' in row.message
    assert f'"id":"{(await Document.get()).id}","type":"Document"' in row.message
    check = await verify(gql, legal, doc)
    assert check["valid"] is True and check["contentIntact"] is True
    assert check["signatures"][0]["valid"] is True
    assert await AuditEntry.filter(action="signDocument", outcome="SUCCESS").count() == 1
    assert await AuditEntry.filter(action="verifyDocumentSignature").count() == 1


@pytest.mark.policy("P3.2.1")
async def test_flipping_one_byte_of_the_document_is_detected(gql, person, uploaded, archive):
    legal, doc = await approved_contract(gql, person, uploaded)
    await set_key(gql, legal)
    await sign(gql, legal, doc)
    row = await Document.get(name=doc["name"])
    # An insider with the archive keys (and the disk) re-encrypts a copy with one byte changed,
    # going around the store's write-once check.
    altered = bytearray(PDF)
    altered[10] ^= 0x01
    forged = encrypt_bytes(bytes(altered), archive.keyring, document_id=row.archive_id, tier=1)
    for store in ("primary", "backup"):
        archive.object_path(store, row.storage_key).write_bytes(forged)
    check = await verify(gql, legal, doc)
    assert check["valid"] is False and check["contentIntact"] is False
    entry = check["signatures"][0]
    assert (entry["signatureValid"], entry["contentMatches"]) == (True, False)
    assert entry["reason"] == "The content changed after it was signed."


@pytest.mark.policy("P3.2.1")
async def test_flipping_one_byte_of_the_stored_object_is_detected(gql, person, uploaded, archive):
    legal, doc = await approved_contract(gql, person, uploaded)
    await set_key(gql, legal)
    await sign(gql, legal, doc)
    row = await Document.get(name=doc["name"])
    path = archive.object_path("primary", row.storage_key)
    data = bytearray(path.read_bytes())
    data[len(data) // 2] ^= 0x80
    path.write_bytes(bytes(data))
    check = await verify(gql, legal, doc)
    assert check["valid"] is False and check["contentIntact"] is False
    assert check["contentSha256"] is None and "integrity" in check["problem"]
    assert check["signatures"][0]["contentMatches"] is False


@pytest.mark.policy("P3.2.1")
async def test_flipping_one_byte_of_the_signature_is_detected(gql, person, uploaded):
    legal, doc = await approved_contract(gql, person, uploaded)
    await set_key(gql, legal)
    await sign(gql, legal, doc)
    row = await Signature.get()
    raw = bytearray(base64.b64decode(row.signature))
    raw[5] ^= 0x01
    row.signature = base64.b64encode(bytes(raw)).decode()
    await row.save()
    check = await verify(gql, legal, doc)
    assert check["valid"] is False and check["contentIntact"] is True
    entry = check["signatures"][0]
    assert (entry["signatureValid"], entry["contentMatches"]) == (False, False)
    assert entry["reason"] == "The signature does not match the signed statement."


@pytest.mark.policy("P4.2.5")
async def test_a_signature_moved_to_another_record_is_detected(gql, person, uploaded):
    legal, doc = await approved_contract(gql, person, uploaded)
    await set_key(gql, legal)
    await sign(gql, legal, doc)
    other = await uploaded(
        legal.token, kind="WORK_RECORD", subject="Other record", content=PDF
    )  # same bytes, so the same content hash
    row = await Signature.get()
    row.record_id = str((await Document.get(name=other["name"])).id)
    await row.save()
    check = await verify(gql, legal, other)
    assert check["signatures"][0]["signatureValid"] is False
    assert "does not match its signed statement" in check["signatures"][0]["reason"]


async def test_signing_needs_a_key_and_the_right_passphrase(gql, person, uploaded):
    legal, doc = await approved_contract(gql, person, uploaded)
    no_key = await sign(gql, legal, doc)
    assert no_key["errors"][0]["code"] == "SIGNING_KEY_REQUIRED"
    await set_key(gql, legal)
    wrong = await sign(gql, legal, doc, "not my passphrase at all")
    assert wrong["errors"][0] == {"field": "passphrase", "code": "WRONG_PASSPHRASE"}
    bad_meaning = await sign(gql, legal, doc, meaning="ok")
    assert bad_meaning["errors"][0]["code"] == "INVALID"
    assert (await sign(gql, legal, doc))["errors"] == []
    assert (await sign(gql, legal, doc))["errors"][0]["code"] == "DUPLICATE"
    assert await AuditEntry.filter(action="signDocument", outcome="REJECTED").count() == 4


@pytest.mark.policy("P6.1.3")
async def test_contract_is_signed_only_after_legal_review(gql, person, uploaded):
    director = await person("director")
    doc = await uploaded(director.token)
    await set_key(gql, director)
    refused = await sign(gql, director, doc)
    assert refused["errors"][0]["code"] == "LEGAL_REVIEW_REQUIRED"
    assert await Signature.all().count() == 0


@pytest.mark.policy("P4.2.5")
async def test_the_signature_service_signs_any_record(person):
    """Meeting resolutions (and any later record type) use the same service."""
    member = await person("committee")
    actor = Actor(identity=_identity(member))
    await signing_keys.set_signing_key(actor, PASSPHRASE)
    digest = "ab" * 32
    prepared = await signatures.prepare(
        actor,
        PASSPHRASE,
        record_type="MeetingResolution",
        record_id=7,
        content_sha256=digest,
        meaning="RESOLVED",
    )

    async def work():
        return await signatures.record(prepared)

    await audited(actor, "signOffResolution", "MeetingResolution", work, subject_id=7)
    checks = await signatures.verify_record("MeetingResolution", 7, digest)
    assert [c.valid for c in checks] == [True]
    assert [c.valid for c in await signatures.verify_record("MeetingResolution", 7, "cd" * 32)] == [
        False
    ]


def _identity(person):
    return Identity(kind=Kind.STAFF, id=person.account.id, roles=tuple(person.account.roles))


async def test_verification_reports_a_store_that_is_down(gql, person, uploaded, archive, tmp_path):
    legal, doc = await approved_contract(gql, person, uploaded)
    config.use_archive(
        Archive(
            archive.keyring,
            LocalBackend(tmp_path / "gone", create=False),
            None,
            allow_single_copy=True,
        )
    )
    check = await verify(gql, legal, doc)
    assert check["errors"][0]["code"] == "STORAGE_UNAVAILABLE"
