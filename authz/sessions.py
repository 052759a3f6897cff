"""Log-in, refresh and log-out, with throttling of failed log-ins that cannot be turned into a
lock-out of the account's owner.

Three counters per throttle window, all of failed log-ins:
- per client address: a hard limit (`max_failures_per_address`), so one address cannot try
  many accounts;
- per (address, account) pair: a hard limit (`max_failures_per_pair`), so one address cannot
  keep guessing one account;
- per account, from all addresses: a soft threshold. Past it, each further attempt from an
  address that already failed for this account must wait a delay since the account's last
  failure that doubles with every failure, up to a cap, instead of a lock. An address with no
  failures for the account is not delayed, so the owner still gets in while a botnet guesses
  elsewhere (the "don't lock the account, throttle the attacker" rule of OWASP's
  authentication guidance, as Google and Okta practise it with known devices). Crossing the
  threshold notifies the owner and the security staff, once per window. The price: each new
  address gets one undelayed guess at the account; device cookies (OWASP "slow down online
  guessing attacks with device cookies") would let the owner be recognised without that.

The log-ins of one address are checked one after the other (see `_one_check_at_a_time`), so
neither many concurrent requests nor a hundred aliased `login` fields in one request get more
guesses than the limits allow.

The password is checked outside any database transaction, in the password thread pool: on
SQLite a transaction holds the only connection, and 130 ms of argon2 there would stall every
other request.
"""

from __future__ import annotations

import asyncio
import contextlib
import math
from collections.abc import AsyncIterator
from dataclasses import dataclass

from authz import ratelimit, tokens
from authz.passwords import password_matches
from domain import login_alerts
from domain.actor import Actor
from domain.clock import clock
from domain.errors import DomainError, ErrorCode
from domain.models import Account
from domain.unit_of_work import audited, refusals_audited


@dataclass(frozen=True)
class ThrottleSettings:
    max_failures_per_address: int = 20
    max_failures_per_pair: int = 5
    account_soft_threshold: int = 10
    delay_base_seconds: int = 2
    delay_max_seconds: int = 300
    window_seconds: int = 900


throttle = ThrottleSettings()


def configure(settings: ThrottleSettings) -> None:
    global throttle
    throttle = settings


def account_delay_seconds(failures: int) -> int:
    """The wait after the account's last failure, once `failures` reached the soft threshold."""
    if failures < throttle.account_soft_threshold:
        return 0
    doublings = min(failures - throttle.account_soft_threshold, 30)
    return min(throttle.delay_base_seconds * 2**doublings, throttle.delay_max_seconds)


def _refusal(retry: int) -> DomainError:
    retry = max(int(retry), 1)
    return DomainError(
        ErrorCode.RATE_LIMITED,
        f"Too many failed log-ins; try again in {retry} seconds.",
        "email",
        retry_after_seconds=retry,
    )


_address_turns: dict[str, tuple[asyncio.Lock, int]] = {}


@contextlib.asynccontextmanager
async def _one_check_at_a_time(address: str) -> AsyncIterator[None]:
    """Serialise the log-ins of one client address in this process, so the counters read
    before a password check include every earlier attempt's outcome: a burst of concurrent
    guesses gets no more tries than the limits allow (with N API processes, at most N run at
    once), while concurrent log-ins that succeed are never refused for being concurrent."""
    lock, users = _address_turns.get(address, (None, 0))
    lock = lock or asyncio.Lock()
    _address_turns[address] = (lock, users + 1)
    try:
        async with lock:
            yield
    finally:
        lock, users = _address_turns[address]
        if users == 1:
            del _address_turns[address]
        else:
            _address_turns[address] = (lock, users - 1)


async def _authenticate(email: str, password: str, client_ip: str | None, actor: Actor) -> Account:
    address = client_ip or "unknown"
    window = throttle.window_seconds
    address_key = f"login:address:{address}"
    pair_key = f"login:pair:{address}:{email}"
    account_key = f"login:account:{email}"
    counter = ratelimit.counter
    async with _one_check_at_a_time(address):
        now = clock.now().timestamp()
        window_end = math.ceil((now // window + 1) * window - now)
        if await counter.peek(address_key, window, now) >= throttle.max_failures_per_address:
            raise _refusal(window_end)
        pair_failures = await counter.peek(pair_key, window, now)
        if pair_failures >= throttle.max_failures_per_pair:
            raise _refusal(window_end)
        if pair_failures:  # only addresses that failed for this account wait out its delay
            account_window = await counter.state(account_key, window, now)
            delay = account_delay_seconds(account_window.count)
            if delay and account_window.last_hit_at is not None:
                wait = account_window.last_hit_at + delay - now
                if wait > 0:
                    raise _refusal(math.ceil(wait))
        account = await Account.get_or_none(email=email)
        ok = await password_matches(account.password_hash if account else None, password)
        if ok and account is not None and account.is_active:
            await counter.reset(pair_key, window, now)
            return account
        await counter.hit(address_key, throttle.max_failures_per_address, window, now)
        await counter.hit(pair_key, throttle.max_failures_per_pair, window, now)
        failures = await counter.hit(account_key, 2**31, window, now)
    if failures.count >= throttle.account_soft_threshold:
        await _raise_alarm(email, failures.count, actor, now)
    raise DomainError(ErrorCode.INVALID_CREDENTIALS, "Wrong e-mail or password.", "password")


async def _raise_alarm(email: str, failures: int, actor: Actor, now: float) -> None:
    """Tell the owner once per window, and the security staff once per window in all."""
    window = throttle.window_seconds
    owner = (await ratelimit.counter.hit(f"login:alerted:{email}", 1, window, now)).allowed
    staff = (await ratelimit.counter.hit("login:alerted:staff", 1, window, now)).allowed
    if owner or staff:
        await audited(
            actor,
            "raiseLoginAlarm",
            "Account",
            lambda: login_alerts.repeated_login_failures(
                email, failures, window // 60, tell_owner=owner, tell_staff=staff
            ),
            detail=f"{failures} failed log-ins for {email}",
        )


async def login(
    email: str, password: str, client_ip: str | None, actor: Actor
) -> tokens.IssuedTokens:
    """Audits itself: the password check runs outside the transaction that issues the session."""
    email = (email or "").strip().lower()
    async with refusals_audited(actor, "login", "Account"):
        account = await _authenticate(email, password or "", client_ip, actor)
    return await audited(actor, "login", "Account", lambda: tokens.issue_session(account))


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
