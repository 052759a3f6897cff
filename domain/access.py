"""Ending someone's access: the steps every way of taking credentials away shares (an admin
disabling a staff account, a password change or reset ending sessions, a revoked API token,
a confirmed contract termination).

Each step writes inside the caller's transaction and, once it commits, announces the change
(`domain.broker.announce_access_change`): every process forgets its cached identities of the
subject and the subject's open sockets re-check their credentials and close.
"""

from __future__ import annotations

from dataclasses import dataclass

from domain import accounts
from domain.broker import announce_access_change
from domain.clock import clock
from domain.models import Account, AccountTokenPurpose, ApiToken, RefreshToken
from domain.unit_of_work import when_committed


async def account_changed(account_id: int) -> None:
    """Announce, once committed, that the account's rights changed (disabled, roles, budget,
    language): cached identities of it are forgotten, its open sockets re-check."""
    await when_committed(lambda: announce_access_change(f"account:{account_id}"))


async def end_sessions(account_id: int, *, keep: str | None = None) -> int:
    """Revoke every live session (refresh-token family) of the account but `keep`; their open
    sockets hear of it once the change commits and close. Returns how many were ended."""
    live = RefreshToken.filter(account_id=account_id, revoked_at=None)
    if keep is not None:
        live = live.exclude(family=keep)
    families = sorted(set(await live.values_list("family", flat=True)))
    if not families:
        return 0
    await RefreshToken.filter(family__in=families, revoked_at=None).update(revoked_at=clock.now())
    subjects = [f"session:{family}" for family in families]
    await when_committed(lambda: announce_access_change(*subjects))
    return len(families)


async def revoke_api_tokens(token_ids: list[int]) -> list[int]:
    """Revoke those of the API tokens that are not revoked yet; returns their ids. Requests
    with them are refused (TOKEN_REVOKED) once the change commits."""
    live = sorted(
        await ApiToken.filter(id__in=token_ids or [0], revoked_at=None).values_list(
            "id", flat=True
        )
    )
    if not live:
        return []
    await ApiToken.filter(id__in=live, revoked_at=None).update(revoked_at=clock.now())
    subjects = [f"token:{token_id}" for token_id in live]
    await when_committed(lambda: announce_access_change(*subjects))
    return live


@dataclass(frozen=True)
class Ended:
    sessions: int
    api_tokens: list[int]

    def __str__(self) -> str:
        tokens = ", ".join(map(str, self.api_tokens)) or "none"
        return f"{self.sessions} sessions ended, API tokens revoked: {tokens}"


async def end_all_access(account_id: int) -> Ended:
    """Every way in of the account ends (call inside the caller's unit of work): the account
    is disabled (no log-in, no access token accepted, as when an admin disables it), every
    session is revoked, the password-reset codes sent to it are spent, and the API tokens it
    made are revoked (their secret was shown to it alone)."""
    await Account.filter(id=account_id).update(is_active=False)
    await account_changed(account_id)
    sessions = await end_sessions(account_id)
    await accounts.retire_tokens(AccountTokenPurpose.RESET_PASSWORD, account_id)
    made = await ApiToken.filter(created_by_id=account_id).values_list("id", flat=True)
    return Ended(sessions, await revoke_api_tokens(list(made)))
