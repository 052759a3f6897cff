"""What a seal of the audit trail states, byte for byte: the canonical JSON that is hashed into
the seal chain, signed with Ed25519 and archived in tier 1. The seal row, the signature and the
archived copy must all agree on these bytes.

Policy: P0.3 (traceability that cannot be rewritten).
"""

from __future__ import annotations

import base64
import hashlib
import json

from domain import audit_keys
from domain.audit_keys import canonical, timestamp

VERSION = 1
GENESIS = "0" * 64


def statement_of(seal) -> bytes:
    return canonical(
        {
            "v": VERSION,
            "kind": "hotel-audit-seal",
            "number": seal.number,
            "first_entry_id": seal.first_entry_id,
            "last_entry_id": seal.last_entry_id,
            "entry_count": seal.entry_count,
            "gaps": list(seal.gaps),
            "legacy_through": seal.legacy_through,
            "merkle_root": seal.merkle_root,
            "prev_seal_hash": seal.prev_seal_hash,
            "sealed_at": timestamp(seal.sealed_at),
            "key_id": seal.key_id,
            "public_key": base64.b64encode(audit_keys.public_key(seal.key_id)).decode("ascii")
            if seal.key_id in audit_keys.keyring()
            else None,
        }
    )


def seal_hash(statement: bytes) -> str:
    return hashlib.sha256(statement).hexdigest()


def archived_document(statement: bytes, signature: str) -> bytes:
    """The tier-1 document: the statement as signed, and its signature."""
    body = {"statement": json.loads(statement), "signature": signature}
    return json.dumps(body, sort_keys=True, indent=1, ensure_ascii=False).encode("utf-8")


def read_archived(content: bytes) -> tuple[bytes, str]:
    """(statement bytes, signature) of an archived seal; ValueError if it is not one."""
    body = json.loads(content.decode("utf-8"))
    if not isinstance(body, dict) or not isinstance(body.get("statement"), dict):
        raise ValueError("not an archived audit seal")
    return canonical(body["statement"]), str(body.get("signature", ""))
