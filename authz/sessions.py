"""Log-in, refresh and log-out, with throttling of failed log-ins per account and per client
address. Throttling counts every attempt, so a hundred aliased `login` fields in one request are
throttled exactly like a hundred requests."""

from __future__ import annotations

from dataclasses import dataclass

from authz import ratelimit, tokens
from authz.passwords import verify_password
from domain.clock import clock
from domain.errors import DomainError, ErrorCode
from domain.models import Account


@dataclass(frozen=True)
class ThrottleSettings:
    max_failures_per_account: int = 5
    max_failures_per_address: int = 20
    window_seconds: int = 900


throttle = ThrottleSettings()


def configure(settings: ThrottleSettings) -> None:
    global throttle
    throttle = settings


def _keys(email: str, client_ip: str | None) -> list[tuple[str, int]]:
    keys = [(f"login:account:{email}", throttle.max_failures_per_account)]
    if client_ip:
        keys.append((f"login:address:{client_ip}", throttle.max_failures_per_address))
    return keys


async def _refuse_if_throttled(email: str, client_ip: str | None) -> None:
    now = clock.now().timestamp()
    for key, limit in _keys(email, client_ip):
        failures = await ratelimit.counter.peek(key, throttle.window_seconds, now)
        if failures >= limit:
            retry = int(throttle.window_seconds - now % throttle.window_seconds) + 1
            raise DomainError(
                ErrorCode.RATE_LIMITED,
                f"Too many failed log-ins; try again in {retry} seconds.",
                "email",
                retry_after_seconds=retry,
            )


async def login(email: str, password: str, client_ip: str | None) -> tokens.IssuedTokens:
    email = (email or "").strip().lower()
    await _refuse_if_throttled(email, client_ip)
    account = await Account.get_or_none(email=email)
    ok = verify_password(account.password_hash if account else None, password or "")
    if not ok or account is None or not account.is_active:
        now = clock.now().timestamp()
        for key, limit in _keys(email, client_ip):
            await ratelimit.counter.hit(key, limit, throttle.window_seconds, now)
        raise DomainError(ErrorCode.INVALID_CREDENTIALS, "Wrong e-mail or password.", "password")
    await ratelimit.counter.reset(f"login:account:{email}")
    return await tokens.issue_session(account)


async def logout(identity_id: int | None, session: str | None, refresh_token: str | None) -> bool:
    """End a session: the one the refresh token belongs to, or the caller's current one."""
    if refresh_token:
        if not await tokens.revoke_family_of(refresh_token, identity_id):
            raise DomainError(ErrorCode.NOT_FOUND, "Unknown refresh token.", "refreshToken")
    elif session:
        await tokens.revoke_session(session)
    else:
        raise DomainError(ErrorCode.REQUIRED, "Pass the refresh token to end.", "refreshToken")
    return True
