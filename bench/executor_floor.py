"""The floor the stack sets for the benchmark's nested `bookings(first: 50)` (README,
"Performance"): strawberry and graphql-core executing the same document over 50 plain
in-memory bookings (6 scalars, roomType { code name }, guest { fullName }, member
{ memberNumber }), every resolver synchronous, no HTTP, no database, no authorisation; next to
`{ __typename }` through the same `schema.execute`. CPU milliseconds per execution.

    .venv/bin/python bench/executor_floor.py
"""

import asyncio
import datetime as dt
import decimal
import time

import strawberry
from strawberry import relay


@strawberry.type
class RoomType:
    code: str
    name: str


@strawberry.type
class Guest:
    full_name: str


@strawberry.type
class Member:
    member_number: str


@strawberry.type
class Booking(relay.Node):
    id: relay.NodeID[int]
    number: str
    status: str
    check_in: dt.date
    check_out: dt.date
    total_amount: decimal.Decimal
    room_type: RoomType
    guest: Guest
    member: Member | None


@strawberry.type
class Edge:
    node: Booking


@strawberry.type
class Conn:
    total_count: int
    edges: list[Edge]


RT = RoomType(code="DLX", name="Deluxe")
ROWS = [
    Booking(
        id=i,
        number=f"B2026-{i}",
        status="CONFIRMED",
        check_in=dt.date(2027, 1, 1),
        check_out=dt.date(2027, 1, 3),
        total_amount=decimal.Decimal("123.00"),
        room_type=RT,
        guest=Guest(full_name="Li Lei"),
        member=None,
    )
    for i in range(50)
]


@strawberry.type
class Query:
    @strawberry.field
    def bookings(self, first: int = 50) -> Conn:
        return Conn(total_count=10000, edges=[Edge(node=b) for b in ROWS[:first]])

    @strawberry.field
    def hello(self) -> str:
        return "x"


schema = strawberry.Schema(Query)
Q = (
    "{ bookings(first: 50) { totalCount edges { node { id number status checkIn checkOut "
    "totalAmount roomType { code name } guest { fullName } member { memberNumber } } } } }"
)


async def main():
    for q, n in ((Q, 300), ("{ __typename }", 3000)):
        await schema.execute(q)
        t = time.process_time()
        for _ in range(n):
            r = await schema.execute(q)
            assert not r.errors, r.errors
        print(q[:30], f"{(time.process_time() - t) / n * 1000:.3f} ms CPU per execution")


asyncio.run(main())
