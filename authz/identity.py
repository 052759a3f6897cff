"""Who is making a request: a staff member, a guest, a partner token, or nobody."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from enum import StrEnum


class Kind(StrEnum):
    STAFF = "STAFF"
    GUEST = "GUEST"
    PARTNER = "PARTNER"
    ANONYMOUS = "ANONYMOUS"
    SYSTEM = "SYSTEM"  # background jobs acting on their own schedule


STAFF_ROLES = (
    "director",
    "supervisor",
    "booking_agent",
    "cs_rep",
    "data_analyst",
    "finance",
    "legal",
    "hr",
    "auditor",
    "tech_lead",
    "committee",
    "admin",
    "pr",  # public relations: leads level-2 incidents (P6.2.1)
)
# Casbin subjects for the non-staff kinds.
GUEST_ROLE = "guest"
PARTNER_ROLE = "partner"
ANONYMOUS_ROLE = "anonymous"


@dataclass(frozen=True)
class Identity:
    kind: Kind
    id: int | None = None  # account id, or api token id for partners
    roles: tuple[str, ...] = ()
    scopes: tuple[str, ...] = ()
    display_name: str = ""
    email: str | None = None
    session: str | None = None  # refresh-token family of the access token
    member_id: int | None = None
    request_budget: int | None = None
    language: str | None = None  # the account's saved language for messages
    # When the credential presented ends (access token exp, API token expiry): a live socket
    # opened with it closes then.
    expires_at: dt.datetime | None = field(default=None, compare=False)
    extra: dict = field(default_factory=dict, compare=False, hash=False)

    @property
    def is_authenticated(self) -> bool:
        return self.kind != Kind.ANONYMOUS

    @property
    def subjects(self) -> tuple[str, ...]:
        """Casbin subjects this identity acts as."""
        if self.kind == Kind.STAFF:
            return self.roles
        if self.kind == Kind.GUEST:
            return (GUEST_ROLE,)
        if self.kind == Kind.PARTNER:
            return (PARTNER_ROLE,)
        if self.kind == Kind.SYSTEM:
            return ("system",)
        return (ANONYMOUS_ROLE,)

    @property
    def actor_ref(self) -> str | None:
        """Stable reference for audit rows: 'account:12' or 'token:3'."""
        if self.id is None:
            return None
        return f"{'token' if self.kind == Kind.PARTNER else 'account'}:{self.id}"

    @property
    def budget_key(self) -> str | None:
        return self.actor_ref

    @classmethod
    def of_account(cls, account, session: str | None = None) -> Identity:
        """The identity of a stored account row (staff or guest): part of the type, so the
        domain can act on behalf of an account without calling into authz."""
        return cls(
            kind=Kind(account.kind),
            id=account.id,
            roles=tuple(account.roles or ()),
            display_name=account.display_name,
            email=account.email,
            session=session,
            member_id=account.member_id,
            request_budget=account.request_budget,
            language=getattr(account, "language", None) or None,
        )


ANONYMOUS = Identity(kind=Kind.ANONYMOUS, display_name="anonymous")


def identity_of_account(account, session: str | None = None) -> Identity:
    """The identity of a stored account row (staff or guest)."""
    return Identity.of_account(account, session)
