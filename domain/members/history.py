"""Reading the points ledger (P3.1.2): a member's movements, newest first, and the points that
will expire with their dates (oldest first, as they are spent and expired). Loaded for a page of
members at once: a window query per page size and cursor, whatever the number of members."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from tortoise import Tortoise
from tortoise.functions import Count

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
) -> dict[int, list[Movement]]:
    """For each member, their newest `first` movements after the cursor (an entry id): three
    queries whatever the number of members (ids by a window, the entries, their bookings)."""
    if not member_ids or first <= 0:
        return {}
    # Only integers are put in the text.
    where = [f"member_id IN ({', '.join(str(int(m)) for m in set(member_ids))})"]
    if after_id is not None:
        where.append(f"id < {int(after_id)}")
    sql = (
        "SELECT id FROM (SELECT id, ROW_NUMBER() OVER "
        "(PARTITION BY member_id ORDER BY id DESC) AS position "
        f"FROM points_entry WHERE {' AND '.join(where)}) AS ranked "
        f"WHERE position <= {int(first)}"
    )
    connection = Tortoise.get_connection("default")
    ids = [row["id"] for row in await connection.execute_query_dict(sql)]
    if not ids:
        return {}
    rows = await PointsEntry.filter(id__in=ids).order_by("-id")
    booking_ids = {row.booking_id for row in rows if row.booking_id is not None}
    numbers = dict(
        await Booking.filter(id__in=booking_ids).values_list("id", "number") if booking_ids else []
    )
    pages: dict[int, list[Movement]] = {}
    for row in rows:
        pages.setdefault(row.member_id, []).append(
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


async def movement_counts(member_ids: list[int]) -> dict[int, int]:
    rows = (
        await PointsEntry.filter(member_id__in=member_ids)
        .annotate(n=Count("id"))
        .group_by("member_id")
        .values("member_id", "n")
    )
    return {row["member_id"]: row["n"] for row in rows}


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
