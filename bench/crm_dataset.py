"""A CRM data set for the monthly member analysis (P3.1.8), loaded fast into PostgreSQL.

Members (`--members`, default 100,000) with permanent guest profiles (the name encrypted as
the platform stores it, no contact details), five room types, and `--stays` (default
1,000,000) checked-out bookings spread over the members with a skew (a few frequent guests,
many occasional ones) between January 2023 and the end of the last finished month, booked
0-90 days ahead through the four channels. Profiles and members go in by COPY, bookings by
one `INSERT ... SELECT` over `generate_series` per chunk, so the data never passes through
Python. Bookings get no `booking_night` rows: nothing in the analysis reads them, and this
is a scratch database, not a hotel to sell from.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/bench_analysis \\
      .venv/bin/python bench/crm_dataset.py --members 100000 --stays 1000000

The database is migrated first; existing members and bookings are kept (run it on an empty
scratch database for the stated volume).
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import os
import sys
import time
from decimal import Decimal
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

ROOM_TYPES = [
    ("BSTD", "Bench Standard", 2, "480.00"),
    ("BSUP", "Bench Superior", 2, "620.00"),
    ("BDLX", "Bench Deluxe", 3, "880.00"),
    ("BFAM", "Bench Family", 4, "1080.00"),
    ("BSTE", "Bench Suite", 4, "2600.00"),
]
CHUNK = 200_000

BOOKINGS = """
INSERT INTO booking (
  created_at, number, status, channel, room_type_id, check_in, check_out, guests, nights,
  guest_id, member_id, special_requests, gross_amount, points_redeemed, points_value,
  total_amount, currency, terms_version, review_reason, cancel_reason, version, language,
  checked_in_at, checked_out_at)
SELECT
  ((s.check_in - s.lead) + time '04:00') AT TIME ZONE 'UTC',
  'BN' || lpad(s.g::text, 10, '0'), 'CHECKED_OUT',
  (ARRAY['ONLINE', 'ONLINE', 'PHONE', 'PARTNER', 'WALK_IN'])[1 + s.r_channel],
  rt.id, s.check_in, s.check_in + s.nights, 2, s.nights,
  m.guest_profile_id, m.id, '', rt.base_rate * s.nights, 0, 0, rt.base_rate * s.nights,
  'CNY', 'bench', '', '', 1, 'en',
  (s.check_in + time '06:00') AT TIME ZONE 'UTC',
  ((s.check_in + s.nights) + time '04:00') AT TIME ZONE 'UTC'
FROM (
  SELECT g,
         $3::int + floor(power(random(), 1.6) * $4)::int AS member_offset,
         $5::date + floor(random() * $6)::int AS check_in,
         1 + floor(random() * random() * 5)::int AS nights,
         floor(random() * random() * 91)::int AS lead,
         floor(random() * 5)::int AS r_channel,
         floor(power(random(), 1.3) * 5)::int AS r_room
  FROM generate_series($1::bigint, $2::bigint) AS g
) AS s
JOIN member m ON m.id = s.member_offset
JOIN room_type rt ON rt.code = (ARRAY['BSTD', 'BSUP', 'BDLX', 'BFAM', 'BSTE'])[1 + s.r_room]
"""


def _dsn(url: str) -> str:
    return url.replace("postgres://", "postgresql://", 1)


async def _migrate(url: str) -> None:
    from server import db
    from server.privacy import configure_personal_data, prepare_data_dir
    from server.settings import get_settings

    settings = get_settings()
    prepare_data_dir(settings)
    configure_personal_data(settings)
    await db.migrate(url)
    await db.close()


async def generate(url: str, members: int, stays: int, *, log=print) -> dict:
    """Load the data set; returns counts and seconds per step."""
    import asyncpg

    from domain.models import GuestProfile

    started = time.monotonic()
    await _migrate(url)
    timings: dict[str, float] = {"migrate": round(time.monotonic() - started, 1)}
    encrypt_name = GuestProfile._meta.fields_map["full_name"].to_db_value
    connection = await asyncpg.connect(_dsn(url))
    try:
        await connection.execute("SELECT setseed(0.42)")
        now = dt.datetime.now(dt.UTC)
        for code, name, capacity, rate in ROOM_TYPES:
            await connection.execute(
                "INSERT INTO room_type (created_at, code, name, description, capacity, "
                "base_rate, currency, is_active) VALUES ($1, $2, $3, '', $4, $5, 'CNY', true) "
                "ON CONFLICT (code) DO NOTHING",
                now,
                code,
                name,
                capacity,
                Decimal(rate),
            )
        step = time.monotonic()
        first_profile = await connection.fetchval(
            "SELECT COALESCE(MAX(id), 0) + 1 FROM guest_profile"
        )
        profiles = [
            (
                first_profile + i,
                now,
                encrypt_name(f"Bench Member {i:06d}", None),
                False,
                False,
                "",
                "",
            )
            for i in range(members)
        ]
        await connection.copy_records_to_table(
            "guest_profile",
            records=profiles,
            columns=[
                "id",
                "created_at",
                "full_name",
                "is_temporary",
                "blacklisted",
                "blacklist_reason",
                "search_terms",
            ],
        )
        await connection.execute(
            "SELECT setval('guest_profile_id_seq', (SELECT MAX(id) FROM guest_profile))"
        )
        del profiles
        first_member = await connection.fetchval("SELECT COALESCE(MAX(id), 0) + 1 FROM member")
        await connection.copy_records_to_table(
            "member",
            records=[
                (
                    first_member + i,
                    now,
                    f"B{first_member + i:09d}",
                    "STANDARD",
                    0,
                    True,
                    first_profile + i,
                )
                for i in range(members)
            ],
            columns=[
                "id",
                "created_at",
                "member_number",
                "tier",
                "points_balance",
                "is_active",
                "guest_profile_id",
            ],
        )
        await connection.execute("SELECT setval('member_id_seq', (SELECT MAX(id) FROM member))")
        timings["members"] = round(time.monotonic() - step, 1)
        log(f"{members} members in {timings['members']} s")
        step = time.monotonic()
        today = dt.date.today()
        end = today.replace(day=1)  # stays until the end of the last finished month
        start = dt.date(2023, 1, 1)
        first_booking = await connection.fetchval("SELECT COALESCE(MAX(id), 0) + 1 FROM booking")
        for lo in range(0, stays, CHUNK):
            hi = min(stays, lo + CHUNK) - 1
            await connection.execute(
                BOOKINGS,
                first_booking + lo,
                first_booking + hi,
                first_member,
                members,
                start,
                (end - start).days - 5,
            )
            log(f"  {hi + 1}/{stays} bookings, {time.monotonic() - step:.1f} s")
        timings["bookings"] = round(time.monotonic() - step, 1)
        step = time.monotonic()
        await connection.execute("ANALYZE booking")
        await connection.execute("ANALYZE member")
        timings["analyze"] = round(time.monotonic() - step, 1)
        counted = await connection.fetchrow(
            "SELECT (SELECT COUNT(*) FROM member) AS members, "
            "(SELECT COUNT(*) FROM booking WHERE member_id IS NOT NULL) AS stays"
        )
    finally:
        await connection.close()
    return {"members": counted["members"], "stays": counted["stays"], "seconds": timings}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--members", type=int, default=100_000)
    parser.add_argument("--stays", type=int, default=1_000_000)
    args = parser.parse_args()
    url = os.environ.get("DATABASE_URL", "")
    if not url.startswith("postgres"):
        print("Set DATABASE_URL to a scratch PostgreSQL database.", file=sys.stderr)
        return 2
    print(asyncio.run(generate(url, args.members, args.stays)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
