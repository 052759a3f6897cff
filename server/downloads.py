"""`GET /files/<token>`: the download behind a link issued by `documentDownloadUrl`.

The caller must send the bearer token of the account the link was issued to; the link's HMAC,
expiry and grant are checked, the permission to download the document's tier is checked again
(a grant revoked since issuing the link stops it), and the content is decrypted as it streams:
one archive chunk at a time is pulled from a worker thread, so memory stays constant whatever
the document's size. Every download and every refused attempt is in the audit trail. Refusals
answer in the GraphQL error shape with a clear code and a 4xx (503 when the store is down).

Policy: P3.2.2 (customer files read only by authorised staff after identity authentication,
each read recorded), P3.2.1 (an altered or wrongly keyed document is refused, not served).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator
from urllib.parse import quote

from starlette.requests import Request
from starlette.responses import Response, StreamingResponse

from authz import tokens
from authz.enforcer import enforcer
from domain import audit
from domain.actor import Actor
from domain.documents import access as document_access
from domain.documents import links
from domain.documents.content import EXTENSIONS
from domain.documents.kinds import tier_resource
from domain.errors import DomainError, ErrorCode
from domain.models import Document
from domain.unit_of_work import record_outcome
from server.middleware import error_response, identity_from_bearer
from storage import PlaintextStream, StorageError

log = logging.getLogger("hotel.downloads")

_STATUS = {
    ErrorCode.LINK_INVALID: 404,
    ErrorCode.NOT_FOUND: 404,
    ErrorCode.LINK_EXPIRED: 410,
    ErrorCode.LINK_NOT_YOURS: 403,
    ErrorCode.FORBIDDEN: 403,
    ErrorCode.TAMPERED: 409,
    ErrorCode.WRONG_KEY: 409,
    ErrorCode.STORAGE_UNAVAILABLE: 503,
}


def _refusal(error: DomainError) -> Response:
    return error_response(_STATUS.get(error.code, 400), error.code, error.message)


def _filename_headers(document: Document) -> dict[str, str]:
    filename = document.name + EXTENSIONS.get(document.content_type, "")
    fallback = filename.encode("ascii", "ignore").decode("ascii").replace('"', "") or "document"
    return {
        "Content-Disposition": (
            f"attachment; filename=\"{fallback}\"; filename*=UTF-8''{quote(filename)}"
        ),
        "Content-Length": str(document.size),
        "Cache-Control": "no-store",
        "X-Content-Type-Options": "nosniff",
        "Content-Security-Policy": "default-src 'none'; style-src 'unsafe-inline'; sandbox",
        "X-Document-Sha256": document.sha256,
    }


async def _chunks(stream: PlaintextStream, actor: Actor, document: Document) -> AsyncIterator:
    try:
        while True:
            chunk = await asyncio.to_thread(next, stream, None)
            if chunk is None:
                return
            yield chunk
    except StorageError as exc:
        # Headers are sent: the short body (less than Content-Length) tells the client.
        log.error("download of %s stopped: %s", document.name, exc)
        await record_outcome(
            actor,
            "downloadDocument",
            "Document",
            audit.Outcome.REJECTED,
            subject_id=document.id,
            detail=f"{exc.code}: stopped while streaming {document.name}",
        )
    finally:
        await asyncio.to_thread(stream.close)


async def download(request: Request) -> Response:
    runtime = request.app.state.holder.get("runtime")
    if runtime is None or not runtime.ready:
        return error_response(503, "SERVICE_UNAVAILABLE", "Not ready.")
    state = request.scope.get("state", {})
    try:
        identity = await identity_from_bearer(request.headers.get("authorization"))
    except tokens.InvalidToken as problem:
        return error_response(
            401, problem.code, problem.message, headers={"WWW-Authenticate": "Bearer"}
        )
    if not identity.is_authenticated:
        return error_response(
            401,
            "UNAUTHENTICATED",
            "Send the bearer token of the account the link was issued to.",
            headers={"WWW-Authenticate": "Bearer"},
        )
    actor = Actor(identity, state.get("request_id"), state.get("client_ip"))
    try:
        grant, document = await links.resolve_link(actor, request.path_params["token"])
    except DomainError as refusal:
        return _refusal(refusal)
    scope = await enforcer.decide(identity, tier_resource(document.tier), "download")
    try:
        await document_access.require(
            actor, "downloadDocument", document.tier, "download", scope, document
        )
    except DomainError:
        return error_response(403, "FORBIDDEN", "You may not download this document.")
    try:
        stream = await links.open_download(actor, grant, document)
    except DomainError as refusal:
        return _refusal(refusal)
    return StreamingResponse(
        _chunks(stream, actor, document),
        media_type=document.content_type,
        headers=_filename_headers(document),
    )
