"""Signing keys of people (P3.2.1 signatures uniquely linked to and controlled by the signer,
P4.2.5 responsibility assigned to a person): each signer holds one active Ed25519 key pair. The
private key is stored only encrypted, with AES-256-GCM under a key derived by scrypt from a
signing passphrase that the signer alone sets and knows (it is not the log-in password and never
stored); the additional data binds the encrypted key to its account and public key, so it cannot
be moved to another person. Replaced keys are retired, never deleted, so old signatures stay
verifiable. Signing and verifying records is `domain.signatures`."""

from __future__ import annotations

import asyncio
import base64
import hashlib
import os
from dataclasses import dataclass

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.scrypt import Scrypt
from cryptography.hazmat.primitives.serialization import (
    Encoding,
    NoEncryption,
    PrivateFormat,
    PublicFormat,
)

from domain.actor import Actor
from domain.clock import clock
from domain.errors import DomainError, ErrorCode
from domain.models import SigningKey
from domain.unit_of_work import audited, refusals_audited

# scrypt cost: 2**15 x 8 x 1 needs 32 MiB and about 0.1 s per derivation, per the scrypt
# paper's interactive-use recommendation. Stored per key, so it can be raised for new keys.
SCRYPT_N = 2**15
SCRYPT_R = 8
SCRYPT_P = 1
MIN_PASSPHRASE = 12
MAX_PASSPHRASE = 1024
_AAD_LABEL = b"hotel-signing-key/v1"


def b64_text(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def fingerprint(public_key: bytes) -> str:
    return hashlib.sha256(public_key).hexdigest()


def _derive(passphrase: str, salt: bytes, n: int, r: int, p: int) -> bytes:
    return Scrypt(salt=salt, length=32, n=n, r=r, p=p).derive(passphrase.encode("utf-8"))


def _aad(account_id: int, public_key: bytes) -> bytes:
    return b"|".join((_AAD_LABEL, str(account_id).encode("ascii"), public_key))


@dataclass(frozen=True)
class SealedKey:
    public_key: bytes
    encrypted_private_key: bytes
    nonce: bytes
    salt: bytes


def seal_new_key(account_id: int, passphrase: str) -> SealedKey:
    """Generate a key pair and encrypt its private key under the passphrase (CPU-bound)."""
    private = Ed25519PrivateKey.generate()
    public = private.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)
    raw = private.private_bytes(Encoding.Raw, PrivateFormat.Raw, NoEncryption())
    salt, nonce = os.urandom(16), os.urandom(12)
    key = _derive(passphrase, salt, SCRYPT_N, SCRYPT_R, SCRYPT_P)
    encrypted = AESGCM(key).encrypt(nonce, raw, _aad(account_id, public))
    return SealedKey(public, encrypted, nonce, salt)


def unseal(row: SigningKey, passphrase: str) -> Ed25519PrivateKey:
    """Decrypt a stored private key; WRONG_PASSPHRASE if the passphrase does not open it."""
    public = base64.b64decode(row.public_key)
    key = _derive(passphrase, base64.b64decode(row.salt), row.scrypt_n, row.scrypt_r, row.scrypt_p)
    try:
        raw = AESGCM(key).decrypt(
            base64.b64decode(row.nonce),
            base64.b64decode(row.encrypted_private_key),
            _aad(row.account_id, public),
        )
    except InvalidTag:
        raise DomainError(
            ErrorCode.WRONG_PASSPHRASE, "The signing passphrase is not correct.", "passphrase"
        ) from None
    return Ed25519PrivateKey.from_private_bytes(raw)


async def active_key(account_id: int) -> SigningKey | None:
    return await SigningKey.filter(account_id=account_id, retired_at=None).order_by("-id").first()


def _check_passphrase(passphrase: str, field: str = "passphrase") -> None:
    if len(passphrase or "") < MIN_PASSPHRASE:
        raise DomainError(
            ErrorCode.INVALID,
            f"Use a signing passphrase of at least {MIN_PASSPHRASE} characters.",
            field,
        )
    if len(passphrase) > MAX_PASSPHRASE:
        raise DomainError(ErrorCode.INVALID, "The signing passphrase is too long.", field)


async def set_signing_key(
    actor: Actor, passphrase: str, current_passphrase: str | None = None
) -> SigningKey:
    """Create the caller's signing key, or replace it (proving the current passphrase)."""
    account_id = actor.account_id
    async with refusals_audited(actor, "setSigningKey", "SigningKey"):
        if account_id is None or actor.identity.kind != "STAFF":
            raise DomainError(ErrorCode.FORBIDDEN, "Only staff members hold signing keys.")
        _check_passphrase(passphrase)
        current = await active_key(account_id)
        if current is not None:
            if not current_passphrase:
                raise DomainError(
                    ErrorCode.REQUIRED,
                    "Give your current signing passphrase to replace your key.",
                    "currentPassphrase",
                )
            try:
                await asyncio.to_thread(unseal, current, current_passphrase)
            except DomainError as refusal:
                refusal.field = "currentPassphrase"
                raise
        sealed = await asyncio.to_thread(seal_new_key, account_id, passphrase)

    async def work() -> SigningKey:
        now_active = await active_key(account_id)
        if (now_active.id if now_active else None) != (current.id if current else None):
            raise DomainError(ErrorCode.CONFLICT, "Your signing key changed meanwhile.")
        await SigningKey.filter(account_id=account_id, retired_at=None).update(
            retired_at=clock.now()
        )
        return await SigningKey.create(
            account_id=account_id,
            public_key=b64_text(sealed.public_key),
            fingerprint=fingerprint(sealed.public_key),
            encrypted_private_key=b64_text(sealed.encrypted_private_key),
            nonce=b64_text(sealed.nonce),
            salt=b64_text(sealed.salt),
            scrypt_n=SCRYPT_N,
            scrypt_r=SCRYPT_R,
            scrypt_p=SCRYPT_P,
        )

    return await audited(
        actor,
        "setSigningKey",
        "SigningKey",
        work,
        detail=f"key {fingerprint(sealed.public_key)}"
        + (f" replaces {current.fingerprint}" if current else ""),
    )
