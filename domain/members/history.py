"""Reading the points ledger (P3.1.2): a member's movements, newest first, and the points that
will expire with their dates (oldest first, as they are spent and expired). Loaded for a page of
members at once: a window query per page size and cursor (the page and the count), whatever
the number of members."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from tortoise import Tortoise

from domain.models import Booking, PointsEntry, PointsLot

# A movement's note is shown only where a person wrote it (a manual adjustment's reason); the
# notes the system writes ("lot 12", "stay B...") are for the staff who read the database.
REASON_KINDS = frozenset({"ADJUST"})


@dataclass(frozen=True)
class Movement:
    id: int
    kind: str  # EARN | RESERVE | RETURN | ADJUST | EXPIRE
    points: int  # positive credit, negative debit
    reason: str | None
    booking_number: str | None
    at: dt.datetime


@dataclass(frozen=True)
class Expiring:
    points: int
    earned_at: dt.datetime
    expires_at: dt.datetime


async def movement_pages(
    member_ids: list[int], *, first: int, after_id: int | None
) -> dict[int, tuple[list[Movement], int]]:
    """For each member, their newest `first` movements after the cursor (an entry id) and the
    count of all their movements: three queries whatever the number of members (page ids and
    counts by one window query, the entries, their bookings)."""
    if not member_ids:
        return {}
    # Only integers are put in the text. `position` numbers the movements after the cursor,
    # newest first; each member's newest movement comes back too, to carry the count when the
    # page is empty.
    eligible = "1" if after_id is None else f"CASE WHEN id < {int(after_id)} THEN 1 ELSE 0 END"
    members = ", ".join(str(int(m)) for m in set(member_ids))
    sql = (
        "SELECT id, member_id, total, eligible, position FROM (SELECT id, member_id, "
        f"{eligible} AS eligible, "
        "COUNT(*) OVER (PARTITION BY member_id) AS total, "
        "ROW_NUMBER() OVER (PARTITION BY member_id ORDER BY id DESC) AS newest, "
        f"SUM({eligible}) OVER (PARTITION BY member_id ORDER BY id DESC "
        "ROWS UNBOUNDED PRECEDING) AS position "
        f"FROM points_entry WHERE member_id IN ({members})) AS ranked "
        f"WHERE newest = 1 OR (eligible = 1 AND position <= {max(int(first), 0)})"
    )
    connection = Tortoise.get_connection("default")
    ranked = await connection.execute_query_dict(sql)
    totals = {row["member_id"]: int(row["total"]) for row in ranked}
    ids = [row["id"] for row in ranked if row["eligible"] == 1 and row["position"] <= first]
    rows = await PointsEntry.filter(id__in=ids).order_by("-id") if ids else []
    booking_ids = {row.booking_id for row in rows if row.booking_id is not None}
    numbers = dict(
        await Booking.filter(id__in=booking_ids).values_list("id", "number") if booking_ids else []
    )
    pages: dict[int, tuple[list[Movement], int]] = {
        member: ([], total) for member, total in totals.items()
    }
    for row in rows:
        pages[row.member_id][0].append(
            Movement(
                id=row.id,
                kind=row.kind,
                points=row.delta,
                reason=(row.note or None) if row.kind in REASON_KINDS else None,
                booking_number=numbers.get(row.booking_id),
                at=row.created_at,
            )
        )
    return pages


async def expiring(member_ids: list[int]) -> dict[int, list[Expiring]]:
    """Each member's lots with points left: what expires when, the soonest first."""
    found: dict[int, list[Expiring]] = {}
    lots = (
        await PointsLot.filter(member_id__in=list(set(member_ids)), remaining__gt=0)
        .order_by("expires_at", "id")
        .values("member_id", "remaining", "earned_at", "expires_at")
    )
    for lot in lots:
        found.setdefault(lot["member_id"], []).append(
            Expiring(lot["remaining"], lot["earned_at"], lot["expires_at"])
        )
    return found
