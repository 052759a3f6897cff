"""Password hashing with argon2id."""

from __future__ import annotations

from argon2 import PasswordHasher, profiles
from argon2.exceptions import InvalidHashError, VerificationError

_hasher = PasswordHasher()
# Verifying against this keeps the time of a log-in for an unknown e-mail the same as for a
# known one, so response times do not reveal which accounts exist.
_DUMMY_HASH = _hasher.hash("not-a-real-password")


def configure(*, test_environment: bool) -> None:
    """The test environment (ENV=test) hashes with argon2's cheapest parameters, so the suite
    does not spend a quarter of a second per log-in; every other environment keeps the
    library's defaults. A hash records its own parameters, so either verifies the other's."""
    global _hasher, _DUMMY_HASH
    _hasher = (
        PasswordHasher.from_parameters(profiles.CHEAPEST) if test_environment else PasswordHasher()
    )
    _DUMMY_HASH = _hasher.hash("not-a-real-password")


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def verify_password(password_hash: str | None, password: str) -> bool:
    try:
        return _hasher.verify(password_hash or _DUMMY_HASH, password) and password_hash is not None
    except (VerificationError, InvalidHashError):
        return False
