"""The hash tree over a sealed batch of audit entries, as Certificate Transparency builds it
(RFC 6962 section 2.1): leaves and inner nodes are hashed with different prefixes, so a leaf can
never pass for a subtree, and the tree splits at the largest power of two below its size.

A leaf is the entry's id with the SHA-256 of everything the entry records and its MAC, so the
root changes when an entry is edited, removed, inserted or moved, even without the MAC key.

Policy: P0.3 (traceability that cannot be rewritten).
"""

from __future__ import annotations

import hashlib

from domain.audit_keys import EntryFields, canonical

EMPTY_ROOT = hashlib.sha256(b"").hexdigest()


def leaf(fields: EntryFields, mac: str) -> bytes:
    content = fields.message() + b"|" + canonical({"mac": mac})
    return fields.id.to_bytes(8, "big") + hashlib.sha256(content).digest()


def leaves(rows: list[dict]) -> list[bytes]:
    """The leaves of entry rows read with `values(*ENTRY_COLUMNS)`, in id order."""
    return [leaf(EntryFields.of(row), row["mac"]) for row in rows]


def _leaf_hash(data: bytes) -> bytes:
    return hashlib.sha256(b"\x00" + data).digest()


def _node_hash(left: bytes, right: bytes) -> bytes:
    return hashlib.sha256(b"\x01" + left + right).digest()


def root(leaves: list[bytes]) -> str:
    """The hex Merkle tree hash of the leaves in order (CPU-bound: call in a thread)."""
    if not leaves:
        return EMPTY_ROOT
    level = [_leaf_hash(data) for data in leaves]
    return _subtree(level).hex()


def _subtree(hashes: list[bytes]) -> bytes:
    if len(hashes) == 1:
        return hashes[0]
    split = 1 << ((len(hashes) - 1).bit_length() - 1)
    return _node_hash(_subtree(hashes[:split]), _subtree(hashes[split:]))
