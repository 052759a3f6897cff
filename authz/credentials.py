"""Self-service credentials (issue 9 item 0): a guest's sign-up with e-mail verification, the
password change and the password reset (staff and guests alike), and the claim of a booking
history - throttled like log-in, never telling a caller whether an address has an account.

Decisions, documented in the README:
- A sign-up creates no account until its e-mail address is verified. Until then the sign-up
  is a pending, single-use token row (the account's details encrypted, the password already
  hashed), and a log-in with that address fails like any unknown one. Verifying creates the
  guest account and records the guest's consent to the privacy notice, with the version
  accepted at sign-up, in the consent ledger (P6.1.3). So there are no unverified accounts,
  and an address nobody confirmed never blocks its owner's own sign-up.
- A sign-up with an address that already has an account answers exactly like a new one and
  e-mails the owner "you already have an account" instead of a link.
- A reset request answers the same whether the address exists or not, and does the same work
  (one token row), but only an existing, active account's owner gets an e-mail.
- Changing a password needs the current one and ends every other session (their refresh
  tokens stop working, their live sockets close); a reset ends every session.
- Sign-ups, reset requests and claim requests are counted per client address and per e-mail
  address (or claimed contact) in the log-in throttle window, all of them, not only failures:
  each one sends a message. A wrong current password counts like a failed log-in.
- The lifetimes of links and codes are settings (`EMAIL_VERIFICATION_HOURS`,
  `PASSWORD_RESET_MINUTES`, `BOOKING_CLAIM_MINUTES`): operational security, not hotel policy.

Password checks and hashing run outside the database transaction (see `authz/sessions.py`).
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass

from tortoise.exceptions import IntegrityError

from authz import ratelimit, sessions
from authz.accounts import EMAIL
from authz.identity import Identity, Kind
from authz.passwords import check_password_strength, hash_new_password, password_matches
from domain import accounts, consents, i18n
from domain.access import end_sessions
from domain.actor import Actor
from domain.bookings.profiles import normalize_phone
from domain.clock import clock
from domain.errors import DomainError, ErrorCode
from domain.models import Account, AccountTokenPurpose, ConsentPurpose
from domain.unit_of_work import audited, refusals_audited


@dataclass(frozen=True)
class CredentialSettings:
    email_verification_hours: int = 48
    password_reset_minutes: int = 60
    booking_claim_minutes: int = 30
    requests_per_address: int = 10
    requests_per_email: int = 3
    # Wrong current passwords (password change) and wrong claim codes per account and window.
    failures_per_account: int = 5


settings = CredentialSettings()


def configure(new: CredentialSettings) -> None:
    global settings
    settings = new


# ---- throttling ------------------------------------------------------------------------------


def _refused(retry: int, field: str) -> DomainError:
    retry = max(int(retry), 1)
    return DomainError(
        ErrorCode.RATE_LIMITED,
        f"Too many requests; try again in {retry} seconds.",
        field,
        retry_after_seconds=retry,
    )


async def _count_request(kind: str, client_ip: str | None, subject: str, field: str) -> None:
    """Count one request per client address and per subject (e-mail address, contact); refuse
    it past either limit. Counted before the answer, so a refusal reveals nothing either."""
    window = sessions.throttle.window_seconds
    now = clock.now().timestamp()
    counter = ratelimit.counter
    address = await counter.hit(
        f"{kind}:address:{client_ip or 'unknown'}", settings.requests_per_address, window, now
    )
    if not address.allowed:
        raise _refused(address.retry_after_seconds, field)
    per_subject = await counter.hit(
        f"{kind}:subject:{subject}", settings.requests_per_email, window, now
    )
    if not per_subject.allowed:
        raise _refused(per_subject.retry_after_seconds, field)


async def _check_failures(key: str, field: str) -> None:
    window = sessions.throttle.window_seconds
    now = clock.now().timestamp()
    if await ratelimit.counter.peek(key, window, now) >= settings.failures_per_account:
        raise _refused(math.ceil((now // window + 1) * window - now), field)


async def _count_failure(key: str) -> None:
    window = sessions.throttle.window_seconds
    await ratelimit.counter.hit(key, 2**31, window, clock.now().timestamp())


def _email(raw: str | None, field: str = "email") -> str:
    email = (raw or "").strip().lower()
    if len(email) > 254 or not EMAIL.match(email):
        raise DomainError(ErrorCode.INVALID, "Not a valid e-mail address.", field)
    return email


def _account_of(identity: Identity) -> int:
    if identity.kind not in (Kind.STAFF, Kind.GUEST) or identity.id is None:
        raise DomainError(ErrorCode.FORBIDDEN, "Only a log-in has a password.")
    return identity.id


# ---- sign-up and verification ----------------------------------------------------------------


@dataclass(frozen=True)
class SignUp:
    email: str
    password: str
    full_name: str
    phone: str | None
    accepted_privacy_notice_version: str


async def sign_up(actor: Actor, request: SignUp) -> None:
    """Send a verification link for a new account, or a note to an existing account's owner;
    the caller cannot tell which. Audits itself (the hash is made outside the transaction)."""
    async with refusals_audited(actor, "signUp", "Account"):
        email = _email(request.email)
        name = " ".join((request.full_name or "").split())
        if not name:
            raise DomainError(ErrorCode.REQUIRED, "Give your name.", "fullName")
        if len(name) > 120:
            raise DomainError(ErrorCode.TOO_LONG, "The name is too long.", "fullName")
        phone = normalize_phone(request.phone, "phone") if (request.phone or "").strip() else None
        check_password_strength(request.password, "password")
        version = accounts.check_notice_version(
            request.accepted_privacy_notice_version, "acceptedPrivacyNoticeVersion"
        )
        await _count_request("signup", actor.client_ip, email, "email")
        # Hashed whether or not the address has an account: the answer takes as long.
        password_hash = await hash_new_password(request.password)
    lang = i18n.language()

    async def work() -> None:
        if await Account.filter(email=email).exists():
            await accounts.send_already_registered(email, lang)
            return
        hours = settings.email_verification_hours
        _, token = await accounts.issue_token(
            AccountTokenPurpose.SIGN_UP,
            dt.timedelta(hours=hours),
            details={
                "email": email,
                "fullName": name,
                "phone": phone,
                "passwordHash": password_hash,
                "noticeVersion": version,
                "language": lang,
            },
        )
        await accounts.send_sign_up_link(email, token, hours, lang)

    await audited(actor, "signUp", "Account", work)


async def verify_email(actor: Actor, token: str) -> Account:
    """Create the guest account of a pending sign-up and record its privacy-notice consent.
    Call inside a unit of work."""
    row = await accounts.redeem_token(AccountTokenPurpose.SIGN_UP, token, "token")
    pending = row.details or {}
    if await Account.filter(email=pending["email"]).exists():
        raise DomainError(
            ErrorCode.DUPLICATE,
            "This address already has an account: log in, or reset the password.",
            "token",
        )
    try:
        account = await Account.create(
            email=pending["email"],
            display_name=pending["fullName"],
            kind="GUEST",
            roles=[],
            password_hash=pending["passwordHash"],
            phone=pending.get("phone"),
            language=pending.get("language") or "",
        )
    except IntegrityError:  # another sign-up of the address was verified at the same moment
        raise DomainError(
            ErrorCode.DUPLICATE,
            "This address already has an account: log in, or reset the password.",
            "token",
        ) from None
    await consents.record(
        actor,
        ConsentPurpose.PRIVACY_NOTICE,
        granted=True,
        notice_version=pending["noticeVersion"],
        channel="ONLINE",
        account_id=account.id,
        field="token",
    )
    return account


# ---- password change and reset ---------------------------------------------------------------


async def change_password(actor: Actor, current_password: str, new_password: str) -> int:
    """Set a new password after checking the current one; end every other session. Returns
    how many sessions ended. Audits itself."""
    identity = actor.identity
    failures_key = f"password:change:{identity.id}"
    async with refusals_audited(actor, "changePassword", "Account", subject_id=identity.id):
        account_id = _account_of(identity)
        check_password_strength(new_password, "newPassword")
        if new_password == current_password:
            raise DomainError(
                ErrorCode.INVALID,
                "Choose a password different from the current one.",
                "newPassword",
            )
        await _check_failures(failures_key, "currentPassword")
        account = await Account.get_or_none(id=account_id, is_active=True)
        if account is None or not await password_matches(
            account.password_hash, current_password or ""
        ):
            await _count_failure(failures_key)
            raise DomainError(
                ErrorCode.INVALID_CREDENTIALS, "The current password is wrong.", "currentPassword"
            )
        new_hash = await hash_new_password(new_password)

    async def work() -> int:
        # Conditional on the hash just checked: a concurrent change or reset wins, not both.
        changed = await Account.filter(id=account.id, password_hash=account.password_hash).update(
            password_hash=new_hash
        )
        if not changed:
            raise DomainError(
                ErrorCode.CONFLICT,
                "The password changed meanwhile; log in again.",
                "currentPassword",
            )
        await accounts.retire_tokens(AccountTokenPurpose.RESET_PASSWORD, account.id)
        return await end_sessions(account.id, keep=identity.session)

    return await audited(actor, "changePassword", "Account", work, subject_id=account.id)


async def request_password_reset(actor: Actor, email: str) -> None:
    """E-mail a reset code to the account of `email`, if there is one; same answer if not."""
    async with refusals_audited(actor, "requestPasswordReset", "Account"):
        email = _email(email)
        await _count_request("reset", actor.client_ip, email, "email")
    lang = i18n.language()
    minutes = settings.password_reset_minutes

    async def work() -> None:
        account = await Account.get_or_none(email=email, is_active=True)
        # A token row either way, so both answers cost the same work; one for nobody is never
        # sent, and expires unused.
        _, token = await accounts.issue_token(
            AccountTokenPurpose.RESET_PASSWORD,
            dt.timedelta(minutes=minutes),
            account_id=account.id if account else None,
        )
        if account is not None:
            await accounts.send_reset_link(account.email, token, minutes, account.language or lang)

    await audited(actor, "requestPasswordReset", "Account", work)


async def reset_password(actor: Actor, token: str, new_password: str) -> Account:
    """Set a new password with a reset code and end every session. Audits itself."""
    async with refusals_audited(actor, "resetPassword", "Account"):
        check_password_strength(new_password, "newPassword")
        new_hash = await hash_new_password(new_password)

    async def work() -> Account:
        row = await accounts.redeem_token(AccountTokenPurpose.RESET_PASSWORD, token, "token")
        account = (
            await Account.get_or_none(id=row.account_id, is_active=True)
            if row.account_id is not None
            else None
        )
        if account is None:
            raise DomainError(ErrorCode.LINK_INVALID, "This link or code is not valid.", "token")
        account.password_hash = new_hash
        await account.save(update_fields=["password_hash"])
        await accounts.retire_tokens(AccountTokenPurpose.RESET_PASSWORD, account.id)
        await end_sessions(account.id)
        return account

    return await audited(actor, "resetPassword", "Account", work)


# ---- claiming bookings -----------------------------------------------------------------------


async def request_booking_claim(actor: Actor, email: str | None, phone: str | None) -> None:
    """Send a code to the e-mail address or phone number of earlier bookings. Audits itself."""
    async with refusals_audited(actor, "claimBookings", "Booking"):
        account_id = _account_of(actor.identity)
        if actor.identity.kind != Kind.GUEST:
            raise DomainError(ErrorCode.FORBIDDEN, "Only a guest account claims bookings.")
        contact = accounts.claim_contact(email, phone)
        await _count_request("claim", f"account:{account_id}", contact.value, contact.kind)
    lifetime = dt.timedelta(minutes=settings.booking_claim_minutes)
    lang = i18n.language()
    await audited(
        actor,
        "claimBookings",
        "Booking",
        lambda: accounts.request_claim(account_id, contact, lifetime, lang),
    )


async def confirm_booking_claim(actor: Actor, code: str) -> int:
    """Link the bookings of the proven contact to the caller's account. Audits itself."""
    account_id = actor.identity.id
    failures_key = f"claim:failures:{account_id}"
    async with refusals_audited(actor, "confirmBookingClaim", "Booking"):
        _account_of(actor.identity)
        await _check_failures(failures_key, "code")
    try:
        return await audited(
            actor,
            "confirmBookingClaim",
            "Booking",
            lambda: accounts.confirm_claim(account_id, code),
        )
    except DomainError as refusal:
        if refusal.code == ErrorCode.LINK_INVALID:
            await _count_failure(failures_key)
        raise
