"""Reading documents: short-lived links bound to one account, every read audited with who,
what and why, content decrypted as it streams, and clear refusals for expired, foreign, altered
links and for altered or wrongly keyed objects."""

from __future__ import annotations

import datetime as dt
import os

import pytest

from authz import matrix
from authz.enforcer import enforcer
from domain.clock import clock
from domain.documents import config
from domain.models import AuditEntry, Document, DownloadGrant
from storage import Keyring
from tests.documents.conftest import LINK, PDF, local_archive

CUSTOMER = "R3Vlc3RQcm9maWxlOjQy"  # GuestProfile:42


async def customer_file(person, uploaded, **options) -> tuple[object, dict]:
    cs = await person("cs_rep")
    options.setdefault("kind", "CUSTOMER_FILE")
    options.setdefault("subject", "Passport copy")
    options.setdefault("related_to", CUSTOMER)
    return cs, await uploaded(cs.token, **options)


@pytest.mark.policy("P3.2.2")
async def test_download_returns_the_content_and_audits_who_what_why(person, uploaded, link, fetch):
    cs, doc = await customer_file(person, uploaded)
    issued = await link(cs.token, doc["id"], "Verify guest identity at check-in")
    assert issued["errors"] == []
    assert issued["expiresAt"] == "2026-11-28T02:05:00+00:00"
    reply = await fetch(issued["url"], cs.token)
    assert reply.status_code == 200
    assert reply.content == PDF
    assert reply.headers["content-type"] == "application/pdf"
    assert reply.headers["x-document-sha256"] == doc["sha256"]
    assert reply.headers["cache-control"] == "no-store"
    assert doc["name"] in reply.headers["content-disposition"]
    row = await Document.get(name=doc["name"])
    entries = await AuditEntry.filter(subject_type="Document", subject_id=str(row.id)).order_by(
        "id"
    )
    reads = [(e.action, e.outcome, e.actor_id) for e in entries]
    assert ("documentDownloadUrl", "SUCCESS", f"account:{cs.account.id}") in reads
    assert ("downloadDocument", "SUCCESS", f"account:{cs.account.id}") in reads
    for entry in entries[1:]:
        assert doc["name"] in entry.detail
        assert "purpose: Verify guest identity at check-in" in entry.detail
    grant = await DownloadGrant.get(document_id=row.id)
    assert (grant.use_count, grant.purpose) == (1, "Verify guest identity at check-in")


@pytest.mark.policy("P3.2.2")
async def test_a_purpose_is_required(person, uploaded, link):
    cs, doc = await customer_file(person, uploaded)
    issued = await link(cs.token, doc["id"], "  ")
    assert issued["url"] is None
    assert (issued["errors"][0]["code"], issued["errors"][0]["field"]) == ("REQUIRED", "purpose")
    entry = await AuditEntry.get(action="documentDownloadUrl")
    assert entry.outcome == "REJECTED"
    assert await DownloadGrant.all().count() == 0


@pytest.mark.policy("P3.2.2")
async def test_expired_link_is_refused(person, uploaded, link, fetch):
    cs, doc = await customer_file(person, uploaded)
    issued = await link(cs.token, doc["id"])
    clock.advance(dt.timedelta(minutes=4, seconds=59))
    assert (await fetch(issued["url"], cs.token)).status_code == 200
    clock.advance(dt.timedelta(seconds=1))  # the access token still lives; the link does not
    reply = await fetch(issued["url"], cs.token)
    assert reply.status_code == 410
    assert reply.json()["errors"][0]["extensions"]["code"] == "LINK_EXPIRED"
    assert await AuditEntry.filter(action="downloadDocument", outcome="REJECTED").count() == 1


@pytest.mark.policy("P3.2.2")
async def test_link_used_by_someone_else_is_refused(person, uploaded, link, fetch):
    cs, doc = await customer_file(person, uploaded)
    issued = await link(cs.token, doc["id"])
    colleague = await person("cs_rep")  # may read customer files, but this link is not theirs
    reply = await fetch(issued["url"], colleague.token)
    assert reply.status_code == 403
    assert reply.json()["errors"][0]["extensions"]["code"] == "LINK_NOT_YOURS"
    anonymous = await fetch(issued["url"], None)
    assert anonymous.status_code == 401
    assert anonymous.json()["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"
    entry = await AuditEntry.get(action="downloadDocument")
    assert entry.outcome == "REJECTED" and entry.actor_id == f"account:{colleague.account.id}"


async def test_altered_link_is_refused(person, uploaded, link, fetch):
    cs, doc = await customer_file(person, uploaded)
    issued = await link(cs.token, doc["id"])
    body, mac = issued["url"].rsplit("/", 1)[1].split(".")
    flipped = mac[:-2] + ("A" if mac[-2] != "A" else "B") + mac[-1]
    for token in (f"{body}.{flipped}", "not-a-token", f"{body}x.{mac}"):
        reply = await fetch(f"/files/{token}", cs.token)
        assert reply.status_code == 404
        assert reply.json()["errors"][0]["extensions"]["code"] == "LINK_INVALID"


@pytest.mark.policy("P3.2.1")
async def test_altered_object_is_refused_not_served(person, uploaded, link, fetch, archive):
    legal = await person("legal")
    doc = await uploaded(legal.token)
    row = await Document.get(name=doc["name"])
    path = archive.object_path("primary", row.storage_key)
    data = bytearray(path.read_bytes())
    data[-20] ^= 0x01
    path.write_bytes(bytes(data))
    reply = await fetch((await link(legal.token, doc["id"]))["url"], legal.token)
    assert reply.status_code == 409
    assert reply.json()["errors"][0]["extensions"]["code"] == "TAMPERED"
    entry = await AuditEntry.filter(action="downloadDocument").order_by("-id").first()
    assert entry.outcome == "REJECTED" and entry.detail.startswith("TAMPERED")


@pytest.mark.policy("P3.2.1")
async def test_wrong_archive_key_is_refused(person, uploaded, link, fetch, archive, tmp_path):
    legal = await person("legal")
    doc = await uploaded(legal.token)
    # Same key id, different key material: a misconfigured ARCHIVE_KEYS.
    wrong = Keyring([("k1", os.urandom(32))])
    config.use_archive(local_archive(archive.root, wrong))
    reply = await fetch((await link(legal.token, doc["id"]))["url"], legal.token)
    assert reply.status_code == 409
    assert reply.json()["errors"][0]["extensions"]["code"] == "WRONG_KEY"


@pytest.mark.policy("P3.2.5")
async def test_download_falls_back_to_the_backup_copy(person, uploaded, link, fetch, archive):
    cs, doc = await customer_file(person, uploaded)
    row = await Document.get(name=doc["name"])
    archive.primary.delete(row.storage_key)
    reply = await fetch((await link(cs.token, doc["id"]))["url"], cs.token)
    assert reply.status_code == 200 and reply.content == PDF


async def test_large_document_streams_through_many_chunks(person, uploaded, link, fetch, archive):
    config.use_archive(local_archive(archive.root, archive.keyring, chunk_size=4096))
    hr = await person("hr")
    content = os.urandom(200_000)
    doc = await uploaded(
        hr.token,
        kind="WORK_RECORD",
        subject="Scanned logbook",
        content=content,
        content_type="text/plain",
        filename="log.txt",
    )
    reply = await fetch((await link(hr.token, doc["id"]))["url"], hr.token)
    assert reply.status_code == 200
    assert int(reply.headers["content-length"]) == len(content)
    assert reply.content == content


@pytest.mark.policy("P6.1.2")
async def test_permission_is_checked_again_at_download(person, uploaded, link, fetch):
    cs, doc = await customer_file(person, uploaded)
    issued = await link(cs.token, doc["id"])
    admin = await person("admin")
    await matrix.apply_grant(
        admin.account.id,
        matrix.Rule("cs_rep", "document_tier2", "download"),
        False,
        "Customer files moved to the front-office team",
    )
    await enforcer.refresh(force=True)
    reply = await fetch(issued["url"], cs.token)
    assert reply.status_code == 403
    assert reply.json()["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    assert await AuditEntry.filter(action="downloadDocument", outcome="DENIED").count() == 1


@pytest.mark.policy("P3.2.2")
@pytest.mark.parametrize("role", ["admin", "data_analyst", "finance", "hr"])
async def test_customer_file_content_is_refused_to_other_roles(person, uploaded, gql, role):
    _, doc = await customer_file(person, uploaded)
    caller = await person(role)
    reply = await gql(LINK, {"id": doc["id"], "purpose": "curious look"}, token=caller.token)
    if role == "admin":  # admins see customer file names but never their content
        assert reply.error_codes == ["FORBIDDEN"]
    else:
        assert reply.data["documentDownloadUrl"]["errors"][0]["code"] == "NOT_FOUND"
    assert await DownloadGrant.all().count() == 0


async def test_download_memory_stays_flat_whatever_the_size(app, person, uploaded, link):
    """A 24 MiB document is served over a real socket while Python's allocations are traced:
    the peak stays a few archive chunks (1 MiB each), not the document's size."""
    import tracemalloc

    import httpx

    from tests.conftest import serving

    hr = await person("hr")
    size = 24 * 1024 * 1024
    doc = await uploaded(hr.token, kind="WORK_RECORD", subject="Scanned archive box",
                         content=os.urandom(size), content_type="text/plain",
                         filename="box.txt")
    issued = await link(hr.token, doc["id"])
    path = issued["url"].replace("http://hotel.test", "")
    async with serving(app) as address, httpx.AsyncClient(timeout=60) as client:
        tracemalloc.start()
        try:
            received = 0
            async with client.stream("GET", f"http://{address}{path}",
                                     headers={"Authorization": f"Bearer {hr.token}"}) as reply:
                assert reply.status_code == 200
                async for block in reply.aiter_raw():
                    received += len(block)
            _, peak = tracemalloc.get_traced_memory()
        finally:
            tracemalloc.stop()
    assert received == size
    assert peak < 8 * 1024 * 1024, f"peak {peak / 2**20:.1f} MiB for a 24 MiB document"
