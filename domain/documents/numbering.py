"""Document numbers: the `NNNN` of `YYYYMMDD-NNNN-subject`, counted per hotel-local day.

The counter row of the day is incremented by a conditional UPDATE in a transaction of its own
(the row lock serialises concurrent uploads on PostgreSQL, the write lock on SQLite); the first
upload of a day creates the row in a savepoint and falls back to the UPDATE if another upload
created it first. The number is committed before the content is stored, so an upload whose
storage fails leaves a gap, never a duplicate (the `name` column is unique as a backstop).

Policy: P3.2.4 (file names contain date, number and subject).
"""

from __future__ import annotations

import datetime as dt

from tortoise.exceptions import IntegrityError
from tortoise.expressions import F
from tortoise.transactions import in_transaction

from domain.errors import DomainError, ErrorCode
from domain.models import DocumentSequence
from storage.naming import MAX_NUMBER


async def next_number(day: dt.date) -> int:
    async with in_transaction():
        bumped = await DocumentSequence.filter(day=day).update(last_number=F("last_number") + 1)
        if not bumped:
            try:
                async with in_transaction():
                    await DocumentSequence.create(day=day, last_number=1)
            except IntegrityError:
                await DocumentSequence.filter(day=day).update(last_number=F("last_number") + 1)
        row = await DocumentSequence.get(day=day)
        number = row.last_number
    if number > MAX_NUMBER:
        raise DomainError(
            ErrorCode.OUT_OF_RANGE,
            f"More than {MAX_NUMBER} documents were archived on {day.isoformat()}.",
        )
    return number
