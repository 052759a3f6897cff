"""`python -m tests.seed_reminders N`: queue N due text-message reminders in the database the
environment names (DATABASE_URL / DATA_DIR), in one transaction, for the robustness tests that
kill a worker in the middle of sending them."""

from __future__ import annotations

import asyncio
import sys

from tortoise.transactions import in_transaction

from domain import outbox
from server import runtime
from server.settings import get_settings


async def main(count: int) -> None:
    rt = await runtime.start(get_settings(), apply_migrations=False)
    try:
        async with in_transaction():
            await outbox.enqueue_many(
                "reminder.test",
                outbox.SMS,
                [
                    {"to": f"+86138{n:08d}", "body": f"Reminder {n}", "ref": f"R{n}"}
                    for n in range(count)
                ],
            )
    finally:
        await runtime.stop(rt)


if __name__ == "__main__":
    asyncio.run(main(int(sys.argv[1])))
