"""How many bookings exist, at the same cost at a million as at ten (issue 12: the booking
list's unfiltered `totalCount` was a COUNT over the whole table, 176 ms at 1,000,000 rows).
On PostgreSQL the database keeps the number itself (`booking_tally`, triggers of migration
0028, exact in every transaction's view); SQLite, the embedded default for small sites, counts.
"""

from __future__ import annotations

from domain.models import Booking, BookingTally


async def count_bookings() -> int:
    connection = BookingTally._meta.db
    if connection.capabilities.dialect != "postgres":
        return await Booking.all().count()
    _, rows = await connection.execute_query(
        "SELECT COALESCE(SUM(bookings), 0) FROM booking_tally"
    )
    return int(rows[0][0])
