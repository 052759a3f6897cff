"""Security notices about log-in attacks: when one account collects more failed log-ins from
all addresses than a person mistyping would, its owner and the security staff (admins and the
tech lead, who can disable accounts and block addresses) are told.

The caller decides how often (at most once per throttle window for the owner, and once per
window for the staff in all, however many accounts are attacked), so a credential-stuffing run
over thousands of accounts gives the staff one notice, not thousands. Notices go out as P7.1.1
notifications. No POLICY.md clause sets the thresholds: they are deployment settings
(`LOGIN_*`, README), not policy parameters.
"""

from __future__ import annotations

from domain import notifications
from domain.models import Account

KIND = "LOGIN_FAILURES"
SECURITY_ROLES = ("admin", "tech_lead")


async def repeated_login_failures(
    email: str, failures: int, window_minutes: int, *, tell_owner: bool, tell_staff: bool
) -> int:
    """Write the notices; returns how many were written."""
    written = 0
    owner = await Account.get_or_none(email=email, is_active=True).only("id")
    if tell_owner and owner is not None:
        await notifications.notify(
            owner.id,
            KIND,
            "Repeated failed log-ins to your account",
            f"{failures} failed log-ins to your account within {window_minutes} minutes. "
            "Log-ins from where you usually sign in still work; others are slowed down. "
            "If this was not you, consider changing your password.",
            subject_type="Account",
            subject_id=owner.id,
        )
        written += 1
    if tell_staff:
        for staff_id in await notifications.staff_with_roles(*SECURITY_ROLES):
            await notifications.notify(
                staff_id,
                KIND,
                "Log-in attack suspected",
                f"{failures} failed log-ins for {email} within {window_minutes} minutes. "
                "The account is slowed down, not locked. Further accounts attacked in this "
                "window are not announced again: see the audit trail (action login, REJECTED).",
                subject_type="Account",
                subject_id=owner.id if owner is not None else None,
            )
            written += 1
    return written
