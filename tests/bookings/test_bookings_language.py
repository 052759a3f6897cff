"""A guest's voucher and e-mails are written in the guest's language, with money and dates
formatted for it (issue 8, "speaks the guest's language"; P3.1.3 electronic voucher)."""

from __future__ import annotations

import pytest
from booking_support import CREATE, booking_input

from domain import outbox
from domain.models import Booking, OutboxEvent


@pytest.mark.policy("P3.1.3")
async def test_a_chinese_guest_gets_a_chinese_voucher(gql, hotel, guest):
    me = await guest()
    reply = await gql(
        CREATE,
        {"input": await booking_input(hotel.std, channel="ONLINE")},
        token=me.token,
        headers={"Accept-Language": "zh-CN"},
    )
    booking = reply.data["createBooking"]["booking"]
    assert reply.data["createBooking"]["errors"] == []
    assert (await Booking.get(number=booking["number"])).language == "zh-CN"
    [email] = await OutboxEvent.filter(destination=outbox.EMAIL)
    assert email.payload["subject"] == f"预订 {booking['number']} 已确认"
    body = email.payload["body"]
    assert "您的电子凭证：" in body and booking["voucher"]["code"] in body
    assert "¥" in body and "年" in body and "月" in body


async def test_staff_bookings_use_the_hotel_language(gql, hotel, staff):
    agent = await staff("booking_agent")
    reply = await gql(
        CREATE, {"input": await booking_input(hotel.std)}, token=agent.token,
        headers={"Accept-Language": "zh-CN"},
    )
    number = reply.data["createBooking"]["booking"]["number"]
    assert (await Booking.get(number=number)).language == "en"
    [email] = await OutboxEvent.filter(destination=outbox.EMAIL)
    assert email.payload["subject"] == f"Booking {number} confirmed"
    # The staff member still reads their own answer in Chinese.
    refused = await gql(
        CREATE, {"input": await booking_input(hotel.std, guests=99)}, token=agent.token,
        headers={"Accept-Language": "zh-CN"},
    )
    assert "可容纳" in refused.data["createBooking"]["errors"][0]["message"]
