"""Gives the audit trail its keys at start (an `EXTRA_CONFIGURE` hook): the entry MAC key and
the seal signing key are derived from `ARCHIVE_KEYS`, so they live with the other secrets of the
deployment and never in the database, and rotate with the keyring.

Policy: P0.3 (a trail that someone with database access alone cannot rewrite).
"""

from __future__ import annotations

from domain import audit_keys
from server.settings import Settings
from storage import Keyring


def configure_audit(settings: Settings) -> None:
    audit_keys.configure(Keyring.from_string(settings.resolved_archive_keys()))
