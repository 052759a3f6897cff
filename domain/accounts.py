"""Guest accounts, the domain half (issue 9 item 0; P6.1.2 clear boundaries of use, P6.1.3
consent): the privacy notice a guest accepts at sign-up, single-use expiring account tokens
(stored as SHA-256 only), the e-mails and texts that carry them through the outbox, and the
claim of a booking history by proving the guest's e-mail address or phone number.

Password hashing, sessions and throttling live in `authz/credentials.py`, which calls these.

A claim never says whether bookings exist before the code is proven: the answer to a request
is the same either way; a code is sent only when unclaimed bookings of that address or number
exist (so nobody is texted for nothing), and only the code's holder learns what it links.
Bookings are found through the blind indexes of their guest profiles (the columns are
encrypted); the first account to prove the contact claims them, a later claim takes nothing
from it.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
from dataclasses import dataclass

from tortoise.expressions import Subquery

from domain import outbox
from domain.bookings.profiles import normalize_email, normalize_phone, same_contact
from domain.clock import clock
from domain.errors import DomainError, ErrorCode
from domain.i18n import t
from domain.models import AccountToken, AccountTokenPurpose, Booking, GuestProfile

# ---- the privacy notice ----------------------------------------------------------------------


@dataclass(frozen=True)
class PrivacyNotice:
    version: str
    summary: str
    full_text: str


_SUMMARY = (
    "We use your name, e-mail address and phone number to run your account and your bookings, "
    "and nothing else unless you agree to it separately. Only staff who serve you can see them, "
    "stored encrypted. You can ask to see, correct or delete them."
)
_SECTIONS = (
    (
        "What we keep",
        "Your name, e-mail address, phone number (if you give one), your bookings and stays, "
        "and the language you read our messages in.",
    ),
    (
        "What we use it for",
        "To let you log in, take and change your bookings, send you vouchers and messages "
        "about your stays, and answer your questions. Marketing messages and sharing with "
        "partners need your separate consent, which you can withdraw at any time.",
    ),
    (
        "Who can see it",
        "Only the staff whose work needs it (reservations, front desk, customer service), as "
        "the hotel's permission matrix allows. Contact details are stored encrypted and shown "
        "masked to everyone else. Every access that changes data is recorded.",
    ),
    (
        "How long we keep it",
        "As long as you have an account, and booking records as long as the law requires.",
    ),
    (
        "Your rights",
        "You can see, correct and delete your data and withdraw consents by asking our "
        "customer service.",
    ),
)


def privacy_notice() -> PrivacyNotice:
    """The current privacy notice; its version is a short hash of its text, so any change of
    the wording makes a new version that sign-ups must accept."""
    full_text = "\n\n".join(f"{title}\n{body}" for title, body in _SECTIONS)
    digest = hashlib.sha256(f"{_SUMMARY}\n{full_text}".encode()).hexdigest()[:10].upper()
    return PrivacyNotice(version=f"N{digest}", summary=_SUMMARY, full_text=full_text)


def check_notice_version(accepted: str | None, field: str) -> str:
    """The accepted version, if it is the current one (else STALE_NOTICE: show it again)."""
    version = (accepted or "").strip()
    if not version:
        raise DomainError(
            ErrorCode.REQUIRED, "Accept the privacy notice to create an account.", field
        )
    if version != privacy_notice().version:
        raise DomainError(
            ErrorCode.STALE_NOTICE,
            "The privacy notice has changed; read the current one and accept it.",
            field,
        )
    return version


# ---- single-use tokens -----------------------------------------------------------------------

# Codes typed from a text message: no 0/O, 1/I/L, U. Ten of them are 50 bits, far beyond
# guessing within the attempt limits; links carry 256-bit tokens.
_CODE_ALPHABET = "ABCDEFGHJKMNPQRSTVWXYZ23456789"
CODE_LENGTH = 10


def _normal_code(raw: str) -> str:
    return "".join((raw or "").split()).replace("-", "").upper()


def _digest(raw: str, purpose: AccountTokenPurpose) -> str:
    text = _normal_code(raw) if purpose == AccountTokenPurpose.CLAIM_BOOKINGS else raw.strip()
    return hashlib.sha256(f"{purpose.value}:{text}".encode()).hexdigest()


def _new_secret(purpose: AccountTokenPurpose) -> str:
    if purpose == AccountTokenPurpose.CLAIM_BOOKINGS:
        code = "".join(secrets.choice(_CODE_ALPHABET) for _ in range(CODE_LENGTH))
        return f"{code[:5]}-{code[5:]}"
    return secrets.token_urlsafe(32)


async def issue_token(
    purpose: AccountTokenPurpose,
    lifetime: dt.timedelta,
    *,
    account_id: int | None = None,
    details: dict | None = None,
) -> tuple[AccountToken, str]:
    """A new token row and its secret, which only the message to its owner carries."""
    raw = _new_secret(purpose)
    row = await AccountToken.create(
        purpose=purpose.value,
        token_hash=_digest(raw, purpose),
        account_id=account_id,
        details=details,
        expires_at=clock.now() + lifetime,
    )
    return row, raw


async def redeem_token(
    purpose: AccountTokenPurpose, raw: str, field: str, *, account_id: int | None = None
) -> AccountToken:
    """Use a token once, in the caller's unit of work (a refusal later in it rolls the use
    back). Unknown, someone else's, used and expired tokens are refused."""
    raw = (raw or "").strip()
    row = None
    if raw and len(raw) <= 200:
        row = await AccountToken.get_or_none(
            token_hash=_digest(raw, purpose), purpose=purpose.value
        )
    if row is None or (account_id is not None and row.account_id != account_id):
        raise DomainError(ErrorCode.LINK_INVALID, "This link or code is not valid.", field)
    if row.used_at is not None:
        raise DomainError(ErrorCode.TOKEN_USED, "This link or code was already used.", field)
    now = clock.now()
    if row.expires_at <= now:
        raise DomainError(
            ErrorCode.LINK_EXPIRED, "This link or code expired; ask for a new one.", field
        )
    # Conditional: of two concurrent uses, one wins and the other is refused as used.
    if not await AccountToken.filter(id=row.id, used_at=None).update(used_at=now):
        raise DomainError(ErrorCode.TOKEN_USED, "This link or code was already used.", field)
    return row


async def retire_tokens(purpose: AccountTokenPurpose, account_id: int) -> int:
    """Make every outstanding token of this purpose for the account unusable."""
    return await AccountToken.filter(
        purpose=purpose.value, account_id=account_id, used_at=None
    ).update(used_at=clock.now())


async def prune_tokens(keep: dt.timedelta = dt.timedelta(days=1)) -> int:
    """Forget tokens that expired more than `keep` ago (used or not: they can do nothing)."""
    return await AccountToken.filter(expires_at__lt=clock.now() - keep).delete()


# ---- messages --------------------------------------------------------------------------------


async def send_sign_up_link(email: str, token: str, hours: int, lang: str | None) -> None:
    body = "\n".join(
        [
            t(lang, "Welcome! Confirm your e-mail address to finish creating your account."),
            t(lang, "Your verification code: {token}", token=token),
            t(lang, "It works once, within {hours} hours.", hours=hours),
            t(lang, "If you did not sign up, ignore this message: no account is created."),
        ]
    )
    await outbox.enqueue_message(
        outbox.EMAIL,
        to=email,
        subject=t(lang, "Confirm your e-mail address"),
        body=body,
        topic="account.verify_email",
    )


async def send_already_registered(email: str, lang: str | None) -> None:
    """Sign-up with an address that has an account: the owner learns it, the caller does not."""
    body = "\n".join(
        [
            t(
                lang,
                "Someone tried to create an account with this e-mail address, which "
                "already has one.",
            ),
            t(lang, "If it was you, log in, or reset your password if you forgot it."),
            t(lang, "If it was not you, ignore this message: nothing changed."),
        ]
    )
    await outbox.enqueue_message(
        outbox.EMAIL,
        to=email,
        subject=t(lang, "You already have an account"),
        body=body,
        topic="account.exists",
    )


async def send_reset_link(email: str, token: str, minutes: int, lang: str | None) -> None:
    body = "\n".join(
        [
            t(lang, "Use this code to choose a new password: {token}", token=token),
            t(
                lang,
                "It works once, within {minutes} minutes, and ends every session of the account.",
                minutes=minutes,
            ),
            t(lang, "If you did not ask for it, ignore this message: your password stays."),
        ]
    )
    await outbox.enqueue_message(
        outbox.EMAIL,
        to=email,
        subject=t(lang, "Reset your password"),
        body=body,
        topic="account.password_reset",
    )


async def send_claim_code(channel: str, to: str, code: str, minutes: int, lang: str | None) -> None:
    text = t(
        lang,
        "Your code to add your earlier bookings to your account: {code} (valid {minutes} minutes).",
        code=code,
        minutes=minutes,
    )
    await outbox.enqueue_message(
        channel,
        to=to,
        subject=t(lang, "Add your bookings to your account"),
        body=text,
        topic="account.claim_bookings",
    )


# ---- claiming a booking history ---------------------------------------------------------------


@dataclass(frozen=True)
class Contact:
    kind: str  # "email" | "phone", the kinds of the guest profiles' blind indexes
    value: str

    @property
    def channel(self) -> str:
        return outbox.EMAIL if self.kind == "email" else outbox.SMS


def claim_contact(email: str | None, phone: str | None) -> Contact:
    """The one address or number a claim proves."""
    email, phone = (email or "").strip(), (phone or "").strip()
    if bool(email) == bool(phone):
        raise DomainError(
            ErrorCode.REQUIRED, "Give either the e-mail address or the phone number.", "email"
        )
    if email:
        return Contact("email", normalize_email(email, "email"))
    return Contact("phone", normalize_phone(phone, "phone"))


def _unclaimed_bookings_of(contact: Contact):
    profiles = GuestProfile.filter(same_contact(contact.kind, contact.value))
    return Booking.filter(guest_id__in=Subquery(profiles.values("id")), claimed_by_account_id=None)


async def request_claim(
    account_id: int, contact: Contact, lifetime: dt.timedelta, lang: str | None
) -> None:
    """Send a code to the contact when it has unclaimed bookings; answer the same way if not."""
    if not await _unclaimed_bookings_of(contact).exists():
        return
    minutes = int(lifetime.total_seconds() // 60)
    _, code = await issue_token(
        AccountTokenPurpose.CLAIM_BOOKINGS,
        lifetime,
        account_id=account_id,
        details={"kind": contact.kind, "value": contact.value},
    )
    await send_claim_code(contact.channel, contact.value, code, minutes, lang)


async def confirm_claim(account_id: int, code: str) -> int:
    """Link the unclaimed bookings of the proven contact to the account; their number."""
    row = await redeem_token(
        AccountTokenPurpose.CLAIM_BOOKINGS, code, "code", account_id=account_id
    )
    contact = Contact(row.details["kind"], row.details["value"])
    return await _unclaimed_bookings_of(contact).update(claimed_by_account_id=account_id)
