"""The storage error hierarchy: every refused or failed archive operation carries a stable code.

The domain layer turns these codes into its own error codes, so a code never changes meaning.
Operational and data failures (a store is down, a ciphertext was altered, retention forbids a
delete) are ``StorageError``; a caller's programming mistake (a tier that does not exist, a naive
datetime) is a plain ``ValueError``/``TypeError``.

Policy: P3.2.1 (an altered or wrongly keyed legal document must fail loudly, never decrypt to
something else), P3.2.3 (retention refusals are explicit), P3.2.4 (invalid names), P3.2.5 (a
failed replica write is reported, never a silent single copy).
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum


class ErrorCode(StrEnum):
    WRONG_KEY = "WRONG_KEY"
    UNKNOWN_KEY_ID = "UNKNOWN_KEY_ID"
    TAMPERED = "TAMPERED"
    NOT_FOUND = "NOT_FOUND"
    ALREADY_EXISTS = "ALREADY_EXISTS"
    BACKEND_UNAVAILABLE = "BACKEND_UNAVAILABLE"
    RETENTION_LOCKED = "RETENTION_LOCKED"
    INVALID_NAME = "INVALID_NAME"
    INVALID_KEYRING = "INVALID_KEYRING"


class StorageError(Exception):
    """Base of every storage failure; ``code`` says which one without parsing the message."""

    code: ErrorCode = ErrorCode.BACKEND_UNAVAILABLE

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message

    def __str__(self) -> str:
        return f"[{self.code}] {self.message}"


class WrongKeyError(StorageError):
    """The key-encryption key with the object's key id is not the one the object was sealed with."""

    code = ErrorCode.WRONG_KEY


class UnknownKeyIdError(WrongKeyError):
    """The object names a key-encryption key that the keyring does not hold."""

    code = ErrorCode.UNKNOWN_KEY_ID

    def __init__(self, message: str, *, key_id: str) -> None:
        super().__init__(message)
        self.key_id = key_id


class TamperedError(StorageError):
    """Authentication failed: the object was altered, truncated, extended or swapped."""

    code = ErrorCode.TAMPERED


class NotFoundError(StorageError):
    code = ErrorCode.NOT_FOUND

    def __init__(self, message: str, *, key: str | None = None) -> None:
        super().__init__(message)
        self.key = key


class AlreadyExistsError(StorageError):
    """Archived documents are written once; replacing one must be asked for explicitly."""

    code = ErrorCode.ALREADY_EXISTS

    def __init__(self, message: str, *, key: str) -> None:
        super().__init__(message)
        self.key = key


class BackendUnavailableError(StorageError):
    """A store could not be reached or refused the request for a reason other than retention.

    ``leftovers`` names copies (``"<store>:<key>"``) that a failed multi-store write could not
    roll back, typically because retention already locks them; the caller must record them.
    """

    code = ErrorCode.BACKEND_UNAVAILABLE

    def __init__(self, message: str, *, leftovers: tuple[str, ...] = ()) -> None:
        super().__init__(message)
        self.leftovers = leftovers


class RetentionLockedError(StorageError):
    code = ErrorCode.RETENTION_LOCKED

    def __init__(
        self, message: str, *, key: str | None = None, retain_until: datetime | None = None
    ) -> None:
        super().__init__(message)
        self.key = key
        self.retain_until = retain_until


class InvalidNameError(StorageError, ValueError):
    """Also a ``ValueError`` so that input validators (pydantic, argparse) report it natively."""

    code = ErrorCode.INVALID_NAME


class InvalidKeyringError(StorageError, ValueError):
    """The keyring configuration string is malformed; the message never contains key material."""

    code = ErrorCode.INVALID_KEYRING
