"""The set-based statements of the monthly member analysis (P3.1.8), for SQLite and PostgreSQL.

Statements name their values `:name`; `bind` turns them into the connection's placeholders
(`?` for SQLite, `$n` for asyncpg). Only staging a stay needs two dialects (local dates and
month numbers); the aggregation and ranking are plain SQL with window functions both accept.
"""

from __future__ import annotations

import re
from typing import Any

POSTGRES = "postgres"
SQLITE = "sqlite"

# `:name`, optionally followed by a PostgreSQL cast (`:now::timestamptz`) that SQLite drops.
_NAME = re.compile(r"(?<![:\w]):([a-z_]+)\b(::\w+)?")


def bind(statement: str, values: dict[str, Any], dialect: str) -> tuple[str, list[Any]]:
    """The statement with the dialect's placeholders and its values in their order."""
    ordered: list[Any] = []
    if dialect == POSTGRES:
        numbers: dict[str, int] = {}

        def number(match: re.Match) -> str:
            name = match.group(1)
            if name not in numbers:
                ordered.append(values[name])
                numbers[name] = len(ordered)
            return f"${numbers[name]}{match.group(2) or ''}"

        return _NAME.sub(number, statement), ordered

    def mark(match: re.Match) -> str:
        ordered.append(values[match.group(1)])
        return "?"

    return _NAME.sub(mark, statement), ordered


# A stay is a member's booking that was checked in (the guest came), begun before the end of
# the month analysed. lead_days counts from the hotel-local day the booking was made, never
# below zero. Copied in ranges of booking ids (the primary key), so no statement outlasts the
# connection's statement timeout however many bookings there are.
_STAGE_COLUMNS = """
INSERT INTO analysis_stay (run_id, member_id, check_in, stay_month, nights, gross, spend,
                           channel, room_type_id, lead_days)
"""
_STAGE_WHERE = """
FROM booking b
WHERE b.id >= :first AND b.id < :last
  AND b.member_id IS NOT NULL AND b.status IN ('CHECKED_IN', 'CHECKED_OUT')
  AND b.check_in < :month_end
"""
BOOKING_IDS = "SELECT MIN(id) AS first, MAX(id) AS last FROM booking"
STAGE = {
    POSTGRES: _STAGE_COLUMNS
    + """
SELECT :run::int, b.member_id, b.check_in, CAST(EXTRACT(MONTH FROM b.check_in) AS SMALLINT),
       b.nights, b.gross_amount, b.total_amount, b.channel, b.room_type_id,
       GREATEST(b.check_in - CAST(b.created_at AT TIME ZONE :timezone AS DATE), 0)
"""
    + _STAGE_WHERE,
    # SQLite has no time zones: the hotel's UTC offset is applied as a modifier.
    SQLITE: _STAGE_COLUMNS
    + """
SELECT :run::int, b.member_id, b.check_in, CAST(strftime('%m', b.check_in) AS INTEGER),
       b.nights, b.gross_amount, b.total_amount, b.channel, b.room_type_id,
       MAX(CAST(julianday(b.check_in) - julianday(date(b.created_at, :shift)) AS INTEGER), 0)
"""
    + _STAGE_WHERE,
}

# PostgreSQL plans the batches from statistics of the freshly staged stays (without them it
# takes each batch for two rows), and joins the per-member picks by hash, never by nested loops
# over window aggregates, which grow with the square of the batch.
AFTER_STAGE = {POSTGRES: "ANALYZE analysis_stay", SQLITE: None}
BATCH_SETTINGS = {POSTGRES: "SET LOCAL enable_nestloop = off", SQLITE: None}

STAGED = """
SELECT COUNT(*) AS stays, COUNT(DISTINCT member_id) AS members
FROM analysis_stay WHERE run_id = :run
"""

# The next batch: up to :size members after the cursor, as the highest member id it reaches.
NEXT_BATCH = """
SELECT MAX(member_id) AS hi, COUNT(*) AS members FROM (
  SELECT DISTINCT member_id FROM analysis_stay
  WHERE run_id = :run AND member_id > :lo ORDER BY member_id LIMIT :size
) AS chunk
"""

CLEAR_BEHAVIOUR = """
DELETE FROM member_behaviour WHERE month = :month AND member_id > :lo AND member_id <= :hi
"""
CLEAR_RECOMMENDATIONS = """
DELETE FROM recommendation WHERE month = :month AND member_id > :lo AND member_id <= :hi
"""
DROP_STAGED = """
DELETE FROM analysis_stay WHERE run_id = :run AND member_id > :lo AND member_id <= :hi
"""
DROP_RUN_STAGED = "DELETE FROM analysis_stay WHERE run_id = :run"

_SEASON = " || ',' || ".join(
    f"CAST(SUM(CASE WHEN stay_month = {m} THEN 1 ELSE 0 END) AS TEXT)" for m in range(1, 13)
)

# One row per member of the batch: totals, then the channel, room type and calendar month the
# member chose most (ties: the most recent, then the smaller code) by window ranking.
BEHAVIOUR = f"""
WITH s AS (
  SELECT * FROM analysis_stay WHERE run_id = :run AND member_id > :lo AND member_id <= :hi
),
totals AS (
  SELECT member_id, COUNT(*) AS stays, SUM(nights) AS nights, SUM(spend) AS spend,
         SUM(gross) AS gross, AVG(1.0 * lead_days) AS lead, MIN(check_in) AS first_stay,
         MAX(check_in) AS last_stay, {_SEASON} AS season
  FROM s GROUP BY member_id
),
channels AS (
  SELECT member_id, channel, COUNT(*) AS n,
         ROW_NUMBER() OVER (PARTITION BY member_id
                            ORDER BY COUNT(*) DESC, MAX(check_in) DESC, channel) AS pick
  FROM s GROUP BY member_id, channel
),
rooms AS (
  SELECT member_id, room_type_id, COUNT(*) AS n,
         ROW_NUMBER() OVER (PARTITION BY member_id
                            ORDER BY COUNT(*) DESC, MAX(check_in) DESC, room_type_id) AS pick
  FROM s GROUP BY member_id, room_type_id
),
seasons AS (
  SELECT member_id, stay_month, COUNT(*) AS n, AVG(1.0 * lead_days) AS lead,
         ROW_NUMBER() OVER (PARTITION BY member_id
                            ORDER BY COUNT(*) DESC, MAX(check_in) DESC, stay_month) AS pick
  FROM s GROUP BY member_id, stay_month
)
INSERT INTO member_behaviour (
  created_at, member_id, month, stays, nights, spend, average_rate, average_lead_days,
  main_channel, main_channel_stays, preferred_room_type_id, preferred_room_type_stays,
  peak_month, peak_month_stays, peak_month_lead_days, season, first_stay, last_stay)
SELECT :now::timestamptz, t.member_id, :month::date, t.stays, t.nights, ROUND(t.spend, 2),
       ROUND(t.gross / t.nights, 2), ROUND(t.lead, 1), c.channel, c.n, r.room_type_id, r.n,
       se.stay_month, se.n, ROUND(se.lead, 1), t.season, t.first_stay, t.last_stay
FROM totals t
JOIN channels c ON c.member_id = t.member_id AND c.pick = 1
JOIN rooms r ON r.member_id = t.member_id AND r.pick = 1
JOIN seasons se ON se.member_id = t.member_id AND se.pick = 1
"""

# Candidate recommendations from the batch's behaviour rows, ranked per member by score.
#   ROOM_TYPE/PREFERRED: the room type chosen most, scored by its share of the stays.
#   TIMING/SEASON: the calendar month most stays began in (at least two), scored by its share.
#   OFFER/UPGRADE: the next dearer active room type, for members with three stays or more.
#   OFFER/DIRECT: members who book mostly through partners, invited to book direct.
#   OFFER/WELCOME_BACK: members whose last stay began before :lapsed.
RECOMMENDATIONS = """
WITH b AS (
  SELECT * FROM member_behaviour WHERE month = :month AND member_id > :lo AND member_id <= :hi
),
candidates AS (
  SELECT member_id, 'ROOM_TYPE' AS kind, 'PREFERRED' AS topic,
         preferred_room_type_id AS room_type_id, preferred_room_type_stays AS evidence,
         stays AS total, ROUND(1.0 * preferred_room_type_stays / stays, 3) AS score
  FROM b WHERE stays >= 2
  UNION ALL
  SELECT member_id, 'TIMING', 'SEASON', NULL, peak_month_stays, stays,
         ROUND(0.9 * peak_month_stays / stays, 3)
  FROM b WHERE peak_month_stays >= 2
  UNION ALL
  SELECT b.member_id, 'OFFER', 'UPGRADE', up.id, b.stays, b.stays, 0.5
  FROM b
  JOIN room_type cur ON cur.id = b.preferred_room_type_id
  JOIN room_type up ON up.id = (
    SELECT r.id FROM room_type r
    WHERE r.is_active AND r.base_rate > cur.base_rate ORDER BY r.base_rate, r.id LIMIT 1)
  WHERE b.stays >= 3
  UNION ALL
  SELECT member_id, 'OFFER', 'DIRECT', NULL, main_channel_stays, stays,
         ROUND(0.6 * main_channel_stays / stays, 3)
  FROM b WHERE main_channel = 'PARTNER'
  UNION ALL
  SELECT member_id, 'OFFER', 'WELCOME_BACK', NULL, stays, stays, 0.7
  FROM b WHERE last_stay < :lapsed
)
INSERT INTO recommendation (created_at, member_id, month, rank, kind, topic, room_type_id,
                            evidence, total, score)
SELECT :now::timestamptz, member_id, :month::date,
       ROW_NUMBER() OVER (PARTITION BY member_id ORDER BY score DESC, kind, topic),
       kind, topic, room_type_id, evidence, total, score
FROM candidates
"""

# The batch's claim: the cursor moves from :lo to :hi only if no one moved it meanwhile.
ADVANCE = """
UPDATE analysis_run
SET cursor_member_id = :hi, batches_done = batches_done + 1,
    members_done = members_done + :members
WHERE id = :run AND status = 'RUNNING' AND cursor_member_id = :lo
"""
