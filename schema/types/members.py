"""Types of the loyalty programme: a member as a booking shows it (P3.1.2 points checked at
booking). Who sees a points balance is decided by `schema.privacy` (P6.1.2)."""

from __future__ import annotations

import strawberry
from strawberry import relay

from domain.personal_data import PersonalData
from schema.privacy import shown


@strawberry.type(description="A loyalty member.")
class Member(relay.Node):
    id: relay.NodeID[int]
    member_number: str
    tier: str
    balance: strawberry.Private[int]

    @strawberry.field(
        description="The member's own, and the roles granted member data; null for others "
        "and for partners (P6.1.2)."
    )
    async def points_balance(self, info: strawberry.Info) -> int | None:
        return await shown(info, PersonalData.POINTS_BALANCE, self.balance)

    @classmethod
    def of(cls, row) -> Member:
        return cls(
            id=row.id,
            member_number=row.member_number,
            tier=row.tier,
            balance=row.points_balance,
        )
