"""Guest self-service accounts through the API (issue 9 item 0): sign-up, e-mail verification,
password change and reset (staff too), the privacy notice, and claiming earlier bookings."""

from __future__ import annotations

import strawberry

from authz import credentials
from domain import accounts
from resolvers.support import run_audited, run_self_audited
from schema.types.accounts import (
    ChangePasswordInput,
    ChangePasswordPayload,
    ClaimBookingsInput,
    ClaimBookingsPayload,
    ConfirmBookingClaimInput,
    ConfirmBookingClaimPayload,
    PrivacyNotice,
    RequestPasswordResetInput,
    RequestPasswordResetPayload,
    ResetPasswordInput,
    ResetPasswordPayload,
    SignUpInput,
    SignUpPayload,
    VerifyEmailInput,
    VerifyEmailPayload,
)
from schema.types.identity import viewer_of_account


async def privacy_notice(info: strawberry.Info) -> PrivacyNotice:
    notice = accounts.privacy_notice()
    return PrivacyNotice(version=notice.version, summary=notice.summary, full_text=notice.full_text)


async def sign_up(info: strawberry.Info, input: SignUpInput) -> SignUpPayload:
    request = credentials.SignUp(
        email=input.email,
        password=input.password,
        full_name=input.full_name,
        phone=input.phone,
        accepted_privacy_notice_version=input.accepted_privacy_notice_version,
    )
    _, errors = await run_self_audited(lambda: credentials.sign_up(info.context.actor, request))
    return SignUpPayload(ok=not errors, errors=errors)


async def verify_email(info: strawberry.Info, input: VerifyEmailInput) -> VerifyEmailPayload:
    async def work():
        return await credentials.verify_email(info.context.actor, input.token)

    account, errors = await run_audited(info, "verifyEmail", "Account", work)
    if errors:
        return VerifyEmailPayload(errors=errors)
    return VerifyEmailPayload(ok=True, viewer=viewer_of_account(account))


async def change_password(
    info: strawberry.Info, input: ChangePasswordInput
) -> ChangePasswordPayload:
    ended, errors = await run_self_audited(
        lambda: credentials.change_password(
            info.context.actor, input.current_password, input.new_password
        )
    )
    if errors:
        return ChangePasswordPayload(errors=errors)
    return ChangePasswordPayload(ok=True, sessions_ended=ended)


async def request_password_reset(
    info: strawberry.Info, input: RequestPasswordResetInput
) -> RequestPasswordResetPayload:
    _, errors = await run_self_audited(
        lambda: credentials.request_password_reset(info.context.actor, input.email)
    )
    return RequestPasswordResetPayload(ok=not errors, errors=errors)


async def reset_password(info: strawberry.Info, input: ResetPasswordInput) -> ResetPasswordPayload:
    _, errors = await run_self_audited(
        lambda: credentials.reset_password(info.context.actor, input.token, input.new_password)
    )
    return ResetPasswordPayload(ok=not errors, errors=errors)


async def claim_bookings(info: strawberry.Info, input: ClaimBookingsInput) -> ClaimBookingsPayload:
    _, errors = await run_self_audited(
        lambda: credentials.request_booking_claim(info.context.actor, input.email, input.phone)
    )
    return ClaimBookingsPayload(ok=not errors, errors=errors)


async def confirm_booking_claim(
    info: strawberry.Info, input: ConfirmBookingClaimInput
) -> ConfirmBookingClaimPayload:
    claimed, errors = await run_self_audited(
        lambda: credentials.confirm_booking_claim(info.context.actor, input.code)
    )
    if errors:
        return ConfirmBookingClaimPayload(errors=errors)
    return ConfirmBookingClaimPayload(claimed_bookings=claimed)
