"""Archive key rotation (P3.2.1): data keys are re-wrapped under a new key-encryption key, the
rows record it, and documents stay readable with the old key removed from the keyring. A copy
that a local store keeps under retention is superseded, not overwritten: it stays as an older
version until its retention ends."""

from __future__ import annotations

import pytest
from strawberry.relay import to_base64

from authz.identity import Identity
from domain.actor import Actor
from domain.documents import config
from domain.documents.rotation import rotate_archive_keys
from domain.models import AuditEntry, Document
from storage import Keyring
from tests.documents.conftest import local_archive
from tests.dual_review_support import checker, confirm_as_checker

CUSTOMER = to_base64("GuestProfile", 1)


async def rotate(person) -> dict:
    """Key rotation is dual-reviewed (P6.2.3): a tech lead asks, an admin confirms, it runs."""
    maker = Actor(Identity.of_account((await person("tech_lead")).account))
    pending = await rotate_archive_keys(maker)
    assert pending.status == "PENDING"  # nothing re-wrapped before the checker confirms
    done = await confirm_as_checker(pending, await checker("admin"))
    assert done.status == "EXECUTED"
    return done.result


def _rotate_keyring(archive) -> str:
    new_entry = Keyring.generate_entry("k2")
    ring = Keyring.from_string(new_entry + "," + archive.keyring.to_string())
    config.use_archive(local_archive(archive.root, ring))
    return new_entry


@pytest.mark.policy("P3.2.1")
async def test_rotation_rewraps_and_the_old_key_can_be_retired(person, uploaded, archive, link,
                                                               fetch):
    agent = await person("booking_agent")
    scan = await uploaded(agent.token, kind="CUSTOMER_FILE", subject="Guest ID scan",
                          content=b"%PDF-1.4 id scan", related_to=CUSTOMER)
    new_entry = _rotate_keyring(archive)

    summary = await rotate(person)
    assert (summary["rotated"], summary["failed"], summary["documentsOnOldKeys"]) == (1, [], 0)
    assert await Document.filter(kek_id="k2").count() == 1
    assert await AuditEntry.filter(action="rotateArchiveKey").count() == 1
    again = await rotate(person)
    assert (again["rotated"], again["unchanged"]) == (0, 1)

    config.use_archive(local_archive(archive.root, Keyring.from_string(new_entry)))
    issued = await link(agent.token, scan["id"], "Checking the guest ID after rotation")
    reply = await fetch(issued["url"], agent.token)
    assert reply.status_code == 200 and reply.content == b"%PDF-1.4 id scan"


@pytest.mark.policy("P3.2.1")
@pytest.mark.policy("P3.2.3")
async def test_retained_work_record_on_a_local_store_is_rotated_and_its_old_copy_kept(
        person, uploaded, archive, link, fetch):
    hr = await person("hr")
    record = await uploaded(hr.token, kind="WORK_RECORD", subject="Shift handover",
                            content=b"%PDF-1.4 handover")
    row = await Document.get(name=record["name"])
    assert row.retain_until is not None
    new_entry = _rotate_keyring(archive)

    summary = await rotate(person)
    assert (summary["rotated"], summary["failed"], summary["documentsOnOldKeys"]) == (1, [], 0)
    assert await Document.filter(kek_id="k2").count() == 1
    [previous] = archive.primary.versions(row.storage_key)  # the retained copy, superseded
    assert previous.retain_until == row.retain_until

    config.use_archive(local_archive(archive.root, Keyring.from_string(new_entry)))
    issued = await link(hr.token, record["id"], "Reading the handover after rotation")
    reply = await fetch(issued["url"], hr.token)
    assert reply.status_code == 200 and reply.content == b"%PDF-1.4 handover"
