"""The sale calendar each process keeps for `availability` (issue 12, domain/sale_calendar.py):
a repeated search costs no statement, and every committed change to the nights it showed (a
booking, a cancellation, a rate, a capacity) is in the next answer, whether the change was made
in this process or announced by another one through Redis; what nobody announced is read again
after the keeping time."""

from __future__ import annotations

import asyncio
import datetime as dt
import time
from concurrent.futures import ThreadPoolExecutor
from decimal import Decimal

import httpx
import pytest
from booking_support import CANCEL, TODAY, D, book, create

from domain import broker, sale_calendar
from domain.models import InventoryNight
from tests.conftest import counting_queries, redis_broker
from tests.services import ApiClient, ApiServer, RedisServer, redis_missing

AVAILABLE = """
query($in: Date!, $out: Date!) { availability(checkIn: $in, checkOut: $out) {
  roomType { code } available totalAmount } }"""
SET_RATES = """mutation($rt: ID!, $a: Date!, $b: Date!, $amount: Decimal!) {
  setNightlyRates(input: {roomTypeId: $rt, fromDate: $a, untilDate: $b, amount: $amount}) {
    nightsPriced errors { code } } }"""
CHECK_IN = TODAY + D(days=20)


async def _offer(gql, code: str, nights: int = 2) -> dict:
    reply = await gql(
        AVAILABLE,
        {"in": CHECK_IN.isoformat(), "out": (CHECK_IN + D(days=nights)).isoformat()},
    )
    assert reply.errors == [], reply.errors
    return next(o for o in reply.data["availability"] if o["roomType"]["code"] == code)


def _statements(log) -> list[str]:
    return [s for s in log.statements if "inventory_night" in s or "nightly_rate" in s]


async def test_a_repeated_search_reads_no_calendar(gql, hotel):
    first = await _offer(gql, "STD")
    with counting_queries() as log:
        again = await _offer(gql, "STD")
    assert again == first
    assert _statements(log) == []
    # A stay that reaches nights nobody asked for yet reads them.
    with counting_queries() as log:
        await _offer(gql, "STD", nights=4)
    assert len(_statements(log)) == 1


async def test_bookings_and_cancellations_are_in_the_next_answer(gql, hotel, staff):
    agent = await staff("booking_agent")
    before = (await _offer(gql, "STD"))["available"]
    booked = await book(gql, agent.token, hotel.std, CHECK_IN + D(days=1), 2)
    assert (await _offer(gql, "STD"))["available"] == before - 1
    cancelled = await gql(CANCEL, {"id": booked["id"], "reason": "plans changed"},
                          token=agent.token)
    assert cancelled.data["cancelBooking"]["errors"] == []
    assert (await _offer(gql, "STD"))["available"] == before


async def test_a_refused_booking_changes_nothing_kept(gql, hotel, staff):
    agent = await staff("booking_agent")
    await book(gql, agent.token, hotel.single, CHECK_IN, 2)  # its only room
    assert (await _offer(gql, "ONE"))["available"] == 0
    refused = await create(gql, agent.token, hotel.single, CHECK_IN, 2)
    assert [e["code"] for e in refused["errors"]] == ["ROOM_UNAVAILABLE"]
    with counting_queries() as log:
        assert (await _offer(gql, "ONE"))["available"] == 0
    assert _statements(log) == []  # the rolled-back attempt announced nothing


async def test_a_new_rate_is_in_the_next_answer(gql, hotel, staff):
    director = await staff("director")
    before = (await _offer(gql, "STD"))["totalAmount"]
    reply = await gql(
        SET_RATES,
        {"rt": hotel.std, "a": CHECK_IN.isoformat(), "b": (CHECK_IN + D(days=1)).isoformat(),
         "amount": "999.00"},
        token=director.token,
    )
    assert reply.data["setNightlyRates"] == {"nightsPriced": 1, "errors": []}
    after = (await _offer(gql, "STD"))["totalAmount"]
    assert Decimal(after) == Decimal(before) - Decimal("500.00") + Decimal("999.00")


async def test_another_process_change_is_forgotten_when_announced(gql, hotel):
    """What the Redis relay delivers for a booking committed by another API process."""
    before = (await _offer(gql, "STD"))["available"]
    await InventoryNight.filter(room_type_id=hotel.pks['STD'], date=CHECK_IN).update(sold=1)
    assert (await _offer(gql, "STD"))["available"] == before  # kept: nobody announced it yet
    broker._run_hooks(sale_calendar.subject(hotel.pks['STD'], [CHECK_IN]), broker.change_hooks)
    assert (await _offer(gql, "STD"))["available"] == before - 1


async def test_an_unannounced_change_is_read_after_the_keeping_time(gql, hotel):
    before = (await _offer(gql, "STD"))["available"]
    await InventoryNight.filter(room_type_id=hotel.pks['STD'], date=CHECK_IN).update(sold=1)
    kept = sale_calendar.calendar._nights
    for key, (stored, free, rate) in list(kept.items()):  # aged, not waited for
        kept[key] = (stored - sale_calendar.KEEP_SECONDS - 0.1, free, rate)
    assert (await _offer(gql, "STD"))["available"] == before - 1


async def test_a_read_that_raced_with_a_change_is_not_kept(hotel):
    calendar = sale_calendar.calendar
    room_type_id, days = hotel.pks['STD'], [CHECK_IN]
    generation = calendar.generation
    calendar.forget(sale_calendar.subject(room_type_id, days))  # announced meanwhile
    calendar.keep([room_type_id], days, {room_type_id: {CHECK_IN: 3}}, {room_type_id: {}},
                  generation)
    assert calendar.read([room_type_id], days) is None



@pytest.mark.skipif(redis_missing() is not None, reason=redis_missing() or "")
async def test_redis_relays_another_process_change(gql, hotel):
    async with redis_broker() as relay:
        before = (await _offer(gql, "STD"))["available"]  # subscribes this process
        await InventoryNight.filter(room_type_id=hotel.pks['STD'], date=CHECK_IN).update(sold=1)
        await asyncio.wait_for(relay._access_subscribed.wait(), timeout=5)
        # Another process's announcement: published on the channel, not through this process.
        await relay._redis.publish(
            broker.CHANGE_CHANNEL, sale_calendar.subject(hotel.pks['STD'], [CHECK_IN])
        )
        for _ in range(200):  # bounded: 2 s at most
            if (await _offer(gql, "STD"))["available"] == before - 1:
                break
            await asyncio.sleep(0.01)
        assert (await _offer(gql, "STD"))["available"] == before - 1


@pytest.mark.skipif(redis_missing() is not None, reason=redis_missing() or "")
def test_two_api_processes_answer_a_booking_made_through_either(tmp_path):
    """`hotel serve --workers 2` with Redis: once a booking is confirmed, every answer of either
    process shows it within moments (long before the keeping time could have)."""
    redis = RedisServer()
    redis.start()
    server = ApiServer(
        tmp_path, workers=2, BUDGET_ANONYMOUS_PER_MINUTE="100000000", REDIS_URL=redis.url
    )
    agent = ApiClient(server.base)
    try:
        server.wait_ready()
        assert agent.login().status_code == 200
        check_in = dt.date.today() + dt.timedelta(days=30)
        stay = {"in": check_in.isoformat(), "out": (check_in + dt.timedelta(days=1)).isoformat()}

        def free(_: int) -> int:  # a new connection each time, so both processes answer
            reply = httpx.post(f"{server.base}/graphql", timeout=10,
                               json={"query": AVAILABLE, "variables": stay}).json()
            return next(o["available"] for o in reply["data"]["availability"]
                        if o["roomType"]["code"] == "STD")

        with ThreadPoolExecutor(max_workers=8) as pool:
            (before,) = set(pool.map(free, range(48)))  # both processes keep these nights now
            booked = agent.book(check_in, room_code="STD").json()["data"]["createBooking"]
            assert booked["errors"] == []
            booked_at = time.monotonic()
            answers = set(pool.map(free, range(48)))
            # Redis relays in milliseconds: well within a second, and long before the keeping
            # time would have let a process forget on its own.
            while answers != {before - 1} and time.monotonic() - booked_at < 1:
                answers = set(pool.map(free, range(16)))
        assert answers == {before - 1}
        assert time.monotonic() - booked_at < sale_calendar.KEEP_SECONDS
        counted = {p.name.split("_")[-1] for p in (tmp_path / "prometheus").glob("counter_*.db")}
        assert len(counted) == 2  # both processes answered
    finally:
        agent.close()
        server.stop()
        redis.stop()


@pytest.mark.parametrize(
    ("processes", "redis_url", "kept"),
    [("1", None, True), ("", None, True), ("2", None, False), ("2", "redis://127.0.0.1:1/0", True)],
)
def test_processes_that_cannot_hear_each_other_keep_no_nights(
    monkeypatch, settings, processes, redis_url, kept
):
    """Several API processes without Redis would not hear each other's bookings: they read the
    calendar on every search (`hotel serve` tells each process how many there are)."""
    from server import runtime as runtime_module

    monkeypatch.setenv(runtime_module.API_PROCESSES_ENV, processes)
    try:
        runtime_module.configure_domain(settings.model_copy(update={"redis_url": redis_url}))
        assert sale_calendar.calendar.keep_seconds == (sale_calendar.KEEP_SECONDS if kept else 0)
        if not kept:
            calendar, day = sale_calendar.calendar, dt.date(2027, 1, 5)
            calendar.keep([1], [day], {1: {day: 4}}, {1: {}}, calendar.generation)
            assert calendar.read([1], [day]) is None
    finally:
        monkeypatch.delenv(runtime_module.API_PROCESSES_ENV)
        runtime_module.configure_domain(settings)
    assert sale_calendar.calendar.keep_seconds == sale_calendar.KEEP_SECONDS
