"""Short-lived download links, bound to one account, and the reads they allow.

Issuing a link records a `DownloadGrant` (document, account, purpose, expiry) and an audit
entry naming who asked for which document and why. The link is `/files/<token>` where the token
carries the grant id, document id, account id and expiry under an HMAC-SHA256 with a key
derived from the server secret. A download must present the same account's bearer token: a
link forwarded to someone else, altered, or used after it expired is refused, and every
download (or refused attempt) is written to the audit trail with the purpose of the grant.

Policy: P3.2.2 (customer files read only by authorised staff after identity authentication,
every read traceable), P0.3 (traceability), P6.1.2 (boundaries of use: each read states why).
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import hashlib
import hmac
from dataclasses import dataclass

from domain.actor import Actor
from domain.clock import UTC, clock
from domain.documents import archive_calls, config
from domain.documents.kinds import Status
from domain.errors import DomainError, ErrorCode
from domain.models import Document, DownloadGrant
from domain.unit_of_work import audited, refusals_audited
from storage import PlaintextStream

MIN_PURPOSE = 5
MAX_PURPOSE = 500
_LABEL = b"hotel/document-link/v1"


def _key() -> bytes:
    return hmac.new(config.settings().link_secret, _LABEL, hashlib.sha256).digest()


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode("ascii").rstrip("=")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


@dataclass(frozen=True)
class LinkClaims:
    grant_id: int
    document_id: int
    account_id: int
    expires: int  # unix seconds

    def message(self) -> bytes:
        return f"{self.grant_id}.{self.document_id}.{self.account_id}.{self.expires}".encode(
            "ascii"
        )


def make_token(claims: LinkClaims) -> str:
    mac = hmac.new(_key(), claims.message(), hashlib.sha256).digest()
    return f"{_b64(claims.message())}.{_b64(mac)}"


def read_token(token: str) -> LinkClaims:
    invalid = DomainError(ErrorCode.LINK_INVALID, "This download link is not valid.")
    try:
        body, mac = token.split(".")
        message = _unb64(body)
        given = _unb64(mac)
        if not hmac.compare_digest(hmac.new(_key(), message, hashlib.sha256).digest(), given):
            raise invalid
        grant_id, document_id, account_id, expires = (int(p) for p in message.split(b"."))
    except (ValueError, binascii.Error, UnicodeError):
        raise invalid from None
    return LinkClaims(grant_id, document_id, account_id, expires)


@dataclass(frozen=True)
class IssuedLink:
    token: str
    expires_at: dt.datetime
    grant: DownloadGrant


async def issue_link(actor: Actor, document: Document, purpose: str) -> IssuedLink:
    """Create a grant and its token in one audited unit of work whose entry says who asked
    for which document and why."""

    async def work() -> IssuedLink:
        reason = (purpose or "").strip()
        if len(reason) < MIN_PURPOSE:
            raise DomainError(
                ErrorCode.REQUIRED, "Say why you need to read this document.", "purpose"
            )
        if len(reason) > MAX_PURPOSE:
            raise DomainError(
                ErrorCode.INVALID, f"Keep the purpose under {MAX_PURPOSE} characters.", "purpose"
            )
        if actor.account_id is None:
            raise DomainError(ErrorCode.FORBIDDEN, "Download links are issued to people only.")
        if document.status != Status.ACTIVE:
            raise DomainError(ErrorCode.NOT_FOUND, "The document was removed.", "documentId")
        expires_at = clock.now().replace(microsecond=0) + dt.timedelta(
            seconds=config.settings().link_seconds
        )
        grant = await DownloadGrant.create(
            document_id=document.id,
            account_id=actor.account_id,
            purpose=reason,
            expires_at=expires_at,
        )
        claims = LinkClaims(grant.id, document.id, actor.account_id, int(expires_at.timestamp()))
        return IssuedLink(make_token(claims), expires_at, grant)

    return await audited(
        actor,
        "documentDownloadUrl",
        "Document",
        work,
        subject_id=document.id,
        detail=link_detail(document, purpose or ""),
    )


def link_detail(document: Document, purpose: str) -> str:
    return f"tier {document.tier} {document.name}; purpose: {purpose.strip()}"[:2000]


async def resolve_link(actor: Actor, token: str) -> tuple[DownloadGrant, Document]:
    """The grant and document behind a link presented by `actor`, or an audited refusal."""
    async with refusals_audited(actor, "downloadDocument", "Document"):
        claims = read_token(token)
    async with refusals_audited(
        actor, "downloadDocument", "Document", subject_id=claims.document_id
    ):
        if clock.now() >= dt.datetime.fromtimestamp(claims.expires, UTC):
            raise DomainError(ErrorCode.LINK_EXPIRED, "This download link has expired.")
        grant = await DownloadGrant.get_or_none(
            id=claims.grant_id, document_id=claims.document_id, account_id=claims.account_id
        )
        if grant is None:
            raise DomainError(ErrorCode.LINK_INVALID, "This download link is not valid.")
        if actor.account_id != grant.account_id:
            raise DomainError(
                ErrorCode.LINK_NOT_YOURS,
                "This download link was issued to someone else; ask for your own.",
            )
        document = await Document.get_or_none(id=grant.document_id, status=Status.ACTIVE)
        if document is None:
            raise DomainError(ErrorCode.NOT_FOUND, "The document was removed.")
    return grant, document


async def open_download(actor: Actor, grant: DownloadGrant, document: Document) -> PlaintextStream:
    """Open the decrypting stream (first chunk authenticated) and record the read."""
    async with refusals_audited(actor, "downloadDocument", "Document", subject_id=document.id):
        archive = config.archive()
        stream = await archive_calls.run(
            archive.open, document.archive_id, document.tier, document.storage_key
        )

    async def work() -> DownloadGrant:
        grant.use_count += 1
        grant.last_used_at = clock.now()
        await grant.save(update_fields=["use_count", "last_used_at"])
        return grant

    try:
        await audited(
            actor,
            "downloadDocument",
            "Document",
            work,
            subject_id=document.id,
            detail=link_detail(document, grant.purpose) + f"; grant {grant.id}",
        )
    except BaseException:
        stream.close()
        raise
    return stream
