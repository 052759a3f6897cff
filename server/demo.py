"""Demo data for the embedded default (CONTRACT.md "Demo data"): one staff account per role,
a member guest, and the demo hotel's rooms and rates. Refused in production."""

from __future__ import annotations

import datetime as dt

from authz.passwords import hash_new_password
from domain.actor import SYSTEM
from domain.bookings.profiles import GuestDetails
from domain.demo_inventory import seed_demo_inventory
from domain.members import create_member
from domain.models import Account
from domain.unit_of_work import audited

DEMO_PASSWORD = "demo-pass-2026"

DEMO_STAFF = [
    ("director@demo.hotel", "Dana Director", ["director"]),
    ("supervisor@demo.hotel", "Sam Supervisor", ["supervisor"]),
    ("supervisor2@demo.hotel", "Sue Supervisor", ["supervisor"]),
    ("agent@demo.hotel", "Alex Agent", ["booking_agent"]),
    ("cs@demo.hotel", "Casey Service", ["cs_rep"]),
    ("analyst@demo.hotel", "Ana Analyst", ["data_analyst"]),
    ("finance@demo.hotel", "Fei Finance", ["finance"]),
    ("legal@demo.hotel", "Lee Legal", ["legal"]),
    ("hr@demo.hotel", "Hana HR", ["hr"]),
    ("auditor@demo.hotel", "Aud Auditor", ["auditor"]),
    ("techlead@demo.hotel", "Tao Techlead", ["tech_lead"]),
    ("committee@demo.hotel", "Cora Committee", ["committee"]),
    ("admin@demo.hotel", "Adi Admin", ["admin"]),
]
DEMO_GUEST = ("guest@demo.hotel", "Gao Guest")


def example_variables(today: dt.date) -> dict:
    """Variables for the README's booking example: two nights for two, two weeks from `today`
    (the hotel's local date), so the example never points at a past date."""
    check_in = today + dt.timedelta(days=14)
    return {
        "checkIn": check_in.isoformat(),
        "checkOut": (check_in + dt.timedelta(days=2)).isoformat(),
        "guests": 2,
    }



async def _seed_hotel(guest: Account) -> None:
    """Rooms, rates and the inventory calendar, and the demo guest's membership."""
    await audited(SYSTEM, "seedDemoInventory", "RoomType", seed_demo_inventory)

    async def membership():
        return await create_member(
            SYSTEM,
            GuestDetails(full_name=DEMO_GUEST[1], phone="+8613800138000", email=DEMO_GUEST[0]),
            tier="GOLD",
            points=20_000,
            account_id=guest.id,
        )

    await audited(SYSTEM, "seedDemoMember", "Member", membership)


async def _seed_improvement(guest: Account) -> None:
    """An innovation fund to reward proposals from, and the first six-monthly policy review."""
    from domain import improvement

    await audited(
        SYSTEM,
        "seedDemoInnovationFund",
        "InnovationFundEntry",
        lambda: improvement.fund.deposit(SYSTEM, "5000.00", "Demo fund"),
    )
    await improvement.reviews.schedule_next()


# Areas with demo data of their own register seeders here; each gets the demo guest account.
EXTRA_SEEDERS: list = [_seed_hotel, _seed_improvement]


async def seed_demo() -> bool:
    """Fill an empty database with the demo hotel. Returns False when it was already seeded."""
    if await Account.filter(email=DEMO_STAFF[0][0]).exists():
        return False
    password_hash = await hash_new_password(DEMO_PASSWORD)
    for email, name, roles in DEMO_STAFF:
        await Account.create(
            email=email, display_name=name, kind="STAFF", roles=roles, password_hash=password_hash
        )
    guest = await Account.create(
        email=DEMO_GUEST[0],
        display_name=DEMO_GUEST[1],
        kind="GUEST",
        roles=[],
        password_hash=password_hash,
    )
    for seeder in EXTRA_SEEDERS:
        await seeder(guest)
    return True
