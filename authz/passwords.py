"""Password hashing with argon2id, off the event loop.

One hash or verification costs about 130 ms of CPU and 64 MiB. Run on the event loop, every
log-in would stall every other request of the process for that long, so both run in a small,
bounded thread pool (argon2 releases the GIL while it works): the loop stays free, and a flood
of log-ins queues for the pool instead of taking all memory and all cores.

The functions are coroutines with names of their own: a caller that forgets to await them gets
an error, never a coroutine object that would read as a true "password matches".
"""

from __future__ import annotations

import asyncio
from concurrent.futures import ThreadPoolExecutor

from argon2 import PasswordHasher, profiles
from argon2.exceptions import InvalidHashError, VerificationError

from domain.errors import DomainError, ErrorCode

# The one password rule for staff and guests alike: length (NIST SP 800-63B: at least 8, we ask
# 12; no composition rules). The upper bound keeps one hash from being a denial of service.
MIN_PASSWORD = 12
MAX_PASSWORD = 256

_hasher = PasswordHasher()
# Verifying against this keeps the time of a log-in for an unknown e-mail the same as for a
# known one, so response times do not reveal which accounts exist.
_DUMMY_HASH = _hasher.hash("not-a-real-password")

_workers = 2
_pool = ThreadPoolExecutor(max_workers=_workers, thread_name_prefix="argon2")


def configure(*, workers: int | None = None, test_environment: bool | None = None) -> None:
    """Size the pool (setting `PASSWORD_HASH_WORKERS`; hashes already queued still finish).

    The test environment (ENV=test) hashes with argon2's cheapest parameters, so the suite
    does not spend a quarter of a second per log-in; every other environment keeps the
    library's defaults. A hash records its own parameters, so either verifies the other's."""
    global _pool, _workers, _hasher, _DUMMY_HASH
    if workers is not None and workers != _workers:
        old = _pool
        _pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="argon2")
        _workers = workers
        old.shutdown(wait=False)
    if test_environment is not None:
        _hasher = (
            PasswordHasher.from_parameters(profiles.CHEAPEST)
            if test_environment
            else PasswordHasher()
        )
        _DUMMY_HASH = _hasher.hash("not-a-real-password")


def _verify(password_hash: str | None, password: str) -> bool:
    try:
        return _hasher.verify(password_hash or _DUMMY_HASH, password) and password_hash is not None
    except (VerificationError, InvalidHashError):
        return False


async def hash_new_password(password: str) -> str:
    return await asyncio.get_running_loop().run_in_executor(_pool, _hasher.hash, password)


async def password_matches(password_hash: str | None, password: str) -> bool:
    """True when `password` matches; an unknown account (`None`) costs the same and is False."""
    return await asyncio.get_running_loop().run_in_executor(
        _pool, _verify, password_hash, password
    )


def check_password_strength(password: str | None, field: str = "password") -> str:
    """The password, if it may be set (else a payload error on `field`)."""
    if len(password or "") < MIN_PASSWORD:
        raise DomainError(
            ErrorCode.INVALID, f"A password has at least {MIN_PASSWORD} characters.", field
        )
    if len(password) > MAX_PASSWORD:
        raise DomainError(
            ErrorCode.TOO_LONG, f"A password has at most {MAX_PASSWORD} characters.", field
        )
    return password
