"""Electronic signatures of any record: documents now, meeting resolutions and other decisions
later (the caller names the record type and id and supplies the SHA-256 of its content).

Each signer holds one active Ed25519 key pair, kept as `domain.signing_keys` describes. A
signature covers a canonical statement: record type and id, the content's SHA-256, the
signer's account and e-mail, the key's fingerprint, the time and the meaning of the signature
(e.g. APPROVED). Verification re-reads the statement, checks it against the stored fields,
checks the Ed25519 signature with the signer's public key and compares the signed SHA-256
with the content as it is now, so a change to the record or to the signature is detected.
Replaced keys are retired, never deleted: old signatures stay verifiable.

Policy: P3.2.1 (legal documents meet the Electronic Signature Law: the signature is uniquely
linked to and controlled by the signer, and any later change to the data or the signature is
detectable), P4.2.5 (decisions recorded in an electronic sign-off system so that
responsibility is assigned to a person).
"""

from __future__ import annotations

import asyncio
import base64
import datetime as dt
import json
import re
from collections.abc import Iterable
from dataclasses import dataclass

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import (
    Ed25519PublicKey,
)

from domain.actor import Actor
from domain.clock import clock
from domain.errors import DomainError, ErrorCode
from domain.models import Account, Signature, SigningKey
from domain.signing_keys import active_key, b64_text, fingerprint, unseal

STATEMENT_VERSION = 1
_MEANING = re.compile(r"[A-Z][A-Z_]{2,39}")


@dataclass(frozen=True)
class Statement:
    """What a signature covers, in a canonical JSON form (sorted keys, no spaces, UTF-8)."""

    record_type: str
    record_id: str
    content_sha256: str
    signer_account_id: int
    signer_email: str
    key_fingerprint: str
    signed_at: str
    meaning: str

    def canonical(self) -> str:
        body = {
            "v": STATEMENT_VERSION,
            "record": {"type": self.record_type, "id": self.record_id},
            "content_sha256": self.content_sha256,
            "signer": {"account_id": self.signer_account_id, "email": self.signer_email},
            "key": self.key_fingerprint,
            "signed_at": self.signed_at,
            "meaning": self.meaning,
        }
        return json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=False)

    @classmethod
    def parse(cls, text: str) -> Statement:
        body = json.loads(text)
        if body.get("v") != STATEMENT_VERSION:
            raise ValueError("unknown statement version")
        return cls(
            record_type=body["record"]["type"],
            record_id=body["record"]["id"],
            content_sha256=body["content_sha256"],
            signer_account_id=body["signer"]["account_id"],
            signer_email=body["signer"]["email"],
            key_fingerprint=body["key"],
            signed_at=body["signed_at"],
            meaning=body["meaning"],
        )


@dataclass(frozen=True)
class PreparedSignature:
    statement: Statement
    signature: bytes
    key: SigningKey
    signed_at: dt.datetime


async def prepare(
    actor: Actor,
    passphrase: str,
    *,
    record_type: str,
    record_id: str | int,
    content_sha256: str,
    meaning: str,
) -> PreparedSignature:
    """Unlock the signer's key and sign the statement (no transaction held: scrypt is slow)."""
    if not _MEANING.fullmatch(meaning or ""):
        raise DomainError(
            ErrorCode.INVALID, "The meaning is an upper-case word such as APPROVED.", "meaning"
        )
    if actor.account_id is None:
        raise DomainError(ErrorCode.FORBIDDEN, "Only a person can sign.")
    account = await Account.get(id=actor.account_id)
    key = await active_key(account.id)
    if key is None:
        raise DomainError(
            ErrorCode.SIGNING_KEY_REQUIRED,
            "Set your signing passphrase (setSigningKey) before signing.",
            "passphrase",
        )
    private = await asyncio.to_thread(unseal, key, passphrase or "")
    signed_at = clock.now()
    statement = Statement(
        record_type=record_type,
        record_id=str(record_id),
        content_sha256=content_sha256,
        signer_account_id=account.id,
        signer_email=account.email,
        key_fingerprint=key.fingerprint,
        signed_at=signed_at.isoformat(),
        meaning=meaning,
    )
    signature = private.sign(statement.canonical().encode("utf-8"))
    return PreparedSignature(statement, signature, key, signed_at)


async def record(prepared: PreparedSignature) -> Signature:
    """Store a prepared signature (call inside the caller's transaction)."""
    s = prepared.statement
    duplicate = await Signature.filter(
        record_type=s.record_type,
        record_id=s.record_id,
        signer_id=s.signer_account_id,
        content_sha256=s.content_sha256,
        meaning=s.meaning,
    ).exists()
    if duplicate:
        raise DomainError(ErrorCode.DUPLICATE, "You already signed this content with this meaning.")
    return await Signature.create(
        record_type=s.record_type,
        record_id=s.record_id,
        signer_id=s.signer_account_id,
        signing_key_id=prepared.key.id,
        meaning=s.meaning,
        content_sha256=s.content_sha256,
        signed_at=prepared.signed_at,
        message=s.canonical(),
        signature=b64_text(prepared.signature),
    )


@dataclass(frozen=True)
class SignatureCheck:
    signature: Signature
    signature_valid: bool
    content_matches: bool
    reason: str | None

    @property
    def valid(self) -> bool:
        return self.signature_valid and self.content_matches


def check(row: Signature, key: SigningKey, actual_sha256: str | None) -> SignatureCheck:
    """Verify one stored signature against its key and the record content as it is now."""

    def refused(reason: str) -> SignatureCheck:
        return SignatureCheck(row, False, False, reason)

    try:
        statement = Statement.parse(row.message)
    except (ValueError, KeyError, TypeError):
        return refused("The signed statement is unreadable.")
    expected = (
        row.record_type,
        row.record_id,
        row.content_sha256,
        row.signer_id,
        key.fingerprint,
        row.signed_at,
        row.meaning,
    )
    stated = (
        statement.record_type,
        statement.record_id,
        statement.content_sha256,
        statement.signer_account_id,
        statement.key_fingerprint,
        dt.datetime.fromisoformat(statement.signed_at),
        statement.meaning,
    )
    if expected != stated:
        return refused("The signature record does not match its signed statement.")
    public = base64.b64decode(key.public_key)
    if fingerprint(public) != statement.key_fingerprint:
        return refused("The signing key does not match the signed statement.")
    try:
        Ed25519PublicKey.from_public_bytes(public).verify(
            base64.b64decode(row.signature, validate=True), statement.canonical().encode("utf-8")
        )
    except (InvalidSignature, ValueError):
        return refused("The signature does not match the signed statement.")
    if actual_sha256 is None:
        return SignatureCheck(row, True, False, "The signed content could not be read.")
    if actual_sha256 != statement.content_sha256:
        return SignatureCheck(row, True, False, "The content changed after it was signed.")
    return SignatureCheck(row, True, True, None)


async def verify_record(
    record_type: str, record_id: str | int, actual_sha256: str | None
) -> list[SignatureCheck]:
    rows = (
        await Signature.filter(record_type=record_type, record_id=str(record_id))
        .prefetch_related("signer", "signing_key")
        .order_by("id")
    )
    return [check(row, row.signing_key, actual_sha256) for row in rows]


async def signatures_of(record_type: str, record_ids: Iterable[str | int]) -> dict[str, list]:
    ids = [str(i) for i in record_ids]
    grouped: dict[str, list[Signature]] = {i: [] for i in ids}
    rows = (
        await Signature.filter(record_type=record_type, record_id__in=ids)
        .prefetch_related("signer", "signing_key")
        .order_by("id")
    )
    for row in rows:
        grouped[row.record_id].append(row)
    return grouped
