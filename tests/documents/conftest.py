"""Fixtures of the document-archive tests: a fresh pair of local archive folders per test
(installed as the platform's archive, so the API under test writes there), a multipart upload
helper that sends files as a frontend does, and download-link helpers."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from domain.clock import clock
from domain.documents import config
from storage import Archive, Keyring, LocalBackend
from tests.conftest import Response

PDF = b"%PDF-1.7\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64

UPLOAD = """
mutation($input: UploadDocumentInput!) {
  uploadDocument(input: $input) {
    document { id name number tier kind subject sha256 size contentType retainUntil
               legalReviewStatus isEffective relatedTo status uploadedById }
    errors { field message code }
  }
}"""
LINK = """
query($id: ID!, $purpose: String!) {
  documentDownloadUrl(documentId: $id, purpose: $purpose) {
    url expiresAt errors { field message code }
  }
}"""


@dataclass
class ArchiveUnderTest:
    archive: Archive
    keyring: Keyring
    root: Path

    @property
    def primary(self) -> LocalBackend:
        return self.archive.primary  # type: ignore[return-value]

    @property
    def backup(self) -> LocalBackend:
        return self.archive.backup  # type: ignore[return-value]

    def object_path(self, store: str, key: str) -> Path:
        return self.root / store / "objects" / key


def local_archive(root: Path, keyring: Keyring, **options) -> Archive:
    return Archive(
        keyring,
        LocalBackend(root / "primary", name="primary", durable=False, clock=clock.now),
        LocalBackend(root / "backup", name="backup", durable=False, clock=clock.now),
        clock=clock.now,
        **options,
    )


@pytest.fixture(autouse=True)
def archive(tmp_path: Path) -> Iterator[ArchiveUnderTest]:
    keyring = Keyring.from_string(Keyring.generate_entry("k1"))
    under_test = ArchiveUnderTest(local_archive(tmp_path, keyring), keyring, tmp_path)
    previous = config.use_archive(under_test.archive)
    yield under_test
    config.use_archive(previous)


@pytest.fixture
def upload(http):
    """`await upload(token, kind=..., subject=..., content=..., content_type=...)` -> Response
    of `uploadDocument`, sent as a GraphQL multipart request."""

    async def send(
        token: str,
        *,
        kind: str = "CONTRACT",
        subject: str = "Supply contract ACME",
        content: bytes = PDF,
        content_type: str = "application/pdf",
        filename: str = "file.pdf",
        related_to: str | None = None,
        description: str = "",
    ) -> Response:
        variables = {
            "input": {
                "file": None,
                "kind": kind,
                "subject": subject,
                "description": description,
                "relatedTo": related_to,
            }
        }
        reply = await http.post(
            "/graphql",
            data={
                "operations": json.dumps({"query": UPLOAD, "variables": variables}),
                "map": json.dumps({"0": ["variables.input.file"]}),
            },
            files={"0": (filename, content, content_type)},
            headers={"Authorization": f"Bearer {token}"} if token else {},
        )
        return Response(reply.status_code, reply.json(), reply.headers)

    return send


@pytest.fixture
def uploaded(upload):
    """`await uploaded(token, **upload options)` -> the uploaded document (asserts success)."""

    async def send(token: str, **options) -> dict:
        reply = await upload(token, **options)
        assert reply.errors == [], reply.errors
        payload = reply.data["uploadDocument"]
        assert payload["errors"] == [], payload["errors"]
        return payload["document"]

    return send


@pytest.fixture
def link(gql):
    """`await link(token, document_id, purpose)` -> the documentDownloadUrl result."""

    async def ask(token: str, document_id: str, purpose: str = "Checking the guest ID") -> dict:
        reply = await gql(LINK, {"id": document_id, "purpose": purpose}, token=token)
        assert reply.errors == [], reply.errors
        return reply.data["documentDownloadUrl"]

    return ask


@pytest.fixture
def fetch(http):
    """`await fetch(url, token)` -> the httpx response of a download link."""

    async def get(url: str, token: str | None):
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        return await http.get(url.replace("http://hotel.test", ""), headers=headers)

    return get
