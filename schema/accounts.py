"""The guest-accounts area's root fields (issue 9 item 0): the privacy notice, sign-up and
e-mail verification, password change and reset for guests and staff, and claiming earlier
bookings. Policy: P6.1.2 (access-permission matrix), P6.1.3 (consent with its notice version).
"""

from __future__ import annotations

import strawberry

from resolvers import accounts
from schema.permissions import requires
from schema.types.accounts import (
    ChangePasswordPayload,
    ClaimBookingsPayload,
    ConfirmBookingClaimPayload,
    PrivacyNotice,
    RequestPasswordResetPayload,
    ResetPasswordPayload,
    SignUpPayload,
    VerifyEmailPayload,
)


@strawberry.type
class AccountQuery:
    privacy_notice: PrivacyNotice = strawberry.field(
        resolver=accounts.privacy_notice,
        extensions=[requires("privacy_notice", "read")],
        description="The current privacy notice, accepted with its version at sign-up.",
    )


@strawberry.type
class AccountMutation:
    sign_up: SignUpPayload = strawberry.mutation(
        resolver=accounts.sign_up,
        extensions=[requires("account", "sign_up")],
        description="Create a guest account: a verification code is e-mailed; the account "
        "exists (and can log in) once `verifyEmail` confirms the address.",
    )
    verify_email: VerifyEmailPayload = strawberry.mutation(
        resolver=accounts.verify_email,
        extensions=[requires("account", "verify_email")],
        description="Confirm the address of a sign-up with the e-mailed code (once, before it "
        "expires).",
    )
    change_password: ChangePasswordPayload = strawberry.mutation(
        resolver=accounts.change_password,
        extensions=[requires("password", "change")],
        description="Change your password (the current one is required); your other sessions "
        "are logged out.",
    )
    request_password_reset: RequestPasswordResetPayload = strawberry.mutation(
        resolver=accounts.request_password_reset,
        extensions=[requires("password", "request_reset")],
        description="E-mail a reset code to the account's address; the same answer whether or "
        "not there is an account.",
    )
    reset_password: ResetPasswordPayload = strawberry.mutation(
        resolver=accounts.reset_password,
        extensions=[requires("password", "reset")],
        description="Set a new password with the e-mailed code; every session is logged out.",
    )
    claim_bookings: ClaimBookingsPayload = strawberry.mutation(
        resolver=accounts.claim_bookings,
        extensions=[requires("booking_claim", "request")],
        description="Ask for a code to add bookings made with this e-mail address or phone "
        "number (e.g. by phone) to your account.",
    )
    confirm_booking_claim: ConfirmBookingClaimPayload = strawberry.mutation(
        resolver=accounts.confirm_booking_claim,
        extensions=[requires("booking_claim", "confirm")],
        description="Prove the address or number with the code: its bookings become yours.",
    )
