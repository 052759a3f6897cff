"""Types of guest self-service accounts (issue 9 item 0): sign-up and e-mail verification,
password change and reset, the privacy notice, and the claim of earlier bookings."""

from __future__ import annotations

import strawberry

from schema.types.errors import UserError
from schema.types.identity import Viewer


@strawberry.type(description="The privacy notice a guest accepts at sign-up (P6.1.3).")
class PrivacyNotice:
    version: str = strawberry.field(description="Accept this version when signing up.")
    summary: str
    full_text: str


@strawberry.input
class SignUpInput:
    email: str
    password: str = strawberry.field(description="At least 12 characters.")
    full_name: str
    accepted_privacy_notice_version: str = strawberry.field(
        description="The `privacyNotice.version` the guest read and accepted."
    )
    phone: str | None = strawberry.field(
        default=None, description="With country code, e.g. +8613800138000."
    )


@strawberry.type
class SignUpPayload:
    ok: bool = strawberry.field(
        default=False,
        description="True once the request is taken: a verification e-mail goes to the "
        "address (or, when it already has an account, a note to its owner - the answer is "
        "the same).",
    )
    errors: list[UserError] = strawberry.field(default_factory=list)


@strawberry.input
class VerifyEmailInput:
    token: str = strawberry.field(description="The code from the verification e-mail.")


@strawberry.type
class VerifyEmailPayload:
    ok: bool = False
    viewer: Viewer | None = strawberry.field(
        default=None, description="The new account; log in with its e-mail and password."
    )
    errors: list[UserError] = strawberry.field(default_factory=list)


@strawberry.input
class ChangePasswordInput:
    current_password: str
    new_password: str


@strawberry.type
class ChangePasswordPayload:
    ok: bool = False
    sessions_ended: int = strawberry.field(
        default=0, description="Other sessions of the account that were logged out."
    )
    errors: list[UserError] = strawberry.field(default_factory=list)


@strawberry.input
class RequestPasswordResetInput:
    email: str


@strawberry.type
class RequestPasswordResetPayload:
    ok: bool = strawberry.field(
        default=False,
        description="The same answer whether or not the address has an account.",
    )
    errors: list[UserError] = strawberry.field(default_factory=list)


@strawberry.input
class ResetPasswordInput:
    token: str = strawberry.field(description="The code from the reset e-mail.")
    new_password: str


@strawberry.type
class ResetPasswordPayload:
    ok: bool = False
    errors: list[UserError] = strawberry.field(default_factory=list)


@strawberry.input
class ClaimBookingsInput:
    email: str | None = strawberry.field(
        default=None, description="The e-mail address given with the earlier bookings."
    )
    phone: str | None = strawberry.field(
        default=None, description="Or the phone number given with them."
    )


@strawberry.type
class ClaimBookingsPayload:
    ok: bool = strawberry.field(
        default=False,
        description="True once taken. If there are bookings to claim, a code goes to the "
        "address or number; the answer never says whether there are.",
    )
    errors: list[UserError] = strawberry.field(default_factory=list)


@strawberry.input
class ConfirmBookingClaimInput:
    code: str


@strawberry.type
class ConfirmBookingClaimPayload:
    claimed_bookings: int = strawberry.field(
        default=0, description="Bookings now shown among the guest's own."
    )
    errors: list[UserError] = strawberry.field(default_factory=list)
